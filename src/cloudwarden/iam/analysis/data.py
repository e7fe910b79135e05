"""The account data an analysis runs on: a snapshot's IAM records, or the JSON that
``aws iam get-account-authorization-details`` prints, turned into the same records.

Both sources end as a ``Snapshot`` holding ``AWS::IAM::User`` / ``Group`` / ``Role`` /
``ManagedPolicy`` resources in the shape the inventory collector stores, so every
decision goes through the one engine (``cloudwarden.iam.account.AccountPolicies``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from cloudwarden.iam.account import AccountPolicies
from cloudwarden.iam.snapshot_policies import GROUP, MANAGED, ROLE, USER
from cloudwarden.inventory.snapshot import GLOBAL, AccountInfo, Snapshot
from cloudwarden.model import Resource

__all__ = [
    "AccountData",
    "AuthorizationDetailsError",
    "account_data_from_snapshot",
    "load_authorization_details",
]

_LISTS = ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")
ADMIN_POLICY_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"
_ADMIN_DOCUMENT = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}


class AuthorizationDetailsError(ValueError):
    """The authorization-details input cannot be read; the message says where and why."""


@dataclass
class AccountData:
    """The IAM data of one or more accounts, ready for analysis.

    ``accounts`` are the accounts whose principals are analysed (sources of escalation
    paths); the snapshot may hold more (their roles and trusts still count as targets).
    ``warnings`` say what the input lacked (an attached managed policy that was not
    included is treated as granting nothing).
    """

    snapshot: Snapshot
    accounts: tuple[str, ...]
    origin: str = "snapshot"
    warnings: list[str] = field(default_factory=list)

    @cached_property
    def policies(self) -> AccountPolicies:
        return AccountPolicies(self.snapshot)

    def principals(self) -> list[Resource]:
        """Users and roles of the analysed accounts, sorted by ARN."""
        scope = set(self.accounts)
        found = [r for r in self.policies.data.principals() if r.account in scope]
        return sorted(found, key=lambda r: r.arn)


def account_data_from_snapshot(snapshot: Snapshot, account: str | None = None) -> AccountData:
    """The analysis data of a collected snapshot: every account, or only ``account``'s
    principals as sources (the whole snapshot still answers cross-account trusts)."""
    if account is not None:
        accounts: tuple[str, ...] = (account,)
    else:
        ids = [a.id for a in snapshot.accounts]
        ids += sorted({r.account for r in snapshot.of_type(USER) + snapshot.of_type(ROLE)})
        accounts = tuple(dict.fromkeys(ids))
    data = AccountData(snapshot, accounts, "snapshot")
    data.snapshot = _with_missing_policies(snapshot, data.warnings)
    return data


def load_authorization_details(
    source: str | Path | bytes | Mapping[str, Any] | Iterable[Mapping[str, Any]],
) -> AccountData:
    """Read the output of ``aws iam get-account-authorization-details``.

    ``source`` is a file path, JSON text, or decoded JSON: one page, a list of pages, or
    pages printed one after the other (``--no-paginate`` runs concatenated). Policy
    documents may be decoded objects (the CLI) or URL-encoded text (the raw API).
    """
    pages = _pages(source)
    merged: dict[str, list[dict[str, Any]]] = {k: [] for k in _LISTS}
    for i, page in enumerate(pages):
        if not isinstance(page, Mapping) or not any(k in page for k in _LISTS):
            raise AuthorizationDetailsError(
                f"page {i}: not get-account-authorization-details output "
                f"(expected one of {', '.join(_LISTS)})"
            )
        for key in _LISTS:
            merged[key].extend(page.get(key) or [])
    resources = _resources(merged)
    accounts = sorted({r.account for r in resources if r.account.isdigit()})
    snapshot = Snapshot(
        accounts=tuple(AccountInfo(id=a) for a in accounts), resources=tuple(resources)
    )
    data = AccountData(snapshot, tuple(accounts), "authorization-details")
    data.snapshot = _with_missing_policies(snapshot, data.warnings)
    return data


def _pages(source: Any) -> list[Any]:
    if isinstance(source, Mapping):
        return [source]
    if isinstance(source, Path) or (
        isinstance(source, str) and not source.lstrip().startswith(("{", "["))
    ):
        path = Path(source)
        try:
            source = path.read_bytes()
        except OSError as exc:
            raise AuthorizationDetailsError(f"cannot read {path}: {exc.strerror}") from None
    if isinstance(source, bytes):
        try:
            source = source.decode("utf-8")
        except UnicodeDecodeError:
            raise AuthorizationDetailsError("authorization details: not UTF-8 text") from None
    if isinstance(source, str):
        return _decode_stream(source)
    return list(source)


def _decode_stream(text: str) -> list[Any]:
    """One JSON value, a list of pages, or several values one after the other."""
    decoder = json.JSONDecoder()
    out: list[Any] = []
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            break
        try:
            value, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise AuthorizationDetailsError(
                f"authorization details: invalid JSON at line {exc.lineno} column {exc.colno}: "
                f"{exc.msg}"
            ) from None
        out.extend(value if isinstance(value, list) else [value])
    if not out:
        raise AuthorizationDetailsError("authorization details: empty input")
    return out


def _document(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    for text in (value, unquote(value)):
        try:
            return json.loads(text)
        except ValueError:
            continue
    return value


def _decoded(item: Mapping[str, Any]) -> dict[str, Any]:
    data = dict(item)
    for key in ("UserPolicyList", "GroupPolicyList", "RolePolicyList"):
        if key in data:
            data[key] = [
                {**p, "PolicyDocument": _document(p.get("PolicyDocument"))} for p in data[key] or []
            ]
    if "AssumeRolePolicyDocument" in data:
        data["AssumeRolePolicyDocument"] = _document(data["AssumeRolePolicyDocument"])
    if "PolicyVersionList" in data:
        data["PolicyVersionList"] = [
            {**v, "Document": _document(v.get("Document"))} for v in data["PolicyVersionList"]
        ]
    return data


def _account_of(arn: str) -> str:
    parts = arn.split(":", 5)
    return parts[4] if len(parts) == 6 else ""


def _resources(merged: dict[str, list[dict[str, Any]]]) -> list[Resource]:
    kinds = (
        ("UserDetailList", USER, "UserName"),
        ("GroupDetailList", GROUP, "GroupName"),
        ("RoleDetailList", ROLE, "RoleName"),
        ("Policies", MANAGED, "PolicyName"),
    )
    out: list[Resource] = []
    seen: set[str] = set()
    for key, rtype, name_key in kinds:
        for item in merged[key]:
            arn = item.get("Arn")
            if not isinstance(arn, str) or arn in seen:
                continue
            seen.add(arn)
            name = str(item.get(name_key) or arn.rsplit("/", 1)[-1])
            account = _account_of(arn)
            out.append(
                Resource(
                    arn=arn,
                    type=rtype,
                    account=account if account.isdigit() else "aws",
                    region=GLOBAL,
                    id=name,
                    name=name,
                    data=_decoded(item),
                )
            )
    return out


def _with_missing_policies(snapshot: Snapshot, warnings: list[str]) -> Snapshot:
    """Add a placeholder for every attached managed policy the input lacks.

    ``AdministratorAccess`` is known (``*`` on ``*``); any other missing policy is
    treated as granting nothing, and a warning names it.
    """
    have = {r.arn for r in snapshot.of_type(MANAGED)}
    wanted: dict[str, str] = {}
    for r in snapshot.of_type(USER) + snapshot.of_type(GROUP) + snapshot.of_type(ROLE):
        for attached in r.data.get("AttachedManagedPolicies") or []:
            wanted.setdefault(str(attached.get("PolicyArn")), r.arn)
        boundary = (r.data.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
        if boundary:
            wanted.setdefault(str(boundary), r.arn)
    extra: list[Resource] = []
    for arn, owner in sorted(wanted.items()):
        if arn in have:
            continue
        known = arn.endswith(":policy/AdministratorAccess") and ":iam::aws:" in arn
        document = _ADMIN_DOCUMENT if known else {"Version": "2012-10-17", "Statement": []}
        if not known:
            warnings.append(
                f"managed policy {arn} (attached to {owner}) is not in the input; "
                "treated as granting nothing"
            )
        name = arn.rsplit("/", 1)[-1]
        extra.append(
            Resource(
                arn=arn,
                type=MANAGED,
                account="aws",
                region=GLOBAL,
                id=name,
                name=name,
                data={
                    "Arn": arn,
                    "PolicyName": name,
                    "DefaultVersionId": "v1",
                    "PolicyVersionList": [
                        {"VersionId": "v1", "IsDefaultVersion": True, "Document": document}
                    ],
                },
            )
        )
    if not extra:
        return snapshot
    fields = {name: getattr(snapshot, name) for name in Snapshot.model_fields}
    fields["resources"] = (*snapshot.resources, *extra)
    return Snapshot.model_construct(**fields)
