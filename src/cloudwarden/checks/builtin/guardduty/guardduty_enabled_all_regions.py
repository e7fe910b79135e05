from __future__ import annotations

from cloudwarden.checks.api import CheckContext, Results, check
from cloudwarden.model import Area, Remediation, Severity, Status

DETECTOR = "AWS::GuardDuty::Detector"


@check(
    title="GuardDuty has an enabled detector in every scanned region",
    severity=Severity.HIGH,
    area=Area.DETECTION,
    resource_type=DETECTOR,
    wa=("SEC04-BP01", "SEC04-BP02"),
    permissions=("guardduty:ListDetectors", "guardduty:GetDetector"),
    remediation=Remediation(
        text=(
            "GuardDuty is regional: a region without a detector produces no findings, so an "
            "attacker who launches instances or uses stolen keys there goes unseen. Enable it in "
            "every region, including the ones you do not use (ideally from a delegated "
            "administrator with auto-enable for the organisation)."
        ),
        console="GuardDuty console > switch to the region > Get started > Enable GuardDuty.",
        cli="aws guardduty create-detector --enable --region <region>",
        url="https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_settingup.html",
    ),
)
def guardduty_enabled_all_regions(ctx: CheckContext) -> Results:
    """Each scanned (account, region) has a GuardDuty detector whose ``Status`` is ENABLED.

    One result per region. A region where ``ListDetectors`` returned nothing fails;
    a suspended detector (``Status`` DISABLED) fails too, because it analyses nothing.
    Regions whose detectors could not be listed are skipped here and reported
    NOT_ASSESSED by the runner.
    """
    for account, region in ctx.scopes():
        detectors = ctx.related(DETECTOR, account, region)
        enabled = [d for d in detectors if d.data.get("Status") == "ENABLED"]
        if enabled:
            reason = f"detector {enabled[0].id} is enabled in {region}"
            yield ctx.scope_result(Status.PASS, account, region, reason)
        elif any("Detector" in d.data.get("_errors", {}) for d in detectors):
            reason = f"detector settings in {region} could not be read"
            yield ctx.scope_result(Status.NOT_ASSESSED, account, region, reason)
        elif detectors:
            reason = f"detector {detectors[0].id} in {region} is suspended (Status DISABLED)"
            yield ctx.scope_result(Status.FAIL, account, region, reason)
        else:
            yield ctx.scope_result(
                Status.FAIL, account, region, f"GuardDuty has no detector in {region}"
            )
