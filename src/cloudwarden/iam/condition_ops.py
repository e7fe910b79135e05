"""The condition operator families and how each compares one request value to one policy value.

Source: "IAM JSON policy elements: Condition operators" — String, Numeric, Date, Boolean,
Binary, IP address, ARN and Null operators. Each ``OperatorSpec`` knows how to prepare a
policy value (once, at parse time, unless it holds policy variables), how to read a
request value, and the *positive* comparison; negated operators (``StringNotEquals``,
``NotIpAddress``, …) are the negation of their positive twin, applied per clause by
``cloudwarden.iam.conditions``.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import lru_cache
from typing import Any

from cloudwarden.iam.matching import GlobPattern, arn_regex_source, compile_string_like, split_arn

__all__ = ["OPERATORS", "Family", "OperatorSpec", "Segments", "lookup_operator"]

Segments = tuple[tuple[str, bool], ...]


class Family(StrEnum):
    STRING = "String"
    NUMERIC = "Numeric"
    DATE = "Date"
    BOOL = "Bool"
    BINARY = "Binary"
    IP = "IpAddress"
    ARN = "Arn"
    NULL = "Null"


@dataclass(frozen=True, slots=True)
class OperatorSpec:
    """One base operator (without ``IfExists`` or a set qualifier)."""

    name: str
    family: Family
    negated: bool
    variables: bool
    prepare: Callable[[Segments], Any]
    read: Callable[[str], Any]
    compare: Callable[[Any, Any], bool]
    equality: bool = False


def _joined(segments: Segments) -> str:
    if len(segments) == 1:
        return segments[0][0]
    return "".join([text for text, _ in segments])


def _like_regex(segments: Segments) -> re.Pattern[str] | GlobPattern:
    if len(segments) == 1 and not segments[0][1]:
        return GlobPattern(segments[0][0])
    parts = []
    for text, literal in segments:
        parts.append(re.escape(text) if literal else compile_string_like(text).pattern)
    return re.compile("".join(parts), re.DOTALL)


@lru_cache(maxsize=16384)
def _arn_regex(segments: Segments) -> re.Pattern[str]:
    return re.compile(arn_regex_source(segments, swallow_short=False), re.DOTALL)


class ArnGlob:
    """An ``ArnEquals`` / ``ArnLike`` value: exact ARNs and a final ``*`` in the resource
    part need no regex; other patterns are compiled on first use."""

    __slots__ = ("_regex", "exact", "prefix", "segments")

    def __init__(self, segments: Segments) -> None:
        self.segments = segments
        text = _joined(segments)
        wild = any(not literal and ("*" in t or "?" in t) for t, literal in segments)
        single = len(segments) == 1 and not segments[0][1]
        self.exact = text if not wild else None
        trailing = single and text.endswith("*") and "*" not in text[:-1] and "?" not in text
        self.prefix = text[:-1] if trailing and text.count(":") >= 5 else None
        self._regex: re.Pattern[str] | None = None

    def fullmatch(self, value: str) -> bool:
        if self.exact is not None:
            return value == self.exact
        if self.prefix is not None:
            return value.startswith(self.prefix)
        if self._regex is None:
            self._regex = _arn_regex(self.segments)
        return self._regex.fullmatch(value) is not None


def _decimal(text: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a number") from None
    if not value.is_finite():
        raise ValueError(f"{text!r} is not a finite number")
    return value


_EPOCH_RE = re.compile(r"^-?\d+(\.\d+)?$")


def _date(text: str) -> datetime:
    """ISO 8601 date/time or epoch seconds, as an aware UTC datetime."""
    stripped = text.strip()
    if _EPOCH_RE.match(stripped):
        return datetime.fromtimestamp(float(stripped), tz=UTC)
    try:
        parsed = datetime.fromisoformat(stripped)
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO 8601 date or epoch time") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _binary(text: str) -> bytes:
    try:
        return base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"{text!r} is not base64") from None


IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _network(text: str) -> IpNetwork:
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        raise ValueError(f"{text!r} is not an IP address or CIDR block") from None


def _lenient(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    def read(text: str) -> Any:
        try:
            return parse(text)
        except ValueError:
            return None

    return read


def _read_ip(text: str) -> IpAddress | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _in_network(addr: IpAddress, net: IpNetwork) -> bool:
    return addr.version == net.version and addr in net


def _read_arn(text: str) -> str | None:
    return text if split_arn(text) is not None else None


def _pair(
    name: str,
    family: Family,
    prepare: Callable[[Segments], Any],
    read: Callable[[str], Any],
    compare: Callable[[Any, Any], bool],
    *,
    variables: bool = False,
    negated_name: str | None = None,
    equality: bool = False,
) -> list[OperatorSpec]:
    specs = [OperatorSpec(name, family, False, variables, prepare, read, compare, equality)]
    if negated_name:
        specs.append(
            OperatorSpec(negated_name, family, True, variables, prepare, read, compare, equality)
        )
    return specs


def _ordering(family: Family, parse: Callable[[str], Any]) -> list[OperatorSpec]:
    prefix = family.value

    def prep(segments: Segments) -> Any:
        return parse(_joined(segments))

    read = _lenient(parse)
    return [
        *_pair(
            f"{prefix}Equals", family, prep, read, lambda r, p: r == p,
            negated_name=f"{prefix}NotEquals", equality=True,
        ),
        *_pair(f"{prefix}LessThan", family, prep, read, lambda r, p: r < p),
        *_pair(f"{prefix}LessThanEquals", family, prep, read, lambda r, p: r <= p),
        *_pair(f"{prefix}GreaterThan", family, prep, read, lambda r, p: r > p),
        *_pair(f"{prefix}GreaterThanEquals", family, prep, read, lambda r, p: r >= p),
    ]  # fmt: skip


def _bool_value(segments: Segments) -> str:
    return _joined(segments).strip().lower()


def _null_value(segments: Segments) -> bool:
    text = _bool_value(segments)
    if text not in ("true", "false"):
        raise ValueError(f"Null expects 'true' or 'false', not {_joined(segments)!r}")
    return text == "true"


def _build() -> dict[str, OperatorSpec]:
    def same(r: Any, p: Any) -> bool:
        return bool(r == p)

    def like(r: Any, p: Any) -> bool:
        found = p.fullmatch(r)
        return found is not None and found is not False

    specs = [
        *_pair("StringEquals", Family.STRING, _joined, str, same,
               variables=True, negated_name="StringNotEquals", equality=True),
        *_pair("StringEqualsIgnoreCase", Family.STRING, lambda s: _joined(s).casefold(),
               str.casefold, same, variables=True, negated_name="StringNotEqualsIgnoreCase",
               equality=True),
        *_pair("StringLike", Family.STRING, _like_regex, str, like,
               variables=True, negated_name="StringNotLike"),
        *_ordering(Family.NUMERIC, _decimal),
        *_ordering(Family.DATE, _date),
        *_pair("Bool", Family.BOOL, _bool_value, lambda t: t.strip().lower(), same,
               equality=True),
        *_pair("BinaryEquals", Family.BINARY, lambda s: _binary(_joined(s)),
               _lenient(_binary), same, equality=True),
        *_pair("IpAddress", Family.IP, lambda s: _network(_joined(s)), _read_ip, _in_network,
               negated_name="NotIpAddress"),
        *_pair("ArnEquals", Family.ARN, ArnGlob, _read_arn, like,
               variables=True, negated_name="ArnNotEquals"),
        *_pair("ArnLike", Family.ARN, ArnGlob, _read_arn, like,
               variables=True, negated_name="ArnNotLike"),
        *_pair("Null", Family.NULL, _null_value, str, same),
    ]  # fmt: skip
    return {spec.name.lower(): spec for spec in specs}


OPERATORS: dict[str, OperatorSpec] = _build()


def lookup_operator(name: str) -> OperatorSpec | None:
    """The base operator called ``name`` (case-insensitive), or ``None``."""
    return OPERATORS.get(name.lower())
