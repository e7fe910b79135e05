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

__all__ = ["MISSING", "UNKNOWN", "field_text", "plain_getter", "text_extractor"]

MISSING = object()
UNKNOWN = object()


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

    The common shapes are read directly: a top-level string, and ``head.tail`` where
    ``head`` is an object (read once for all its tails) and no literal ``"head.tail"`` key
    sits beside it; a missing or ``null`` value is ``""``. Anything else -- lists, numbers,
    objects, literal dotted keys, deeper paths that are not plain -- is
    :func:`field_text`'s to answer.
    """
    tops: list[str] = []
    pairs: dict[str, list[tuple[str, str]]] = {}
    deeper: list[tuple[str, Callable[[Mapping[str, Any]], object]]] = []
    for name in names:
        parts = name.split(".")
        if len(parts) == 1:
            tops.append(name)
        elif len(parts) == 2:
            pairs.setdefault(parts[0], []).append((name, parts[1]))
        else:
            deeper.append((name, plain_getter(name)))
    heads = tuple((head, tuple(items)) for head, items in pairs.items())

    def extract(record: Mapping[str, Any]) -> dict[str, str]:
        out: dict[str, str] = {}
        for name in tops:
            v = record.get(name)
            out[name] = v if type(v) is str else "" if v is None else field_text(record, name)
        for head, items in heads:
            obj = record.get(head, MISSING)
            if type(obj) is dict:
                for name, tail in items:
                    v = obj.get(tail)
                    if type(v) is str and name not in record:
                        out[name] = v
                    elif v is None and name not in record:
                        out[name] = ""
                    else:
                        out[name] = field_text(record, name)
            else:
                for name, _ in items:
                    out[name] = field_text(record, name)
        for name, get in deeper:
            v = get(record)
            out[name] = v if type(v) is str else "" if v is MISSING else field_text(record, name)
        return out

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
    # at level i the evaluator tries the literal dotted keys parts[i:j] (j > i + 1) first
    steps = tuple(
        (parts[i], tuple(".".join(parts[i:j]) for j in range(n, i + 1, -1))) for i in range(n)
    )

    def get(event: Mapping[str, Any]) -> object:
        obj: Any = event
        for key, dotted in steps:
            if type(obj) is not dict:
                return UNKNOWN
            for d in dotted:
                if d in obj:
                    return UNKNOWN
            obj = obj.get(key, MISSING)
            if obj is MISSING:
                return MISSING
        if obj is None:
            return MISSING
        return obj if type(obj) is str else UNKNOWN

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
