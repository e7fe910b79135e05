"""Running the file scan's queries: one chunk of files per query, in this process or spread
over worker processes.

:class:`~cloudwarden.detect.engines.sql_files.SqlFileScan` compiles its rules into one query
per kind of file (see :mod:`~cloudwarden.detect.engines.file_kinds`); this module runs those
queries over chunks of files and hands back each chunk's result (:data:`Fetched`) in file
order.

**Why processes.** On the 2-core development machine one DuckDB query on two threads took
30-60% more CPU than the same work as two single-threaded queries in two processes, and
more wall time: 25% with chunks of 64 files (2.69 vs 2.04 s, 3.36 vs 2.25 s on 200,000
events), 7-10% as the scan runs now (means of six interleaved pairs on 1,000,000 events:
11.4 vs 10.3 s, then 9.3 vs 8.7 s once the scan kept its freed memory). Two queries on two connections of one process did not
help (measured in an earlier session), so the cost is in sharing one process (its
allocator and page faults are the likely part; not profiled further), not in the plan. So a large scan runs one single-threaded DuckDB per core, each in its own
process, each given whole chunks; the caller's process lists the files, counts and turns
the packed matches into hits while the workers scan the next chunks.

Each worker is a fresh interpreter running this module (``python -m``), given the compiled
queries as text with a placeholder for the file list (:data:`FILES_MARK`), then chunks on
its stdin; it answers each on its stdout. It imports the package and DuckDB and compiles
nothing. A small scan (less than :data:`POOL_MIN_BYTES` on disk) runs in this process, as
does any scan given a connection (the caller's settings then apply); where workers cannot
start, or one stops part way, the rest of the scan runs here (the reason is kept in
:data:`last_pool_error`).
"""

from __future__ import annotations

import marshal
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from pathlib import Path
from typing import Any

from cloudwarden.detect.engines.sql_packed import chunks, collect, file_size

__all__ = [
    "FILES_MARK",
    "POOL_MIN_BYTES",
    "Fetched",
    "balanced_chunks",
    "fetch",
    "file_list",
    "run_chunks",
    "scan_connection",
    "scan_workers",
]

#: one chunk's query result: the matched records per file as ``(row, packed)`` pairs, the
#: record count per file, and the files left to Python with the reason
Fetched = tuple[dict[str, list[tuple[int, str]]], dict[str, int], dict[str, str]]
#: a chunk: ``(path, origin, kind)`` per file (see ``cloudtrail_files``)
Chunk = list[tuple[str, str, str]]
#: a query maker: the SQL for these files of this kind
QueryFor = Callable[[list[str], str], str]

#: the placeholder path a query template holds where the file list goes
FILES_MARK = "@@cloudwarden-files@@"
#: a query reads files until their size on disk reaches CHUNK_BYTES or their count
#: CHUNK_FILES: DuckDB spends some 0.17 s planning the fused query, whatever the files
#: (measured: 64 files of 1,000 records a query made planning a sixth of the scan; 128 a
#: query, ~13 MB, took 10% less in all; over two workers, 1,000,000 events in runs of
#: 32 MB took 5% less wall time than in runs of 16 MB, 64 MB 10% less), and a chunk is
#: held in memory whole: a worker's peak grew from 243 MB (16 MB runs) to 354 MB (32 MB)
#: and 531 MB (64 MB)
CHUNK_BYTES = 32 << 20
CHUNK_FILES = 1024
#: below this size on disk a scan runs in this process: starting a worker costs about 0.2 s
#: (importing this module and DuckDB), and planning its first query as much again; the
#: scan of 8 MB of gzip takes about a second a core
POOL_MIN_BYTES = 8 << 20
#: why the last scan that wanted worker processes ran in this process instead, all of it
#: or the chunks from the one a worker died on (``""``: it did not)
last_pool_error = ""


def file_list(files: Sequence[str]) -> str:
    """The SQL list of ``files`` as the queries' ``read_json_objects`` takes it."""
    return "[" + ", ".join("'" + f.replace("'", "''") + "'" for f in files) + "]"


def scan_connection(threads: int | None = None) -> Any:
    """A DuckDB connection set up for the scan's queries (on ``threads`` threads; ``None``:
    DuckDB's default, every core).

    DuckDB's ``in_clause`` optimizer is off: it turns an ``IN`` list of five or more
    constants outside a ``CASE`` into a join against the list, which for the rule pack's
    one such list (the access-denied rule's error codes) cost 7% of the scan's
    instructions (callgrind, 10 files of 1,000 events: 840 vs 782 million).

    DuckDB keeps the memory a query frees for the next one
    (``allocator_bulk_deallocation_flush_threshold``, 512 MiB by default): it handed it
    back to the system after every chunk and faulted it in again, half of the scan's page
    faults and system time (200,000 events on one thread: 369,680 vs 181,508 faults, 0.65
    vs 0.38 s), at the same peak memory."""
    import duckdb

    con = duckdb.connect(config={"threads": threads} if threads else {})
    con.execute("SET enable_progress_bar = false")
    con.execute("SET disabled_optimizers = 'in_clause'")
    con.execute("SET allocator_bulk_deallocation_flush_threshold = '8GB'")
    return con


