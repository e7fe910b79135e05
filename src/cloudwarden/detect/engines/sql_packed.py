"""How the file scan's matched records travel from DuckDB to Python: packed in strings.

DuckDB's Python client builds one Python object per value it returns (without NumPy or
Arrow installed, ``fetchall`` is the only way out), so the shape of the result decides
much of a scan's cost. Measured from a materialised scan of 64 files (64,000 records,
50,000 matched; the hit fields and 19 grouping texts): a row per matched record took
0.22 s to fetch, a ``list`` aggregate per field and file 0.28 s, one ``string_agg`` per
file 0.04 s and 0.09 s more to split the strings in Python. So the scan returns, per file,
its matched records in one string:

* records separated by ``chr(30)`` (:data:`HIT_CHAR`), in the file's order;
* a record's fields separated by ``chr(31)`` (:data:`SEP_CHAR`): first one grouping text
  per :attr:`~cloudwarden.detect.engines.sql_files.SqlFileScan.value_fields`, then
  :data:`PACKED_TAIL` fields -- the record's row in the file (empty: the caller's count),
  event id, event time, account, region, and the ids of the rules it matches joined by
  ``chr(29)`` (:data:`ID_CHAR`). A fixed field count: the reader zips the grouping field
  names with a record's parts (``zip`` stops at the last text) and takes the rest from
  fixed places, with no per-field work.

Rule ids, event ids and the account and region hold none of these separators (rule ids
are checked when compiled, the other fields make a record irregular).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any, NamedTuple

__all__ = [
    "HIT_CHAR",
    "ID_CHAR",
    "PACKED_TAIL",
    "SEP_CHAR",
    "FileHit",
    "PythonFile",
    "chunks",
    "collect",
    "file_size",
]

#: between the fields of a record, between records, between the rule ids of a record
SEP_CHAR, HIT_CHAR, ID_CHAR = "\x1f", "\x1e", "\x1d"
#: the fields of a packed record after its grouping texts: row, event id, time, account,
#: region, rule ids (see above)
PACKED_TAIL = 6


class FileHit(NamedTuple):
    """One rule matching one record of a file: enough for an alert without the record.

    A named tuple rather than a dataclass: a scan returns millions of them (threshold rules
    match most events), and a tuple is built several times faster.
    """

    rule_id: str
    event_id: str
    origin: str
    event_time: str
    account: str
    region: str


class PythonFile(NamedTuple):
    """A file the scan leaves to Python (not CloudTrail JSON, unreadable by DuckDB, or
    holding an irregular record), at its place in the file order."""

    path: str
    origin: str


def collect(
    rows: list[tuple[Any, ...]],
    lines: bool,
    per_file: dict[str, list[tuple[int, str]]],
    counts: dict[str, int],
    fallback: dict[str, str],
) -> None:
    """Sort a query's rows ``(file, records, irregular, packed)`` into ``per_file`` (each
    packed text with the row its records count from), ``counts`` and ``fallback``."""
    for f, n, odd, packed in rows:
        if odd:
            fallback.setdefault(f, "an irregular record")
            continue
        row = counts[f]
        counts[f] = row + n if lines else n
        if not packed:
            continue
        per_file[f].append((row, packed))


def chunks(
    kinds: list[tuple[str, str, str]], most: int, size: int
) -> Iterator[list[tuple[str, str, str]]]:
    """``kinds`` in runs of at most ``most`` files, each ending at the file that takes its
    size on disk to ``size`` bytes: one query each."""
    chunk: list[tuple[str, str, str]] = []
    total = 0
    for item in kinds:
        chunk.append(item)
        total += file_size(item[0])
        if len(chunk) >= most or total >= size:
            yield chunk
            chunk, total = [], 0
    if chunk:
        yield chunk


def file_size(path: str) -> int:
    """``path``'s size on disk, 0 when it cannot be read (the scan's reader reports it)."""
    try:
        return os.path.getsize(path)
    except OSError:
        return 0
