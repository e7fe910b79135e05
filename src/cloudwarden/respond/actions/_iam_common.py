"""What the IAM actions share: naming the principal, reading its ARN, tags and keys.

IAM is a global service; its calls go to the context's default region, which
botocore maps to the partition's IAM endpoint.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from cloudwarden.aws.session import AwsContext, paginate
from cloudwarden.respond.actions.base import ActionError, Target, read

SERVICE_LINKED_PATH = "/aws-service-role/"

_KEYS = {"user": "UserName", "role": "RoleName", "group": "GroupName"}
_PARAMS = {"user": "user_name", "role": "role_name", "group": "group_name"}


@dataclass(frozen=True)
class Principal:
    """An IAM user, role or group, named as the IAM API names it."""

    kind: str  # "user" | "role" | "group"
    name: str

    @property
    def key(self) -> str:
        """The request parameter carrying the name (``UserName``)."""
        return _KEYS[self.kind]

    @property
    def title(self) -> str:
        """The kind as it appears in operation names (``GetUserPolicy``)."""
        return self.kind.capitalize()

    def ref(self) -> dict[str, str]:
        return {self.key: self.name}


@dataclass(frozen=True)
class PrincipalInfo:
    arn: str
    path: str
    tags: list[Mapping[str, Any]] = field(default_factory=list)

    @property
    def service_linked(self) -> bool:
        return self.path.startswith(SERVICE_LINKED_PATH)


def principal_of(params: Mapping[str, Any], kinds: tuple[str, ...]) -> Principal:
    """The one principal the (already validated) params name."""
    for kind in kinds:
        value = params.get(_PARAMS[kind])
        if value is not None:
            return Principal(kind, str(value))
    raise ActionError(f"give one of {', '.join(_PARAMS[k] for k in kinds)}")


def describe_principal(aws: AwsContext, principal: Principal) -> PrincipalInfo:
    """ARN, path and tags of a user/role (``GetUser``/``GetRole`` return the tags) or group."""
    region = aws.default_region
    if principal.kind == "group":
        group = read(aws, "iam", "GetGroup", region, GroupName=principal.name, MaxItems=1)
        return PrincipalInfo(str(group["Group"]["Arn"]), str(group["Group"].get("Path", "/")))
    response = read(aws, "iam", f"Get{principal.title}", region, **principal.ref())
    entity = response[principal.title]
    return PrincipalInfo(str(entity["Arn"]), str(entity.get("Path", "/")), entity.get("Tags", []))


def iam_target(aws: AwsContext, arn: str) -> Target:
    parts = arn.split(":")
    account = parts[4] if len(parts) > 5 and parts[4] else aws.account_id
    return Target(account=account, region=aws.default_region, resource=arn)


def access_key(aws: AwsContext, user_name: str, access_key_id: str) -> dict[str, Any] | None:
    """The user's access key metadata (``Status``, ``CreateDate``), or None."""
    for key in user_access_keys(aws, user_name):
        if key.get("AccessKeyId") == access_key_id:
            return key
    return None


def user_access_keys(aws: AwsContext, user_name: str) -> list[dict[str, Any]]:
    client = aws.client("iam", aws.default_region)
    try:
        keys = paginate(client, "list_access_keys", "AccessKeyMetadata", UserName=user_name)
    except Exception as exc:  # botocore raises non-BotoCoreError types too
        raise ActionError.from_exception(exc, "iam:ListAccessKeys") from None
    return [dict(k) for k in keys]


def policy_document(value: Any) -> dict[str, Any]:
    """An inline policy document as returned by boto3 (decoded) or as raw URL-encoded JSON."""
    if isinstance(value, Mapping):
        return dict(value)
    decoded = json.loads(unquote(str(value)))
    if not isinstance(decoded, dict):
        raise ActionError("inline policy document is not a JSON object")
    return decoded
