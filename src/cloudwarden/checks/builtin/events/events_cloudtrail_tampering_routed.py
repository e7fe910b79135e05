from __future__ import annotations

from cloudwarden.checks.api import CheckContext, Results, check
from cloudwarden.checks.builtin.events._routing import PERMISSIONS, RULE, EventKind, assess_region
from cloudwarden.model import Area, Remediation, Severity

TRAIL = "AWS::CloudTrail::Trail"
TAMPERING = EventKind(
    name="CloudTrail StopLogging/DeleteTrail calls",
    samples=tuple(
        {
            "source": "aws.cloudtrail",
            "detail-type": "AWS API Call via CloudTrail",
            "detail": {"eventSource": "cloudtrail.amazonaws.com", "eventName": name},
        }
        for name in ("StopLogging", "DeleteTrail")
    ),
)


@check(
    title="Calls that stop or delete a CloudTrail trail are routed by EventBridge to a responder",
    severity=Severity.MEDIUM,
    area=Area.INCIDENT_RESPONSE,
    resource_type=RULE,
    requires=(TRAIL,),
    wa=("SEC10-BP04", "SEC04-BP03"),
    permissions=(*PERMISSIONS, "cloudtrail:DescribeTrails"),
    remediation=Remediation(
        text=(
            "Stopping or deleting the trail is how an intruder blinds you before acting; the "
            "response (restart logging, contain the caller) should start on the call itself, "
            "not at the next audit. Route StopLogging and DeleteTrail events to a responder in "
            "each trail's home region."
        ),
        console=(
            "EventBridge (trail's home region) > Rules > Create rule on the default bus > pattern: "
            "source aws.cloudtrail, detail-type AWS API Call via CloudTrail, eventName StopLogging, "
            "DeleteTrail > choose a target."
        ),
        cli=(
            "aws events put-rule --name cloudtrail-tampering --region <trail-home-region> "
            '--event-pattern \'{"source":["aws.cloudtrail"],"detail-type":["AWS API Call via '
            'CloudTrail"],"detail":{"eventName":["StopLogging","DeleteTrail","UpdateTrail"]}}\' && '
            "aws events put-targets --rule cloudtrail-tampering --region <trail-home-region> "
            "--targets Id=1,Arn=<target-arn>"
        ),
        url="https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event.html",
    ),
)
def events_cloudtrail_tampering_routed(ctx: CheckContext) -> Results:
    """In each region that is home to one of the account's own trails, enabled rules on the
    default bus route both ``StopLogging`` and ``DeleteTrail`` API calls to a target.

    A trail can be stopped or deleted only through its home region, and EventBridge
    delivers the resulting "AWS API Call via CloudTrail" event (source
    ``aws.cloudtrail``) to that region's default bus, so that is where the rule must
    be. This is the trigger of the "CloudTrail logging stopped" playbook in
    incident_response.md (section 6). Regions without a trail have nothing to tamper
    with and get no result.
    """
    for account, region in ctx.scopes():
        homes = [t for t in ctx.related(TRAIL, account, region) if t.arn.split(":")[4] == account]
        if homes:
            rules = ctx.related(RULE, account, region)
            yield assess_region(ctx, account, region, TAMPERING, rules)
