from __future__ import annotations

from cloudwarden.checks.api import CheckContext, CheckResult, Results, check
from cloudwarden.model import Area, Remediation, Resource, Severity, Status

RECORDER = "AWS::Config::ConfigurationRecorder"


@check(
    title="AWS Config records all resource types in every scanned region",
    severity=Severity.MEDIUM,
    area=Area.DETECTION,
    resource_type=RECORDER,
    wa=("SEC04-BP01",),
    cis=("4.3",),
    permissions=(
        "config:DescribeConfigurationRecorders",
        "config:DescribeConfigurationRecorderStatus",
    ),
    remediation=Remediation(
        text=(
            "AWS Config's configuration history answers 'what did this security group look like "
            "last Tuesday, and who changed it?' — only for regions and types it records. Record "
            "all supported resource types in every region and keep the recorder running."
        ),
        console="AWS Config > Settings > Edit > Record all resources supported in this region; Recording is on.",
        cli=(
            "aws configservice put-configuration-recorder --configuration-recorder "
            "name=default,roleARN=<config-role-arn> --recording-group allSupported=true,"
            "includeGlobalResourceTypes=true --region <region> && aws configservice "
            "start-configuration-recorder --configuration-recorder-name default --region <region>"
        ),
        url="https://docs.aws.amazon.com/config/latest/developerguide/stop-start-recorder.html",
    ),
)
def config_recorder_enabled_all_regions(ctx: CheckContext) -> Results:
    """Each scanned region has a configuration recorder that records all supported
    resource types and is recording.

    One result per region. "All types" is ``recordingGroup.allSupported`` (the
    ``ALL_SUPPORTED_RESOURCE_TYPES`` strategy); a list of types or an exclusion list
    records less. Recording is ``recording: true`` in the recorder status, and a
    ``lastStatus`` of FAILURE means it is not delivering. Service-linked recorders,
    which record only for their service, never qualify.
    """
    for account, region in ctx.scopes():
        yield _assess(ctx, account, region, ctx.related(RECORDER, account, region))


def _assess(ctx: CheckContext, account: str, region: str, recorders: list[Resource]) -> CheckResult:
    if not recorders:
        return ctx.scope_result(
            Status.FAIL, account, region, f"no AWS Config recorder exists in {region}"
        )
    problems = []
    for rec in recorders:
        problem = _problem(rec)
        if problem is None:
            reason = f"recorder {rec.id} records all resource types in {region}"
            return ctx.scope_result(Status.PASS, account, region, reason)
        problems.append(problem)
    unknown = [p for p in problems if p[0] is Status.NOT_ASSESSED]
    status, reason = (unknown or problems)[0]
    return ctx.scope_result(status, account, region, reason)


def _problem(rec: Resource) -> tuple[Status, str] | None:
    group = rec.data.get("recordingGroup") or {}
    if not group.get("allSupported"):
        return Status.FAIL, f"recorder {rec.id} records only selected resource types"
    status = rec.data.get("RecorderStatus")
    if status is None:
        error = rec.data.get("_errors", {}).get("RecorderStatus", "not collected")
        return Status.NOT_ASSESSED, f"status of recorder {rec.id} unknown: {error}"
    if not status.get("recording"):
        return Status.FAIL, f"recorder {rec.id} is stopped (recording false)"
    if str(status.get("lastStatus", "")).upper() == "FAILURE":
        error = status.get("lastErrorMessage", "lastStatus FAILURE")
        return Status.FAIL, f"recorder {rec.id} is recording but failing: {error}"
    return None
