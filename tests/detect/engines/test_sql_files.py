"""The batch engine reading files itself agrees with the streaming engine, hit for hit.

Every test compares :class:`SqlFileScan` over files with ``read_events`` + the streaming
engine over the same files: the same ``(rule, eventID)`` pairs in the same order
(duplicates included), and the same counts of files, events and unparseable records.
"""

from __future__ import annotations

import gzip
import json
from itertools import product
from pathlib import Path
from typing import Any

import orjson
import pytest

from cloudwarden.detect.corpus import generate_records, write_cloudtrail
from cloudwarden.detect.engines.sql import SqlEngine
from cloudwarden.detect.engines.sql_files import SqlFileScan
from cloudwarden.detect.engines.stream import StreamEngine
from cloudwarden.detect.matching import Matcher
from cloudwarden.detect.rules import And, Match, Not, Or, Rule, builtin_sigma_rules
from cloudwarden.detect.sources import SourceStats, read_events

pytest.importorskip("duckdb")

DATA = Path(__file__).parents[1] / "sources" / "data"
SIGMA: tuple[Rule, ...] = builtin_sigma_rules().rules


def stream_hits(rules: tuple[Rule, ...] | list[Rule], root: Path) -> tuple[list[Any], SourceStats]:
    stats = SourceStats()
    engine = StreamEngine(rules)
    hits = [
        (h.rule.id, h.event_id)
        for ev in read_events(str(root), stats=stats)
        if ev.source == "cloudtrail"
        for h in engine.run((ev,))
    ]
    return hits, stats


def batch_hits(
    rules: tuple[Rule, ...] | list[Rule], root: Path
) -> tuple[list[Any], SourceStats, SqlFileScan]:
    scan = SqlFileScan(rules)
    stats = SourceStats()
    hits = [(h.rule_id, h.event_id) for h in scan.scan([root], stats)]
    return hits, stats, scan


def assert_agree(rules: tuple[Rule, ...] | list[Rule], root: Path) -> SqlFileScan:
    want, want_stats = stream_hits(rules, root)
    got, got_stats, scan = batch_hits(rules, root)
    assert got == want
    assert_same_counts(got_stats, want_stats)
    return scan


def assert_same_counts(got: SourceStats, want: SourceStats) -> None:
    """The batch scan counted files, events and problems as the reader did."""
    assert (got.files, got.events, got.unparseable) == (
        want.files,
        want.events,
        want.unparseable,
    )
    assert got.by_reason == want.by_reason
    assert [p.location for p in got.skipped] == [p.location for p in want.skipped]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("corpus")
    write_cloudtrail(root, generate_records(20_000, seed=3), per_file=500)
    return root


def test_regular_corpus_is_read_by_duckdb_alone(corpus: Path) -> None:
    scan = assert_agree(SIGMA, corpus)
    assert scan.unsupported == {}
    assert scan.fallback_files == {}  # every record regular: no file left to Python
    hits, _ = stream_hits(SIGMA, corpus)
    assert len({r for r, _ in hits}) >= 25  # many rules fire, at a low rate for most


def test_keys_differing_only_by_case_need_no_schema(corpus: Path) -> None:
    tagging = Rule(
        id="tagging",
        title="t",
        detection=And(
            (
                Match("eventName", "equals", ("PutBucketTagging",)),
                Match("requestParameters.Tagging.TagSet.Tag.Key", "equals", ("env",)),
                Match("requestParameters.tagging", "exists", (True,)),
            )
        ),
    )
    scan = assert_agree([tagging], corpus)
    assert scan.fallback_files == {}
    assert batch_hits([tagging], corpus)[0]


def test_odd_and_bad_records_fall_back_and_are_counted(tmp_path: Path) -> None:
    records = generate_records(3000, seed=5, odd_rate=0.01, bad_rate=0.005)
    write_cloudtrail(tmp_path, records, per_file=100)
    scan = assert_agree(SIGMA, tmp_path)
    assert 0 < len(scan.fallback_files) < 30  # only the files holding an odd record
    _, stats = stream_hits(SIGMA, tmp_path)
    assert stats.unparseable > 0


def test_plain_json_and_json_lines(tmp_path: Path) -> None:
    write_cloudtrail(tmp_path / "docs", generate_records(800, seed=8), compress=False)
    write_cloudtrail(tmp_path / "lines", generate_records(800, seed=9), lines=True, per_file=300)
    scan = assert_agree(SIGMA, tmp_path)
    assert scan.fallback_files == {}