def scan_workers() -> int:
    """The worker processes a large scan uses: one per core this process may run on, and
    at most one per GiB of memory (a worker peaks at about a third of that)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        cores = os.cpu_count() or 1
    try:
        memory = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):  # not on POSIX
        return cores
    return max(1, min(cores, memory >> 30))


def fetch(con: Any, chunk: Chunk, query: QueryFor) -> Fetched:
    """The chunk's matched records per file, its record counts, and the files left to
    Python with the reason.

    DuckDB stops a query at the first file it cannot read. When its error names the
    file, the query runs again without it; when it does not (a gzip stream with trailing
    bytes, a ``.zst`` name on a plain file: I/O errors name no file), the files are
    split in two and each half queried, down to the one file that fails.
    """
    import duckdb

    per_file: dict[str, list[tuple[int, str]]] = {path: [] for path, _, _ in chunk}
    counts: dict[str, int] = dict.fromkeys(per_file, 0)
    fallback: dict[str, str] = {p: "not CloudTrail JSON" for p, _, k in chunk if k == "other"}
    retry: list[str] = []  # compact documents DuckDB could not read line by line
    for kind in ("compact", "doc", "lines"):
        todo = [p for p, _, k in chunk if k == kind] + (retry if kind == "doc" else [])
        groups = [todo] if todo else []
        while groups:
            group = groups.pop()
            try:
                rows = con.execute(query(group, kind)).fetchall()
            except duckdb.Error as exc:
                # DuckDB names the file it failed on (the longest match: a.json vs a.json.gz)
                bad = max((p for p in group if p in str(exc)), key=len, default=None)
                if bad is None and len(group) > 1:
                    half = len(group) // 2
                    groups += [group[half:], group[:half]]  # the first half runs first
                    continue
                if bad is None:
                    bad = group[0]
                group.remove(bad)
                if kind == "compact":  # a newline after the first 4 KiB: read it whole
                    retry.append(bad)
                else:
                    fallback[bad] = f"DuckDB could not read it: {str(exc)[:200]}"
                if group:
                    groups.append(group)
                continue
            collect(rows, kind == "lines", per_file, counts, fallback)
    return per_file, counts, fallback


def balanced_chunks(files: Chunk, workers: int) -> list[Chunk]:
    """``files``, in order, in runs for ``workers`` processes: a multiple of ``workers`` runs
    of about the same size on disk, each about :data:`CHUNK_BYTES` at most and none above
    :data:`CHUNK_FILES` files (with runs of the full size, the last short one would leave
    all but one worker idle at the end of the scan)."""
    sizes = [max(file_size(path), 1) for path, _, _ in files]
    total = sum(sizes)
    count = max(1, -(-total // (CHUNK_BYTES * workers))) * workers
    out: list[Chunk] = []
    run: Chunk = []
    place, before = 0, 0
    for item, n in zip(files, sizes, strict=True):
        # a file belongs to the run its middle byte falls in
        at = min(count - 1, (2 * before + n) * count // (2 * total))
        if (at != place or len(run) >= CHUNK_FILES) and run:
            out.append(run)
            run = []
        place, before = at, before + n
        run.append(item)
    if run:
        out.append(run)
    return out


def run_chunks(
    files: Chunk, query: QueryFor, templates: Callable[[], dict[str, str]], con: Any = None
) -> Iterator[tuple[Chunk, Fetched]]:
    """Each chunk of ``files`` with its result, in order: over worker processes when the
    scan is large and no connection is given (``templates`` makes their queries), else on
    ``con`` (or a :func:`scan_connection`) in this process."""
    global last_pool_error
    workers = scan_workers()
    if con is None and workers > 1 and sum(file_size(p) for p, _, _ in files) >= POOL_MIN_BYTES:
        runs = balanced_chunks(files, workers)
        pool = _Workers(min(workers, len(runs)))
        done, finished = 0, False
        try:
            pool.start(templates(), files)
            for item in pool.run(runs):
                yield item
                done += 1
            finished = True
        except _WorkerError as exc:
            last_pool_error = str(exc)
            files = [f for run in runs[done:] for f in run]
        finally:
            pool.stop(finished)
        if finished:
            last_pool_error = ""
            return
    yield from _in_process(files, query, con)


class _WorkerError(Exception):
    """A worker process could not start, or stopped or failed part way."""


class _Workers:
    """Worker processes (``python -m`` this module) fed on their stdin and answering on
    their stdout, one ``marshal`` record each way: first the query templates and the whole
    file list, then per chunk its place in that list.

    Not ``multiprocessing``: its ``spawn`` start runs the caller's main script again in
    every worker (any script without an ``if __name__ == "__main__"`` guard would run its
    work twice, or fail there), and ``fork`` copies a process whose threads may hold locks.

    Chunk ``k`` goes to worker ``k % n``, two chunks queued per worker (a chunk's request is
    two numbers: it never fills a pipe); a thread per worker drains its answers as they come
    (a worker blocked on a full pipe would not read its next chunk)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.procs: list[subprocess.Popen[bytes]] = []
        self.answers: list[queue.SimpleQueue[tuple[str, Any]]] = []

    def start(self, templates: dict[str, str], files: Chunk) -> None:
        """Start the workers (all at once: each takes about 0.2 s to import), then give each
        the templates and the files."""
        import cloudwarden

        root = str(Path(cloudwarden.__file__).resolve().parent.parent)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        cmd = [sys.executable, "-m", __name__]
        for _ in range(self.n):
            try:
                proc = subprocess.Popen(
                    cmd,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,
                    env=env,
                )
            except (OSError, ValueError) as exc:
                raise _WorkerError(f"worker processes unavailable: {exc}") from exc
            self.procs.append(proc)
            answers: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
            self.answers.append(answers)
            threading.Thread(
                target=_drain, args=(proc, answers), name="cw-scan-worker", daemon=True
            ).start()
        for w in range(self.n):
            self._send(w, (templates, files))

    def _send(self, w: int, obj: Any) -> None:
        stdin = self.procs[w].stdin
        assert stdin is not None
        try:
            marshal.dump(obj, stdin)
            stdin.flush()
        except OSError as exc:
            raise _WorkerError(self._why(w, f"a worker process stopped ({exc})")) from exc

    def run(self, runs: list[Chunk]) -> Iterator[tuple[Chunk, Fetched]]:
        """Each run (consecutive slices of the files given to :meth:`start`) with its
        result, in order."""
        bounds = []
        lo = 0
        for run in runs:
            bounds.append((lo, lo + len(run)))
            lo += len(run)
        window = 2 * self.n
        for k in range(min(window, len(runs))):
            self._send(k % self.n, bounds[k])
        for k, run in enumerate(runs):
            status, value = self.answers[k % self.n].get()
            if status != "ok":
                raise _WorkerError(self._why(k % self.n, value))
            if k + window < len(runs):
                self._send(k % self.n, bounds[k + window])
            per_file, counts, fallback = value
            yield run, (per_file, counts, fallback)

    def _why(self, w: int, default: str) -> str:
        code = self.procs[w].poll()
        return default if code is None else f"{default} (exit status {code})"

    def stop(self, finished: bool = False) -> None:
        """End the workers: ``finished``, they have nothing left and exit at the end of
        their input; else (the scan closed early, Ctrl-C, a failure) they are killed rather
        than left to finish a chunk nobody reads."""
        for proc in self.procs:
            with suppress(OSError):
                if proc.stdin is not None:
                    proc.stdin.close()
            if finished:
                with suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=10)
            if proc.poll() is None:
                proc.kill()
            proc.wait()


