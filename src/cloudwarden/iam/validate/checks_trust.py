"""Trust checks: federated (SAML / OIDC) identities, service principals and principals
open to everyone, in trust and resource policies.

Sources: "IAM JSON policy elements: Principal", "The confused deputy problem",
"Configuring a role for GitHub OIDC identity provider", "Create a role for OpenID Connect
federation", "IAM Roles Anywhere trust model", "AWS global condition context keys".
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from cloudwarden.iam.matching import action_matches
from cloudwarden.iam.validate.checks_principals import DOMAIN_RE
from cloudwarden.iam.validate.model import Category, Issue, JsonPath, PolicyType, validation_check
from cloudwarden.iam.validate.view import PolicyView, StatementView

E, SW, W, S = Category.ERROR, Category.SECURITY_WARNING, Category.WARNING, Category.SUGGESTION
T = PolicyType
GITHUB = "token.actions.githubusercontent.com"
COGNITO = "cognito-identity.amazonaws.com"
SOURCE_KEYS = frozenset(
    {"aws:sourcearn", "aws:sourceaccount", "aws:sourceorgid", "aws:sourceorgpaths"}
)
RESTRICTING_KEYS = SOURCE_KEYS | frozenset(
    {
        "aws:principalorgid", "aws:principalorgpaths", "aws:principalaccount",
        "aws:principalarn", "aws:sourceip", "aws:sourcevpc", "aws:sourcevpce",
        "aws:sourcevpcarn", "aws:userid", "aws:username", "aws:vpceaccount", "aws:vpceorgid",
        "aws:vpceorgpaths", "aws:principalservicename",
    }
)  # fmt: skip


def _federated(st: StatementView) -> list[tuple[JsonPath, str, str]]:
    """Federated principals as (path, kind, host): kind is ``saml`` or ``oidc``."""
    out: list[tuple[JsonPath, str, str]] = []
    for path, value in st.principal_values("Federated"):
        if ":saml-provider/" in value:
            out.append((path, "saml", value))
        elif ":oidc-provider/" in value:
            out.append((path, "oidc", value.split(":oidc-provider/", 1)[1]))
        elif DOMAIN_RE.match(value):
            out.append((path, "oidc", value))
    return out


_STS = ("sts:AssumeRole", "sts:AssumeRoleWithSAML", "sts:AssumeRoleWithWebIdentity")
_ALLOWED_FOR = {
    "saml": "sts:AssumeRoleWithSAML",
    "oidc": "sts:AssumeRoleWithWebIdentity",
    "aws": "sts:AssumeRole",
}


@validation_check(
    "MISMATCHED_ACTION_FOR_PRINCIPAL",
    E,
    fix="Use sts:AssumeRoleWithSAML for SAML, sts:AssumeRoleWithWebIdentity for OIDC, sts:AssumeRole otherwise.",
    types=(T.TRUST,),
)
def mismatched_action_for_principal(view: PolicyView) -> Iterator[Issue]:
    """Each kind of principal assumes a role with its own STS action; the others never match."""
    for st in view.statements:
        fed = {kind for _, kind, _ in _federated(st)}
        others = bool(st.principal_values("AWS") or st.principal_values("Service"))
        kinds = fed | ({"aws"} if others else set())
        if len(kinds) != 1:
            continue
        expected = _ALLOWED_FOR[kinds.pop()]
        for path, action in st.strings("Action"):
            if action.lower() in (a.lower() for a in _STS) and action.lower() != expected.lower():
                yield Issue(path, f"{action} does not apply to this principal; it uses {expected}")


@validation_check(
    "MISSING_ACTION_FOR_ROLES_ANYWHERE_TRUST_POLICY",
    E,
    fix="Allow sts:AssumeRole, sts:SetSourceIdentity and sts:TagSession.",
    types=(T.TRUST,),
)
def missing_action_for_roles_anywhere(view: PolicyView) -> Iterator[Issue]:
    """IAM Roles Anywhere needs sts:AssumeRole, sts:SetSourceIdentity and sts:TagSession."""
    for st in view.statements:
        if not any(v == "rolesanywhere.amazonaws.com" for _, v in st.principal_values("Service")):
            continue
        actions = st.values("Action")
        missing = [a for a in ("sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession")
                   if not any(action_matches(p, a) for p in actions)]  # fmt: skip
        if missing:
            yield Issue((*st.path, "Action"), f"Roles Anywhere also needs {', '.join(missing)}")


@validation_check(
    "REDUNDANT_PRINCIPAL_IN_ROLE_TRUST_POLICY",
    S,
    fix="Remove the assumed-role principal; its role already covers every session.",
    types=(T.TRUST,),
)
def redundant_principal_in_trust(view: PolicyView) -> Iterator[Issue]:
    """A role ARN names all its sessions, so listing one of its sessions adds nothing."""
    for st in view.statements:
        values = st.principal_values("AWS")
        roles = set()
        for _, value in values:
            m = re.match(r"^arn:([^:]+):iam::(\d{12}):role/(?:.*/)?([^/]+)$", value)
            if m:
                roles.add((m.group(1), m.group(2), m.group(3)))
        for path, value in values:
            m = re.match(r"^arn:([^:]+):sts::(\d{12}):assumed-role/([^/]+)/.+$", value)
            if m and (m.group(1), m.group(2), m.group(3)) in roles:
                yield Issue(path, f"{value} is a session of a role the statement already names")


def _service_principals(st: StatementView) -> list[tuple[JsonPath, str]]:
    return st.principal_values("Service")


def _only_service_principals(st: StatementView) -> bool:
    return bool(_service_principals(st)) and not any(
        st.principal_values(k) for k in ("AWS", "Federated", "CanonicalUser")
    )


@validation_check(
    "RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL",
    SW,
    fix="Add aws:SourceArn or aws:SourceAccount (or aws:SourceOrgID) naming the resources the service acts for.",
    types=(T.RESOURCE,),
)
def restrict_access_to_service_principal(view: PolicyView) -> Iterator[Issue]:
    """A service principal without a source condition can act for any customer's resource
    (the confused deputy problem)."""
    for st in view.statements:
        if st.allow and _service_principals(st) and not (st.condition_keys() & SOURCE_KEYS):
            yield Issue(
                (*st.path, "Principal", "Service"),
                "the service principal has no aws:SourceArn/aws:SourceAccount condition",
            )


@validation_check(
    "RECOMMENDED_CONDITION_KEY_FOR_SERVICE_PRINCIPAL",
    S,
    fix="Add aws:SourceArn or aws:SourceAccount for services that assume the role on your behalf.",
    types=(T.TRUST,),
)
def recommended_condition_key_for_service_principal(view: PolicyView) -> Iterator[Issue]:
    """A role trusted by a service can be passed to it by others' resources unless a source
    condition pins the resource or account (confused deputy)."""
    for st in view.statements:
        if st.allow and _service_principals(st) and not (st.condition_keys() & SOURCE_KEYS):
            yield Issue(
                (*st.path, "Principal", "Service"),
                "consider aws:SourceArn or aws:SourceAccount for the service principal",
            )


_NOT_FOR_SERVICES = frozenset(
    {"aws:sourceip", "aws:sourcevpc", "aws:sourcevpce", "aws:vpcsourceip", "aws:userid",
     "aws:username", "aws:multifactorauthpresent", "aws:multifactorauthage"}
)  # fmt: skip


@validation_check(
    "UNSUPPORTED_CONDITION_KEY_FOR_SERVICE_PRINCIPAL",
    E,
    fix="Use aws:SourceArn, aws:SourceAccount or aws:SourceOrgID instead.",
)
def unsupported_condition_key_for_service_principal(view: PolicyView) -> Iterator[Issue]:
    """Requests a service principal makes carry no caller IP, VPC, user or MFA keys, so
    conditions on them never hold for it."""
    for st in view.statements:
        if not _only_service_principals(st):
            continue
        for c in st.conditions:
            lower = c.key.lower()
            if lower in _NOT_FOR_SERVICES or lower.startswith("aws:principaltag/"):
                yield Issue(c.path, f"{c.key} is never present for a service principal")


def _public(st: StatementView) -> bool:
    return any(v == "*" for _, v in st.principal_values("AWS"))


@validation_check(
    "ALLOW_PUBLIC_PRINCIPAL_WITHOUT_CONDITION",
    SW,
    fix="Name the accounts, or add aws:PrincipalOrgID / aws:SourceVpce / aws:SourceIp conditions.",
    types=(T.RESOURCE,),
    aws=False,
)
def allow_public_principal_without_condition(view: PolicyView) -> Iterator[Issue]:
    """A ``*`` principal without an account, organisation or network condition makes the
    resource public ("Determining whether a resource is public" in S3 and other services)."""
    for st in view.statements:
        if st.allow and _public(st) and not (st.condition_keys() & RESTRICTING_KEYS):
            yield Issue(
                (*st.path, "Principal"),
                "the statement allows any principal, including anonymous ones",
            )


@validation_check(
    "TRUST_POLICY_OPEN_TO_ANY_ACCOUNT",
    SW,
    fix="Name the trusted accounts or roles, or add aws:PrincipalOrgID / aws:PrincipalArn conditions.",
    types=(T.TRUST,),
    aws=False,
)
def trust_policy_open_to_any_account(view: PolicyView) -> Iterator[Issue]:
    """``{"AWS": "*"}`` in a trust policy lets a principal of any AWS account assume the role."""
    for st in view.statements:
        if st.allow and _public(st) and not (st.condition_keys() & RESTRICTING_KEYS):
            yield Issue(
                (*st.path, "Principal"), "any principal of any AWS account can assume this role"
            )


def _oidc(st: StatementView) -> list[tuple[JsonPath, str]]:
    return [(p, host) for p, kind, host in _federated(st) if kind == "oidc"]


def _keys_with_prefix(st: StatementView, host: str) -> list[str]:
    prefix = host.lower() + ":"
    return [k for k in st.condition_keys() if k.startswith(prefix)]


@validation_check(
    "MISSING_CONDITION_KEY_FOR_OIDC_PRINCIPAL",
    SW,
    fix="Add conditions on the provider's claims, e.g. HOST:aud and HOST:sub.",
    types=(T.TRUST,),
)
def missing_condition_key_for_oidc(view: PolicyView) -> Iterator[Issue]:
    """Without a condition on its claims, any identity the provider issues tokens for can
    assume the role."""
    for st in view.statements:
        if not st.allow:
            continue
        for path, host in _oidc(st):
            if host.lower() != GITHUB and not _keys_with_prefix(st, host):
                yield Issue(path, f"no condition on the claims of {host}")


@validation_check(
    "MISSING_GITHUB_REPO_CONDITION_KEY",
    SW,
    fix="Add StringLike token.actions.githubusercontent.com:sub = repo:OWNER/REPO:ref:refs/heads/BRANCH.",
    types=(T.TRUST,),
)
def missing_github_repo_condition_key(view: PolicyView) -> Iterator[Issue]:
    """Every GitHub Actions workflow of every repository gets tokens from the same issuer;
    only the ``sub`` claim says which repository a token is for."""
    for st in view.statements:
        if not st.allow:
            continue
        for path, host in _oidc(st):
            if host.lower() == GITHUB and f"{GITHUB}:sub" not in st.condition_keys():
                yield Issue(path, "no condition on token.actions.githubusercontent.com:sub")


@validation_check(
    "SPECIFIC_GITHUB_REPO_AND_BRANCH_RECOMMENDED",
    W,
    fix="Name the repository and branch or environment in the sub condition.",
    types=(T.TRUST,),
)
def specific_github_repo_and_branch(view: PolicyView) -> Iterator[Issue]:
    """A wildcard in the GitHub ``sub`` claim lets more repositories or branches in than intended."""
    for st in view.statements:
        for c in st.conditions:
            if c.key.lower() == f"{GITHUB}:sub":
                for path, value in c.values:
                    if isinstance(value, str) and any(ch in value for ch in "*?"):
                        yield Issue(path, f"{value!r} has a wildcard in the GitHub subject")


@validation_check(
    "OIDC_SUBJECT_NOT_RESTRICTED",
    SW,
    fix="Add a HOST:sub condition naming the exact subjects (service accounts, projects) allowed.",
    types=(T.TRUST,),
    aws=False,
)
def oidc_subject_not_restricted(view: PolicyView) -> Iterator[Issue]:
    """An OIDC trust that checks the audience but not the subject, or matches the subject
    with ``*`` alone, trusts every workload the provider serves (every service account of
    an EKS cluster, every GitLab project)."""
    for st in view.statements:
        if not st.allow:
            continue
        for path, host in _oidc(st):
            lower = host.lower()
            if lower in (GITHUB, COGNITO):
                continue
            keys = _keys_with_prefix(st, host)
            if keys and f"{lower}:sub" not in keys:
                yield Issue(path, f"the claims of {host} are checked, but not its subject (sub)")
            elif _any_subject(st, f"{lower}:sub"):
                yield Issue(path, f"the subject (sub) of {host} is matched by * alone")


def _any_subject(st: StatementView, key: str) -> bool:
    values = [v for c in st.conditions if c.key.lower() == key for _, v in c.values]
    return bool(values) and any(v == "*" for v in values)


@validation_check(
    "MISSING_PAIRED_CONDITION_KEYS",
    SW,
    fix="Add cognito-identity.amazonaws.com:aud naming your identity pool.",
    types=(T.TRUST,),
)
def missing_paired_condition_keys(view: PolicyView) -> Iterator[Issue]:
    """``cognito-identity.amazonaws.com:amr`` says how a user signed in, not to which identity
    pool; without ``:aud`` users of any pool in any account qualify."""
    for st in view.statements:
        keys = st.condition_keys()
        if f"{COGNITO}:amr" in keys and f"{COGNITO}:aud" not in keys:
            for c in st.conditions:
                if c.key.lower() == f"{COGNITO}:amr":
                    yield Issue(c.path, f"{c.key} without {COGNITO}:aud")


@validation_check(
    "CONFIRM_AUDIENCE_CLAIM_TYPE",
    S,
    fix="Check whether your provider sends aud as a list; use a set operator only if it does.",
    types=(T.TRUST,),
)
def confirm_audience_claim_type(view: PolicyView) -> Iterator[Issue]:
    """A set operator on an ``aud`` claim only behaves as meant if the provider sends a list."""
    for st in view.statements:
        for c in st.conditions:
            if c.key.lower().endswith(":aud") and c.qualifier is not None:
                yield Issue(c.path, f"{c.operator} on {c.key} assumes a multivalued audience claim")
