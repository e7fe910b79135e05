"""Local folders: listing errors are reported, and each file is read once per run.

Both enumerations of local sources, the streaming reader's (``read_events``) and the batch
engine's (``cloudtrail_files``), must see the same files in the same order and record the
same problems and skips. Root can list any folder whatever its mode, so a denied listing
is simulated by making ``os.scandir`` raise for one folder.
"""

from __future__ import annotations

import builtins
import io
import os
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from cloudwarden.detect.corpus import generate_records, write_cloudtrail
from cloudwarden.detect.engines.file_kinds import cloudtrail_files
from cloudwarden.detect.rules import builtin_sigma_rules
from cloudwarden.detect.run import run_detection
from cloudwarden.detect.sources import Event, SourceError, SourceStats, read_events
from cloudwarden.detect.sources.reader import ALREADY_READ

DATA = Path(__file__).parent / "data"
DENIED = "cannot list folder: Permission denied"
DAY = "AWSLogs/123456789012/CloudTrail/us-east-1/2024/03/15"


@pytest.fixture
def ct(tmp_path: Path) -> Path:
    """A CloudTrail tree: the sample AWSLogs (two days, one digest) plus a generated corpus."""
    root = tmp_path / "ct"
    shutil.copytree(DATA / "AWSLogs", root / "AWSLogs")
    write_cloudtrail(root / "gen", generate_records(600, seed=11), per_file=100)
    (root / ".hidden").mkdir()
    (root / ".hidden" / "x.json").write_text('{"Records": []}')
    return root


def deny(monkeypatch: pytest.MonkeyPatch, *folders: Path) -> None:
    """``os.scandir`` of any of ``folders`` fails as a folder without read permission does."""
    denied = {os.path.realpath(f) for f in folders}
    real_scandir = os.scandir

    def scandir(path: Any = ".") -> Any:
        if os.path.realpath(path) in denied:
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)


def stream_read(specs: Sequence[Path | str]) -> tuple[list[Event], SourceStats]:
    """``read_events`` per spec into one stats, as a run over several sources does."""
    stats = SourceStats()
    events = [ev for spec in specs for ev in read_events(str(spec), stats=stats)]
    return events, stats


def batch_list(specs: Sequence[Path | str]) -> tuple[list[tuple[str, str, str]], SourceStats]:
    stats = SourceStats()
    return cloudtrail_files([str(s) for s in specs], stats), stats


def stream_origins(specs: Sequence[Path | str]) -> tuple[list[str], SourceStats]:
    """The origins ``read_events`` opens, in order, without parsing anything."""
    stats = SourceStats()
    opened: list[str] = []

    def fake_blob_iter(handle: Any, origin: str, st: SourceStats, kind: Any) -> Iterator[Event]:
        opened.append(origin)
        return iter(())

    mp = pytest.MonkeyPatch()
    mp.setattr("cloudwarden.detect.sources.reader.blob_iter", fake_blob_iter)
    try:
        for spec in specs:
            list(read_events(str(spec), stats=stats))
    finally:
        mp.undo()
    return opened, stats


def assert_same_enumeration(specs: Sequence[Path | str]) -> tuple[list[str], SourceStats]:
    """Both enumerations: the same files in the same order, the same problems and skips."""
    origins, s_stats = stream_origins(specs)
    files, b_stats = batch_list(specs)
    assert [origin for _, origin, _ in files] == origins
    assert s_stats.problems == b_stats.problems
    assert s_stats.by_reason == b_stats.by_reason
    assert s_stats.unparseable == b_stats.unparseable
    assert s_stats.skipped == b_stats.skipped
    return origins, s_stats


