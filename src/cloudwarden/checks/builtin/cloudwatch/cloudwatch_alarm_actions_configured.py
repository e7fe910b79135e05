from __future__ import annotations

from cloudwarden.checks.api import CheckContext, CheckResult, Results, check
from cloudwarden.model import Area, Remediation, Resource, Severity

ALARM = "AWS::CloudWatch::Alarm"
TOPIC = "AWS::SNS::Topic"


@check(
    title="CloudWatch alarms have enabled actions that reach a subscriber",
    severity=Severity.MEDIUM,
    area=Area.INCIDENT_RESPONSE,
    resource_type=ALARM,
    requires=(TOPIC,),
    wa=("SEC10-BP01", "SEC04-BP04"),
    permissions=(
        "cloudwatch:DescribeAlarms",
        "sns:ListTopics",
        "sns:ListSubscriptionsByTopic",
    ),
    remediation=Remediation(
        text=(
            "An alarm that changes state without telling anyone is only a graph. Give each alarm "
            "an ALARM action — usually an SNS topic — and make sure the topic has a confirmed "
            "subscription owned by the people or system that respond."
        ),
        console=(
            "CloudWatch > Alarms > <alarm> > Actions > Edit > Notification: In alarm, send to an SNS "
            "topic; then SNS > Topics > <topic> > Create subscription and confirm it."
        ),
        cli=(
            "aws cloudwatch put-metric-alarm --alarm-name <alarm> ... --actions-enabled "
            "--alarm-actions <sns-topic-arn> && aws sns subscribe --topic-arn <sns-topic-arn> "
            "--protocol email --notification-endpoint <oncall@example.com>"
        ),
        url="https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Notify_Users_Alarm_Changes.html",
    ),
)
def cloudwatch_alarm_actions_configured(ctx: CheckContext) -> Results:
    """Each metric alarm has ``ActionsEnabled`` and at least one ``AlarmActions`` entry that
    delivers: an SNS topic with a confirmed subscription, or a non-SNS action (Auto
    Scaling, EC2, Systems Manager, Lambda) that acts by itself.

    SEC10-BP01 asks that the right people be reachable when an incident starts; an SNS
    subscription is confirmed when its ``SubscriptionArn`` is an ARN rather than
    ``PendingConfirmation``. A topic outside the snapshot (another account, or SNS not
    collected) cannot be verified and makes the alarm NOT_ASSESSED when nothing else
    delivers.
    """
    for alarm in ctx.resources():
        yield _assess(ctx, alarm)


def _assess(ctx: CheckContext, alarm: Resource) -> CheckResult:
    actions = [str(a) for a in alarm.data.get("AlarmActions") or []]
    if not actions:
        return ctx.failed(alarm, f"alarm {alarm.id} has no ALARM action")
    if not alarm.data.get("ActionsEnabled", True):
        return ctx.failed(
            alarm, f"alarm {alarm.id} has its actions disabled (ActionsEnabled false)"
        )
    unknown: list[str] = []
    silent: list[str] = []
    for action in actions:
        if ":sns:" not in action:
            return ctx.passed(alarm, f"alarm {alarm.id} triggers action {action}")
        verdict = _topic_verdict(ctx, action)
        if verdict is True:
            return ctx.passed(alarm, f"alarm {alarm.id} notifies {action}, which has a subscriber")
        (unknown if verdict is None else silent).append(action)
    if unknown:
        return ctx.not_assessed(
            alarm, f"alarm {alarm.id} notifies {unknown[0]}, not in the snapshot"
        )
    return ctx.failed(
        alarm, f"alarm {alarm.id} notifies {silent[0]}, which has no confirmed subscription"
    )


def _topic_verdict(ctx: CheckContext, arn: str) -> bool | None:
    """True: a confirmed subscriber; False: none; None: cannot tell."""
    topic = ctx.snapshot.by_arn(arn)
    if topic is None or topic.type != TOPIC:
        return None
    subs = topic.data.get("Subscriptions")
    if subs is None:
        return None
    return any(str(s.get("SubscriptionArn", "")).startswith("arn:") for s in subs)
