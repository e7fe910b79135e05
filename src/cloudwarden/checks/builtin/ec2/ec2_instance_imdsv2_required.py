from __future__ import annotations

from cloudwarden.checks.api import CheckContext, Results, check
from cloudwarden.checks.builtin.ec2._ec2 import INSTANCE, live_instances
from cloudwarden.model import Area, Remediation, Severity


@check(
    title="EC2 instances require IMDSv2 (or have the metadata service turned off)",
    severity=Severity.HIGH,
    area=Area.INFRASTRUCTURE,
    resource_type=INSTANCE,
    wa=("SEC06-BP02",),
    cis=("6.7",),
    permissions=("ec2:DescribeInstances",),
    remediation=Remediation(
        text=(
            "IMDSv1 answers any plain GET, so a server-side request forgery bug or a "
            "misconfigured proxy on the instance can be used to read the instance role's "
            "credentials. IMDSv2 requires a session token obtained with a PUT, which those "
            "attacks cannot send. Require tokens (and set the account default so new "
            "instances start that way)."
        ),
        console=(
            "EC2 console > Instances > <instance> > Actions > Instance settings > Modify "
            "instance metadata options: IMDSv2 = Required."
        ),
        cli=(
            "aws ec2 modify-instance-metadata-options --instance-id <instance-id> "
            "--http-tokens required --http-endpoint enabled"
        ),
        url="https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-IMDS-existing-instances.html",
    ),
)
def ec2_instance_imdsv2_required(ctx: CheckContext) -> Results:
    """``MetadataOptions.HttpTokens`` is ``required``, or ``HttpEndpoint`` is ``disabled``.

    With ``HttpTokens`` ``optional`` the instance still answers IMDSv1 requests, which
    need no token. Turning the endpoint off removes the metadata service altogether,
    which is at least as safe. Terminated instances are skipped.
    """
    for instance in live_instances(ctx):
        options = instance.data.get("MetadataOptions") or {}
        tokens = options.get("HttpTokens", "optional")
        endpoint = options.get("HttpEndpoint", "enabled")
        if endpoint == "disabled":
            yield ctx.passed(instance, f"{instance.id} has the metadata endpoint disabled")
        elif tokens == "required":
            yield ctx.passed(instance, f"{instance.id} requires IMDSv2 session tokens")
        else:
            yield ctx.failed(
                instance,
                f"{instance.id} has HttpTokens {tokens} with the metadata endpoint enabled, "
                "so IMDSv1 requests are answered",
            )
