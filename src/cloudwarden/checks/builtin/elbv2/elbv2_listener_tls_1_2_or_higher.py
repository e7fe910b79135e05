from __future__ import annotations

from cloudwarden.checks.api import CheckContext, Results, check
from cloudwarden.checks.builtin.ec2._ec2 import detail_error
from cloudwarden.checks.builtin.elbv2._elbv2 import (
    LOAD_BALANCER,
    TLS_PROTOCOLS,
    listener_label,
    listeners,
    old_protocols,
)
from cloudwarden.model import Area, Remediation, Severity


@check(
    title="Load balancer HTTPS/TLS listeners negotiate TLS 1.2 or higher only",
    severity=Severity.MEDIUM,
    area=Area.DATA,
    resource_type=LOAD_BALANCER,
    wa=("SEC09-BP02",),
    permissions=(
        "elasticloadbalancing:DescribeLoadBalancers",
        "elasticloadbalancing:DescribeListeners",
        "elasticloadbalancing:DescribeSSLPolicies",
    ),
    remediation=Remediation(
        text=(
            "TLS 1.0 and 1.1 are deprecated (RFC 8996): they rely on weak hash and cipher "
            "constructions and fail PCI DSS and most compliance baselines. Switch the "
            "listener to a policy whose minimum is TLS 1.2, such as "
            "ELBSecurityPolicy-TLS13-1-2-2021-06 (TLS 1.3 and 1.2)."
        ),
        console=(
            "EC2 console > Load Balancers > <load balancer> > Listeners > <HTTPS listener> > "
            "Edit: Security policy = ELBSecurityPolicy-TLS13-1-2-2021-06."
        ),
        cli=(
            "aws elbv2 modify-listener --listener-arn <listener-arn> "
            "--ssl-policy ELBSecurityPolicy-TLS13-1-2-2021-06"
        ),
        url="https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html",
    ),
)
def elbv2_listener_tls_1_2_or_higher(ctx: CheckContext) -> Results:
    """Every HTTPS (ALB) or TLS (NLB) listener uses a security policy without TLS 1.0/1.1.

    The protocols of each predefined policy come from ``DescribeSSLPolicies`` when it
    was collected; otherwise from the policy name, which AWS writes with the minimum
    version (``ELBSecurityPolicy-TLS13-1-2-2021-06`` and ``ELBSecurityPolicy-TLS-1-2-*``
    start at TLS 1.2; ``...-TLS13-1-0-...``, ``...-TLS-1-1-...`` and the long-time default
    ``ELBSecurityPolicy-2016-08`` still allow TLS 1.0 or 1.1). Load balancers without
    HTTPS/TLS listeners are not assessed here (see ``elbv2_listener_https_only``).
    """
    for lb in ctx.resources():
        error = detail_error(lb, "Listeners")
        if error:
            yield ctx.not_assessed(lb, f"listeners of {lb.name} could not be read: {error}")
            continue
        secure = [x for x in listeners(lb) if x.get("Protocol") in TLS_PROTOCOLS]
        if not secure:
            continue
        weak, unknown = [], []
        for listener in secure:
            policy = str(listener.get("SslPolicy", ""))
            old = old_protocols(policy, lb)
            if old is None:
                unknown.append(f"{listener_label(listener)} ({policy or 'no policy'})")
            elif old:
                weak.append(
                    f"{listener_label(listener)} uses {policy}, which allows {', '.join(old)}"
                )
        if weak:
            yield ctx.failed(lb, f"{lb.name} listener {'; '.join(weak)}")
        elif unknown:
            yield ctx.not_assessed(
                lb, f"{lb.name} listener policy not recognised: {', '.join(unknown)}"
            )
        else:
            policies = sorted({str(x.get("SslPolicy")) for x in secure})
            yield ctx.passed(lb, f"{lb.name} TLS listeners use {', '.join(policies)} (TLS 1.2+)")
