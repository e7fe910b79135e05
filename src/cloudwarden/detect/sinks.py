"""Where detection alerts go: stdout, a file, a webhook, Slack, SNS, EventBridge, the store.

A sink takes a batch of alerts as dicts (:meth:`cloudwarden.detect.run.Alert.to_dict`) and
either delivers all of them or raises :class:`SinkError`. The error says whether trying
again can help (``retryable``: a timeout, a 5xx, throttling; not a 404 or a denied
permission) and which alerts are still undelivered (``unsent``), so that the
:class:`~cloudwarden.detect.delivery.Router` retries and spools only those — EventBridge
answers a batch with per-entry failures, and re-sending the entries that did get through
would duplicate them.

Sinks deliver at least once, never exactly once: the receiver (or the store, keyed by
``alert_id``) removes repeats.

On the command line a sink is a spec: ``stdout``, ``file:PATH``, ``webhook:URL``,
``slack:URL``, ``sns:TOPIC_ARN``, ``eventbridge:BUS_NAME_OR_ARN`` or ``store[:PATH]``
(:func:`parse_sink`). A webhook URL is often a secret (a Slack incoming-webhook URL is a
credential), so a sink's ``name``, used in messages, shows the URL's scheme, host and path
with every long path segment (a token) cut to its first characters, and never its user
name, password, query string or fragment; its ``spec`` keeps the full text.

The path of a ``file:`` or ``store:`` sink is made absolute when the sink is built, so its
``spec`` — recorded beside a spool for ``detect flush`` — names the same file from any
working folder.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, Protocol, runtime_checkable
from urllib.parse import urlsplit

import orjson

from cloudwarden.aws.errors import FailureKind, classify
from cloudwarden.aws.session import AwsContext
from cloudwarden.detect.slack import slack_message
from cloudwarden.detect.sources.remote import default_context

__all__ = [
    "SINK_KINDS",
    "EventBridgeSink",
    "FileSink",
    "Sink",
    "SinkError",
    "SlackSink",
    "SnsSink",
    "StdoutSink",
    "StoreSink",
    "WebhookSink",
    "append_lines",
    "parse_sink",
    "slack_message",
    "sns_subject",
]

AlertDict = Mapping[str, Any]
ContextFactory = Callable[[], AwsContext]

SINK_KINDS = ("stdout", "file", "webhook", "slack", "sns", "eventbridge", "store")
EVENT_SOURCE = "cloudwarden"
DETAIL_TYPE = "cloudwarden alert"
#: SNS: "Subjects must be UTF-8 text with no line breaks or control characters, and less than
#: 100 characters long" (Publish API reference)
SUBJECT_MAX = 99
#: EventBridge PutEvents takes at most 10 entries a call
EVENTBRIDGE_BATCH = 10
WEBHOOK_BATCH = 100
_NOT_RETRYABLE = frozenset(
    {
        FailureKind.ACCESS_DENIED,
        FailureKind.NOT_FOUND,
        FailureKind.BAD_CREDENTIALS,
        FailureKind.CONFIG,
        FailureKind.UNSUPPORTED,
        FailureKind.NOT_SUBSCRIBED,
        FailureKind.OPT_IN_REQUIRED,
    }
)


class SinkError(Exception):
    """A sink could not deliver (part of) a batch; the message is one line.

    ``unsent``: the alerts still undelivered (``None``: the whole batch). ``retryable``:
    whether sending again soon can succeed.
    """

    def __init__(
        self,
        message: str,
        *,
        retryable: bool = True,
        unsent: Sequence[AlertDict] | None = None,
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.unsent = unsent


@runtime_checkable
class Sink(Protocol):
    """Delivers alerts somewhere. ``name`` is for people (no secrets); ``spec`` rebuilds it."""

    @property
    def name(self) -> str: ...

    @property
    def spec(self) -> str: ...

    def send(self, alerts: Sequence[AlertDict]) -> None: ...


def _json_line(alert: AlertDict) -> bytes:
    return orjson.dumps(alert, default=str) + b"\n"


def append_lines(path: Path, payload: bytes) -> None:
    """Append whole lines to ``path`` in one ``O_APPEND`` write, then fsync.

    If an earlier writer died mid-line the file does not end in a newline; a newline goes
    first, so the torn line stays on its own and the new lines are intact. Raises OSError.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        size = os.fstat(fd).st_size
        if size:
            with path.open("rb") as fh:
                fh.seek(size - 1)
                if fh.read(1) != b"\n":
                    payload = b"\n" + payload
        view = memoryview(payload)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    finally:
        os.close(fd)


class StdoutSink:
    """JSON Lines on standard output (one alert a line)."""

    name = "stdout"
    spec = "stdout"

    def __init__(self, stream: IO[bytes] | None = None) -> None:
        self._stream = stream

    def send(self, alerts: Sequence[AlertDict]) -> None:
        stream = self._stream if self._stream is not None else sys.stdout.buffer
        try:
            stream.write(b"".join(_json_line(a) for a in alerts))
            stream.flush()
        except (OSError, ValueError) as exc:
            raise SinkError(f"stdout: {exc}", retryable=False) from None


