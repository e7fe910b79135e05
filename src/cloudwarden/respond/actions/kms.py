"""KMS actions: stop a scheduled key deletion, re-enable a key.

A key scheduled for deletion can be saved only during its waiting period (7–30
days); after that every ciphertext under it is lost. ``CancelKeyDeletion``
leaves the key ``Disabled``, so the cancel action also enables it again.
Rolling back re-schedules the deletion: AWS allows that, but it counts a new
waiting period from the rollback, so the deletion date moves (the journal keeps
the original date). AWS managed keys cannot be changed by anyone and are refused.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

from cloudwarden.aws.session import AwsContext
from cloudwarden.respond.actions.base import (
    Action,
    ActionError,
    ActionPlan,
    ActionResult,
    ApiCall,
    ParamSpec,
    Phase,
    Target,
    action,
    exemption,
    mutate,
    read,
    read_or_none,
)

MIN_WINDOW_DAYS = 7
MAX_WINDOW_DAYS = 30

_KEY = ParamSpec("key_id", str, required=True, help="key id, key ARN or alias")
_REGION = ParamSpec(
    "region", str, help="the key's region (default: from the ARN, else the context's)"
)


def _region(aws: AwsContext, params: Mapping[str, Any]) -> str:
    if params.get("region"):
        return str(params["region"])
    key_id = str(params["key_id"])
    parts = key_id.split(":")
    if key_id.startswith("arn:") and len(parts) > 3 and parts[3]:
        return parts[3]
    return aws.default_region


def _metadata(aws: AwsContext, params: Mapping[str, Any]) -> dict[str, Any]:
    found = read(aws, "kms", "DescribeKey", _region(aws, params), KeyId=params["key_id"])
    meta: dict[str, Any] = found["KeyMetadata"]
    if meta.get("KeyManager") == "AWS":
        raise ActionError(f"{meta.get('Arn')} is an AWS managed key, which no one can change")
    return meta


def _tags(aws: AwsContext, region: str, key_id: str) -> list[dict[str, Any]]:
    found = read_or_none(aws, "kms", "ListResourceTags", region, KeyId=key_id)
    return list(found.get("Tags", [])) if found else []


def _state(meta: Mapping[str, Any]) -> dict[str, Any]:
    return {"key_state": meta.get("KeyState"), "deletion_date": meta.get("DeletionDate")}


def _target(aws: AwsContext, meta: Mapping[str, Any], region: str) -> Target:
    return Target(str(meta.get("AWSAccountId") or aws.account_id), region, str(meta["Arn"]))


def _key_id(target: Target) -> str:
    """The key id in a key ARN (the calls name keys by id: every KMS endpoint takes it)."""
    return target.resource.rsplit("/", 1)[-1]


def remaining_window(deletion_date: str | None, now: dt.datetime) -> int:
    """Days left before a scheduled deletion, as a valid ``PendingWindowInDays``."""
    if not deletion_date:
        return MAX_WINDOW_DAYS
    when = dt.datetime.fromisoformat(deletion_date)
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    days = math.ceil((when - now).total_seconds() / 86400)
    return max(MIN_WINDOW_DAYS, min(MAX_WINDOW_DAYS, days))


class _KeyAction(Action):
    params = (_KEY, _REGION)

    def observe(self, aws: AwsContext, target: Target, params: Mapping[str, Any]) -> dict[str, Any]:
        return _state(_metadata(aws, params))

    def _plan(
        self, aws: AwsContext, params: Mapping[str, Any], build: Any, summary: str
    ) -> ActionPlan:
        p = self.checked_params(params)
        region = _region(aws, p)
        meta = _metadata(aws, p)
        key_arn = str(meta["Arn"])
        calls: list[ApiCall] = build(region, str(meta["KeyId"]), meta)
        return self.make_plan(
            _target(aws, meta, region),
            p,
            calls,
            _state(meta),
            summary,
            exempt=exemption(_tags(aws, region, key_arn), key_arn),
        )


@action
class CancelKeyDeletionAction(_KeyAction):
    """Cancel a key's scheduled deletion and enable it again."""

    name = "kms.cancel_key_deletion"
    description = "Cancel a KMS key's scheduled deletion and re-enable it (reversible)"
    phase = Phase.CONTAINMENT
    reversible = True
    permissions = (
        "kms:DescribeKey",
        "kms:ListResourceTags",
        "kms:CancelKeyDeletion",
        "kms:EnableKey",
        "kms:ScheduleKeyDeletion",
    )

    def __init__(self, clock: Any = None) -> None:
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))

    def plan(self, aws: AwsContext, params: Mapping[str, Any]) -> ActionPlan:
        def build(region: str, key_id: str, meta: Mapping[str, Any]) -> list[ApiCall]:
            if meta.get("KeyState") != "PendingDeletion":
                return []
            return [
                mutate("kms", "CancelKeyDeletion", region, KeyId=key_id),
                mutate("kms", "EnableKey", region, KeyId=key_id),
            ]

        return self._plan(aws, params, build, f"cancel the deletion of {params.get('key_id')}")

    def rollback_calls(self, aws: AwsContext, result: ActionResult) -> tuple[ApiCall, ...]:
        assert result.undo is not None
        before = result.undo["before"]
        window = remaining_window(before.get("deletion_date"), self._clock())
        return (
            mutate(
                "kms",
                "ScheduleKeyDeletion",
                result.target.region,
                KeyId=_key_id(result.target),
                PendingWindowInDays=window,
            ),
        )


@action
class EnableKeyAction(_KeyAction):
    """Enable a disabled key (a key pending deletion needs ``kms.cancel_key_deletion``)."""

    name = "kms.enable_key"
    description = "Enable a disabled KMS key (reversible)"
    phase = Phase.RECOVERY
    reversible = True
    permissions = ("kms:DescribeKey", "kms:ListResourceTags", "kms:EnableKey", "kms:DisableKey")

    def plan(self, aws: AwsContext, params: Mapping[str, Any]) -> ActionPlan:
        def build(region: str, key_id: str, meta: Mapping[str, Any]) -> list[ApiCall]:
            state = meta.get("KeyState")
            if state == "Enabled":
                return []
            if state != "Disabled":
                raise ActionError(f"{self.name}: {meta.get('Arn')} is {state}, not Disabled")
            return [mutate("kms", "EnableKey", region, KeyId=key_id)]

        return self._plan(aws, params, build, f"enable key {params.get('key_id')}")

    def rollback_calls(self, aws: AwsContext, result: ActionResult) -> tuple[ApiCall, ...]:
        return (mutate("kms", "DisableKey", result.target.region, KeyId=_key_id(result.target)),)
