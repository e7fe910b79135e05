"""The finite set of request contexts that covers every case a policy distinguishes.

A resource policy decides on the principal, the action, the resource and the request
context. For the context, only the condition keys the policies mention can change the
decision, and for each key only the values the policies name (and the regions between
them) can. So for every key we build a small list of *options* that meets each region
once:

* string and ARN operators: each named value (a wildcard pattern instantiated twice, with
  two different fillers), a value that matches none, and the key absent;
* IP operators: for each CIDR block an address inside it but outside every smaller block
  nested in it, an address outside all of them, and absent (blocks are nested or
  disjoint, so these are all the regions);
* numeric and date operators: each threshold, the midpoints between thresholds, one
  below the lowest and one above the highest, and absent;
* Bool: ``true``, ``false``, absent; Null: absent or any present value;
* keys used with ``ForAnyValue`` / ``ForAllValues``: every subset (up to three named
  values plus a non-matching one), else single values and the full set.

The product of the per-key options is then every distinct context. What cannot be
covered this way is reported in ``Dimensions.unknown`` (policy variables in values, two
wildcard patterns on one key whose instantiations cannot be told apart, a product over
``MAX_CONTEXTS``), so a "no access" answer is never claimed where it was not proven.
"""

from __future__ import annotations

import ipaddress
import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from cloudwarden.iam.access.regions import compile_glob, regions
from cloudwarden.iam.condition_ops import Family
from cloudwarden.iam.conditions import ConditionClause
from cloudwarden.iam.policy import Policy
from cloudwarden.iam.request import ContextValue

__all__ = [
    "DERIVED_KEYS",
    "MAX_CONTEXTS",
    "OTHER",
    "OTHER_ARN",
    "SOURCE_KEYS",
    "Dimensions",
    "Option",
    "context_dimensions",
    "contexts",
    "instantiate",
]

MAX_CONTEXTS = 1024
OTHER = "cloudwarden-other"
OTHER_ARN = "arn:aws:sqs:us-east-1:999988887777:cloudwarden-other"
_FILLERS = ("x", "cloudwarden-0")
_OUTSIDE_IPS = ("203.0.113.77", "198.51.100.7", "192.0.2.9", "8.8.4.4", "2001:db8::77")
# Keys present only when a service acts for a resource owner ("AWS global condition
# context keys", availability of aws:SourceArn / aws:SourceAccount / aws:SourceOrgID /
# aws:SourceOrgPaths; aws:SourceOwner is the legacy form): varied for service principals
# only, absent for every other caller.
SOURCE_KEYS = frozenset(
    {
        "aws:sourcearn",
        "aws:sourceaccount",
        "aws:sourceowner",
        "aws:sourceorgid",
        "aws:sourceorgpaths",
    }
)
# Keys the candidate principal determines (set per principal, never varied freely).
DERIVED_KEYS = frozenset(
    {
        "aws:principalarn",
        "aws:principalaccount",
        "aws:principaltype",
        "aws:username",
        "aws:principalisawsservice",
        "aws:principalservicename",
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:resourceaccount",
        "kms:calleraccount",
    }
)


@dataclass(frozen=True, slots=True)
class Option:
    """One value of one key (``None``: the key is absent); ``named`` when the value is one
    the policy names, which makes a witness that needs it conditional."""

    value: ContextValue | None
    named: bool


@dataclass
class Dimensions:
    """Per condition key (as first spelled in the policy) its options."""

    options: dict[str, list[Option]] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)

    def size(self) -> int:
        total = 1
        for opts in self.options.values():
            total *= len(opts)
        return total


def instantiate(pattern: str) -> list[str]:
    """Concrete strings that a wildcard pattern (``*``, ``?``) matches, one per filler."""
    if "*" not in pattern and "?" not in pattern:
        return [pattern]
    out = []
    for filler in _FILLERS:
        out.append(pattern.replace("*", filler).replace("?", "x"))
    return out


def _clauses(policies: Iterable[Policy]) -> Iterator[ConditionClause]:
    for policy in policies:
        for statement in policy.statements:
            yield from statement.conditions


def context_dimensions(policies: Iterable[Policy]) -> Dimensions:
    """The options of every condition key the policies mention, except those the
    principal determines (``DERIVED_KEYS``)."""
    by_key: dict[str, list[ConditionClause]] = {}
    spelled: dict[str, str] = {}
    dims = Dimensions()
    for clause in _clauses(policies):
        if clause.key_lower in DERIVED_KEYS:
            continue
        if any(v.template is not None for v in clause.values):
            dims.unknown.append(
                f"condition {clause.operator} on {clause.key} uses a policy variable; "
                "its value depends on the request and is not enumerated"
            )
        by_key.setdefault(clause.key_lower, []).append(clause)
        spelled.setdefault(clause.key_lower, clause.key)
    for key, clauses in by_key.items():
        dims.options[spelled[key]] = _key_options(spelled[key], clauses, dims.unknown)
    return dims


def _key_options(key: str, clauses: list[ConditionClause], unknown: list[str]) -> list[Option]:
    families = {c.spec.family for c in clauses}
    raw = [v.raw for c in clauses for v in c.values if v.template is None]
    values: list[str] = []
    named = set(raw) | {i for r in raw for i in instantiate(r)}
    if Family.IP in families:
        inside, outside = _ip_values(
            [v.raw for c in clauses if c.spec.family is Family.IP for v in c.values]
        )
        values += inside + outside
        named |= set(inside)
    if families & {Family.NUMERIC}:
        values += _numeric_values(raw)
    if families & {Family.DATE}:
        values += _date_values(raw)
    if Family.BOOL in families:
        values += ["true", "false"]
    if families & {Family.STRING, Family.ARN, Family.BINARY}:
        strings, matching = _string_values(key, clauses, unknown)
        values += strings
        named |= matching
    if not values:  # Null alone: present or not
        values = [OTHER]
    singles = [Option(v, v in named) for v in dict.fromkeys(values)]
    if any(c.qualifier is not None for c in clauses):
        return [Option(None, False), *_multivalued(singles, key, unknown)]
    return [Option(None, False), *singles]


