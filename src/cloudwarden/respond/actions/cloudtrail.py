"""CloudTrail: turn logging back on, and put a weakened trail's settings back.

An attacker who stops a trail, narrows its event selectors, turns off log-file
validation or points it at another bucket blinds the defenders (GuardDuty
``Stealth:IAMUser/CloudTrailLoggingDisabled``). AWS's playbook restarts logging
at once and restores the trail from a known-good baseline; management events of
the blind window remain in CloudTrail Event history (90 days).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cloudwarden.aws.session import AwsContext
from cloudwarden.respond.actions._regional import REGION, region_of
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

_TRAIL = ParamSpec("trail_name", str, required=True, help="trail name or ARN")

TRAIL_SETTINGS = {
    "IsMultiRegionTrail": "IsMultiRegionTrail",
    "LogFileValidationEnabled": "EnableLogFileValidation",
    "IncludeGlobalServiceEvents": "IncludeGlobalServiceEvents",
    "S3BucketName": "S3BucketName",
    "S3KeyPrefix": "S3KeyPrefix",
    "KmsKeyId": "KmsKeyId",
    "CloudWatchLogsLogGroupArn": "CloudWatchLogsLogGroupArn",
    "CloudWatchLogsRoleArn": "CloudWatchLogsRoleArn",
}
"""Trail settings as ``GetTrail`` names them -> the ``UpdateTrail`` parameter that sets them."""
SELECTOR_SETTINGS = ("EventSelectors", "AdvancedEventSelectors")
"""Selector settings as ``GetEventSelectors`` names them (one kind per trail)."""
_CLEARABLE = ("S3KeyPrefix", "KmsKeyId", "CloudWatchLogsLogGroupArn", "CloudWatchLogsRoleArn")


def describe_trail(aws: AwsContext, name: str, region: str) -> dict[str, Any]:
    resp = read_or_none(aws, "cloudtrail", "GetTrail", region, Name=name)
    if resp is None or "Trail" not in resp:
        raise ActionError.not_found(f"trail {name} not found in {region}")
    return dict(resp["Trail"])


def trail_exemption(aws: AwsContext, trail: Mapping[str, Any], region: str) -> str | None:
    arn = str(trail["TrailARN"])
    resp = read(aws, "cloudtrail", "ListTags", region, ResourceIdList=[arn])
    tags: list[Any] = []
    for entry in resp.get("ResourceTagList", []):
        tags.extend(entry.get("TagsList", []))
    return exemption(tags, f"trail {trail['Name']}")


def locate_trail(aws: AwsContext, params: Mapping[str, Any]) -> tuple[dict[str, Any], Target]:
    """The trail and its target in its home region.

    A multi-region trail is visible from every region, but CloudTrail accepts
    ``StartLogging``, ``StopLogging`` and ``UpdateTrail`` only in the region that
    created it, so every later call goes there.
    """
    region = region_of(aws, params)
    trail = describe_trail(aws, str(params["trail_name"]), region)
    home = str(trail.get("HomeRegion") or region)
    return trail, Target(aws.account_id, home, str(trail["TrailARN"]))


# --- logging -------------------------------------------------------------------------


def _logging_state(aws: AwsContext, name: str, region: str) -> dict[str, Any]:
    status = read(aws, "cloudtrail", "GetTrailStatus", region, Name=name)
    return {"is_logging": bool(status.get("IsLogging"))}


@action
class StartLoggingAction(Action):
    """Start a stopped trail logging again.

    Rollback is possible (``StopLogging``) because the engine must be able to undo
    any reversible step, but stopping a trail is what an attacker does: roll this
    back only when the trail was stopped on purpose.
    """

    name = "cloudtrail.start_logging"
    description = "Restart a trail's logging (reversible, though stopping it again blinds you)"
    phase = Phase.CONTAINMENT
    reversible = True
    permissions = (
        "cloudtrail:GetTrail",
        "cloudtrail:GetTrailStatus",
        "cloudtrail:ListTags",
        "cloudtrail:StartLogging",
        "cloudtrail:StopLogging",
    )
    params = (_TRAIL, REGION)

    def plan(self, aws: AwsContext, params: Mapping[str, Any]) -> ActionPlan:
        p = self.checked_params(params)
        trail, target = locate_trail(aws, p)
        state = _logging_state(aws, target.resource, target.region)
        calls = []
        if not state["is_logging"]:
            calls.append(mutate("cloudtrail", "StartLogging", target.region, Name=target.resource))
        return self.make_plan(
            target,
            p,
            calls,
            state,
            f"start logging on trail {trail['Name']}",
            exempt=trail_exemption(aws, trail, target.region),
        )

    def observe(self, aws: AwsContext, target: Target, params: Mapping[str, Any]) -> dict[str, Any]:
        return _logging_state(aws, target.resource, target.region)

    def rollback_calls(self, aws: AwsContext, result: ActionResult) -> tuple[ApiCall, ...]:
        target = result.target
        return (mutate("cloudtrail", "StopLogging", target.region, Name=target.resource),)


# --- settings ------------------------------------------------------------------------


def trail_settings(aws: AwsContext, trail: Mapping[str, Any], region: str) -> dict[str, Any]:
    """The trail's restorable settings, in the shape ``restore_trail`` takes them."""
    settings: dict[str, Any] = {k: trail.get(k) for k in TRAIL_SETTINGS}
    selectors = read(aws, "cloudtrail", "GetEventSelectors", region, TrailName=trail["TrailARN"])
    for key in SELECTOR_SETTINGS:
        if selectors.get(key):
            settings[key] = selectors[key]
    return settings


