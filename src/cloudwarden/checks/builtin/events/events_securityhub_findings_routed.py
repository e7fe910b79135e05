from __future__ import annotations

from cloudwarden.checks.api import CheckContext, Results, check
from cloudwarden.checks.builtin.events._routing import PERMISSIONS, RULE, EventKind, assess_region
from cloudwarden.model import Area, Remediation, Severity

SECURITYHUB_FINDINGS = EventKind(
    name="Security Hub findings",
    samples=(
        {
            "source": "aws.securityhub",
            "detail-type": "Security Hub Findings - Imported",
            "detail": {
                "findings": [
                    {
                        "Severity": {"Label": "HIGH"},
                        "Workflow": {"Status": "NEW"},
                        "RecordState": "ACTIVE",
                        "Compliance": {"Status": "FAILED"},
                    }
                ]
            },
        },
    ),
)


@check(
    title="Security Hub findings are routed by EventBridge to a responder",
    severity=Severity.MEDIUM,
    area=Area.INCIDENT_RESPONSE,
    resource_type=RULE,
    wa=("SEC10-BP04", "SEC04-BP03"),
    permissions=PERMISSIONS,
    remediation=Remediation(
        text=(
            "Security Hub is where findings from every detector meet; routing its imported "
            "findings to a queue, topic or automation is what turns the feed into response. "
            "Create a default-bus rule for source aws.securityhub with a target."
        ),
        console=(
            "EventBridge > Rules > Create rule on the default bus > Event pattern: AWS services, "
            "Security Hub, Security Hub Findings - Imported > choose a target."
        ),
        cli=(
            "aws events put-rule --name securityhub-findings --event-pattern "
            '\'{"source":["aws.securityhub"],"detail-type":["Security Hub Findings - Imported"]}\' && '
            "aws events put-targets --rule securityhub-findings --targets Id=1,Arn=<target-arn>"
        ),
        url="https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-cwe-integration-types.html",
    ),
)
def events_securityhub_findings_routed(ctx: CheckContext) -> Results:
    """In each region an enabled rule on the default event bus matches an imported
    high-severity Security Hub finding and has at least one target.

    Security Hub sends every new or updated finding to the default bus as source
    ``aws.securityhub``, detail-type ``Security Hub Findings - Imported``, with the
    ASFF findings under ``detail.findings``. Patterns are evaluated with EventBridge's
    matching rules; filters on fields the sample lacks are assumed satisfiable.
    With cross-region aggregation, routing in the aggregation region is what matters.
    """
    for account, region in ctx.scopes():
        rules = ctx.related(RULE, account, region)
        yield assess_region(ctx, account, region, SECURITYHUB_FINDINGS, rules)
