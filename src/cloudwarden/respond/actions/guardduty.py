"""GuardDuty: re-enable a suspended detector.

Suspending GuardDuty (``UpdateDetector Enable=false``) stops threat detection in
the region without deleting its findings or settings; attackers do it before
they act (``Stealth`` behaviour). Turning the detector back on resumes analysis
from then on: what happened while it was off is not analysed after the fact.
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
    read_or_none,
)


def describe_detector(aws: AwsContext, detector_id: str, region: str) -> dict[str, Any]:
    resp = read_or_none(aws, "guardduty", "GetDetector", region, DetectorId=detector_id)
    if resp is None:
        raise ActionError.not_found(f"GuardDuty detector {detector_id} not found in {region}")
    return resp


def _state(detector: Mapping[str, Any]) -> dict[str, Any]:
    return {"status": detector.get("Status")}


def _update(detector_id: str, region: str, enable: bool) -> ApiCall:
    return mutate("guardduty", "UpdateDetector", region, DetectorId=detector_id, Enable=enable)


@action
class EnableDetectorAction(Action):
    """Turn a suspended GuardDuty detector back on (``UpdateDetector Enable=true``).

    Rollback suspends it again, which is possible but rarely wanted: do it only when
    the detector had been suspended on purpose.
    """

    name = "guardduty.enable_detector"
    description = "Re-enable a GuardDuty detector (reversible)"
    phase = Phase.RECOVERY
    reversible = True
    permissions = ("guardduty:GetDetector", "guardduty:UpdateDetector")
    params = (ParamSpec("detector_id", str, required=True, help="GuardDuty detector id"), REGION)

    def plan(self, aws: AwsContext, params: Mapping[str, Any]) -> ActionPlan:
        p = self.checked_params(params)
        region = region_of(aws, p)
        detector_id = str(p["detector_id"])
        detector = describe_detector(aws, detector_id, region)
        state = _state(detector)
        calls = [] if state["status"] == "ENABLED" else [_update(detector_id, region, True)]
        arn = f"arn:aws:guardduty:{region}:{aws.account_id}:detector/{detector_id}"
        return self.make_plan(
            Target(aws.account_id, region, arn),
            p,
            calls,
            state,
            f"enable GuardDuty detector {detector_id} in {region}",
            exempt=exemption(detector.get("Tags"), f"detector {detector_id}"),
        )

    def observe(self, aws: AwsContext, target: Target, params: Mapping[str, Any]) -> dict[str, Any]:
        return _state(describe_detector(aws, str(params["detector_id"]), target.region))

    def rollback_calls(self, aws: AwsContext, result: ActionResult) -> tuple[ApiCall, ...]:
        assert result.undo is not None
        return (_update(str(result.undo["params"]["detector_id"]), result.target.region, False),)
