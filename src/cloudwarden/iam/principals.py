"""What kind of principal made a request, parsed once from its identifier.

The forms follow "AWS JSON policy elements: Principal": IAM users
(``arn:aws:iam::ACCT:user/path/name``), roles (``arn:aws:iam::ACCT:role/path/name``),
assumed-role sessions (``arn:aws:sts::ACCT:assumed-role/NAME/SESSION``), federated user
sessions (``arn:aws:sts::ACCT:federated-user/NAME``), the account root user
(``arn:aws:iam::ACCT:root``), service principals (``s3.amazonaws.com``), web-identity and
SAML providers (``Federated``), S3 canonical users and anonymous callers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

__all__ = ["PrincipalInfo", "PrincipalKind", "principal_info"]


class PrincipalKind(StrEnum):
    USER = "user"
    ROLE = "role"
    ROLE_SESSION = "role_session"
    FEDERATED_USER = "federated_user"
    ROOT = "root"
    SERVICE = "service"
    FEDERATED = "federated"
    CANONICAL_USER = "canonical_user"
    ANONYMOUS = "anonymous"


IAM_KINDS = frozenset(
    {
        PrincipalKind.USER,
        PrincipalKind.ROLE,
        PrincipalKind.ROLE_SESSION,
        PrincipalKind.FEDERATED_USER,
        PrincipalKind.ROOT,
    }
)
SESSION_KINDS = frozenset(
    {PrincipalKind.ROLE, PrincipalKind.ROLE_SESSION, PrincipalKind.FEDERATED_USER}
)

_WEB_IDPS = frozenset(
    {
        "accounts.google.com",
        "graph.facebook.com",
        "www.amazon.com",
        "cognito-identity.amazonaws.com",
    }
)
_CANONICAL_RE = re.compile(r"^[0-9a-f]{64}$")
_ACCOUNT_RE = re.compile(r"^\d{12}$")
_SLR_PATH = "/aws-service-role/"
_SLR_PREFIX = "AWSServiceRoleFor"

_PRINCIPAL_TYPE = {
    PrincipalKind.USER: "User",
    PrincipalKind.ROLE: "AssumedRole",
    PrincipalKind.ROLE_SESSION: "AssumedRole",
    PrincipalKind.FEDERATED_USER: "FederatedUser",
    PrincipalKind.ROOT: "Account",
    PrincipalKind.ANONYMOUS: "Anonymous",
}


@dataclass(frozen=True, slots=True)
class PrincipalInfo:
    """The facts about a request's principal that policy evaluation needs.

    ``role_name`` is set for roles and their sessions; ``role_arn`` is the role's ARN
    (without path for sessions, whose ARN does not carry it). ``is_service_linked_role``
    uses the ``/aws-service-role/`` path when known and the ``AWSServiceRoleFor`` name
    prefix otherwise.
    """

    raw: str
    kind: PrincipalKind
    partition: str | None = None
    account: str | None = None
    arn: str | None = None
    name: str | None = None
    role_name: str | None = None
    role_arn: str | None = None
    session_name: str | None = None
    path: str | None = None

    @property
    def is_iam(self) -> bool:
        return self.kind in IAM_KINDS

    @property
    def is_session(self) -> bool:
        return self.kind in SESSION_KINDS

    @property
    def principal_type(self) -> str | None:
        return _PRINCIPAL_TYPE.get(self.kind)

    @property
    def principal_arn(self) -> str | None:
        """The value of ``aws:PrincipalArn``: the role ARN for a role session."""
        if self.kind is PrincipalKind.ROLE_SESSION:
            return self.role_arn
        return self.arn

    @property
    def is_service_linked_role(self) -> bool:
        if self.role_name is None:
            return False
        if self.path is not None and self.path.startswith(_SLR_PATH):
            return True
        return self.role_name.startswith(_SLR_PREFIX)


def _iam_principal(raw: str, partition: str, account: str, resource: str) -> PrincipalInfo:
    if resource == "root":
        return PrincipalInfo(raw, PrincipalKind.ROOT, partition, account, raw)
    kind_word, _, rest = resource.partition("/")
    if not rest:
        return PrincipalInfo(raw, PrincipalKind.ANONYMOUS, partition, account, raw)
    path, _, name = ("/" + rest).rpartition("/")
    path += "/"
    if kind_word == "user":
        return PrincipalInfo(raw, PrincipalKind.USER, partition, account, raw, name, path=path)
    if kind_word == "role":
        return PrincipalInfo(
            raw, PrincipalKind.ROLE, partition, account, raw, name, name, raw, path=path
        )
    return PrincipalInfo(raw, PrincipalKind.ANONYMOUS, partition, account, raw)


def _sts_principal(raw: str, partition: str, account: str, resource: str) -> PrincipalInfo:
    parts = resource.split("/")
    if parts[0] == "assumed-role" and len(parts) >= 3:
        role_name, session = parts[1], "/".join(parts[2:])
        role_arn = f"arn:{partition}:iam::{account}:role/{role_name}"
        return PrincipalInfo(
            raw,
            PrincipalKind.ROLE_SESSION,
            partition,
            account,
            raw,
            role_name,
            role_name,
            role_arn,
            session,
        )
    if parts[0] == "federated-user" and len(parts) >= 2:
        name = "/".join(parts[1:])
        return PrincipalInfo(raw, PrincipalKind.FEDERATED_USER, partition, account, raw, name)
    return PrincipalInfo(raw, PrincipalKind.ANONYMOUS, partition, account, raw)


def _arn_principal(raw: str) -> PrincipalInfo:
    parts = raw.split(":", 5)
    if len(parts) != 6:
        return PrincipalInfo(raw, PrincipalKind.ANONYMOUS)
    _, partition, service, _, account, resource = parts
    if service == "iam" and (":saml-provider/" in raw or ":oidc-provider/" in raw):
        return PrincipalInfo(raw, PrincipalKind.FEDERATED, partition, account, raw)
    if service == "iam":
        return _iam_principal(raw, partition, account, resource)
    if service == "sts":
        return _sts_principal(raw, partition, account, resource)
    return PrincipalInfo(raw, PrincipalKind.ANONYMOUS, partition, account, raw)


@lru_cache(maxsize=65536)
def principal_info(principal: str) -> PrincipalInfo:
    """Classify a principal identifier as given in a request.

    A bare 12-digit account id is read as that account's root user. ``*`` and
    ``anonymous`` mean an unauthenticated caller.
    """
    text = principal.strip()
    if text.startswith("arn:"):
        return _arn_principal(text)
    if _ACCOUNT_RE.match(text):
        return PrincipalInfo(text, PrincipalKind.ROOT, "aws", text, f"arn:aws:iam::{text}:root")
    if text in _WEB_IDPS:
        return PrincipalInfo(text, PrincipalKind.FEDERATED, name=text)
    if text.endswith((".amazonaws.com", ".amazonaws.com.cn")):
        return PrincipalInfo(text, PrincipalKind.SERVICE, name=text.lower())
    if _CANONICAL_RE.match(text):
        return PrincipalInfo(text, PrincipalKind.CANONICAL_USER, name=text)
    return PrincipalInfo(text, PrincipalKind.ANONYMOUS)
