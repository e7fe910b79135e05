"""How the file scan's matched records come back from DuckDB: packed strings, unpacked in
Python (:mod:`cloudwarden.detect.engines.sql_packed`), and turned into hits by
:meth:`~cloudwarden.detect.matching.Matcher.file_hits` with the streaming engine's values."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cloudwarden.detect.engines import sql_pool
from cloudwarden.detect.engines.sql_files import PACKED_TAIL, PythonFile, SqlFileScan
from cloudwarden.detect.engines.sql_packed import HIT_CHAR, ID_CHAR, SEP_CHAR, chunks
from cloudwarden.detect.matching import Hit, Matcher
from cloudwarden.detect.rules import Match, Rule
from cloudwarden.detect.rules.ir import Dedup, correlation_fields
from cloudwarden.detect.sources import SourceStats, read_events

pytest.importorskip("duckdb")

NAMES = ("sourceIPAddress", "requestParameters.bucketName", "userIdentity.arn")


def rules() -> list[Rule]:
    def rule(rid: str, name: str, by: tuple[str, ...] = ()) -> Rule:
        dedup = Dedup(by, 60) if by else None
        return Rule(rid, "t", Match("eventName", "equals", (name,)), dedup=dedup)

    return [
        rule("a", "Get", ("requestParameters.bucketName",)),
        rule("b", "Get", ("sourceIPAddress", "userIdentity.arn")),
        rule("c", "Put"),
        rule("d", "Put", ("sourceIPAddress",)),
        Rule("e", "t", Match("awsRegion", "equals", ("eu-west-1",))),
    ]


def record(i: int, name: str, **extra: Any) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "eventID": f"e{i}",
        "eventTime": "2024-05-01T00:00:00Z",
        "eventName": name,
        "awsRegion": "eu-west-1" if i % 2 else "us-east-1",
        "sourceIPAddress": f"10.0.0.{i}",
        "userIdentity": {"arn": f"arn:aws:iam::1:user/u{i}", "accountId": "1"},
        "requestParameters": {"bucketName": f"b{i}"},
    }
    rec.update(extra)
    return rec


def write(root: Path, recs: list[dict[str, Any]], name: str = "t.json") -> None:
    (root / name).write_text(json.dumps({"Records": recs}))


def hit_view(
    hits: list[Hit], matcher: Matcher
) -> list[tuple[str, str, tuple[Any, ...], dict[str, str]]]:
    """A hit as both engines must agree on it; the values each rule reads (the stream
    engine's mapping holds only those, the file scan's every grouping field)."""
    out = []
    for h in hits:
        rule = matcher.rules[h.rule]
        needs = [n for n in NAMES if n in correlation_fields(rule)]
        out.append((rule.id, h.key, tuple(h.meta), {n: h.values[n] for n in needs}))
    return out


def test_packed_records_have_a_fixed_shape(tmp_path: Path) -> None:
    """Each record: one text per grouping field, then PACKED_TAIL fields, the rule ids last
    (in any order: :meth:`SqlFileScan.rule_ids` puts them in rule order)."""
    write(tmp_path, [record(1, "Get"), record(2, "Nothing"), record(3, "Put")])
    scan = SqlFileScan(rules(), values=NAMES)
    items = list(scan.iter_packed([tmp_path], SourceStats()))
    assert not any(isinstance(i, PythonFile) for i in items)
    [(origin, packed)] = items
    assert origin.endswith("t.json")
    records = [one.split(SEP_CHAR) for _, text in packed for one in text.split(HIT_CHAR)]
    assert all(len(parts) == len(NAMES) + PACKED_TAIL for parts in records)
    assert [(p[-6], p[-5]) for p in records] == [("1", "e1"), ("3", "e3")]
    ids, unread = scan.rule_ids(records[0][-1])
    assert ids == ("a", "b", "e")
    assert unread == ()  # a and b read every grouping field between them
    ids, unread = scan.rule_ids(records[1][-1])
    assert ids == ("c", "d", "e")
    assert unread == (1, 2)  # only d groups, on sourceIPAddress
    assert scan.rule_ids(ID_CHAR.join(["e", "c"]))[0] == ("c", "e")


def test_file_hits_equal_the_stream_engine(tmp_path: Path) -> None:
    """Rules, keys, metadata and grouping values as the streaming engine gives them, for
    plain texts, a list on the way (sent as JSON), an object, separators and a promoted
    text starting with chr(2) (never sent as JSON: it stays as it is)."""
    recs = [
        record(1, "Get"),
        record(2, "Put"),
        record(3, "Get", requestParameters={"bucketName": ["x", "y"]}),
        record(4, "Get", requestParameters={"bucketName": {"k": 1}}),
        record(6, "Put", sourceIPAddress="\x02not json"),
        record(7, "Get", sourceIPAddress="\x02{}"),
        record(8, "Nothing"),
    ]
    write(tmp_path, recs)
    # a separator in a packed text: that file is left to the streaming engine
    write(tmp_path, [record(5, "Get", userIdentity={"arn": "a\x1fb", "accountId": "1"})], "u.json")
    batch = Matcher(rules(), "batch")
    assert batch.reads_files
    got = batch.file_hits([str(tmp_path)], SourceStats())
    assert batch._files is not None
    assert [Path(o).name for o in batch._files.fallback_files] == ["u.json"]
    stream = Matcher(rules(), "stream")
    want = stream.hits(read_events(str(tmp_path), stats=SourceStats()))
    assert hit_view(got, batch) == hit_view(want, stream)
    assert len(got) == 18
    # one mapping per record, shared by its hits; the texts no rule of it reads are blank
    by_key: dict[str, list[Hit]] = {}
    for h in got:
        by_key.setdefault(h.key, []).append(h)
    for hs in by_key.values():
        assert all(h.values is hs[0].values for h in hs)
    put = by_key["e2"][0].values
    assert put["sourceIPAddress"] == "10.0.0.2"
    assert put["requestParameters.bucketName"] == put["userIdentity.arn"] == ""
    assert by_key["e3"][0].values["requestParameters.bucketName"] == "x,y"
    assert by_key["e5"][0].values["userIdentity.arn"] == "a\x1fb"
    assert by_key["e6"][0].values["sourceIPAddress"] == "\x02not json"


def test_chunks_end_at_a_size_or_a_count(tmp_path: Path) -> None:
    sizes = [5, 5, 20, 1, 1, 1]
    kinds = []
    for i, size in enumerate(sizes):
        (tmp_path / f"{i}.json").write_bytes(b"x" * size)
        kinds.append((str(tmp_path / f"{i}.json"), f"{i}", "doc"))
    kinds.append((str(tmp_path / "gone.json"), "gone", "doc"))  # no size: counted as 0
    runs = [[origin for _, origin, _ in c] for c in chunks(kinds, 3, 10)]
    assert runs == [["0", "1"], ["2"], ["3", "4", "5"], ["gone"]]


def test_hits_do_not_depend_on_the_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Files split over several queries (a bad one among them, re-run without it) give the
    hits and counts of one query."""
    for i in range(5):
        write(tmp_path, [record(3 * i + j, ("Get", "Put", "x")[j]) for j in range(3)], f"{i}.json")
    (tmp_path / "2b.json").write_text('{"Records": [')
    want_stats, got_stats = SourceStats(), SourceStats()
    want = Matcher(rules(), "batch").file_hits([str(tmp_path)], want_stats)
    monkeypatch.setattr(sql_pool, "CHUNK_FILES", 2)
    got = Matcher(rules(), "batch").file_hits([str(tmp_path)], got_stats)
    assert [(*h[:3], dict(h.values)) for h in got] == [(*h[:3], dict(h.values)) for h in want]
    assert len(got) == 27  # Get and Put: two rules each; odd events: e
    assert (got_stats.files, got_stats.events, got_stats.by_reason) == (
        want_stats.files,
        want_stats.events,
        want_stats.by_reason,
    )