def _drain(proc: subprocess.Popen[bytes], answers: queue.SimpleQueue[tuple[str, Any]]) -> None:
    stdout = proc.stdout
    assert stdout is not None
    try:
        while True:
            answers.put(marshal.load(stdout))
    except (EOFError, ValueError, OSError, TypeError):
        answers.put(("stopped", "a worker process stopped"))


def _in_process(files: Chunk, query: QueryFor, con: Any) -> Iterator[tuple[Chunk, Fetched]]:
    own = con is None
    con = con or scan_connection()
    try:
        # DuckDB runs a chunk's query without holding the GIL: the next chunk's query runs
        # in a worker thread while the caller turns this chunk's records into hits. One
        # query at a time on the connection; closing the generator waits for the one in
        # flight (the pool's exit) before the connection is closed.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="cw-scan") as pool:
            pending: tuple[Chunk, Future[Fetched]] | None = None
            for chunk in chunks(files, CHUNK_FILES, CHUNK_BYTES):
                future = pool.submit(fetch, con, chunk, query)
                if pending is not None:
                    yield pending[0], pending[1].result()
                pending = (chunk, future)
            if pending is not None:
                yield pending[0], pending[1].result()
    finally:
        if own:
            con.close()


# ---- in a worker process ----
def _worker_main() -> None:
    """Read the query templates and the files, then chunks (``(lo, hi)``: a slice of the
    files), from stdin; answer each on stdout."""
    # Ctrl-C reaches the whole process group: the caller stops the scan and ends workers
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    stdin = sys.stdin.buffer
    # the answers go out on a copy of stdout; anything else printed there (a library's
    # message) goes nowhere rather than into the middle of an answer
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    try:
        first: tuple[dict[str, str], Chunk] = marshal.load(stdin)
    except EOFError:
        return
    templates, files = first
    con = scan_connection(threads=1)
    mark = file_list([FILES_MARK])

    def query(paths: list[str], kind: str) -> str:
        return templates[kind].replace(mark, file_list(paths))

    while True:
        try:
            lo, hi = marshal.load(stdin)
        except EOFError:
            return
        try:
            answer: tuple[str, Any] = ("ok", fetch(con, files[lo:hi], query))
        except Exception as exc:
            answer = ("error", f"a worker process failed: {type(exc).__name__}: {exc}")
        marshal.dump(answer, answers)
        answers.flush()


if __name__ == "__main__":
    _worker_main()
