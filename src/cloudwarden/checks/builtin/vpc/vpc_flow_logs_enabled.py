from __future__ import annotations

from typing import Any

from cloudwarden.checks.api import CheckContext, Results, check
from cloudwarden.checks.builtin.ec2._ec2 import VPC, detail_error
from cloudwarden.model import Area, Remediation, Severity

_CAPTURES_REJECTS = ("ALL", "REJECT")


def _working(flow_log: dict[str, Any]) -> bool:
    """Active, delivering, and capturing rejected traffic (what CIS 4.7 asks for)."""
    return (
        flow_log.get("FlowLogStatus", "ACTIVE") == "ACTIVE"
        and flow_log.get("DeliverLogsStatus", "SUCCESS") != "FAILED"
        and flow_log.get("TrafficType", "ALL") in _CAPTURES_REJECTS
    )


@check(
    title="VPC flow logging is enabled in every VPC",
    severity=Severity.MEDIUM,
    area=Area.DETECTION,
    resource_type=VPC,
    wa=("SEC04-BP01",),
    cis=("4.7",),
    permissions=("ec2:DescribeVpcs", "ec2:DescribeFlowLogs"),
    remediation=Remediation(
        text=(
            "Flow logs record which addresses talked to which, on what port, and whether "
            "the traffic was accepted or rejected: the evidence you need to spot scanning "
            "and exfiltration and to investigate an incident. Create a VPC-level flow log "
            "capturing at least rejected traffic (ALL is better) to CloudWatch Logs or S3."
        ),
        console="VPC console > Your VPCs > <vpc> > Flow logs > Create flow log (Filter: All).",
        cli=(
            "aws ec2 create-flow-logs --resource-type VPC --resource-ids <vpc-id> "
            "--traffic-type ALL --log-destination-type s3 "
            "--log-destination arn:aws:s3:::<flow-log-bucket>"
        ),
        url="https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs.html",
    ),
)
def vpc_flow_logs_enabled(ctx: CheckContext) -> Results:
    """The VPC has a flow log that is active, delivering, and captures rejected traffic.

    Only flow logs whose ``ResourceId`` is the VPC count: subnet- or interface-level
    logs leave the rest of the VPC unrecorded. A log with ``TrafficType`` ``ACCEPT``
    misses the rejected probes CIS 4.7 wants recorded, and one whose
    ``DeliverLogsStatus`` is ``FAILED`` (typically a broken IAM role or bucket policy)
    records nothing.
    """
    for vpc in ctx.resources():
        error = detail_error(vpc, "FlowLogs")
        if error:
            yield ctx.not_assessed(vpc, f"flow logs of {vpc.id} could not be listed: {error}")
            continue
        logs = vpc.data.get("FlowLogs") or []
        working = [f for f in logs if _working(f)]
        if working:
            ids = ", ".join(str(f.get("FlowLogId")) for f in working)
            yield ctx.passed(vpc, f"{vpc.id} has working flow log(s) {ids}")
        elif logs:
            states = "; ".join(
                f"{f.get('FlowLogId')} traffic {f.get('TrafficType')}, status "
                f"{f.get('FlowLogStatus')}, delivery {f.get('DeliverLogsStatus')}"
                for f in logs
            )
            yield ctx.failed(vpc, f"{vpc.id} has no working flow log: {states}")
        else:
            yield ctx.failed(vpc, f"{vpc.id} has no VPC-level flow log")
