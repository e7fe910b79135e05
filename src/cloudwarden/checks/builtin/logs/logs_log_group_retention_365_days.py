from __future__ import annotations

from cloudwarden.checks.api import CheckContext, Results, check
from cloudwarden.model import Area, Remediation, Severity

LOG_GROUP = "AWS::Logs::LogGroup"
MINIMUM_DAYS = 365


@check(
    title="CloudWatch log groups keep events for at least 365 days",
    severity=Severity.LOW,
    area=Area.INCIDENT_RESPONSE,
    resource_type=LOG_GROUP,
    wa=("SEC10-BP03", "SEC04-BP01"),
    permissions=("logs:DescribeLogGroups",),
    remediation=Remediation(
        text=(
            "Intrusions are often found months after they begin; logs that expired after a week "
            "cannot show how the attacker got in. Keep log groups for at least a year (or archive "
            "them to S3 with a lifecycle that does)."
        ),
        console="CloudWatch > Log groups > <log group> > Actions > Edit retention setting > 1 year (or more).",
        cli="aws logs put-retention-policy --log-group-name <log-group> --retention-in-days 365",
        url="https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/Working-with-log-groups-and-streams.html#SettingLogRetention",
    ),
)
def logs_log_group_retention_365_days(ctx: CheckContext) -> Results:
    """Each log group's ``retentionInDays`` is at least 365, or absent.

    CloudWatch Logs deletes events older than the retention setting; a group with no
    ``retentionInDays`` never expires its events. Forensic readiness (SEC10-BP03)
    needs the evidence of an intrusion's start to still exist when it is found.
    """
    for group in ctx.resources():
        days = group.data.get("retentionInDays")
        if days is None:
            yield ctx.passed(group, f"log group {group.id} never expires its events")
        elif int(days) >= MINIMUM_DAYS:
            yield ctx.passed(group, f"log group {group.id} keeps events for {days} days")
        else:
            yield ctx.failed(
                group, f"log group {group.id} deletes events after {days} days (< {MINIMUM_DAYS})"
            )
