"""Pure reasoning about network reachability from the internet.

Shared by the security-group, network-ACL and instance-exposure checks. It works on
the dictionaries EC2 returns (``IpPermissions``, NACL ``Entries``, route tables), so it
runs on snapshots and in tests without AWS. The AWS behaviour it encodes:

- A security group is allow-only and stateful: any one permission admitting a source
  opens the port. ``IpProtocol`` ``"-1"`` means every protocol and every port; for TCP
  and UDP, ``FromPort``..``ToPort`` is an inclusive range. ``0.0.0.0/0`` and ``::/0``
  are the whole IPv4 / IPv6 internet.
- A network ACL is stateless and ordered: for each packet, the entry with the lowest
  ``RuleNumber`` whose protocol, port range and CIDR match decides (allow or deny);
  the ``*`` entry (32767) denies whatever nothing else matched.
- A subnet uses the route table explicitly associated with it, else its VPC's main
  route table; it reaches the internet through a default route to an ``igw-`` gateway.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Entry = Mapping[str, Any]

ALL_PROTOCOLS = "-1"
_PROTOCOL_NUMBERS = {"tcp": "6", "udp": "17", "icmp": "1", "icmpv6": "58", "all": "-1"}
_PROTOCOL_NAMES = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}
_WORLD = {4: ipaddress.ip_network("0.0.0.0/0"), 6: ipaddress.ip_network("::/0")}


@dataclass(frozen=True, slots=True)
class Port:
    """A well-known service port: number, transport protocol and what listens there."""

    number: int
    protocol: str
    service: str

    @property
    def protocol_number(self) -> str:
        return protocol_number(self.protocol)

    def label(self) -> str:
        return f"{self.service} ({self.protocol} {self.number})"


# Ports that give interactive control of a host when reachable: shells (SSH, Telnet),
# desktops (RDP over TCP and its UDP transport, VNC) and Windows remote management
# (WinRM over HTTP and HTTPS, the transport of PowerShell remoting).
ADMIN_PORTS: tuple[Port, ...] = (
    Port(22, "tcp", "SSH"),
    Port(23, "tcp", "Telnet"),
    Port(3389, "tcp", "RDP"),
    Port(3389, "udp", "RDP"),
    Port(5900, "tcp", "VNC"),
    Port(5985, "tcp", "WinRM"),
    Port(5986, "tcp", "WinRM-HTTPS"),
)
CIFS_PORTS: tuple[Port, ...] = (Port(445, "tcp", "CIFS/SMB"),)


def protocol_number(value: object) -> str:
    """EC2 writes protocols as names (``tcp``) or IANA numbers (``6``); compare them as numbers."""
    text = str(value).strip().lower()
    return _PROTOCOL_NUMBERS.get(text, text)


def network(cidr: object) -> IPNetwork | None:
    try:
        return ipaddress.ip_network(str(cidr), strict=False)
    except ValueError:
        return None


def is_world(cidr: object) -> bool:
    """``0.0.0.0/0`` or ``::/0`` (written any way that parses to a /0)."""
    net = network(cidr)
    return net is not None and net.prefixlen == 0


def _covers_range(low: object, high: object, port: int) -> bool:
    """Inclusive port range; a missing or -1 bound means the range is unrestricted."""
    if not isinstance(low, int) or not isinstance(high, int) or low < 0 or high < 0:
        return True
    return low <= port <= high


@dataclass(frozen=True, slots=True)
class Opening:
    """One source CIDR of one security-group ingress permission."""

    cidr: str
    protocol: str
    from_port: int | None
    to_port: int | None

    @property
    def family(self) -> int:
        net = network(self.cidr)
        return net.version if net else 4

    def covers(self, port: Port) -> bool:
        if self.protocol == ALL_PROTOCOLS:
            return True
        return self.protocol == port.protocol_number and _covers_range(
            self.from_port, self.to_port, port.number
        )

    @property
    def all_ports(self) -> bool:
        """Every protocol, or every TCP / UDP port."""
        if self.protocol == ALL_PROTOCOLS:
            return True
        if self.protocol not in ("6", "17"):
            return False
        low, high = self.from_port, self.to_port
        return low is None or high is None or (low <= 1 and high >= 65535) or low < 0

    def rule(self) -> str:
        """The permission as a reader would write it: ``tcp 22-22`` or ``all traffic``."""
        if self.protocol == ALL_PROTOCOLS:
            return "all traffic"
        name = _PROTOCOL_NAMES.get(self.protocol, f"protocol {self.protocol}")
        if self.from_port is None or self.to_port is None:
            return f"{name} all ports"
        return f"{name} {self.from_port}-{self.to_port}"


def openings(permissions: Iterable[Entry]) -> list[Opening]:
    """Every (permission, source CIDR) pair of ``IpPermissions``, IPv4 and IPv6."""
    found: list[Opening] = []
    for perm in permissions:
        proto = protocol_number(perm.get("IpProtocol", ALL_PROTOCOLS))
        low, high = perm.get("FromPort"), perm.get("ToPort")
        cidrs = [r.get("CidrIp") for r in perm.get("IpRanges", [])]
        cidrs += [r.get("CidrIpv6") for r in perm.get("Ipv6Ranges", [])]
        found.extend(Opening(str(c), proto, low, high) for c in cidrs if c)
    return found


def world_openings(permissions: Iterable[Entry], family: int | None = None) -> list[Opening]:
    return [
        o
        for o in openings(permissions)
        if is_world(o.cidr) and (family is None or o.family == family)
    ]


@dataclass(frozen=True, slots=True)
class Exposure:
    """A port reachable from the internet, and the permission that opens it."""

    port: Port
    opening: Opening

    def evidence(self) -> dict[str, Any]:
        return {
            "port": self.port.number,
            "protocol": self.port.protocol,
            "service": self.port.service,
            "cidr": self.opening.cidr,
            "rule": self.opening.rule(),
        }


def exposures(
    permissions: Iterable[Entry], ports: Sequence[Port], family: int | None = None
) -> list[Exposure]:
    """Each (port, world-open permission) pair: the ports in ``ports`` the internet can reach."""
    return [
        Exposure(port, o)
        for o in world_openings(permissions, family)
        for port in ports
        if o.covers(port)
    ]


def summarize(found: Sequence[Exposure], limit: int = 3) -> str:
    """``SSH (tcp 22) from 0.0.0.0/0 via ingress rule tcp 22-22; ...`` grouped by permission."""
    groups: dict[Opening, list[Port]] = {}
    for e in found:
        groups.setdefault(e.opening, []).append(e.port)
    parts = [
        f"{', '.join(p.label() for p in ports)} from {o.cidr} via ingress rule {o.rule()}"
        for o, ports in groups.items()
    ]
    more = f" (and {len(parts) - limit} more)" if len(parts) > limit else ""
    return "; ".join(parts[:limit]) + more


# -- network ACLs ----------------------------------------------------------------


def nacl_entry_matches(entry: Entry, port: Port) -> bool:
    proto = protocol_number(entry.get("Protocol", ALL_PROTOCOLS))
    if proto == ALL_PROTOCOLS:
        return True
    if proto != port.protocol_number:
        return False
    span = entry.get("PortRange") or {}
    return _covers_range(span.get("From"), span.get("To"), port.number)


def _entry_network(entry: Entry) -> IPNetwork | None:
    return network(entry.get("CidrBlock") or entry.get("Ipv6CidrBlock"))


def nacl_world_allow(entries: Iterable[Entry], port: Port, family: int) -> Entry | None:
    """The entry that lets ``port`` in from the internet, in rule-number order, or None.

    A rule allowing the whole internet (``/0``) opens the port unless the entries
    before it, together, already decided every source address. A lower-numbered
    deny of the whole internet therefore shadows a later allow; a deny of a few
    addresses does not.
    """
    world = _WORLD[family]
    decided: list[IPNetwork] = []
    inbound = [e for e in entries if not e.get("Egress")]
    for entry in sorted(inbound, key=lambda e: int(e.get("RuleNumber", 32767))):
        net = _entry_network(entry)
        if net is None or net.version != family or not nacl_entry_matches(entry, port):
            continue
        if net.prefixlen == 0 and entry.get("RuleAction") == "allow":
            return entry if not _covers_all(decided, world) else None
        decided.append(net)
        if _covers_all(decided, world):
            return None
    return None


def _covers_all(nets: list[IPNetwork], world: IPNetwork) -> bool:
    """Whether ``nets`` together span ``world`` (adjacent blocks merge: two /1s make a /0)."""
    if isinstance(world, ipaddress.IPv4Network):
        v4 = [n for n in nets if isinstance(n, ipaddress.IPv4Network)]
        return list(ipaddress.collapse_addresses(v4)) == [world]
    v6 = [n for n in nets if isinstance(n, ipaddress.IPv6Network)]
    return list(ipaddress.collapse_addresses(v6)) == [world]


def describe_nacl_entry(entry: Entry) -> str:
    proto = protocol_number(entry.get("Protocol", ALL_PROTOCOLS))
    cidr = entry.get("CidrBlock") or entry.get("Ipv6CidrBlock")
    if proto == ALL_PROTOCOLS:
        what = "all traffic"
    else:
        span = entry.get("PortRange") or {}
        ports = f" {span.get('From')}-{span.get('To')}" if span else " all ports"
        what = _PROTOCOL_NAMES.get(proto, f"protocol {proto}") + ports
    return f"rule {entry.get('RuleNumber')} {entry.get('RuleAction')} {what} from {cidr}"


# -- routing ---------------------------------------------------------------------


def route_table_for_subnet(
    route_tables: Iterable[Entry], subnet_id: str, vpc_id: str
) -> Entry | None:
    """The subnet's explicitly associated route table, else its VPC's main route table."""
    tables = [t for t in route_tables if t.get("VpcId") == vpc_id]
    for table in tables:
        if any(a.get("SubnetId") == subnet_id for a in table.get("Associations", [])):
            return table
    for table in tables:
        if any(a.get("Main") for a in table.get("Associations", [])):
            return table
    return None


def internet_route(route_table: Entry, family: int) -> Entry | None:
    """The active default route (``0.0.0.0/0`` / ``::/0``) to an internet gateway, if any."""
    key = "DestinationCidrBlock" if family == 4 else "DestinationIpv6CidrBlock"
    routes: list[Entry] = route_table.get("Routes") or []
    for route in routes:
        gateway = str(route.get("GatewayId", ""))
        active = route.get("State", "active") == "active"
        if active and gateway.startswith("igw-") and is_world(route.get(key)):
            return route
    return None


def nacl_for_subnet(nacls: Iterable[Entry], subnet_id: str) -> Entry | None:
    for nacl in nacls:
        if any(a.get("SubnetId") == subnet_id for a in nacl.get("Associations", [])):
            return nacl
    return None
