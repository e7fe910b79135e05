from __future__ import annotations

from cloudwarden.checks.api import CheckContext, Results, check
from cloudwarden.checks.builtin.ec2._ec2 import detail_error
from cloudwarden.checks.builtin.elbv2._elbv2 import LOAD_BALANCER
from cloudwarden.model import Area, Remediation, Severity


@check(
    title="Internet-facing application load balancers are protected by an AWS WAF web ACL",
    severity=Severity.MEDIUM,
    area=Area.INFRASTRUCTURE,
    resource_type=LOAD_BALANCER,
    wa=("SEC05-BP04",),
    permissions=("elasticloadbalancing:DescribeLoadBalancers", "wafv2:GetWebACLForResource"),
    remediation=Remediation(
        text=(
            "A web ACL inspects each HTTP request before it reaches the application and can "
            "block common exploits (SQL injection, cross-site scripting, known bad inputs), "
            "bad bots and floods from single sources. Associate a web ACL that uses at least "
            "the AWS managed core rule set with every internet-facing application load balancer."
        ),
        console=(
            "WAF & Shield console > Web ACLs > <web ACL> > Associated AWS resources > Add "
            "AWS resources: choose the load balancer."
        ),
        cli=(
            "aws wafv2 associate-web-acl --web-acl-arn <web-acl-arn> "
            "--resource-arn <load-balancer-arn>"
        ),
        url="https://docs.aws.amazon.com/waf/latest/developerguide/web-acl-associating-aws-resource.html",
    ),
)
def elbv2_internet_facing_waf_attached(ctx: CheckContext) -> Results:
    """An internet-facing application load balancer has a WAFv2 web ACL associated.

    Read from WAFv2 ``GetWebACLForResource`` for the load balancer. Only application
    load balancers can carry a web ACL, and internal ones are not reachable from the
    internet, so other load balancers are not assessed. Associations of the retired
    WAF Classic are not considered.
    """
    for lb in ctx.resources():
        if lb.data.get("Type") != "application" or lb.data.get("Scheme") != "internet-facing":
            continue
        error = detail_error(lb, "WebACL")
        if error or "WebACL" not in lb.data:
            why = error or "web ACL association was not collected"
            yield ctx.not_assessed(lb, f"web ACL of {lb.name} unknown: {why}")
            continue
        acl = lb.data["WebACL"]
        if acl:
            yield ctx.passed(lb, f"{lb.name} is protected by web ACL {acl.get('Name')}")
        else:
            yield ctx.failed(lb, f"internet-facing {lb.name} has no WAF web ACL associated")