def test_malformed_file_is_counted_and_the_rest_still_scanned(tmp_path: Path) -> None:
    write_cloudtrail(tmp_path, generate_records(1500, seed=11), per_file=500)
    good = sorted(tmp_path.rglob("*.json.gz"))[0]
    (good.parent / "truncated.json.gz").write_bytes(
        gzip.compress(gzip.decompress(good.read_bytes())[:-50])
    )
    (good.parent / "cut.json.gz").write_bytes(good.read_bytes()[:3000])  # gzip stream ends
    (good.parent / "not-records.json").write_bytes(b'{"Records": {"eventID": "x"}}')
    scan = assert_agree(SIGMA, tmp_path)
    assert set(scan.fallback_files) == {
        (good.parent / n).relative_to(tmp_path).as_posix()
        for n in ("truncated.json.gz", "cut.json.gz", "not-records.json")
    }


def test_documents_in_every_layout_are_read_as_the_reader_reads_them(tmp_path: Path) -> None:
    """A delivered document is compact (``{"Records":`` on one line, as CloudTrail writes it:
    read line by line), indented, or compact at its start with a line break after the first
    4 KiB (DuckDB rejects it line by line: it is read whole). All three are DuckDB's to read;
    a file holding two documents, one after the other or one per line, is not a CloudTrail
    delivery: the reader rejects it, and so does the scan (the file goes to the reader)."""
    from cloudwarden.detect.engines.file_kinds import cloudtrail_files

    records = list(generate_records(600, seed=21))
    compact = orjson.dumps({"Records": records[:200]})
    broken = orjson.dumps({"Records": records[200:400]})
    cut = broken.index(b"},{", 5000) + 2  # a line break between two records, past 4 KiB
    (tmp_path / "a-compact.json").write_bytes(compact + b"\n")
    (tmp_path / "b-indented.json").write_bytes(
        json.dumps({"Records": records[400:]}, indent=2).encode()
    )
    (tmp_path / "c-late-break.json.gz").write_bytes(
        gzip.compress(broken[:cut] + b"\n" + broken[cut:])
    )
    two = [orjson.dumps({"Records": records[i : i + 3]}) for i in (0, 3)]
    (tmp_path / "d-two-docs.json").write_bytes(two[0] + two[1])
    (tmp_path / "e-two-lines.json").write_bytes(two[0] + b"\n" + two[1] + b"\n")
    kinds = {origin: kind for _, origin, kind in cloudtrail_files([tmp_path], SourceStats())}
    assert kinds == {
        "a-compact.json": "compact",
        "b-indented.json": "doc",
        "c-late-break.json.gz": "compact",
        "d-two-docs.json": "compact",
        "e-two-lines.json": "doc",
    }
    scan = assert_agree(SIGMA, tmp_path)
    assert set(scan.fallback_files) == {"d-two-docs.json", "e-two-lines.json"}
    hits, stats = stream_hits(SIGMA, tmp_path)
    assert stats.events["cloudtrail"] == 600 and hits
    assert stats.unparseable > 0  # the two-document files: counted, not read as events


@pytest.mark.parametrize(
    "token", ["NaN", "-Infinity", "nan", "inf", "1e400", "[1, 2,]", '{"a": 1,}']
)
@pytest.mark.parametrize("lines", [False, True])
def test_json_only_duckdb_accepts_is_left_to_the_reader(
    tmp_path: Path, token: str, lines: bool
) -> None:
    """DuckDB's reader accepts NaN and Infinity in any case, trailing commas and numbers
    beyond a double; orjson (RFC 8259, the reference reader) rejects them, so the file
    or line is unparseable there. The scan leaves such files to the reader and agrees."""
    records = list(generate_records(40, seed=31))
    odd = orjson.dumps(records[7]).decode()[:-1] + f', "extra": {token}}}'
    rows = [orjson.dumps(r).decode() for r in records]
    rows[7] = odd
    if lines:
        (tmp_path / "trail.jsonl").write_text("\n".join(rows) + "\n")
    else:
        (tmp_path / "trail.json").write_text('{"Records":[' + ",".join(rows) + "]}")
    scan = assert_agree(SIGMA, tmp_path)
    assert len(scan.fallback_files) == 1
    _, stats = stream_hits(SIGMA, tmp_path)
    assert stats.unparseable == 1


def test_a_file_duckdb_fails_on_without_naming_it_is_found_and_left_to_the_reader(
    tmp_path: Path,
) -> None:
    """DuckDB's I/O errors name no file (a gzip stream with trailing zero bytes, which
    gzip.decompress accepts; a plain file named .zst): the scan splits the files until it
    finds the one, instead of failing whole."""
    write_cloudtrail(tmp_path, generate_records(3000, seed=41), per_file=500)
    files = sorted(tmp_path.rglob("*.json.gz"))
    files[2].write_bytes(files[2].read_bytes() + b"\0" * 16)
    plain = gzip.decompress(files[4].read_bytes())
    files[4].unlink()
    zst = files[4].with_name(files[4].name.replace(".json.gz", ".json.zst"))
    zst.write_bytes(plain)
    scan = assert_agree(SIGMA, tmp_path)
    assert {Path(f).name for f in scan.fallback_files} == {files[2].name, zst.name}


