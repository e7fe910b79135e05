"""Condition value checks: each value has the form its operator or key expects
(Booleans, dates, numbers, base64, CIDR blocks, VPC and endpoint ids, Regions), and
aws:SourceIp holds public addresses only.

Sources: "IAM JSON policy elements: Condition operators", "AWS global condition context
keys" (aws:SourceIp, aws:SourceVpc, aws:SourceVpce, aws:RequestedRegion).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator

from cloudwarden.iam.condition_ops import Family, lookup_operator
from cloudwarden.iam.validate.checks_conditions import _entries, _family, _has_wildcard, _scalars
from cloudwarden.iam.validate.knowledge import REGIONS
from cloudwarden.iam.validate.model import Category, Issue, validation_check
from cloudwarden.iam.validate.view import ConditionEntry, PolicyView

E, W, S = Category.ERROR, Category.WARNING, Category.SUGGESTION


def _bad_values(
    view: PolicyView, family: Family, parse: str
) -> Iterator[tuple[ConditionEntry, tuple[str | int, ...], str]]:
    spec = lookup_operator(parse)
    assert spec is not None
    for c in _entries(view):
        if _family(c) is not family:
            continue
        for path, text in _scalars(c):
            try:
                spec.prepare(((text, False),))
            except ValueError:
                yield c, path, text


@validation_check("TYPE_MISMATCH_BOOLEAN", W, fix='Use "true" or "false".')
def type_mismatch_boolean(view: PolicyView) -> Iterator[Issue]:
    """The Bool operator compares with ``true`` or ``false`` only."""
    for c in _entries(view):
        if _family(c) is Family.BOOL:
            for path, text in _scalars(c):
                if text.strip().lower() not in ("true", "false"):
                    yield Issue(path, f"{text!r} is not true or false")


_DATEISH = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}")


@validation_check(
    "TYPE_MISMATCH_DATE", W, fix="Use an ISO 8601 date (2025-01-31T00:00:00Z) or epoch seconds."
)
def type_mismatch_date(view: PolicyView) -> Iterator[Issue]:
    """A Date operator value that is not a date at all."""
    for _, path, text in _bad_values(view, Family.DATE, "DateEquals"):
        if not _DATEISH.match(text):
            yield Issue(path, f"{text!r} is not a date")


@validation_check("INVALID_DATE_VALUE", W, fix="Write the date as YYYY-MM-DD (ISO 8601).")
def invalid_date_value(view: PolicyView) -> Iterator[Issue]:
    """A date-like value outside ISO 8601 (``12/31/2025``) may not be read as intended."""
    for _, path, text in _bad_values(view, Family.DATE, "DateEquals"):
        if _DATEISH.match(text):
            yield Issue(path, f"{text!r} is not an ISO 8601 date")


@validation_check(
    "TYPE_MISMATCH_IP_RANGE", W, fix="Use an IP address or CIDR block (203.0.113.0/24)."
)
def type_mismatch_ip_range(view: PolicyView) -> Iterator[Issue]:
    """An IpAddress operator value that is not an address or CIDR block."""
    for _, path, text in _bad_values(view, Family.IP, "IpAddress"):
        yield Issue(path, f"{text!r} is not an IP address or CIDR block")


@validation_check("TYPE_MISMATCH_NUMBER", W, fix="Use a number.")
def type_mismatch_number(view: PolicyView) -> Iterator[Issue]:
    """A Numeric operator value that is not a number."""
    for _, path, text in _bad_values(view, Family.NUMERIC, "NumericEquals"):
        yield Issue(path, f"{text!r} is not a number")


@validation_check("TYPE_MISMATCH_STRING", W, fix="Use a base64-encoded value.")
def type_mismatch_string(view: PolicyView) -> Iterator[Issue]:
    """BinaryEquals compares base64 text; other text never matches."""
    for _, path, text in _bad_values(view, Family.BINARY, "BinaryEquals"):
        yield Issue(path, f"{text!r} is not base64")


@validation_check("INVALID_CONDITION_MULTIPLE_BOOLEAN", E, fix="Give one Boolean value.")
def invalid_condition_multiple_boolean(view: PolicyView) -> Iterator[Issue]:
    """A Boolean key holds one value; listing both true and false is always (or never) met."""
    for c in _entries(view):
        if _family(c) is Family.BOOL and isinstance(c.value, list) and len(c.value) > 1:
            yield Issue(c.path, f"{c.key} is given {len(c.value)} Boolean values")


@validation_check(
    "INVALID_CONDITION_DATA_TYPE",
    E,
    fix="Give values of one JSON type: strings, numbers or booleans.",
)
def invalid_condition_data_type(view: PolicyView) -> Iterator[Issue]:
    """Condition values are scalars of one JSON type; objects, nulls and mixed lists are not."""
    for c in _entries(view):
        values = [v for _, v in c.values]
        if any(v is None or isinstance(v, dict | list) for v in values):
            yield Issue(c.path, "condition values must be strings, numbers or booleans")
        elif len({type(v) for v in values}) > 1:
            yield Issue(c.path, "condition values mix JSON types")


def _equality(c: ConditionEntry) -> bool:
    return _family(c) is Family.STRING and "like" not in c.base_operator.lower()


def _format(view: PolicyView, key: str, pattern: str, label: str) -> Iterator[Issue]:
    regex = re.compile(pattern)
    for c in _entries(view):
        if c.key.lower() == key and _equality(c):
            for path, text in _scalars(c):
                if not _has_wildcard(text) and not regex.match(text):
                    yield Issue(path, f"{text!r} is not a {label} id")


@validation_check("INVALID_VPC_FORMAT", E, fix="Use vpc- followed by 8 or 17 characters.")
def invalid_vpc_format(view: PolicyView) -> Iterator[Issue]:
    """aws:SourceVpc values are VPC ids: ``vpc-`` and 8 or 17 hexadecimal characters."""
    yield from _format(view, "aws:sourcevpc", r"^vpc-([0-9a-zA-Z]{8}|[0-9a-zA-Z]{17})$", "VPC")


@validation_check("INVALID_VPCE_FORMAT", E, fix="Use vpce- followed by 8 or 17 characters.")
def invalid_vpce_format(view: PolicyView) -> Iterator[Issue]:
    """aws:SourceVpce values are endpoint ids: ``vpce-`` and 8 or 17 hexadecimal characters."""
    yield from _format(
        view, "aws:sourcevpce", r"^vpce-([0-9a-zA-Z]{8}|[0-9a-zA-Z]{17})$", "VPC endpoint"
    )


@validation_check("INVALID_REGION", E, fix="Use a Region code such as eu-west-1.")
def invalid_region(view: PolicyView) -> Iterator[Issue]:
    """aws:RequestedRegion values are Region codes."""
    for c in _entries(view):
        if c.key.lower() == "aws:requestedregion" and _family(c) is Family.STRING:
            for path, text in _scalars(c):
                if not _has_wildcard(text) and text not in REGIONS:
                    yield Issue(path, f"{text!r} is not an AWS Region")


_PRIVATE = tuple(
    ipaddress.ip_network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8",
              "169.254.0.0/16", "fc00::/7", "fe80::/10", "::1/128")
)  # fmt: skip


def _is_private(net: ipaddress.IPv4Network | ipaddress.IPv6Network) -> bool:
    """RFC 1918 / RFC 4193 ranges, loopback and link-local: never a request's public source."""
    return any(net.version == p.version and net.subnet_of(p) for p in _PRIVATE)  # type: ignore[arg-type]


