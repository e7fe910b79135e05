"""The Snapshot: everything collected about one or more accounts, serialisable.

Checks, IAM analysis and rules read a Snapshot and never call AWS, so they run
offline on saved data. The file format is gzip-compressed JSON with a format tag
and a version; loading anything else is a ``SnapshotError`` with one clear line.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cloudwarden.fileio import write_atomic
from cloudwarden.model import Resource

FORMAT = "cloudwarden-snapshot"
VERSION = 1
GLOBAL = "global"


class SnapshotError(Exception):
    """A snapshot file cannot be read: missing, corrupt, foreign or of a newer version."""


class CollectionError(BaseModel):
    """Something that could not be collected, and why (AccessDenied, opt-in region, ...).

    ``resource_types`` names what is missing as a consequence, so that checks on
    those types report NOT_ASSESSED with ``reason`` instead of a wrong PASS/FAIL.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    account: str
    region: str
    service: str
    operation: str
    code: str
    reason: str
    resource_types: tuple[str, ...] = ()


class AccountInfo(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    name: str = ""
    is_management: bool = False
    ou_path: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()


class Snapshot(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    format: str = FORMAT
    version: int = VERSION
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    partition: str = "aws"
    organization: dict[str, Any] = Field(default_factory=dict)
    accounts: tuple[AccountInfo, ...] = ()
    resources: tuple[Resource, ...] = ()
    errors: tuple[CollectionError, ...] = ()

    # -- queries -------------------------------------------------------------
    @cached_property
    def _by_type(self) -> dict[str, list[Resource]]:
        index: dict[str, list[Resource]] = {}
        for r in self.resources:
            index.setdefault(r.type, []).append(r)
        return index

    @cached_property
    def _by_arn(self) -> dict[str, Resource]:
        return {r.arn: r for r in self.resources}

    def of_type(
        self, rtype: str, *, account: str | None = None, region: str | None = None
    ) -> list[Resource]:
        found = self._by_type.get(rtype, [])
        if account is None and region is None:
            return list(found)
        return [
            r
            for r in found
            if (account is None or r.account == account) and (region is None or r.region == region)
        ]

    def by_arn(self, arn: str) -> Resource | None:
        return self._by_arn.get(arn)

    def types(self) -> set[str]:
        return set(self._by_type)

    def account(self, account_id: str) -> AccountInfo | None:
        return next((a for a in self.accounts if a.id == account_id), None)

    def missing(self, rtype: str, account: str, region: str) -> CollectionError | None:
        """The error that kept ``rtype`` from being collected in (account, region), if any."""
        for err in self.errors:
            if (
                rtype in err.resource_types
                and err.account == account
                and err.region in (region, GLOBAL, "*")
            ):
                return err
        return None

    def scopes(self, *, regional: bool) -> Iterator[tuple[str, str]]:
        """(account, region) pairs covered: each scanned region, or ``global`` once."""
        for acct in self.accounts:
            if regional:
                for region in acct.regions:
                    yield acct.id, region
            else:
                yield acct.id, GLOBAL

    # -- persistence ---------------------------------------------------------
    def to_bytes(self) -> bytes:
        return gzip.compress(orjson.dumps(self.model_dump(mode="json")), compresslevel=6)

    def save(self, path: str | Path) -> Path:
        """Write atomically (:func:`cloudwarden.fileio.write_atomic`)."""
        target = Path(path)
        write_atomic(target, self.to_bytes())
        return target

    @classmethod
    def load(cls, path: str | Path) -> Snapshot:
        p = Path(path)
        try:
            raw = p.read_bytes()
        except FileNotFoundError:
            raise SnapshotError(f"snapshot file not found: {p}") from None
        except OSError as exc:
            raise SnapshotError(f"cannot read snapshot {p}: {exc.strerror}") from None
        return cls.from_bytes(raw, origin=str(p))

    @classmethod
    def from_bytes(cls, raw: bytes, origin: str = "<bytes>") -> Snapshot:
        try:
            text = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
            doc = orjson.loads(text)
        except (OSError, EOFError, zlib.error, orjson.JSONDecodeError):
            raise SnapshotError(
                f"{origin}: not a cloudwarden snapshot (corrupt or not gzip JSON)"
            ) from None
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise SnapshotError(f"{origin}: not a cloudwarden snapshot (no {FORMAT!r} format tag)")
        version = doc.get("version")
        if not isinstance(version, int) or version > VERSION:
            raise SnapshotError(
                f"{origin}: snapshot version {version!r} is newer than this cloudwarden reads ({VERSION})"
            )
        try:
            return cls.model_validate(doc)
        except ValidationError as exc:
            first = exc.errors()[0]
            loc = ".".join(str(x) for x in first["loc"])
            raise SnapshotError(f"{origin}: invalid snapshot at {loc}: {first['msg']}") from None


def merge(parts: Iterable[Snapshot]) -> Snapshot:
    """Combine per-account snapshots of one organisation scan into one."""
    items = list(parts)
    if not items:
        return Snapshot()
    org: dict[str, Any] = {}
    for s in items:
        org = org or s.organization
    return Snapshot(
        created_at=min(s.created_at for s in items),
        partition=items[0].partition,
        organization=org,
        accounts=tuple(a for s in items for a in s.accounts),
        resources=tuple(r for s in items for r in s.resources),
        errors=tuple(e for s in items for e in s.errors),
    )