def test_dotted_keys_and_lists_are_exact(tmp_path: Path) -> None:
    base: dict[str, Any] = next(iter(generate_records(1, seed=1)))
    recs: list[dict[str, Any]] = []
    extras: list[dict[str, Any]] = [
        {"userIdentity.type": "Root"},
        {"requestParameters": {"containerDefinitions.command": "curl 169.254.170.2"}},
        {"requestParameters": {"containerDefinitions": [{"command": ["curl 169.254.170.2"]}]}},
        {"requestParameters": {"items": [{"x": 1}, {"y": "Suspended"}]}},
        {"userAgent": ["TruffleHog", "x"]},
        {"eventName": "STOPLOGGING", "eventSource": "CloudTrail.amazonaws.com"},
        {"awsRegion": "eu\x1fwest-1"},  # the separators hits are packed with
        {"recipientAccountId": None, "userIdentity": {"type": "Root", "accountId": "1\x1e2"}},
    ]
    for i, extra in enumerate(extras):
        rec = {**base, "eventID": f"e{i}", **extra}
        if i == 1 or i == 2:
            rec.update(eventSource="ecs.amazonaws.com", eventName="RegisterTaskDefinition")
        recs.append(rec)
    for i, rec in enumerate(recs):  # one file each: a fallback file holds only its record
        (tmp_path / f"f{i}.json").write_bytes(orjson.dumps({"Records": [rec]}))
    escaped = orjson.dumps({"Records": [recs[0]]}).replace(
        b'"userIdentity.', b'"user\\u0049dentity.'
    )
    (tmp_path / "f8.json").write_bytes(escaped)  # the same dotted key, spelt with an escape
    # the same key before a space or a line break and its colon, and one holding an escaped
    # quote after the dot: the search for a dot in a key must see each
    (tmp_path / "f9.json").write_text(json.dumps({"Records": [recs[0]]}, separators=(",", " : ")))
    (tmp_path / "f10.json").write_text(
        json.dumps({"Records": [recs[0]]}, indent=1).replace(
            '"userIdentity.type": ', '"userIdentity.type"\n:'
        )
    )
    plain = orjson.dumps({"Records": [recs[0]]})
    (tmp_path / "f11.json").write_bytes(
        plain.replace(b'"userIdentity.type"', b'"userIdentity.t\\"ype"')
    )
    scan = assert_agree(SIGMA, tmp_path)
    assert set(scan.fallback_files) == {f"f{i}.json" for i in (0, 1, 4, 6, 7, 8, 9, 10, 11)}


def test_missing_field_under_not_holds(tmp_path: Path) -> None:
    rule = Rule(
        id="r",
        title="t",
        detection=And(
            (
                Match("eventName", "equals", ("deletetrail",)),
                Not(Match("userIdentity.type", "equals", ("AWSService",))),
                Not(Match("requestParameters.x", "equals", ("y",))),
            )
        ),
    )
    rec = {"eventID": "e1", "eventTime": "2024-05-01T00:00:00Z", "eventName": "DeleteTrail"}
    (tmp_path / "t.json").write_text(json.dumps({"Records": [rec]}))
    assert SqlEngine([rule]).run_files([tmp_path]) == [("r", "e1")]


def test_test_data_folder(tmp_path: Path) -> None:
    """The reader's own fixtures: a digest file, plain and gzip documents, a bad JSON line."""
    assert_agree(SIGMA, DATA)
    assert SqlEngine(SIGMA).run_files([DATA]) == sorted(stream_hits(SIGMA, DATA)[0])


