from __future__ import annotations

from cloudwarden.checks.api import CheckContext, Results, check
from cloudwarden.checks.builtin.ec2._ec2 import detail_error
from cloudwarden.checks.builtin.elbv2._elbv2 import LOAD_BALANCER, attributes, listeners
from cloudwarden.model import Area, Remediation, Resource, Severity


def _applies(lb: Resource) -> bool:
    """ALBs always log requests; NLBs write access logs only for TLS listeners."""
    kind = lb.data.get("Type")
    if kind == "application":
        return True
    return kind == "network" and any(x.get("Protocol") == "TLS" for x in listeners(lb))


@check(
    title="Load balancers deliver access logs",
    severity=Severity.MEDIUM,
    area=Area.DETECTION,
    resource_type=LOAD_BALANCER,
    wa=("SEC04-BP01",),
    cis=("4.10",),
    permissions=(
        "elasticloadbalancing:DescribeLoadBalancers",
        "elasticloadbalancing:DescribeListeners",
        "elasticloadbalancing:DescribeLoadBalancerAttributes",
    ),
    remediation=Remediation(
        text=(
            "Access logs record every request (client address, path, status, TLS details): "
            "what you need to trace an attack against a web front end. Turn them on with an "
            "S3 bucket whose policy lets Elastic Load Balancing write."
        ),
        console=(
            "EC2 console > Load Balancers > <load balancer> > Attributes > Edit: Monitoring > "
            "Access logs: on, with the S3 location."
        ),
        cli=(
            "aws elbv2 modify-load-balancer-attributes --load-balancer-arn <load-balancer-arn> "
            "--attributes Key=access_logs.s3.enabled,Value=true "
            "Key=access_logs.s3.bucket,Value=<log-bucket>"
        ),
        url="https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html",
    ),
)
def elbv2_access_logging_enabled(ctx: CheckContext) -> Results:
    """The load balancer attribute ``access_logs.s3.enabled`` is ``true``.

    An absent attribute means off, which is AWS's default. Application load balancers
    are always assessed; network load balancers only when they have a TLS listener,
    the only traffic AWS writes NLB access logs for; gateway load balancers have no
    access logs.
    """
    for lb in ctx.resources():
        if not _applies(lb):
            continue
        error = detail_error(lb, "Attributes")
        if error or "Attributes" not in lb.data:
            why = error or "attributes were not collected"
            yield ctx.not_assessed(lb, f"attributes of {lb.name} unknown: {why}")
            continue
        attrs = attributes(lb)
        if attrs.get("access_logs.s3.enabled") == "true":
            target = f"s3://{attrs.get('access_logs.s3.bucket', '')}/{attrs.get('access_logs.s3.prefix', '')}"
            yield ctx.passed(lb, f"{lb.name} delivers access logs to {target.rstrip('/')}")
        else:
            yield ctx.failed(lb, f"{lb.name} has access_logs.s3.enabled false or unset")
