"""Principal checks: which policy types take a Principal, its format, and the grammar
of role trust policies.

Sources: "IAM JSON policy elements: Principal", "Roles terms and concepts" (trust
policies). Federated, service and public principals are in ``checks_trust``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from cloudwarden.iam.validate.model import Category, Issue, JsonPath, PolicyType, validation_check
from cloudwarden.iam.validate.view import PolicyView, StatementView

E, SW, W, S = Category.ERROR, Category.SECURITY_WARNING, Category.WARNING, Category.SUGGESTION
T = PolicyType
PRINCIPAL_KEYS = ("AWS", "Service", "Federated", "CanonicalUser")
_SERVICE_RE = re.compile(
    r"^[a-z0-9][a-z0-9-]*(\.[a-z0-9-]+)*\.(amazonaws\.com(\.cn)?|amazon\.com|api\.aws|"
    r"c2s\.ic\.gov|sc2s\.sgov\.gov)$"
)
_FEDERATED_ARN_RE = re.compile(r"^arn:[a-z-]+:iam::\d{12}:(saml-provider|oidc-provider)/.+$")
DOMAIN_RE = re.compile(r"^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+(/[^\s]*)?$")


def _principal_paths(st: StatementView) -> Iterator[tuple[str, JsonPath]]:
    for element in ("Principal", "NotPrincipal"):
        if st.has(element):
            yield element, (*st.path, element)


@validation_check(
    "UNSUPPORTED_PRINCIPAL",
    E,
    fix="Remove Principal: an identity policy applies to the identity it is attached to.",
    types=(T.IDENTITY,),
)
def unsupported_principal(view: PolicyView) -> Iterator[Issue]:
    """Identity policies cannot name principals; IAM rejects Principal and NotPrincipal."""
    for st in view.statements:
        for element, path in _principal_paths(st):
            yield Issue(path, f"an identity policy cannot have a {element} element")


@validation_check(
    "SCP_SYNTAX_ERROR_PRINCIPAL",
    E,
    fix="Remove the element; use aws:PrincipalArn conditions to exempt principals.",
    types=(T.SCP,),
)
def scp_syntax_error_principal(view: PolicyView) -> Iterator[Issue]:
    """Service control policies apply to every principal of the accounts; they take no Principal."""
    for st in view.statements:
        for element, path in _principal_paths(st):
            yield Issue(path, f"an SCP cannot have a {element} element")


@validation_check(
    "MISSING_PRINCIPAL",
    E,
    fix='Add a Principal element, e.g. {"AWS": "arn:aws:iam::111122223333:root"}.',
    types=(T.RESOURCE, T.TRUST, T.RCP),
)
def missing_principal(view: PolicyView) -> Iterator[Issue]:
    """Resource-based and role trust policies must say whom they apply to."""
    for st in view.statements:
        if not st.has("Principal") and not st.has("NotPrincipal"):
            yield Issue(st.path, "the statement has no Principal")


@validation_check(
    "INVALID_PRINCIPAL_FORMAT",
    E,
    fix='Use "*" or an object such as {"AWS": [...], "Service": [...]}.',
)
def invalid_principal_format(view: PolicyView) -> Iterator[Issue]:
    """A Principal is ``"*"`` or an object keyed by principal type; a bare ARN is not valid."""
    for st in view.statements:
        for element, path in _principal_paths(st):
            value = st.get(element)
            if value != "*" and not isinstance(value, dict):
                yield Issue(path, f'{element} must be "*" or an object keyed by principal type')


@validation_check(
    "INVALID_PRINCIPAL_KEY", E, fix="Use one of AWS, Service, Federated or CanonicalUser."
)
def invalid_principal_key(view: PolicyView) -> Iterator[Issue]:
    """Principal types are AWS, Service, Federated and CanonicalUser (case-sensitive)."""
    for st in view.statements:
        for element, path in _principal_paths(st):
            value = st.get(element)
            if isinstance(value, dict):
                for key in value:
                    if key not in PRINCIPAL_KEYS:
                        yield Issue((*path, key), f"{key!r} is not a principal type")


@validation_check("EMPTY_OBJECT_PRINCIPAL", S, fix="Name at least one principal.")
def empty_object_principal(view: PolicyView) -> Iterator[Issue]:
    """``"Principal": {}`` names nobody, so the statement never applies."""
    for st in view.statements:
        for element, path in _principal_paths(st):
            if st.get(element) == {}:
                yield Issue(path, f"{element} is an empty object")


@validation_check("EMPTY_ARRAY_PRINCIPAL", S, fix="Name at least one principal in the list.")
def empty_array_principal(view: PolicyView) -> Iterator[Issue]:
    """A principal type with an empty list names nobody."""
    for st in view.statements:
        for element, path in _principal_paths(st):
            value = st.get(element)
            if isinstance(value, dict):
                for key, members in value.items():
                    if members == []:
                        yield Issue((*path, key), f"{element}.{key} is an empty list")


@validation_check(
    "ALLOW_WITH_NOT_PRINCIPAL", SW, fix="Use Principal and list the principals to allow."
)
def allow_with_not_principal(view: PolicyView) -> Iterator[Issue]:
    """Allow with NotPrincipal grants every principal not listed, anonymous users included."""
    for st in view.statements:
        if st.allow and st.has("NotPrincipal"):
            yield Issue(
                (*st.path, "NotPrincipal"), "Allow with NotPrincipal allows everyone not listed"
            )


@validation_check(
    "ROLE_TRUST_POLICY_SYNTAX_ERROR_NOTPRINCIPAL", E, fix="Use Principal.", types=(T.TRUST,)
)
def role_trust_notprincipal(view: PolicyView) -> Iterator[Issue]:
    """Role trust policies do not accept NotPrincipal."""
    for st in view.statements:
        if st.has("NotPrincipal"):
            yield Issue((*st.path, "NotPrincipal"), "a role trust policy cannot use NotPrincipal")


@validation_check(
    "ROLE_TRUST_POLICY_SYNTAX_ERROR_RESOURCE",
    E,
    fix="Remove the element; the trust policy always applies to its own role.",
    types=(T.TRUST,),
)
def role_trust_resource(view: PolicyView) -> Iterator[Issue]:
    """A trust policy governs its own role; Resource and NotResource are rejected."""
    for st in view.statements:
        for element in ("Resource", "NotResource"):
            if st.has(element):
                yield Issue((*st.path, element), f"a role trust policy cannot have {element}")


@validation_check(
    "ROLE_TRUST_POLICY_UNSUPPORTED_WILDCARD_IN_PRINCIPAL",
    E,
    fix='Name the accounts or roles; {"AWS": "*"} with conditions if you must trust everyone.',
    types=(T.TRUST,),
)
def role_trust_wildcard(view: PolicyView) -> Iterator[Issue]:
    """IAM rejects ``"Principal": "*"`` in a role trust policy."""
    for st in view.statements:
        if st.get("Principal") == "*":
            yield Issue(
                (*st.path, "Principal"), '"Principal": "*" is not allowed in a role trust policy'
            )


@validation_check(
    "UNSUPPORTED_WILDCARD_IN_PRINCIPAL",
    E,
    fix='Use full principal identifiers; only "*" alone is a valid wildcard.',
)
def unsupported_wildcard_in_principal(view: PolicyView) -> Iterator[Issue]:
    """Principals do not match by pattern: ``role/*`` or ``*.amazonaws.com`` never match."""
    for st in view.statements:
        for element, _ in _principal_paths(st):
            for kind in PRINCIPAL_KEYS:
                for path, value in st.principal_values(kind, element):
                    if (kind != "AWS" or value != "*") and any(c in value for c in "*?"):
                        yield Issue(path, f"{value!r}: {kind} principals take no partial wildcard")


@validation_check(
    "INVALID_SERVICE_PRINCIPAL_FORMAT",
    E,
    fix="Use the service principal, e.g. lambda.amazonaws.com.",
)
def invalid_service_principal_format(view: PolicyView) -> Iterator[Issue]:
    """A service principal is a lower-case DNS name such as ``ec2.amazonaws.com``."""
    for st in view.statements:
        for element, _ in _principal_paths(st):
            for path, value in st.principal_values("Service", element):
                if not any(c in value for c in "*?") and not _SERVICE_RE.match(value):
                    yield Issue(path, f"{value!r} is not a service principal name")


@validation_check(
    "INVALID_ROLE_REFERENCE",
    W,
    fix="Use the role ARN: a unique id breaks when the role is recreated.",
)
def invalid_role_reference(view: PolicyView) -> Iterator[Issue]:
    """A role's unique id (AROA...) in a Principal stops matching once the role is recreated."""
    for st in view.statements:
        for path, value in st.principal_values("AWS"):
            if re.match(r"^AROA[A-Z0-9]{12,}$", value):
                yield Issue(path, f"{value} is a role id, not a role ARN")


@validation_check(
    "INVALID_USER_REFERENCE",
    W,
    fix="Use the user ARN: a unique id breaks when the user is recreated.",
)
def invalid_user_reference(view: PolicyView) -> Iterator[Issue]:
    """A user's unique id (AIDA...) in a Principal stops matching once the user is recreated."""
    for st in view.statements:
        for path, value in st.principal_values("AWS"):
            if re.match(r"^AIDA[A-Z0-9]{12,}$", value):
                yield Issue(path, f"{value} is a user id, not a user ARN")


@validation_check(
    "FEDERATED_PRINCIPAL_NOT_SUPPORTED",
    E,
    fix="Grant federated users through a role they assume, and name that role.",
    types=(T.RESOURCE,),
)
def federated_principal_not_supported(view: PolicyView) -> Iterator[Issue]:
    """Only role trust policies can name a federated identity provider."""
    for st in view.statements:
        for element, _ in _principal_paths(st):
            for path, value in st.principal_values("Federated", element):
                yield Issue(path, f"{value}: a resource policy cannot name a federated principal")


@validation_check(
    "INVALID_FEDERATED_PRINCIPAL_SYNTAX_IN_ROLE_TRUST_POLICY",
    E,
    fix="Use a SAML/OIDC provider ARN (arn:aws:iam::ACCOUNT:oidc-provider/HOST) or a provider domain.",
    types=(T.TRUST,),
)
def invalid_federated_principal(view: PolicyView) -> Iterator[Issue]:
    """A federated principal is a saml-provider / oidc-provider ARN or a provider's domain."""
    for st in view.statements:
        for path, value in st.principal_values("Federated"):
            if not _FEDERATED_ARN_RE.match(value) and not DOMAIN_RE.match(value):
                yield Issue(path, f"{value!r} is neither a provider ARN nor a provider domain")
