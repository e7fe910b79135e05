from __future__ import annotations

from typing import Any

from cloudwarden.checks.api import CheckContext, Results, check
from cloudwarden.checks.builtin.ec2._ec2 import detail_error
from cloudwarden.checks.builtin.elbv2._elbv2 import LOAD_BALANCER, listener_label, listeners
from cloudwarden.model import Area, Remediation, Severity


def _safe(action: dict[str, Any]) -> bool:
    """A redirect to HTTPS or a canned response: nothing reaches a target in clear text.

    ``#{protocol}`` in a redirect keeps the request's own protocol, so it is no upgrade.
    """
    if action.get("Type") == "fixed-response":
        return True
    redirect = action.get("RedirectConfig") or {}
    return action.get("Type") == "redirect" and redirect.get("Protocol") == "HTTPS"


def _plaintext_paths(listener: dict[str, Any]) -> list[str]:
    """How the listener passes requests on unencrypted: 'default action forward', ..."""
    rules = listener.get("Rules")
    if rules is None:
        rules = [{"Priority": "default", "Actions": listener.get("DefaultActions") or []}]
    paths = []
    for rule in rules:
        bad = [str(a.get("Type")) for a in rule.get("Actions") or [] if not _safe(a)]
        if bad:
            where = (
                "default action"
                if rule.get("Priority") == "default"
                else f"rule {rule.get('Priority')}"
            )
            paths.append(f"{where} {'+'.join(bad)}")
    return paths


@check(
    title="Application load balancers redirect plain HTTP to HTTPS",
    severity=Severity.MEDIUM,
    area=Area.DATA,
    resource_type=LOAD_BALANCER,
    wa=("SEC09-BP02",),
    permissions=(
        "elasticloadbalancing:DescribeLoadBalancers",
        "elasticloadbalancing:DescribeListeners",
        "elasticloadbalancing:DescribeRules",
    ),
    remediation=Remediation(
        text=(
            "An HTTP listener that forwards requests sends cookies, tokens and form data in "
            "clear text across every network between the client and AWS. Make every HTTP "
            "listener's actions redirect to HTTPS (HTTP 301) and serve content only on the "
            "HTTPS listener."
        ),
        console=(
            "EC2 console > Load Balancers > <load balancer> > Listeners > HTTP:80 > Edit: "
            "default action Redirect to HTTPS, port 443, status 301; delete forwarding rules."
        ),
        cli=(
            "aws elbv2 modify-listener --listener-arn <http-listener-arn> --default-actions "
            "'Type=redirect,RedirectConfig={Protocol=HTTPS,Port=443,StatusCode=HTTP_301}'"
        ),
        url="https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-listeners.html",
    ),
)
def elbv2_listener_https_only(ctx: CheckContext) -> Results:
    """Every HTTP listener of an application load balancer only redirects to HTTPS.

    All of a listener's rules are read, not only the default action, since any rule
    can forward. A rule is safe when each of its actions is a redirect whose protocol
    is ``HTTPS`` or a fixed response. Internal load balancers are assessed too:
    encryption in transit applies inside the VPC as well.
    """
    for lb in ctx.resources():
        if lb.data.get("Type") != "application":
            continue
        error = detail_error(lb, "Listeners") or detail_error(lb, "Rules")
        if error:
            yield ctx.not_assessed(lb, f"listeners of {lb.name} could not be read: {error}")
            continue
        http = [x for x in listeners(lb) if x.get("Protocol") == "HTTP"]
        leaks = [
            f"{listener_label(x)} ({', '.join(p)})" for x in http if (p := _plaintext_paths(x))
        ]
        if leaks:
            yield ctx.failed(
                lb,
                f"{lb.name} serves plain HTTP without redirecting to HTTPS on {'; '.join(leaks)}",
            )
        elif http:
            ports = ", ".join(listener_label(x) for x in http)
            yield ctx.passed(lb, f"{lb.name} HTTP listener(s) {ports} only redirect to HTTPS")
        else:
            yield ctx.passed(lb, f"{lb.name} has no plain HTTP listener")
