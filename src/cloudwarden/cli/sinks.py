"""CLI plumbing shared by ``detect run``, ``detect watch``, ``detect flush`` and ``detect alerts``.

Sinks and the store are built here from the command line's specs (a bad spec is one
:class:`UserError` line before any log is read), and delivery outcomes are reported here:
a sink that fails is a warning, not an error, because its alerts are safe in the spool and
go out with the next delivery or ``cloudwarden detect flush``.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.table import Table

from cloudwarden.cli.common import UserError, stdout
from cloudwarden.detect.alert import alert_id
from cloudwarden.detect.delivery import DeliveryReport, Router, SpoolError, spooled_specs
from cloudwarden.detect.sinks import FileSink, Sink, StoreSink, parse_sink
from cloudwarden.model import Severity


def _warn(text: str) -> None:
    print(f"cloudwarden: warning: {text}", file=sys.stderr)


def build_sinks(specs: Sequence[str] | None, *, store: bool, db: Path | None) -> list[Sink]:
    """Sinks from ``--sink`` specs, plus the store when recording is on."""
    sinks: list[Sink] = []
    for spec in specs or ():
        try:
            sinks.append(parse_sink(spec))
        except ValueError as exc:
            raise UserError(str(exc)) from None
    if store:
        sinks.append(StoreSink(db))
    return sinks


def records_to_store(store: bool | None, db: Path | None) -> bool:
    """``--store`` records, ``--no-store`` does not; unsaid, a ``--db`` means record there."""
    if store is False and db is not None:
        raise UserError("--db names a store to record in; it cannot go with --no-store")
    return bool(store) or db is not None


def check_spool(spool: Path | None) -> None:
    """``--spool`` names a folder (or one to be made): a file in its place is a UserError now,
    not an ``OSError`` ("File exists") once alerts are read and a sink has failed."""
    if spool is None:
        return
    for place in (spool, *spool.parents):
        if place.exists():
            if not place.is_dir():
                where = "" if place == spool else f" ({place} is a file)"
                raise UserError(f"--spool {spool}: not a folder{where}")
            return


def with_ids(alerts: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The alerts, each with its stable ``alert_id`` (computed when the dict lacks one)."""
    out: list[dict[str, Any]] = []
    for a in alerts:
        d = dict(a)
        if not d.get("alert_id"):
            keys = [str(k) for k in d.get("event_ids") or (d.get("event_id", ""),)]
            d["alert_id"] = alert_id(str(d.get("rule_id", "")), keys)
        out.append(d)
    return out


def deliver(router: Router, alerts: Sequence[Mapping[str, Any]], quiet: bool) -> None:
    try:
        reports = router.deliver(alerts)
    except SpoolError as exc:
        raise UserError(str(exc)) from None
    show_reports(reports, router, quiet)


def show_reports(reports: Sequence[DeliveryReport], router: Router, quiet: bool) -> None:
    for r in reports:
        if r.error is not None:
            when = (
                "re-sent on the next delivery or by `cloudwarden detect flush`"
                if r.retryable
                else "trying again will not help until this is fixed; then "
                "`cloudwarden detect flush`"
            )
            _warn(f"{r.error}; {r.pending} alert(s) spooled in {router.spool_dir} ({when})")
        elif not quiet and (r.sent or r.resent):
            extra = f", {r.resent} re-sent from the spool" if r.resent else ""
            print(f"{r.sink}: {r.sent} alert(s) delivered{extra}", file=sys.stderr)


class _Respelled:
    """A sink rebuilt from a spool recorded under another spelling of its spec.

    The router finds a spool by its sink's ``spec``: this one keeps the recorded spelling
    (e.g. ``store:real.db`` from an older cloudwarden, relative) and sends through the
    sink the spec names now (``store:/abs/real.db``).
    """

    def __init__(self, sink: Sink, recorded: str) -> None:
        self._sink = sink
        self.spec = recorded
        self.name = sink.name

    def send(self, alerts: Sequence[Mapping[str, Any]]) -> None:
        self._sink.send(alerts)


def _normalised(spec: str) -> str | None:
    """The spec as its sink spells it (absolute paths), or None if it names no sink."""
    try:
        return parse_sink(spec).spec
    except ValueError:
        return None


def _spooled_sink(sink: Sink, recorded: str) -> Sink:
    if sink.spec == recorded:
        return sink
    if isinstance(sink, FileSink | StoreSink):  # no secret in a path
        _warn(
            f"spool recorded for {recorded!r} (a relative path, from an older cloudwarden); "
            f"delivering to {sink.name}"
        )
    return _Respelled(sink, recorded)


def _flush_targets(specs: Sequence[str] | None, spool_dir: Path) -> list[Sink]:
    """A sink per spool to re-send: every spooled one, or those matching ``specs``.

    A spec matches a spool when both name the same sink once normalised (``file:a.jsonl``
    and ``file:./a.jsonl`` from the same folder, or its absolute path, match).
    """
    recorded = spooled_specs(spool_dir)
    if not specs:
        return [
            _spooled_sink(sink, spec)
            for spec, sink in zip(
                recorded, build_sinks(recorded, store=False, db=None), strict=True
            )
        ]
    targets: dict[str, Sink] = {}
    by_sink = [(spec, _normalised(spec)) for spec in recorded]
    for sink in build_sinks(specs, store=False, db=None):
        matches = [spec for spec, normal in by_sink if normal == sink.spec]
        if not matches:
            _warn(f"nothing in the spool {spool_dir} matches sink {sink.name}")
        for spec in matches:
            targets.setdefault(spec, _spooled_sink(sink, spec))
    return list(targets.values())


def flush(specs: Sequence[str] | None, spool: Path | None, quiet: bool) -> int:
    """Re-send spools (of ``specs``, default every spooled sink); exit code 0, or 2 if any stay."""
    check_spool(spool)
    router = Router([], spool)
    router.sinks = tuple(_flush_targets(specs, router.spool_dir))
    if not router.sinks:
        if not quiet and not specs:
            print(f"nothing spooled in {router.spool_dir}", file=sys.stderr)
        return 0
    try:
        reports = router.flush()
    except SpoolError as exc:
        raise UserError(str(exc)) from None
    show_reports(reports, router, quiet)
    left = sum(r.pending for r in reports if r.error is not None)
    if left:
        raise UserError(f"{left} alert(s) still spooled in {router.spool_dir}")
    return 0


def severity_name(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return Severity.parse(value).value
    except ValueError:
        known = ", ".join(s.value for s in Severity)
        raise UserError(f"unknown severity {value!r} (expected one of: {known})") from None


def parse_since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise UserError(f"--since: not an ISO 8601 time: {value!r}") from None
    return when


def alerts_table(alerts: Sequence[Mapping[str, Any]]) -> Table:
    table = Table("last event", "severity", "title", "account / region", "events")
    table.add_column("alert id", no_wrap=True)
    for a in alerts:
        table.add_row(
            str(a.get("last_time") or a.get("event_time") or "")[:19],
            str(a.get("severity", "")),
            f"{a.get('title', '')} ({a.get('rule_id', '')})",
            f"{a.get('account', '') or '-'} / {a.get('region', '') or '-'}",
            str(a.get("count", 1)),
            str(a.get("alert_id", "")),
        )
    return table


def print_table(table: Table) -> None:
    stdout.print(table)