def _same(key: str, wanted: Any, current: Any) -> bool:
    if key in _CLEARABLE:
        return (wanted or None) == (current or None)
    return bool(wanted == current)


def _restore_calls(
    trail: Mapping[str, Any], current: Mapping[str, Any], wanted: Mapping[str, Any], region: str
) -> list[ApiCall]:
    """``UpdateTrail`` for the differing trail settings and ``PutEventSelectors`` if needed.

    A setting ``wanted`` leaves out is left alone; one given as None (or "") is
    cleared, which CloudTrail does for the optional ones when given an empty string.
    """
    update: dict[str, Any] = {}
    for key, param in TRAIL_SETTINGS.items():
        if key in wanted and not _same(key, wanted[key], current.get(key)):
            value = wanted[key]
            if value is None and key not in _CLEARABLE:
                continue
            update[param] = "" if value is None else value
    calls = []
    arn = trail["TrailARN"]
    if update:
        calls.append(mutate("cloudtrail", "UpdateTrail", region, Name=arn, **update))
    for key in SELECTOR_SETTINGS:
        if wanted.get(key) and wanted[key] != current.get(key):
            calls.append(
                mutate(
                    "cloudtrail", "PutEventSelectors", region, TrailName=arn, **{key: wanted[key]}
                )
            )
            break
    return calls


@action
class RestoreTrailAction(Action):
    """Put a trail's settings back to a known-good baseline given as ``settings``.

    ``settings`` uses the names ``GetTrail`` and ``GetEventSelectors`` answer with
    (``IsMultiRegionTrail``, ``LogFileValidationEnabled``, ``S3BucketName``,
    ``S3KeyPrefix``, ``KmsKeyId``, ``IncludeGlobalServiceEvents``, the CloudWatch
    Logs pair, ``EventSelectors`` or ``AdvancedEventSelectors``), so a before-state
    journaled by cloudwarden or a snapshot's trail record can be passed as is. Only
    the settings given are compared and restored. Restoring the CloudWatch Logs
    role passes it to CloudTrail, hence ``iam:PassRole``. Rollback restores the
    settings the trail had before; event selectors are put back when the trail had
    any (every AWS trail has at least the default one).
    """

    name = "cloudtrail.restore_trail"
    description = "Restore a trail's settings from a baseline (reversible)"
    phase = Phase.RECOVERY
    reversible = True
    permissions = (
        "cloudtrail:GetTrail",
        "cloudtrail:GetEventSelectors",
        "cloudtrail:ListTags",
        "cloudtrail:UpdateTrail",
        "cloudtrail:PutEventSelectors",
        "iam:PassRole",
    )
    params = (
        _TRAIL,
        ParamSpec("settings", dict, required=True, help="the trail settings to restore"),
        REGION,
    )

    def plan(self, aws: AwsContext, params: Mapping[str, Any]) -> ActionPlan:
        p = self.checked_params(params)
        known = (*TRAIL_SETTINGS, *SELECTOR_SETTINGS)
        unknown = sorted(k for k in p["settings"] if k not in known)
        if unknown:
            raise ActionError(f"{self.name}: unknown trail setting(s) {', '.join(unknown)}")
        trail, target = locate_trail(aws, p)
        current = trail_settings(aws, trail, target.region)
        calls = _restore_calls(trail, current, p["settings"], target.region)
        return self.make_plan(
            target,
            p,
            calls,
            {"settings": current},
            f"restore {len(p['settings'])} setting(s) of trail {trail['Name']}",
            exempt=trail_exemption(aws, trail, target.region),
        )

    def observe(self, aws: AwsContext, target: Target, params: Mapping[str, Any]) -> dict[str, Any]:
        trail = describe_trail(aws, target.resource, target.region)
        return {"settings": trail_settings(aws, trail, target.region)}

    def rollback_calls(self, aws: AwsContext, result: ActionResult) -> tuple[ApiCall, ...]:
        assert result.undo is not None
        region = result.target.region
        trail = describe_trail(aws, result.target.resource, region)
        current = trail_settings(aws, trail, region)
        wanted = dict(result.undo["before"]["settings"])
        for key in result.undo["params"]["settings"]:
            wanted.setdefault(key, None)
        return tuple(_restore_calls(trail, current, wanted, region))