def _source_ip_networks(c: ConditionEntry) -> list[tuple[bool, str]]:
    out: list[tuple[bool, str]] = []
    for _, text in _scalars(c):
        try:
            out.append((_is_private(ipaddress.ip_network(text.strip(), strict=False)), text))
        except ValueError:
            continue
    return out


def _private(view: PolicyView, negated: bool, subset: bool) -> Iterator[Issue]:
    for c in _entries(view):
        spec = lookup_operator(c.base_operator)
        if c.key.lower() != "aws:sourceip" or spec is None or spec.family is not Family.IP:
            continue
        if spec.negated != negated:
            continue
        nets = _source_ip_networks(c)
        private = [t for p, t in nets if p]
        if private and (len(private) < len(nets)) == subset:
            yield Issue(
                c.path, f"aws:SourceIp never carries private addresses: {', '.join(private)}"
            )


@validation_check(
    "PRIVATE_IP_ADDRESS", E, fix="Use aws:VpcSourceIp or aws:SourceVpce for traffic inside a VPC."
)
def private_ip_address(view: PolicyView) -> Iterator[Issue]:
    """aws:SourceIp holds public addresses only; an IpAddress list of private ranges never matches."""
    yield from _private(view, negated=False, subset=False)


@validation_check(
    "PRIVATE_NOTIPADDRESS", E, fix="Use aws:VpcSourceIp or aws:SourceVpce for traffic inside a VPC."
)
def private_notipaddress(view: PolicyView) -> Iterator[Issue]:
    """NotIpAddress on aws:SourceIp with only private ranges always holds."""
    yield from _private(view, negated=True, subset=False)


@validation_check("PRIVATE_IP_ADDRESS_SUBSET", S, fix="Remove the private ranges.")
def private_ip_address_subset(view: PolicyView) -> Iterator[Issue]:
    """Private ranges mixed into an aws:SourceIp IpAddress list never match."""
    yield from _private(view, negated=False, subset=True)


@validation_check("PRIVATE_NOTIPADDRESS_SUBSET", S, fix="Remove the private ranges.")
def private_notipaddress_subset(view: PolicyView) -> Iterator[Issue]:
    """Private ranges mixed into an aws:SourceIp NotIpAddress list exclude nothing."""
    yield from _private(view, negated=True, subset=True)


@validation_check("IMPROVE_IP_RANGE", S, fix="Write the network address of the block.")
def improve_ip_range(view: PolicyView) -> Iterator[Issue]:
    """Host bits after the prefix length are ignored: ``10.0.0.5/24`` means ``10.0.0.0/24``."""
    for c in _entries(view):
        if _family(c) is Family.IP:
            for path, text in _scalars(c):
                try:
                    net = ipaddress.ip_network(text.strip(), strict=False)
                except ValueError:
                    continue
                if str(net) != text.strip() and "/" in text and _host_bits(text.strip()):
                    yield Issue(path, f"{text} means {net}")


def _host_bits(text: str) -> bool:
    try:
        ipaddress.ip_network(text, strict=True)
    except ValueError:
        return True
    return False
