"""Threshold windows for :class:`cloudwarden.detect.correlate.Detector`.

The semantics are those of the correlate module's docstring (and docs/detection-rules.md);
this module holds the per-group windows and the walk that raises threshold candidates,
written for rules that make hundreds of thousands of hits per batch. Most of those hits
land in groups that cannot fire, so :func:`live_hits` files them without going through
the walk.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from datetime import datetime, timedelta
from operator import attrgetter

from cloudwarden.detect.matching import Hit
from cloudwarden.detect.rules.ir import Threshold

__all__ = ["Candidate", "Group", "Window", "expire", "live_hits", "prune", "time_order", "walk"]

Group = tuple[str, ...]

#: the order a threshold takes hits in: event time, then event key (then position, so that
#: the order is total); an attrgetter builds the sort keys without a Python call per hit
time_order = attrgetter("meta.time", "key", "position")


class Window:
    """The open hits of one threshold group, oldest first, and (for a ``distinct`` threshold)
    how many of them hold each distinct non-empty value."""

    __slots__ = ("distinct", "hits")

    def __init__(self, distinct: bool) -> None:
        self.hits: deque[Hit] = deque()
        self.distinct: dict[str, int] | None = {} if distinct else None


class Candidate:
    """An alert about to be raised: its rule, the position of the event that raised it,
    the hits it names and its threshold group."""

    __slots__ = ("alert_id", "dedup_key", "group", "hits", "position", "rule", "suppressed")

    def __init__(self, rule: int, position: int, hits: list[Hit], group: dict[str, str]) -> None:
        self.rule = rule
        self.position = position
        self.hits = hits
        self.group = group
        self.suppressed = 0
        #: set by dedup (for rules with one); "" until then
        self.dedup_key = ""
        self.alert_id = ""

    @property
    def time(self) -> datetime:
        return self.hits[-1].meta.time


def _need(threshold: Threshold) -> int:
    # ``n > count`` or ``n >= count`` (Threshold.met), for whole numbers: ``n >= need``
    return threshold.count + 1 if threshold.op == ">" else threshold.count


def walk(
    i: int, threshold: Threshold, windows: dict[Group, Window], hits: list[Hit], clock: datetime
) -> Iterator[Candidate]:
    """Rule ``i``'s threshold over its hits of one batch (any order), ``windows`` holding
    its open groups; the candidates it raises, in the order the windows fill."""
    within = timedelta(seconds=threshold.within)
    by, distinct = threshold.by, threshold.distinct
    need = _need(threshold)
    one = by[0] if len(by) == 1 else None
    live = live_hits(windows, hits, threshold, clock - within)
    live.sort(key=time_order)
    for h in live:
        values, time = h.values, h.meta.time
        if one is not None:
            group: Group = (values.get(one, ""),)
        else:
            group = tuple([values.get(f, "") for f in by])
        window = windows.get(group)
        if window is None:
            window = windows[group] = Window(distinct is not None)
        elif window.hits and window.hits[0].meta.time <= time - within:
            expire(window, time - within, distinct)
        window.hits.append(h)
        counts = window.distinct
        if counts is not None:
            value = values.get(distinct or "", "")
            if value:
                counts[value] = counts.get(value, 0) + 1
            n = len(counts)
        else:
            n = len(window.hits)
        if n >= need:
            named = dict(zip(by, group, strict=True))
            yield Candidate(i, h.position, list(window.hits), named)
            windows[group] = Window(distinct is not None)


def live_hits(
    windows: dict[Group, Window], hits: list[Hit], threshold: Threshold, horizon: datetime
) -> list[Hit]:
    """The hits of the groups that could meet the threshold in this batch; the others
    go straight to their window's final state.

    A group whose hits in this batch and in its open window number fewer than ``need``
    (for ``distinct``: hold fewer distinct values) cannot meet the threshold in any
    window of this batch. Walking its hits one by one would raise nothing and leave
    its window holding its hits newer than ``horizon`` (the clock minus ``within``) --
    which is what is kept for it here, directly. Broad threshold rules (activity in many
    regions, a burst of List/Describe calls) put most hits in such groups, most of them
    groups of one hit, which take the shortest way.
    """
    by, distinct = threshold.by, threshold.distinct
    need = _need(threshold)
    # Each group's first hit, and the groups of two or more hits: most groups hold one
    # hit, and building a list for each of them was the larger part of the grouping.
    # (Hits are indexed: h[4] is h.values, read faster than by its name.)
    first: dict[Group, Hit] = {}
    more: dict[Group, list[Hit]] = {}
    put = first.setdefault
    if len(by) == 1:
        one = by[0]
        groups: list[Group] = [(h[4].get(one, ""),) for h in hits]
    else:
        groups = [tuple([h[4].get(f, "") for f in by]) for h in hits]
    for group, h in zip(groups, hits, strict=True):
        if put(group, h) is not h:
            bucket = more.get(group)
            if bucket is None:
                more[group] = [first[group], h]
            else:
                bucket.append(h)
    live: list[Hit] = []
    has_distinct = distinct is not None
    field = distinct or ""
    get_window = windows.get
    for group, h in first.items():
        if group in more:
            continue
        window = get_window(group)
        if window is None and need > 1:
            # a lone hit in a group without a window cannot reach ``need``: it opens a
            # window if it is recent enough
            if h.meta.time > horizon:
                window = windows[group] = Window(has_distinct)
                window.hits.append(h)
                if window.distinct is not None and (value := h.values.get(field, "")):
                    window.distinct[value] = 1
            continue
        _file_group(windows, group, [h], window, distinct, need, horizon, live)
    for group, bucket in more.items():
        _file_group(windows, group, bucket, get_window(group), distinct, need, horizon, live)
    return live


def _file_group(
    windows: dict[Group, Window],
    group: Group,
    bucket: list[Hit],
    window: Window | None,
    distinct: str | None,
    need: int,
    horizon: datetime,
    live: list[Hit],
) -> None:
    """One group's hits of the batch: to ``live`` if the group can reach the threshold,
    else the recent ones into its window."""
    if _reachable(bucket, window, distinct, need):
        live.extend(bucket)
        return
    recent = [h for h in bucket if h.meta.time > horizon]
    if not recent:
        return
    recent.sort(key=time_order)
    if window is None:
        window = windows[group] = Window(distinct is not None)
    window.hits.extend(recent)
    counts = window.distinct
    if counts is not None:
        for h in recent:
            if value := h.values.get(distinct or "", ""):
                counts[value] = counts.get(value, 0) + 1


def _reachable(bucket: list[Hit], window: Window | None, distinct: str | None, need: int) -> bool:
    """Whether ``need`` hits (or distinct values) can be in one window of this group."""
    carried = window.hits if window is not None else ()
    if len(bucket) + len(carried) < need:
        return False
    if distinct is None:
        return True
    values = {v for h in bucket if (v := h.values.get(distinct, ""))}
    if window is not None and window.distinct:
        values.update(window.distinct)
    return len(values) >= need


def expire(window: Window, horizon: datetime, distinct: str | None) -> None:
    """Drop the hits at or before ``horizon`` (the window keeps ``time > t - within``)."""
    hits, counts = window.hits, window.distinct
    while hits and hits[0].meta.time <= horizon:
        old = hits.popleft()
        if counts is not None:
            value = old.values.get(distinct or "", "")
            if value:
                left = counts[value] - 1
                if left:
                    counts[value] = left
                else:
                    del counts[value]


def prune(windows: dict[Group, Window], horizon: datetime, distinct: str | None) -> None:
    """Expire every window of one rule at ``horizon`` and forget the emptied ones."""
    emptied: list[Group] = []
    for group, window in windows.items():
        hits = window.hits
        # most windows hold a hit or two: look at the oldest before calling expire
        if not hits:
            emptied.append(group)
        elif hits[0].meta.time <= horizon:
            expire(window, horizon, distinct)
            if not hits:
                emptied.append(group)
    for group in emptied:
        del windows[group]
