"""``ec2.revoke_open_ingress`` against the lab: only world-open ranges go, and come back."""

from __future__ import annotations

from typing import Any

from cloudwarden.respond.actions import get_action
from cloudwarden.respond.actions.security_groups import world_open

SSH_OPEN = {
    "IpProtocol": "tcp",
    "FromPort": 22,
    "ToPort": 22,
    "IpRanges": [
        {"CidrIp": "0.0.0.0/0", "Description": "temporary admin access"},
        {"CidrIp": "10.0.0.0/8"},
    ],
    "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
}
HTTPS_OFFICE = {
    "IpProtocol": "tcp",
    "FromPort": 443,
    "ToPort": 443,
    "IpRanges": [{"CidrIp": "203.0.113.0/24"}],
}
ALL_OPEN = {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}


def _group(env: Any, *rules: dict[str, Any], tags: dict[str, str] | None = None) -> str:
    ec2 = env.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    spec: dict[str, Any] = {}
    if tags:
        tagset = [{"Key": k, "Value": v} for k, v in tags.items()]
        spec["TagSpecifications"] = [{"ResourceType": "security-group", "Tags": tagset}]
    group_id = str(
        ec2.create_security_group(GroupName=env.name("app"), Description="app", VpcId=vpc, **spec)[
            "GroupId"
        ]
    )
    if rules:
        ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=list(rules))
    return group_id


def _ranges(env: Any, group_id: str) -> set[tuple[Any, ...]]:
    """Every ingress (protocol, from, to, range, description) of the group, read from AWS."""
    group = env.client("ec2").describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
    found = set()
    for perm in group["IpPermissions"]:
        port = (perm["IpProtocol"], perm.get("FromPort"), perm.get("ToPort"))
        for r in perm.get("IpRanges", []):
            found.add((*port, r["CidrIp"], r.get("Description")))
        for r in perm.get("Ipv6Ranges", []):
            found.add((*port, r["CidrIpv6"], r.get("Description")))
    return found


def test_world_open_keeps_only_the_world_ranges() -> None:
    assert world_open([SSH_OPEN, HTTPS_OFFICE, ALL_OPEN]) == [
        {
            "IpProtocol": "tcp",
            "FromPort": 22,
            "ToPort": 22,
            "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "temporary admin access"}],
        },
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},
        ALL_OPEN,
    ]


def test_revoke_open_ingress_plan_apply_noop_rollback(env: Any) -> None:
    group_id = _group(env, SSH_OPEN, HTTPS_OFFICE, ALL_OPEN)
    original = _ranges(env, group_id)
    action = get_action("ec2.revoke_open_ingress")

    plan = action.plan(env.aws, {"group_id": group_id})
    assert [c.operation for c in plan.calls] == ["RevokeSecurityGroupIngress"]
    assert len(plan.before["open_ingress"]) == 3
    assert "Description" not in str(plan.calls[0].params)
    assert env.recorder.mutating == []

    result = action.apply(env.aws, plan)
    assert _ranges(env, group_id) == {
        ("tcp", 22, 22, "10.0.0.0/8", None),
        ("tcp", 443, 443, "203.0.113.0/24", None),
    }
    assert action.plan(env.aws, {"group_id": group_id}).noop

    undone = action.rollback(env.aws, result)
    assert [c.operation for c in undone.calls] == ["AuthorizeSecurityGroupIngress"]
    assert _ranges(env, group_id) == original  # descriptions included


def test_a_group_without_world_open_rules_needs_nothing(env: Any) -> None:
    plan = get_action("ec2.revoke_open_ingress").plan(
        env.aws, {"group_id": _group(env, HTTPS_OFFICE)}
    )
    assert plan.noop and plan.calls == () and plan.before == {"open_ingress": []}


def test_revoke_open_ingress_refuses_an_exempt_group(env: Any) -> None:
    group_id = _group(env, SSH_OPEN, tags={"cloudwarden:exempt": "true"})
    plan = get_action("ec2.revoke_open_ingress").plan(env.aws, {"group_id": group_id})
    assert plan.exempt == f"security group {group_id} is tagged cloudwarden:exempt=true"
    assert plan.calls == ()
    assert ("tcp", 22, 22, "0.0.0.0/0", "temporary admin access") in _ranges(env, group_id)
