"""Security groups: revoke the ingress rules open to the whole internet.

AWS's "security group opened to 0.0.0.0/0" runbook (Security Hub EC2.13, EC2.14,
EC2.18, EC2.19) removes the world-open rule and keeps everything else: rules for
named CIDRs, prefix lists and other security groups stay. The revoked rules are
journaled in full (protocol, ports, range, description) so that a rollback can
authorize exactly them again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cloudwarden.aws.session import AwsContext
from cloudwarden.respond.actions._regional import REGION, region_of
from cloudwarden.respond.actions.base import (
    Action,
    ActionError,
    ActionPlan,
    ActionResult,
    ApiCall,
    ParamSpec,
    Phase,
    Target,
    action,
    exemption,
    mutate,
    read,
)

WORLD_V4 = "0.0.0.0/0"
WORLD_V6 = "::/0"
_PORT_KEYS = ("IpProtocol", "FromPort", "ToPort")


def describe_group(aws: AwsContext, group_id: str, region: str) -> dict[str, Any]:
    resp = read(aws, "ec2", "DescribeSecurityGroups", region, GroupIds=[group_id])
    groups = resp.get("SecurityGroups", [])
    if not groups:
        raise ActionError.not_found(f"security group {group_id} not found in {region}")
    return dict(groups[0])


def world_open(permissions: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The parts of ``permissions`` open to 0.0.0.0/0 or ::/0, one permission each.

    A permission can carry several ranges; only the world-wide ones are kept, with
    their descriptions, so revoking them leaves the named ranges in place.
    """
    found = []
    for perm in permissions:
        base = {k: perm[k] for k in _PORT_KEYS if k in perm}
        v4 = [dict(r) for r in perm.get("IpRanges", []) if r.get("CidrIp") == WORLD_V4]
        v6 = [dict(r) for r in perm.get("Ipv6Ranges", []) if r.get("CidrIpv6") == WORLD_V6]
        if v4:
            found.append({**base, "IpRanges": v4})
        if v6:
            found.append({**base, "Ipv6Ranges": v6})
    return found


def without_descriptions(perm: Mapping[str, Any]) -> dict[str, Any]:
    """A permission as a revoke request names it: empty lists and descriptions left out.

    Descriptions play no part in matching a rule to revoke.
    """
    out = {k: v for k, v in perm.items() if v not in ([], None)}
    for key in ("IpRanges", "Ipv6Ranges", "PrefixListIds", "UserIdGroupPairs"):
        if key in out:
            out[key] = [{k: v for k, v in r.items() if k != "Description"} for r in out[key]]
    return out


def _state(group: Mapping[str, Any]) -> dict[str, Any]:
    return {"open_ingress": world_open(list(group.get("IpPermissions", [])))}


@action
class RevokeOpenIngressAction(Action):
    """Revoke a security group's ingress rules that allow 0.0.0.0/0 or ::/0.

    Revoking a rule does not cut connections already tracked by the group; add a
    NACL deny for a known attacker address if those must end now. Rollback
    authorizes the journaled rules again, descriptions included.
    """

    name = "ec2.revoke_open_ingress"
    description = "Revoke a security group's world-open ingress rules (reversible)"
    phase = Phase.CONTAINMENT
    reversible = True
    permissions = (
        "ec2:DescribeSecurityGroups",
        "ec2:RevokeSecurityGroupIngress",
        "ec2:AuthorizeSecurityGroupIngress",
    )
    params = (ParamSpec("group_id", str, required=True, help="security group id (sg-...)"), REGION)

    def plan(self, aws: AwsContext, params: Mapping[str, Any]) -> ActionPlan:
        p = self.checked_params(params)
        region = region_of(aws, p)
        group = describe_group(aws, str(p["group_id"]), region)
        state = _state(group)
        calls = []
        if state["open_ingress"]:
            calls.append(
                mutate(
                    "ec2",
                    "RevokeSecurityGroupIngress",
                    region,
                    GroupId=p["group_id"],
                    IpPermissions=[without_descriptions(perm) for perm in state["open_ingress"]],
                )
            )
        owner = aws.account_id or str(group.get("OwnerId", ""))
        target = Target(
            aws.account_id, region, f"arn:aws:ec2:{region}:{owner}:security-group/{p['group_id']}"
        )
        return self.make_plan(
            target,
            p,
            calls,
            state,
            f"revoke {len(state['open_ingress'])} world-open ingress rule(s) of {p['group_id']}",
            exempt=exemption(group.get("Tags"), f"security group {p['group_id']}"),
        )

    def observe(self, aws: AwsContext, target: Target, params: Mapping[str, Any]) -> dict[str, Any]:
        return _state(describe_group(aws, str(params["group_id"]), target.region))

    def rollback_calls(self, aws: AwsContext, result: ActionResult) -> tuple[ApiCall, ...]:
        assert result.undo is not None
        rules = [dict(r) for r in result.undo["before"]["open_ingress"]]
        if not rules:
            return ()
        return (
            mutate(
                "ec2",
                "AuthorizeSecurityGroupIngress",
                result.target.region,
                GroupId=result.undo["params"]["group_id"],
                IpPermissions=rules,
            ),
        )
