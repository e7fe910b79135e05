"""Lookups that turn what a network alert names into what a playbook acts on.

A VPC flow-log record names a network interface (``interface-id``) and the flow's
addresses, never an instance or a security group, and in its default format not even a
region. ``ec2:DescribeNetworkInterfaces`` answers both: the interface's ``Attachment``
names the instance it belongs to and ``Groups`` its security groups. A lookup is
read-only (``read_only``): its plan makes the Describe calls, lists no call to make and
is recorded as ``noop`` with what it found, in a dry run as in a real one.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from typing import Any

from cloudwarden.aws.errors import FailureKind
from cloudwarden.aws.session import AwsContext
from cloudwarden.respond.actions.base import (
    Action,
    ActionError,
    ActionPlan,
    ActionResult,
    ParamSpec,
    Phase,
    Target,
    action,
    read,
)
from cloudwarden.respond.actions.security_groups import world_open

_EMPTY: dict[str, Any] = {
    "found": False,
    "network_interface_id": None,
    "instance_id": None,
    "security_group_ids": [],
    "world_open_group_ids": [],
    "private_ip": None,
    "vpc_id": None,
    "region": None,
}


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list | tuple) else [value]
    return [str(v) for v in items if v not in (None, "")]


VPC_RANGES = tuple(
    ipaddress.ip_network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")
)
"""The ranges a VPC's private addresses come from (RFC 1918, RFC 6598 shared space, IPv6
unique local); ``ipaddress.is_private`` would also take the documentation ranges."""


def private_addresses(values: Sequence[str]) -> list[str]:
    """The addresses that can be an interface's private address in a VPC, in order; a
    public peer of a flow is nobody's interface here."""
    out: list[str] = []
    for value in values:
        try:
            ip = ipaddress.ip_address(value)
        except ValueError:
            continue
        inside = any(ip.version == net.version and ip in net for net in VPC_RANGES)
        if inside and value not in out:
            out.append(value)
    return out


@action
class FindNetworkInterfaceAction(Action):
    """Find the network interface a flow names, and the instance and groups behind it.

    Given an interface id, or the flow's addresses (the public ones are dropped), it asks
    ``DescribeNetworkInterfaces`` in each candidate region until one answers, and reports
    ``instance_id`` (of the attachment; none for interfaces of load balancers, NAT
    gateways or Lambda), ``security_group_ids``, the subset open to the internet
    (``world_open_group_ids``, via ``DescribeSecurityGroups``) and the ``region``. Two
    interfaces matching (both ends of a flow inside the account) is ambiguous: nothing is
    reported rather than a guess, and the playbook then lacks the input it wanted.
    """

    name = "ec2.find_network_interface"
    description = "Find the instance and security groups of a network interface (read-only)"
    phase = Phase.CHECK
    read_only = True
    permissions = ("ec2:DescribeNetworkInterfaces", "ec2:DescribeSecurityGroups")
    params = (
        ParamSpec("network_interface_id", str, help="eni-... (a flow record's interface-id)"),
        ParamSpec("private_ips", (str, list), help="addresses of the flow (public ones ignored)"),
        ParamSpec("regions", (str, list), help="regions to search, in order (default: context's)"),
    )

    def plan(self, aws: AwsContext, params: Mapping[str, Any]) -> ActionPlan:
        p = self.checked_params(params)
        eni = str(p.get("network_interface_id") or "")
        ips = private_addresses(_as_list(p.get("private_ips")))
        regions = _as_list(p.get("regions")) or [aws.default_region]
        wanted = eni or ", ".join(ips)
        target = Target(aws.account_id, regions[0], eni or wanted)
        if not eni and not ips:
            state = {**_EMPTY, "reason": "the alert names no network interface or private address"}
            return self.make_plan(target, p, (), state, str(state["reason"]))
        state = self._search(aws, eni, ips, regions)
        where = f"account {aws.account_id or '(default)'}, {', '.join(regions)}"
        if state["found"]:
            summary = (
                f"{state['network_interface_id']} ({state['private_ip']}) in {state['region']}: "
                f"instance {state['instance_id'] or '(none attached)'}, "
                f"groups {', '.join(state['security_group_ids']) or '(none)'}"
            )
        else:
            summary = f"no single network interface with {wanted} in {where}: {state['reason']}"
        target = Target(aws.account_id, str(state["region"] or regions[0]), eni or wanted)
        return self.make_plan(target, p, (), state, summary)

    def _search(
        self, aws: AwsContext, eni: str, ips: list[str], regions: list[str]
    ) -> dict[str, Any]:
        query: dict[str, Any] = (
            {"NetworkInterfaceIds": [eni]}
            if eni
            else {"Filters": [{"Name": "addresses.private-ip-address", "Values": ips}]}
        )
        for region in regions:
            found = self._interfaces(aws, region, query)
            if len(found) > 1:
                ids = ", ".join(str(f.get("NetworkInterfaceId")) for f in found)
                return {**_EMPTY, "reason": f"{len(found)} interfaces match ({ids}) in {region}"}
            if found:
                return self._state(aws, found[0], region)
        return {**_EMPTY, "reason": "no interface matches"}

    def _interfaces(
        self, aws: AwsContext, region: str, query: Mapping[str, Any]
    ) -> list[dict[str, Any]]:
        try:
            resp = read(aws, "ec2", "DescribeNetworkInterfaces", region, **query)
        except ActionError as exc:
            if exc.kind is FailureKind.NOT_FOUND:  # an unknown eni-… id
                return []
            raise
        return [dict(i) for i in resp.get("NetworkInterfaces", [])]

    def _state(self, aws: AwsContext, nic: Mapping[str, Any], region: str) -> dict[str, Any]:
        groups = [str(g["GroupId"]) for g in nic.get("Groups", []) if g.get("GroupId")]
        open_ids: list[str] = []
        if groups:
            resp = read(aws, "ec2", "DescribeSecurityGroups", region, GroupIds=groups)
            by_id = {g.get("GroupId"): g for g in resp.get("SecurityGroups", [])}
            open_ids = [
                g for g in groups if world_open(list(by_id.get(g, {}).get("IpPermissions", [])))
            ]
        return {
            "found": True,
            "network_interface_id": nic.get("NetworkInterfaceId"),
            "instance_id": (nic.get("Attachment") or {}).get("InstanceId"),
            "security_group_ids": groups,
            "world_open_group_ids": open_ids,
            "private_ip": nic.get("PrivateIpAddress"),
            "vpc_id": nic.get("VpcId"),
            "region": region,
            "reason": "",
        }

    def apply(self, aws: AwsContext, plan: ActionPlan) -> ActionResult:
        """Nothing to apply: a lookup's answer is its plan's before-state."""
        self._check_plan(plan)
        before = dict(plan.before)
        return ActionResult(plan.action, plan.target, (), before, before, None, before)