def _multivalued(singles: list[Option], key: str, unknown: list[str]) -> list[Option]:
    """Sets of values for a multivalued key: every non-empty subset when small."""
    if len(singles) <= 4:
        subsets = itertools.chain.from_iterable(
            itertools.combinations(singles, n) for n in range(1, len(singles) + 1)
        )
    else:
        unknown.append(f"multivalued key {key} names more than three values; only single "
                       "values and the full set are tried")  # fmt: skip
        subsets = itertools.chain(((s,) for s in singles), [tuple(singles)])
    out = []
    for subset in subsets:
        out.append(Option([str(o.value) for o in subset], any(o.named for o in subset)))
    return out


_LIKE = frozenset(
    {"stringlike", "stringnotlike", "arnlike", "arnnotlike", "arnequals", "arnnotequals"}
)


def _string_values(
    key: str, clauses: list[ConditionClause], unknown: list[str]
) -> tuple[list[str], set[str]]:
    """One value per region of the key's string / ARN values (``regions``), preferring
    the policy's own values and instantiations; and those that match a policy value."""
    listed = [
        (v.raw, c.spec.name.lower() in _LIKE)
        for c in clauses
        if c.spec.family in (Family.STRING, Family.ARN, Family.BINARY)
        for v in c.values
        if v.template is None
    ]
    arn = any(c.spec.family is Family.ARN for c in clauses) or key.lower().endswith("arn")
    binary = any(c.spec.family is Family.BINARY for c in clauses)
    other = "Y2xvdWR3YXJkZW4=" if binary else (OTHER_ARN if arn else OTHER)
    patterns = [compile_glob(raw, literal=not like) for raw, like in dict.fromkeys(listed)]
    preferred = [i for raw, like in listed for i in (instantiate(raw) if like else [raw])]
    found, complete = regions(patterns, [*preferred, other])
    if not complete:
        unknown.append(f"the values of {key} form too many regions to enumerate")
    return list(found.values()), {v for vector, v in found.items() if any(vector)}


def _ip_values(cidrs: Sequence[str]) -> tuple[list[str], list[str]]:
    """An address in each block's own region, and one address outside every block."""
    nets = []
    for text in cidrs:
        try:
            nets.append(ipaddress.ip_network(text.strip(), strict=False))
        except ValueError:
            continue
    inside: list[str] = []
    for net in nets:
        inner = [n for n in nets if n != net and n.version == net.version and n.subnet_of(net)]  # type: ignore[arg-type]
        pick = _address_in(net, inner)
        if pick is not None:
            inside.append(pick)
    for text in _OUTSIDE_IPS:
        addr = ipaddress.ip_address(text)
        if not any(addr.version == n.version and addr in n for n in nets):
            return inside, [text]
    return inside, []


def _address_in(
    net: ipaddress.IPv4Network | ipaddress.IPv6Network,
    inner: Sequence[ipaddress.IPv4Network | ipaddress.IPv6Network],
) -> str | None:
    """An address of ``net`` outside every block nested in it (tried at the ends of the
    block and around each nested block), or ``None`` when the nested blocks fill it."""
    tries = [net.network_address, net.broadcast_address]
    for n in inner:
        tries += [n.network_address - 1, n.broadcast_address + 1]
    for addr in tries:
        if addr in net and not any(addr in n for n in inner):
            return str(addr)
    return None


def _numeric_values(raw: Sequence[str]) -> list[str]:
    numbers = []
    for text in raw:
        try:
            numbers.append(Decimal(text.strip()))
        except InvalidOperation:
            continue
    return [str(n) for n in _between(sorted(set(numbers)), Decimal(1))]


def _between(points: list[Decimal], step: Decimal) -> list[Decimal]:
    if not points:
        return []
    out = [points[0] - step, *points, points[-1] + step]
    out += [(a + b) / 2 for a, b in itertools.pairwise(points)]
    return out


def _date_values(raw: Sequence[str]) -> list[str]:
    instants = []
    for text in raw:
        try:
            stripped = text.strip()
            if stripped.replace(".", "", 1).lstrip("-").isdigit():
                instants.append(Decimal(stripped))
                continue
            parsed = datetime.fromisoformat(stripped)
            parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
            instants.append(Decimal(int(parsed.timestamp())))
        except (ValueError, InvalidOperation):
            continue
    return [str(int(v)) for v in _between(sorted(set(instants)), Decimal(86400))]


def contexts(dims: Dimensions) -> Iterator[tuple[dict[str, ContextValue], tuple[str, ...]]]:
    """Every combination of options (or, past ``MAX_CONTEXTS``, each key varied alone
    with the others absent — recorded in ``dims.unknown`` by the caller): the context
    and the keys set to values the policy names."""
    keys = list(dims.options)
    if dims.size() <= MAX_CONTEXTS:
        combos: Iterable[tuple[Option, ...]] = itertools.product(*(dims.options[k] for k in keys))
    else:
        absent = tuple(Option(None, False) for _ in keys)
        combos = itertools.chain(
            [absent],
            (
                (*absent[:i], opt, *absent[i + 1 :])
                for i, k in enumerate(keys)
                for opt in dims.options[k]
            ),
        )
    for combo in combos:
        context = {k: o.value for k, o in zip(keys, combo, strict=True) if o.value is not None}
        named = tuple(k for k, o in zip(keys, combo, strict=True) if o.named)
        yield context, named