class FileSink:
    """Appends JSON Lines to a file; each batch is one fsynced write of whole lines."""

    def __init__(self, path: str | Path) -> None:
        self.path = _absolute(path)
        self.name = self.spec = f"file:{self.path}"

    def send(self, alerts: Sequence[AlertDict]) -> None:
        try:
            append_lines(self.path, b"".join(_json_line(a) for a in alerts))
        except OSError as exc:
            raise SinkError(f"{self.name}: {exc.strerror or exc}") from None


def _absolute(path: str | Path) -> Path:
    """``path`` made absolute against the working folder, ``.`` and ``..`` resolved.

    Not :meth:`Path.resolve`: symlinks are kept, so ``file:/dev/stdout`` stays itself.
    """
    return Path(os.path.abspath(path))


#: a webhook path segment longer than this may be a token: it is cut to its first
#: :data:`_TOKEN_SHOWN` characters, enough to tell webhooks apart (Slack's
#: ``/services/T0…/B0…/<24-character secret>`` shows as ``/services/T012…/B045…/abcd…``)
_SEGMENT_SHOWN = 8
_TOKEN_SHOWN = 4


def _redacted(url: str) -> str:
    """Scheme, host, port and path, long segments cut; no credentials, query or fragment."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    segments = [
        seg if len(seg) <= _SEGMENT_SHOWN else seg[:_TOKEN_SHOWN] + "…"
        for seg in parts.path.split("/")
    ]
    path = "/".join(segments).rstrip("/")
    extra = "?…" if parts.query or parts.fragment else ""
    return f"{parts.scheme}://{host}{path}{extra}"


def _post_json(name: str, url: str, body: Any, timeout: float) -> None:
    data = orjson.dumps(body, default=str)
    request = urllib.request.Request(
        url,
        data=data,
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "cloudwarden"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        code = exc.code
        raise SinkError(
            f"{name}: HTTP {code} {exc.reason}",
            retryable=code >= 500 or code in (408, 425, 429),
        ) from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise SinkError(f"{name}: cannot reach the endpoint: {reason}") from None


def _check_url(kind: str, url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{kind}: expects an http(s) URL, not {url!r}")
    return url


class WebhookSink:
    """POSTs alerts as a JSON array (at most :data:`WEBHOOK_BATCH` a request)."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.url = _check_url("webhook", url)
        self.timeout = timeout
        self.spec = f"webhook:{url}"
        self.name = f"webhook:{_redacted(url)}"

    def send(self, alerts: Sequence[AlertDict]) -> None:
        for start in range(0, len(alerts), WEBHOOK_BATCH):
            chunk = alerts[start : start + WEBHOOK_BATCH]
            try:
                _post_json(self.name, self.url, [dict(a) for a in chunk], self.timeout)
            except SinkError as exc:
                exc.unsent = alerts[start:]
                raise


