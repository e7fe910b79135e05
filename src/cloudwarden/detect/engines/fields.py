"""Reading a rule's field from an event record, as the reference evaluator does, fast.

:func:`plain_getter` reads a dotted path when the path is plain nested objects and ends
in a string -- the common case -- and otherwise says which way it is not (``MISSING``:
the evaluator reaches no value, or only ``null``; ``UNKNOWN``: a list, a literal dotted
key or a non-string value is involved, so only the evaluator can tell). The streaming
engine's leaves and the grouping texts thresholds and dedup read (:func:`field_text`,
:func:`text_extractor`) are built on it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from cloudwarden.detect.rules.evaluate import Getter, _getter, _text

__all__ = ["MISSING", "UNKNOWN", "define", "field_text", "plain_getter", "text_extractor"]

MISSING = object()
UNKNOWN = object()


def define(lines: Sequence[str], names: Mapping[str, Any], filename: str) -> Any:
    """The function that ``lines`` -- our own generated source, ``def <name>(...)`` first --
    define, seeing ``names`` and the markers; ``filename`` names it in tracebacks and
    profiles."""
    scope = {"MISSING": MISSING, "UNKNOWN": UNKNOWN, **names}
    exec(compile("\n".join(lines) + "\n", filename, "exec"), scope)
    return scope[lines[0].removeprefix("def ").split("(")[0]]


@lru_cache(maxsize=1024)
def _cached_getter(name: str) -> Getter:
    return _getter(name)


@lru_cache(maxsize=1024)
def _cached_plain(name: str) -> Callable[[Mapping[str, Any]], object]:
    return plain_getter(name)


def field_text(record: Mapping[str, Any], name: str) -> str:
    """A field's value as grouping text: the evaluator's text of each value reached, comma-joined;
    ``""`` when the field is missing or null."""
    v = _cached_plain(name)(record)
    if type(v) is str:  # plain nesting to a string: the common case, without the walk
        return v
    if v is MISSING:
        return ""
    texts = []
    for v in _cached_getter(name)(record):
        if v is None:
            continue
        t = _text(v)
        texts.append(t if t is not None else str(v))
    return ",".join(texts)


def text_extractor(names: Sequence[str]) -> Callable[[Mapping[str, Any]], dict[str, str]]:
    """A function giving ``{name: field_text(record, name)}`` for each of ``names``.

    The function is generated as straight-line code for its names: a matched event carries
    about fifteen grouping texts (the context fields of playbook rules), and a loop over
    them spent more on its own steps than on the reads. The common shapes are read
    directly: a top-level string, and ``head.tail`` where ``head`` is an object, ``null`` or
    absent; deeper paths through :func:`plain_getter`; a missing or ``null`` value is
    ``""``. A record with a literal dotted key among the ``head.tail`` names (the evaluator
    reads it first) goes to :func:`field_text` whole, and so does any value that is not a
    plain string -- lists, numbers, objects.
    """
    # the set of names decides the function (its dict's order does not matter to anyone):
    # rule combinations are many more than the sets of names they read, and each
    # generated function costs a millisecond or so to compile
    return _extractor(tuple(sorted(set(names))))


@lru_cache(maxsize=1024)
def _extractor(names: tuple[str, ...]) -> Callable[[Mapping[str, Any]], dict[str, str]]:
    tops: list[str] = []
    pairs: dict[str, list[tuple[str, str]]] = {}
    deeper: list[str] = []
    for name in names:
        parts = name.split(".")
        if len(parts) == 1:
            tops.append(name)
        elif len(parts) == 2:
            pairs.setdefault(parts[0], []).append((name, parts[1]))
        else:
            deeper.append(name)
    env: dict[str, Any] = {"field_text": field_text, "NAMES": names}
    lines = ["def extract(r):"]
    dotted = [name for items in pairs.values() for name, _ in items]
    if dotted:
        lines.append("    if " + " or ".join(f"{d!r} in r" for d in dotted) + ":")
        lines.append("        return {n: field_text(r, n) for n in NAMES}")
    var: dict[str, str] = {}
    for name in tops:
        var[name] = v = f"v{len(var)}"
        lines.append(f"    {v} = r.get({name!r})")
    for head, items in pairs.items():
        got = []
        lines += [f"    o = r.get({head!r})", "    if type(o) is dict:"]
        for name, tail in items:
            var[name] = v = f"v{len(var)}"
            got.append(v)
            lines.append(f"        {v} = o.get({tail!r})")
        # nothing is reached under an absent or null head; anything else is field_text's
        lines += ["    elif o is None:", f"        {' = '.join(got)} = None", "    else:"]
        lines.append(f"        {' = '.join(got)} = UNKNOWN")
    for k, name in enumerate(deeper):
        env[f"get{k}"] = plain_getter(name)
        var[name] = v = f"v{len(var)}"
        lines.append(f"    {v} = get{k}(r)")
    texts = [
        f"{name!r}: {v} if type({v}) is str else '' if {v} is None or {v} is MISSING"
        f" else field_text(r, {name!r})"
        for name, v in ((name, var[name]) for name in names)
    ]
    lines.append("    return {" + ", ".join(texts) + "}")
    extract: Callable[[Mapping[str, Any]], dict[str, str]] = define(lines, env, "<text extractor>")
    return extract


def plain_getter(field: str) -> Callable[[Mapping[str, Any]], object]:
    """The string at a dotted path when the path is plain nested dicts, else a marker.

    ``MISSING``: the evaluator reaches no value (or only ``null``); ``UNKNOWN``: a list, a
    literal dotted key or a non-string value is involved, so only the evaluator can tell.
    """
    parts = tuple(field.split("."))
    n = len(parts)
    if n == 1:
        return _top_getter(field)
    if n == 2:
        return _pair_getter(field, parts[0], parts[1])
    return _deep_getter(field)


@lru_cache(maxsize=1024)
def _deep_getter(field: str) -> Callable[[Mapping[str, Any]], object]:
    """:func:`plain_getter` of a path of three or more steps, as straight-line code: at each
    level the literal dotted keys made of the remaining steps (longest first, as the
    evaluator tries them) make the read ``UNKNOWN``, as does anything but a dict on the
    way; a missing step is ``MISSING``."""
    parts = field.split(".")
    lines = ["def get(o):"]
    for i, key in enumerate(parts[:-1]):
        tests = " or ".join(f"{'.'.join(parts[i:j])!r} in o" for j in range(len(parts), i + 1, -1))
        lines += [
            f"    if type(o) is not dict or {tests}:",
            "        return UNKNOWN",
            f"    o = o.get({key!r}, MISSING)",
            "    if o is MISSING:",
            "        return MISSING",
        ]
    lines += [
        "    if type(o) is not dict:",
        "        return UNKNOWN",
        f"    o = o.get({parts[-1]!r})",
        "    if type(o) is str:",
        "        return o",
        "    return MISSING if o is None else UNKNOWN",
    ]
    get: Callable[[Mapping[str, Any]], object] = define(lines, {}, f"<getter {field}>")
    return get


def _top_getter(key: str) -> Callable[[Mapping[str, Any]], object]:
    def get(event: Mapping[str, Any]) -> object:
        v = event.get(key)
        if type(v) is str:
            return v
        return MISSING if v is None else UNKNOWN

    return get


def _pair_getter(field: str, head: str, tail: str) -> Callable[[Mapping[str, Any]], object]:
    def get(event: Mapping[str, Any]) -> object:
        if field in event:
            return UNKNOWN
        obj = event.get(head, MISSING)
        if obj is MISSING:
            return MISSING
        if type(obj) is not dict:
            return UNKNOWN
        v = obj.get(tail)
        if type(v) is str:
            return v
        return MISSING if v is None else UNKNOWN

    return get
