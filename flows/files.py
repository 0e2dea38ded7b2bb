"""The ingest-files pipeline as plain functions, shared by the Prefect flow and the fast CLI path.

`run_ingest_files` batches paths and calls the two steps of a `FileSteps` per batch: `prepare` (read
+ ingest, in worker processes when the run is large) and `store` (one database transaction, in batch
order in this process, while the workers prepare the next batch; flows/ahead.py). The plain steps
are `PLAIN_FILE_STEPS`; the Prefect flow runs the same functions as tasks (flows/prefect_flows.py),
so both paths do identical work and write identical rows.
"""

from __future__ import annotations

import contextvars
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from flows.ahead import store_in_order
from flows.batching import BATCH_BYTES, PREPARE_BYTES, PREPARE_FILES, cut
from flows.collection import collecting_less
from flows.preparing import FilesPart, modified_at, read_and_prepare
from flows.runs import recorded_run
from flows.settings import Settings
from flows.workers import Workers, start_forkserver
from ingest.batch import join_batches
from ingest.files import iter_file_paths
from ingest.records import Batch
from storage import BatchCounts, Database, RunSummary

FLOW_NAME = "ingest-files"


@dataclass(frozen=True)
class FilesBatch:
    """What one store step loads, in one transaction."""

    settings: Settings  # the database and the rules it links articles by
    batch: Batch
    run_id: str
    only_new: bool  # items already stored with the same bytes add nothing (the inbox)
    unread: int  # files skipped unread (unchanged since last read), counted as seen


@dataclass(frozen=True)
class FileSteps:
    """The two steps of the files pipeline: built here (plain) and in flows/prefect_flows.py (tasks)."""

    prepare: Callable[[Workers, FilesPart], Batch]  # runs the part in one of the workers
    store: Callable[[FilesBatch], BatchCounts]


def prepare_files(workers: Workers, part: FilesPart) -> Batch:
    """Read and ingest one part in a worker process."""
    return workers.call(read_and_prepare, part)


def store_files(batch: FilesBatch) -> BatchCounts:
    """Load one prepared batch in one transaction."""
    database = batch.settings.database()
    return database.add_batch(batch.batch, run_id=batch.run_id, skip_seen=batch.only_new, unread=batch.unread)


PLAIN_FILE_STEPS = FileSteps(prepare=prepare_files, store=store_files)


def run_ingest_files(
    paths: Sequence[str | Path],
    /,
    *,
    settings: Settings,
    only_new: bool = False,
    run_id: str | None = None,
    prefect_flow_run_id: str | None = None,
    steps: FileSteps = PLAIN_FILE_STEPS,
    progress: Callable[[int, int], None] | None = None,
    remote_workers: int | None = None,
) -> RunSummary:
    """Ingest files and folders into the database; the `runs` row records the outcome.

    `progress(done, total)` is called after each batch with the number of files handled so far.
    `remote_workers`: `steps.prepare` runs on that many workers elsewhere (a Dask cluster), so this
    process starts none of its own and keeps that many parts in flight.

    With `only_new` (the inbox), files unchanged since they were last read are skipped unread, and
    items already stored with the same content add nothing. Files are never moved or deleted.
    """
    database = settings.database()
    parameters = {"paths": [str(p) for p in paths], "db": database.name, "only_new": only_new}
    files = list(iter_file_paths(paths))  # held all run: 190,430 Paths took 44 MiB, strings 25
    part_size = min(PREPARE_FILES, settings.batch_size)
    workers = settings.workers if len(files) > part_size and not remote_workers else 1
    database_threads = 1 if workers > 1 else None  # the workers take the other cores
    if workers > 1:
        start_forkserver()  # its imports overlap opening the database
    # The held connection outlives the run's row: a stopped or failed run records itself through it.
    # Opening the file again at that point could wait forever (docs/operations.md, a stopped run).
    with (
        collecting_less(),
        database.holding_writes(threads=database_threads),
        recorded_run(database, flow=FLOW_NAME, parameters=parameters, run_id=run_id,
                     prefect_flow_run_id=prefect_flow_run_id) as run_id,
    ):
        with Workers(workers) as pool, ThreadPoolExecutor(max_workers=(remote_workers or workers) + 1) as threads:
            starter = _Starter(steps.prepare, pool, threads, settings, database, only_new, part_size)
            storer = _Storer(steps.store, settings, run_id, only_new, len(files), progress)
            sized = ((path, _size(path)) for path in files)
            batches = cut(sized, most=settings.batch_size, most_bytes=BATCH_BYTES)
            store_in_order(batches, start=starter, finish=storer)
        return database.finish_run(run_id, status="completed")


@dataclass(frozen=True)
class _Pending:
    """A database batch whose parts are being prepared."""

    files: int
    unread: int
    parts: list[Future[Batch]]


class _Starter:
    """Starts the parts of each database batch on the workers.

    Every part goes to the workers, the first too: the forkserver they fork from has started before
    (`run_ingest_files`, and the CLI at its start), and preparing a part in this process meant reading
    the word tables and language model here again (0.25 s of the storing process's CPU on
    Reuters-21578, the run 0.1 s longer).
    """

    def __init__(self, prepare: Callable[[Workers, FilesPart], Batch], pool: Workers, threads: ThreadPoolExecutor,
                 settings: Settings, database: Database, only_new: bool, part_size: int) -> None:
        self._prepare, self._pool, self._threads = prepare, pool, threads
        self._settings, self._database, self._only_new, self._part_size = settings, database, only_new, part_size
        self._aliases = settings.aliases()

    def __call__(self, files: list[tuple[str, int]]) -> _Pending:
        unchanged = _unchanged(self._database, [path for path, _ in files]) if self._only_new else set()
        wanted = [(path, size) for path, size in files if path not in unchanged]
        parts = cut(wanted, most=self._part_size, most_bytes=PREPARE_BYTES)
        return _Pending(len(files), len(unchanged), [self._start([path for path, _ in part]) for part in parts])

    def _start(self, paths: list[str]) -> Future[Batch]:
        part = FilesPart(paths, self._settings.max_file_bytes, self._aliases)
        # Each prepare runs in the caller's context, so a Prefect task links to its flow run.
        return self._threads.submit(contextvars.copy_context().run, self._prepare, self._pool, part)


class _Storer:
    """Stores each prepared database batch, in order, and reports progress."""

    def __init__(self, store: Callable[[FilesBatch], BatchCounts], settings: Settings, run_id: str, only_new: bool,
                 total: int, progress: Callable[[int, int], None] | None) -> None:
        self._store, self._settings, self._run_id, self._only_new = store, settings, run_id, only_new
        self._total, self._progress, self._done = total, progress, 0

    def __call__(self, pending: _Pending) -> None:
        batch = join_batches([part.result() for part in pending.parts])
        self._store(FilesBatch(self._settings, batch, self._run_id, self._only_new, pending.unread))
        self._done += pending.files
        if self._progress is not None:
            self._progress(self._done, self._total)


def _size(path: str) -> int:
    """The file's size for cutting batches; 0 when it cannot be read (reading it quarantines it)."""
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def _unchanged(database: Database, paths: list[str]) -> set[str]:
    """Paths whose size and modification time match the last read (the inbox skips them unread)."""
    stats = []
    for path in paths:
        try:
            stat = os.stat(path)
        except OSError:
            continue  # gone or unreadable: reading it will quarantine it with the reason
        stats.append((path, stat.st_size, modified_at(stat)))
    return database.unchanged_files(stats)