def test_grouping_texts_only_for_the_rules_reading_them(tmp_path: Path) -> None:
    """A record carries a field's text only when one of its matching rules groups on it:
    rule ids are found in the record's ids between separators, so ``r`` is not read as
    part of ``r-bucket``; the account falls back to ``userIdentity.accountId``."""
    from cloudwarden.detect.rules.ir import Dedup

    def rule(rid: str, name: str, by: tuple[str, ...] = ()) -> Rule:
        dedup = Dedup(by, 60) if by else None
        return Rule(rid, "t", Match("eventName", "equals", (name,)), dedup=dedup)

    rules = [
        rule("r", "GetObject"),
        rule("r-bucket", "PutObject", ("requestParameters.bucketName",)),
        rule("r-other", "GetObject", ("requestParameters.key",)),
    ]
    rec = {
        "eventTime": "2024-05-01T00:00:00Z",
        "userIdentity": {"accountId": "123"},
        "requestParameters": {"bucketName": "b"},
    }
    recs = [{**rec, "eventID": "e1", "eventName": "GetObject"}]
    recs.append({**rec, "eventID": "e2", "eventName": "PutObject"})
    (tmp_path / "t.json").write_text(json.dumps({"Records": recs}))
    matcher = Matcher(rules, "batch")
    assert matcher.reads_files
    got = matcher.file_hits([str(tmp_path)], SourceStats())
    ids = [r.id for r in rules]
    assert [(ids[h.rule], h.key, h.meta.account, dict(h.values)) for h in got] == [
        ("r", "e1", "123", {"requestParameters.bucketName": "", "requestParameters.key": ""}),
        ("r-other", "e1", "123", {"requestParameters.bucketName": "", "requestParameters.key": ""}),
        (
            "r-bucket",
            "e2",
            "123",
            {"requestParameters.bucketName": "b", "requestParameters.key": ""},
        ),
    ]


def test_costly_terms_evaluated_lazily_are_exact(tmp_path: Path) -> None:
    """Conjunctions and disjunctions test cheap terms first and JSON / regex terms in ``CASE``
    branches; with missing fields, ``NOT`` and lists on the way the hits stay the reference's."""
    json_leaf = Match("requestParameters.name", "contains", ("x",))
    regex_leaf = Match("userIdentity.arn", "re", (".+:assumed-role/.+",))
    detection = Or(
        (
            And((Match("eventName", "equals", ("a",)), json_leaf, Not(regex_leaf))),
            And((Not(json_leaf), Match("eventName", "startswith", ("b",)), regex_leaf)),
            Or((Match("errorCode", "exists", (True,)), json_leaf)),
        )
    )
    rules = [Rule("lazy", "t", detection)]
    arns = [None, "arn:aws:sts::1:assumed-role/r/s", "arn:aws:iam::1:user/u"]
    params: list[Any] = [None, {"name": "x1"}, {"name": "y"}, {"name": ["y", "X"]}, {}]
    recs: list[dict[str, Any]] = []
    for i, (name, arn, param, error) in enumerate(
        product(("a", "b1", "c"), arns, params, (None, "Denied"))
    ):
        rec: dict[str, Any] = {"eventID": f"e{i}", "eventTime": "2024-05-01T00:00:00Z"}
        rec["eventName"] = name
        if arn is not None:
            rec["userIdentity"] = {"type": "AssumedRole", "arn": arn}
        if param is not None:
            rec["requestParameters"] = param
        if error is not None:
            rec["errorCode"] = error
        recs.append(rec)
    (tmp_path / "t.json").write_text(json.dumps({"Records": recs}))
    scan = assert_agree(rules, tmp_path)
    assert "CASE WHEN" in scan.predicates["lazy"]
    assert len(stream_hits(rules, tmp_path)[0]) > 10


def test_grouping_texts_that_could_differ_travel_as_json(tmp_path: Path) -> None:
    """Where some grouping text of a part is odd (an object, a separator) or the part holds a
    list, every text read from that part travels as the part's JSON, from which the caller
    computes it; read that way, each text is :func:`field_text` of the record."""
    from cloudwarden.detect.engines.stream import field_text
    from cloudwarden.detect.rules.ir import Dedup

    names = ("requestParameters.bucketName", "requestParameters.key", "userIdentity.arn")
    rule = Rule("g", "t", Match("eventName", "equals", ("x",)), dedup=Dedup(names, 60))
    params: list[Any] = [
        {"bucketName": "b", "key": "k"},
        {"bucketName": "b\x1fc", "key": "k"},
        {"bucketName": {"a": 1}, "key": "k"},
        {"bucketName": ["b", "c"], "key": "k"},
        {"key": "\x02k"},
        None,
    ]
    recs = []
    for i, p in enumerate(params):
        rec: dict[str, Any] = {"eventID": f"e{i}", "eventTime": "2024-05-01T00:00:00Z"}
        rec.update(eventName="x", userIdentity={"arn": "a"})
        if p is not None:
            rec["requestParameters"] = p
        recs.append(rec)
    (tmp_path / "t.json").write_text(json.dumps({"Records": recs}))
    matcher = Matcher([rule], "batch")
    assert matcher.reads_files
    got = matcher.file_hits([str(tmp_path)], SourceStats())
    assert [h.key for h in got] == [r["eventID"] for r in recs]
    for rec, h in zip(recs, got, strict=True):
        assert [h.values[n] for n in names] == [field_text(rec, n) for n in names]
    assert [got[0].values[n] for n in names] == ["b", "k", "a"]
    assert got[4].values["requestParameters.key"] == "\x02k"  # the text itself, not JSON
