"""ECR repositories: their settings and repository policy.

DescribeRepositories already carries what posture questions need — image scanning on
push (``imageScanningConfiguration``), tag immutability (``imageTagMutability``) and
encryption (``encryptionConfiguration``) — so one detail call per repository
(GetRepositoryPolicy) is all that is added. ``RepositoryPolicyNotFoundException``
there means the repository has no policy, not that collection failed. Images and
their layers are never read.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from cloudwarden.inventory.api import CollectContext, collector
from cloudwarden.model import Resource

REPOSITORY = "AWS::ECR::Repository"


def _jsonable(value: Any) -> Any:
    """botocore returns datetimes; a snapshot must be plain JSON."""

    def encode(obj: Any) -> str:
        return obj.isoformat() if isinstance(obj, (datetime, date)) else str(obj)

    return json.loads(json.dumps(value, default=encode))


@collector(
    service="ecr",
    resource_types=(REPOSITORY,),
    permissions=("ecr:DescribeRepositories", "ecr:GetRepositoryPolicy"),
)
def collect_ecr(ctx: CollectContext) -> Iterator[Resource]:
    repositories = ctx.paginate("ecr", "describe_repositories", "repositories")
    yield from ctx.fan_out(lambda item: _repository(ctx, item), repositories)


def _repository(ctx: CollectContext, item: dict[str, Any]) -> Resource:
    name = str(item["repositoryName"])
    errors: dict[str, str] = {}
    data: dict[str, Any] = _jsonable(item)
    resp = ctx.detail(
        "ecr",
        "get_repository_policy",
        errors,
        "Policy",
        absent=("RepositoryPolicyNotFoundException",),
        repositoryName=name,
        registryId=str(item.get("registryId") or ctx.account),
    )
    data["Policy"] = _parse_policy(resp, errors)
    if errors:
        data["_errors"] = errors
    arn = str(item.get("repositoryArn") or ctx.arn("ecr", f"repository/{name}"))
    return ctx.resource(REPOSITORY, arn=arn, id=name, data=data)


def _parse_policy(resp: Any, errors: dict[str, str]) -> dict[str, Any] | None:
    text = resp.get("policyText") if resp else None
    if not text:
        return None
    try:
        return dict(json.loads(text))
    except ValueError as exc:
        errors["Policy"] = f"repository policy is not valid JSON: {exc}"
        return None