def assert_engines_agree(specs: Sequence[Path | str]) -> None:
    """The batch engine's file scan against ``read_events`` + the streaming engine."""
    pytest.importorskip("duckdb")
    from cloudwarden.detect.engines.sql_files import SqlFileScan
    from cloudwarden.detect.engines.stream import StreamEngine

    from ..engines.test_sql_files import assert_same_counts

    rules = builtin_sigma_rules().rules
    events, want_stats = stream_read(specs)
    engine = StreamEngine(rules)
    want = [
        (h.rule.id, h.event_id)
        for ev in events
        if ev.source == "cloudtrail"
        for h in engine.run((ev,))
    ]
    got_stats = SourceStats()
    got = [(h.rule_id, h.event_id) for h in SqlFileScan(rules).scan(list(specs), got_stats)]
    assert got == want
    assert_same_counts(got_stats, want_stats)


# ---- folders that cannot be listed ----


def test_unlistable_subfolder_is_a_problem_not_silence(
    ct: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    all_events, all_stats = stream_read([ct])
    _, day_stats = stream_read([ct / DAY])
    deny(monkeypatch, ct / DAY)
    events, stats = stream_read([ct])
    assert stats.by_reason["cannot list folder"] == 1
    assert [(p.location, p.reason) for p in stats.problems] == [(f"{DAY}/", DENIED)]
    # everything else is still read: only the day's one file is missing
    assert stats.files == all_stats.files - day_stats.files == all_stats.files - 1
    assert stats.events == all_stats.events - day_stats.events
    assert {e.key for e in events} < {e.key for e in all_events}


def test_unlistable_subfolder_same_in_both_enumerations(
    ct: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deep = next(p for p in sorted((ct / "gen").rglob("*")) if p.is_dir())
    deny(monkeypatch, ct / DAY, deep)
    _, stats = assert_same_enumeration([ct])
    assert sorted(p.location for p in stats.problems) == sorted(
        [f"{DAY}/", f"{deep.relative_to(ct).as_posix()}/"]
    )
    assert {p.reason for p in stats.problems} == {DENIED}
    assert_engines_agree([ct])


def test_unlistable_source_folder_itself(ct: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    deny(monkeypatch, ct)
    events, stats = stream_read([ct])
    assert events == []
    assert [(p.location, p.reason) for p in stats.problems] == [(str(ct), DENIED)]
    assert_same_enumeration([ct])


def test_hidden_and_digest_folders_keep_their_rules(
    ct: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a hidden folder is not listed at all, so its listing cannot fail; digest files are
    # still skipped and counted one by one
    deny(monkeypatch, ct / ".hidden")
    origins, stats = assert_same_enumeration([ct])
    assert stats.problems == []
    assert not any(o.startswith(".") for o in origins)
    assert [p.reason for p in stats.skipped] == ["CloudTrail digest file (hashes, no events)"]
    assert origins == sorted(origins, key=lambda o: o.split("/"))


def test_file_that_cannot_be_opened_is_still_a_problem(
    ct: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = next(p for p in sorted((ct / "gen").rglob("*")) if p.is_file())
    real_open = builtins.open

    def fake_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(file, (str, os.PathLike)) and os.path.realpath(file) == str(target):
            raise PermissionError(13, "Permission denied", os.fspath(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", fake_open)
    monkeypatch.setattr(io, "open", fake_open)
    origin = target.relative_to(ct).as_posix()
    _, stats = stream_read([ct])
    assert (origin, "unreadable file: Permission denied") in [
        (p.location, p.reason) for p in stats.problems
    ]
    assert stats.by_reason["unreadable file"] == 1
    assert_engines_agree([ct])


# ---- the same file through two sources ----


@pytest.mark.parametrize(
    "specs",
    [
        ["{ct}", "{ct}"],
        ["{ct}", "{ct}/AWSLogs"],
        ["{ct}/AWSLogs", "{ct}"],
        ["{ct}/gen", "{ct}/AWSLogs", "{ct}/", "{ct}/gen"],
    ],
    ids=["twice", "folder-then-subfolder", "subfolder-then-folder", "mixed"],
)
def test_overlapping_sources_are_read_once(ct: Path, specs: list[str]) -> None:
    given = [s.format(ct=ct) for s in specs]
    once, once_stats = stream_read([ct])
    events, stats = stream_read(given)
    keys = [e.key for e in events]
    assert len(keys) == len(set(keys))
    assert sorted(keys) == sorted(e.key for e in once)
    assert stats.files == once_stats.files
    assert stats.events == once_stats.events
    # every file met again is recorded as skipped, at its place in the later source
    repeats = [p for p in stats.skipped if p.reason == ALREADY_READ]
    assert len(repeats) > 0
    origins, _ = assert_same_enumeration(given)
    assert len(origins) == len(set(origins)) or specs[0] != specs[-1]
    assert_engines_agree(given)


def test_first_place_wins(ct: Path) -> None:
    """A file is read where it is first met: as the later folder's files come after."""
    sub = ct / "AWSLogs"
    origins, stats = assert_same_enumeration([sub, ct])
    first = [o for o in origins if not o.startswith(("AWSLogs/", "gen/"))]
    assert first and all(o.startswith("123456789012/") for o in first)
    assert not any(o.startswith("AWSLogs/") for o in origins)
    assert {p.location for p in stats.skipped if p.reason == ALREADY_READ} == {
        f"AWSLogs/{o}" for o in first
    }


def test_file_given_twice_and_inside_a_folder(ct: Path) -> None:
    one = ct / DAY / os.listdir(ct / DAY)[0]
    events, stats = stream_read([one, one, ct])
    keys = [e.key for e in events]
    assert len(keys) == len(set(keys))
    assert stats.skipped[0].location == one.name
    assert stats.skipped[0].reason == ALREADY_READ
    assert f"{DAY}/{one.name}" in [p.location for p in stats.skipped]
    assert_same_enumeration([one, one, ct])
    assert_engines_agree([one, one, ct])


def test_symlinked_file_is_read_once(ct: Path) -> None:
    one = ct / DAY / os.listdir(ct / DAY)[0]
    (ct / "link.json.gz").symlink_to(one)
    events, stats = stream_read([ct])
    keys = [e.key for e in events]
    assert len(keys) == len(set(keys))
    # sorted order: AWSLogs/... before link.json.gz, so the link is the repeat
    assert [p.location for p in stats.skipped if p.reason == ALREADY_READ] == ["link.json.gz"]
    assert_same_enumeration([ct])


def test_separate_reads_each_read_everything(ct: Path) -> None:
    """Only one stats (one run) de-duplicates: a new run reads the files again."""
    first, _ = stream_read([ct])
    second, stats = stream_read([ct])
    assert [e.key for e in second] == [e.key for e in first]
    assert not [p for p in stats.skipped if p.reason == ALREADY_READ]


def test_explicit_seen_set_is_shared(ct: Path) -> None:
    seen: set[str] = set()
    a = list(read_events(str(ct), stats=SourceStats(), seen=seen))
    b_stats = SourceStats()
    b = list(read_events(str(ct), stats=b_stats, seen=seen))
    assert a and b == []
    assert b_stats.files == 0
    files = cloudtrail_files([str(ct)], SourceStats(), seen)
    assert files == []


@pytest.mark.parametrize("engine", ["stream", "batch"])
def test_run_over_the_same_source_twice_raises_the_same_alerts(ct: Path, engine: str) -> None:
    if engine == "batch":
        pytest.importorskip("duckdb")
    rules = builtin_sigma_rules().rules
    once = run_detection([str(ct)], rules, engine=engine)  # type: ignore[arg-type]
    twice = run_detection([str(ct), str(ct / "AWSLogs"), str(ct)], rules, engine=engine)  # type: ignore[arg-type]
    assert [a.to_dict() for a in twice.alerts] == [a.to_dict() for a in once.alerts]
    assert twice.stats.events == once.stats.events
    assert twice.stats.files == once.stats.files


def test_missing_path_raises_in_both_enumerations(tmp_path: Path) -> None:
    with pytest.raises(SourceError):
        stream_read([tmp_path / "nope"])
    with pytest.raises(SourceError):
        batch_list([tmp_path / "nope"])