class SlackSink:
    """One Slack incoming-webhook message per alert (severity, title, where, rule, runbook)."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.url = _check_url("slack", url)
        self.timeout = timeout
        self.spec = f"slack:{url}"
        self.name = f"slack:{_redacted(url)}"

    def send(self, alerts: Sequence[AlertDict]) -> None:
        for i, alert in enumerate(alerts):
            try:
                _post_json(self.name, self.url, slack_message(alert), self.timeout)
            except SinkError as exc:
                exc.unsent = alerts[i:]
                raise


def _aws_error(name: str, exc: Exception, unsent: Sequence[AlertDict]) -> SinkError:
    failure = classify(exc)
    return SinkError(
        f"{name}: {failure.line()}", retryable=failure.kind not in _NOT_RETRYABLE, unsent=unsent
    )


def _arn_region(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[3] or None if len(parts) > 5 and parts[0] == "arn" else None


def sns_subject(alert: AlertDict) -> str:
    """``[SEVERITY] title``: one line, no control characters, under 100 characters."""
    severity = str(alert.get("severity", "")).upper() or "ALERT"
    raw = f"[{severity}] {alert.get('title') or alert.get('rule_id') or 'cloudwarden alert'}"
    clean = "".join(c if c.isprintable() else " " for c in raw).strip()
    return clean if len(clean) <= SUBJECT_MAX else clean[: SUBJECT_MAX - 1] + "…"


class _AwsSink:
    def __init__(self, kind: str, target: str, aws: AwsContext | ContextFactory | None) -> None:
        self.spec = self.name = f"{kind}:{target}"
        self._aws = aws
        self._client: Any = None

    def _get_client(self, service: str, region: str | None) -> Any:
        if self._client is None:
            aws = self._aws
            ctx = aws if isinstance(aws, AwsContext) else (aws or default_context)()
            self._client = ctx.client(service, region)
        return self._client


class SnsSink(_AwsSink):
    """SNS ``Publish``: one message per alert (its JSON), ``severity`` as a message attribute.

    On a FIFO topic (``….fifo``) the message group is the rule and the deduplication id the
    alert id, so SNS itself drops a repeat sent within its five-minute dedup window.
    """

    def __init__(self, topic_arn: str, aws: AwsContext | ContextFactory | None = None) -> None:
        if not topic_arn.startswith("arn:") or ":sns:" not in topic_arn:
            raise ValueError(f"sns: expects a topic ARN, not {topic_arn!r}")
        super().__init__("sns", topic_arn, aws)
        self.topic_arn = topic_arn

    def send(self, alerts: Sequence[AlertDict]) -> None:
        fifo = self.topic_arn.endswith(".fifo")
        for i, alert in enumerate(alerts):
            params: dict[str, Any] = {
                "TopicArn": self.topic_arn,
                "Subject": sns_subject(alert),
                "Message": orjson.dumps(alert, default=str).decode(),
                "MessageAttributes": {
                    "severity": {
                        "DataType": "String",
                        "StringValue": str(alert.get("severity") or "unknown"),
                    },
                    "rule_id": {
                        "DataType": "String",
                        "StringValue": str(alert.get("rule_id") or "-"),
                    },
                },
            }
            if fifo:
                params["MessageGroupId"] = str(alert.get("rule_id") or "cloudwarden")
                params["MessageDeduplicationId"] = str(alert.get("alert_id") or i)[:128]
            try:
                self._get_client("sns", _arn_region(self.topic_arn)).publish(**params)
            except Exception as exc:  # botocore raises non-BotoCoreError types too
                raise _aws_error(self.name, exc, alerts[i:]) from None


class EventBridgeSink(_AwsSink):
    """EventBridge ``PutEvents`` in batches of ten (source ``cloudwarden``).

    ``PutEvents`` answers HTTP 200 even when some entries failed: ``FailedEntryCount`` and
    each entry's ``ErrorCode`` say which, so only those are reported as unsent.
    """

    def __init__(self, bus: str, aws: AwsContext | ContextFactory | None = None) -> None:
        if not bus:
            raise ValueError("eventbridge: expects an event bus name or ARN")
        super().__init__("eventbridge", bus, aws)
        self.bus = bus

    def _entry(self, alert: AlertDict) -> dict[str, Any]:
        return {
            "Source": EVENT_SOURCE,
            "DetailType": DETAIL_TYPE,
            "Detail": orjson.dumps(alert, default=str).decode(),
            "EventBusName": self.bus,
        }

    def send(self, alerts: Sequence[AlertDict]) -> None:
        client = self._get_client("events", _arn_region(self.bus))
        failed: list[AlertDict] = []
        codes: list[str] = []
        for start in range(0, len(alerts), EVENTBRIDGE_BATCH):
            batch = alerts[start : start + EVENTBRIDGE_BATCH]
            try:
                response = client.put_events(Entries=[self._entry(a) for a in batch])
            except Exception as exc:  # botocore raises non-BotoCoreError types too
                raise _aws_error(self.name, exc, [*failed, *alerts[start:]]) from None
            if not response.get("FailedEntryCount"):
                continue
            for alert, entry in zip(batch, response.get("Entries", []), strict=False):
                if entry.get("ErrorCode"):
                    failed.append(alert)
                    codes.append(str(entry["ErrorCode"]))
        if failed:
            raise SinkError(
                f"{self.name}: {len(failed)} of {len(alerts)} entries failed ({codes[0]})",
                unsent=failed,
            )


class StoreSink:
    """Records alerts in a cloudwarden store (new ones only, by ``alert_id``).

    The store is opened for each batch and closed after, so ``detect alerts`` and other
    readers are not locked out while a long ``detect watch`` runs; a locked store is a
    retryable failure and the alerts wait in the spool like any other sink's.
    """

    def __init__(self, path: str | Path | None = None) -> None:
        from cloudwarden.store import default_path

        self.path = _absolute(path if path is not None else default_path())
        self.spec = f"store:{self.path}"
        self.name = self.spec
        self.recorded = 0

    def send(self, alerts: Sequence[AlertDict]) -> None:
        from cloudwarden.store import Store, StoreError

        try:
            with Store.open(self.path) as store:
                self.recorded += store.record_alerts(alerts)
        except StoreError as exc:
            raise SinkError(str(exc)) from None


def parse_sink(spec: str, aws: AwsContext | ContextFactory | None = None) -> Sink:
    """The sink a spec names; ``ValueError`` with one line on a bad spec.

    AWS sinks get their clients from ``aws`` (default: the caller's default credentials,
    ``AWS_ENDPOINT_URL`` honoured), created on first use.
    """
    kind, sep, target = spec.partition(":")
    kind = kind.strip().lower()
    if kind == "stdout" and not target:
        return StdoutSink()
    if kind == "store":
        return StoreSink(target or None)
    if kind not in SINK_KINDS or not sep or not target:
        raise ValueError(
            f"bad sink {spec!r}: expected stdout, file:PATH, webhook:URL, slack:URL, "
            "sns:TOPIC_ARN, eventbridge:BUS_NAME_OR_ARN or store[:PATH]"
        )
    if kind == "file":
        return FileSink(target)
    if kind == "webhook":
        return WebhookSink(target)
    if kind == "slack":
        return SlackSink(target)
    if kind == "sns":
        return SnsSink(target, aws)
    return EventBridgeSink(target, aws)
