"""The principals that stand for every class of outsiders a policy can tell apart.

See ``cloudwarden.iam.access.external`` for the list and why one representative per
class is enough. Each grantee is tried with each organisation context it can have
(none, another organisation, ours) and placed in a zone of trust (``Scope``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from cloudwarden.iam.access.candidates import instantiate
from cloudwarden.iam.access.records import Organization, Scope
from cloudwarden.iam.policy import Policy, Statement
from cloudwarden.iam.request import ContextValue

__all__ = [
    "FRESH_ACCOUNTS",
    "Grantee",
    "OrgOption",
    "account_of",
    "full_context",
    "grantees",
    "label",
    "org_options",
    "scope_of",
]

FRESH_ACCOUNTS = ("999988887777", "999988887766", "999988887755")
OTHER_ORG = "o-cloudwarden0"
_ACCOUNT_RE = re.compile(r"^\d{12}$")
_ARN_ACCOUNT_RE = re.compile(r"^arn:[^:]*:[^:]*:[^:]*:(\d{12}):")


@dataclass(frozen=True, slots=True)
class Grantee:
    label: str
    kind: str  # anonymous, any_account, account, principal, service, federated, canonical
    principals: tuple[str, ...]
    account: str | None = None


@dataclass(frozen=True, slots=True)
class OrgOption:
    context: Mapping[str, ContextValue]
    ours: bool


# -- the principals --------------------------------------------------------------------
def _principal_values(
    policies: Iterable[Policy],
) -> tuple[list[str], list[str], list[str], list[str]]:
    """AWS, Service, Federated and CanonicalUser values the policies name."""
    aws: list[str] = []
    service: list[str] = []
    federated: list[str] = []
    canonical: list[str] = []
    for policy in policies:
        for s in policy.statements:
            for spec in (s.principal, s.not_principal):
                if spec is None:
                    continue
                aws += [a for a in spec.aws if a != "*"]
                service += spec.service
                federated += spec.federated
                canonical += spec.canonical_user
            aws += _condition_principals(s)
    return aws, service, federated, canonical


def _condition_principals(statement: Statement) -> list[str]:
    out: list[str] = []
    for clause in statement.conditions:
        if clause.key_lower in ("aws:principalarn", "aws:principalaccount", "kms:calleraccount"):
            for value in clause.values:
                if value.template is None:
                    out += instantiate(value.raw)
    return out


def account_of(value: str) -> str | None:
    if _ACCOUNT_RE.match(value):
        return value
    found = _ARN_ACCOUNT_RE.match(value)
    return found.group(1) if found else None


def grantees(
    policies: Sequence[Policy], account: str, org: Organization, *, anonymous: bool = True
) -> list[Grantee]:
    """The outsider classes to try, each with its representative principals."""
    aws, service, federated, canonical = _principal_values(policies)
    named_accounts = {a for a in (account_of(v) for v in aws) if a and a != account}
    fresh = next(f for f in FRESH_ACCOUNTS if f not in named_accounts)
    shapes = _shapes(policies)
    out = [Grantee("anyone (anonymous)", "anonymous", ("anonymous",))] if anonymous else []
    out.append(Grantee("any AWS account", "any_account", _kinds_of(fresh, shapes), fresh))
    for named in sorted(named_accounts):
        out.append(Grantee(f"account {named}", "account", _kinds_of(named, shapes), named))
    for value in sorted(set(aws)):
        owner = account_of(value)
        if owner is None or owner == account:
            continue
        if ":role/" in value:
            name = value.rsplit("/", 1)[-1]
            session = f"arn:aws:sts::{owner}:assumed-role/{name}/cloudwarden"
            out.append(Grantee(f"role {value}", "principal", (session,), owner))
        elif ":user/" in value or ":assumed-role/" in value or ":federated-user/" in value:
            out.append(Grantee(f"principal {value}", "principal", (value,), owner))
    out += [Grantee(f"service {s}", "service", (s,)) for s in sorted(set(service))]
    out += [Grantee(f"federated {f}", "federated", (f,)) for f in sorted(set(federated))]
    out += [Grantee(f"canonical user {c}", "canonical", (c,)) for c in sorted(set(canonical))]
    return out


_OUTSIDER = "cloudwarden-outsider"


def _shapes(policies: Iterable[Policy]) -> list[tuple[str, str]]:
    """The principal kinds and names to try in every account: the root user, a user and
    a role session, plus each user and role name that ``aws:username`` or
    ``aws:PrincipalArn`` values name (wildcards instantiated), whatever their account —
    a name pattern under ``arn:aws:iam::*:`` is one anyone can give a principal of
    their own account."""
    shapes = [("root", ""), ("user", _OUTSIDER), ("role", _OUTSIDER)]
    for policy in policies:
        for s in policy.statements:
            for clause in s.conditions:
                if clause.key_lower not in ("aws:username", "aws:principalarn"):
                    continue
                for value in clause.values:
                    if value.template is not None:
                        continue
                    for text in instantiate(value.raw):
                        shapes += _shape_of(clause.key_lower, text)
    return list(dict.fromkeys(shapes))


def _shape_of(key: str, text: str) -> list[tuple[str, str]]:
    if key == "aws:username":
        return [("user", text)]
    resource = text.split(":", 5)[-1]
    kind, _, rest = resource.partition("/")
    name = rest.rsplit("/", 1)[-1]
    return [(kind, name)] if kind in ("user", "role") and name else []


def _kinds_of(account: str, shapes: Sequence[tuple[str, str]]) -> tuple[str, ...]:
    out = []
    for kind, name in shapes:
        if kind == "root":
            out.append(f"arn:aws:iam::{account}:root")
        elif kind == "user":
            out.append(f"arn:aws:iam::{account}:user/{name}")
        else:
            out.append(f"arn:aws:sts::{account}:assumed-role/{name}/cloudwarden")
    return tuple(out)


def _named_orgs(policies: Iterable[Policy], ours: str | None) -> list[str]:
    out = [OTHER_ORG]
    for policy in policies:
        for s in policy.statements:
            for c in s.conditions:
                if c.key_lower == "aws:principalorgid":
                    out += [i for v in c.values if v.template is None for i in instantiate(v.raw)]
    return [o for o in dict.fromkeys(out) if o != ours]


def _named_paths(policies: Iterable[Policy]) -> list[str]:
    return [
        i
        for policy in policies
        for s in policy.statements
        for c in s.conditions
        if c.key_lower == "aws:principalorgpaths"
        for v in c.values
        if v.template is None
        for i in instantiate(v.raw)
    ]


def org_options(grantee: Grantee, policies: Sequence[Policy], org: Organization) -> list[OrgOption]:
    """The organisation contexts the grantee can have: none, another organisation (each
    one the policy names), or ours (each ``PrincipalOrgPaths`` value the policy names
    under our id, or the account's real path)."""
    if grantee.kind in ("anonymous", "service", "federated", "canonical"):
        return [OrgOption({}, False)]
    known = org.id is not None and bool(org.members)
    member = grantee.account in org.members
    outside = [OrgOption({}, False)] + [
        OrgOption({"aws:PrincipalOrgID": o, "aws:PrincipalOrgPaths": [f"{o}/r-other/"]}, False)
        for o in _named_orgs(policies, org.id)
    ]
    if org.id is None or (known and not member and grantee.kind != "any_account"):
        return outside
    paths = [p for p in _named_paths(policies) if p.startswith(f"{org.id}/")]
    paths.append(org.path_of(grantee.account or ""))
    inside = [
        OrgOption({"aws:PrincipalOrgID": org.id, "aws:PrincipalOrgPaths": [p]}, True)
        for p in dict.fromkeys(paths)
    ]
    return inside if member else outside + inside


def full_context(
    context: Mapping[str, ContextValue], option: OrgOption, principal: str, resource_type: str
) -> dict[str, ContextValue]:
    full = {**context, **option.context}
    acct = account_of(principal)
    if resource_type == "AWS::KMS::Key" and acct is not None:
        full["kms:CallerAccount"] = acct
    return full


def _acting_account(context: Mapping[str, ContextValue]) -> str | None:
    """The account a service principal acts for (``aws:SourceAccount`` or the account of
    ``aws:SourceArn``), when the request carries it."""
    lowered = {k.lower(): v for k, v in context.items()}
    source = lowered.get("aws:sourceaccount")
    if isinstance(source, str):
        return source
    arn = lowered.get("aws:sourcearn")
    return account_of(arn) if isinstance(arn, str) else None


def scope_of(
    grantee: Grantee,
    option: OrgOption,
    context: Mapping[str, ContextValue],
    account: str,
    org: Organization,
) -> Scope | None:
    """Where the candidate stands: ``None`` for a request that stays in the account."""
    if grantee.kind == "anonymous":
        return "public"
    if grantee.kind == "any_account":
        return "in_org" if option.ours else "public"
    if grantee.kind in ("account", "principal"):
        return "in_org" if option.ours else "outside_org"
    if grantee.kind == "service":
        acting = _acting_account(context)
        lowered = {k.lower(): v for k, v in context.items()}
        if acting == account:
            return None
        if acting in org.members or (org.id and lowered.get("aws:sourceorgid") == org.id):
            return "in_org"
        return "outside_org"
    return "outside_org"


def label(grantee: Grantee, option: OrgOption, context: Mapping[str, ContextValue]) -> str:
    if grantee.kind == "any_account" and option.ours:
        return "any account of the organisation"
    return grantee.label