def test_a_scan_closed_part_way_leaves_no_query_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The next chunk's query runs in a worker while the caller reads this chunk's records:
    a caller that stops after the first file gets its records, and by the time the scan is
    closed the worker is gone and the caller's connection is usable again."""
    import threading

    import duckdb

    for i in range(4):
        write(tmp_path, [record(2 * i + j, ("Get", "Put")[j]) for j in range(2)], f"{i}.json")
    monkeypatch.setattr(sql_pool, "CHUNK_FILES", 1)
    con = duckdb.connect()
    scan = SqlFileScan(rules())
    items = scan.iter_packed([tmp_path], SourceStats(), con)
    first = next(items)
    assert not isinstance(first, PythonFile) and first[0] == "0.json" and first[1]
    assert any(t.name.startswith("cw-scan") for t in threading.enumerate())
    items.close()
    assert not any(t.name.startswith("cw-scan") for t in threading.enumerate())
    assert con.execute("SELECT 42").fetchall() == [(42,)]
    # and read to the end, every file in order, counted once
    stats = SourceStats()
    origins = [item[0] for item in scan.iter_packed([tmp_path], stats, con)]
    assert origins == [f"{i}.json" for i in range(4)]
    assert (stats.files, stats.events["cloudtrail"]) == (4, 8)
