from __future__ import annotations

from cloudwarden.checks.api import CheckContext, Results, check
from cloudwarden.checks.builtin.events._routing import PERMISSIONS, RULE, EventKind, assess_region
from cloudwarden.model import Area, Remediation, Severity

GUARDDUTY_FINDINGS = EventKind(
    name="GuardDuty findings",
    samples=(
        {
            "source": "aws.guardduty",
            "detail-type": "GuardDuty Finding",
            "detail": {
                "schemaVersion": "2.0",
                "type": "UnauthorizedAccess:EC2/SSHBruteForce",
                "severity": 8,
            },
        },
    ),
)


@check(
    title="GuardDuty findings are routed by EventBridge to a responder",
    severity=Severity.MEDIUM,
    area=Area.INCIDENT_RESPONSE,
    resource_type=RULE,
    wa=("SEC10-BP04", "SEC04-BP03"),
    permissions=PERMISSIONS,
    remediation=Remediation(
        text=(
            "A finding nobody receives is a finding nobody acts on. Route GuardDuty findings "
            "from the default event bus to something that pages a human or starts a playbook "
            "(SNS, SQS, Step Functions, Lambda), so containment can begin within minutes."
        ),
        console=(
            "EventBridge > Rules > Create rule on the default bus > Event pattern: AWS services, "
            "GuardDuty, GuardDuty Finding > choose a target (SNS topic, SQS queue, ...)."
        ),
        cli=(
            "aws events put-rule --name guardduty-findings --event-pattern "
            '\'{"source":["aws.guardduty"],"detail-type":["GuardDuty Finding"]}\' && '
            "aws events put-targets --rule guardduty-findings --targets Id=1,Arn=<target-arn>"
        ),
        url="https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings_eventbridge.html",
    ),
)
def events_guardduty_findings_routed(ctx: CheckContext) -> Results:
    """In each region an enabled rule on the default event bus matches a high-severity
    GuardDuty finding event and has at least one target.

    GuardDuty publishes every new finding (and updates) to the default bus of its own
    region with source ``aws.guardduty`` and detail-type ``GuardDuty Finding``. The
    rule's pattern is evaluated with EventBridge's matching rules against such an
    event; filters on fields the sample does not carry are assumed to let some
    findings through. Accounts whose findings are aggregated by a delegated
    administrator may route them there instead; this check looks at each account.
    """
    for account, region in ctx.scopes():
        rules = ctx.related(RULE, account, region)
        yield assess_region(ctx, account, region, GUARDDUTY_FINDINGS, rules)
