"""The ingest-files pipeline as plain functions, shared by the Prefect flow and the fast CLI path.

`run_ingest_files` batches paths and calls two steps per batch, `prepare` (read + ingest, in worker
processes when the run is large) and `store` (one database transaction, in batch order in this
process, while the workers prepare the next batch). The Prefect flow passes task-wrapped versions of
the same two steps, so both paths do identical work and write identical rows.
"""

from __future__ import annotations

import contextvars
import hashlib
import os
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from flows.batching import chunks
from flows.runs import recorded_run
from flows.settings import Settings
from flows.workers import Workers
from ingest import Batch, RawItem, iter_file_paths, prepare_batch, read_file
from ingest.batch import join_batches
from ingest.records import SeenFile
from ingest.stories import StoryThresholds
from storage import BatchCounts, Database, RunSummary

FLOW_NAME = "ingest-files"
# Files per prepare task: a database batch (NEWSFLOW_BATCH_SIZE) is prepared in parts this size, so
# every worker has work on mid-sized runs, and stored in one transaction.
PREPARE_FILES = 500
PrepareStep = Callable[[Workers, list[str], int], Batch]
StoreStep = Callable[[str, Batch, str, bool, int, StoryThresholds], BatchCounts]


def prepare_files_batch(workers: Workers, paths: list[str], max_file_bytes: int) -> Batch:
    """Read and ingest one batch of files in a worker process; the Prefect flow runs this as a task."""
    return workers.call(read_and_prepare, paths, max_file_bytes)


def read_and_prepare(paths: list[str], max_file_bytes: int) -> Batch:
    """Read and ingest one batch of files; bad files become rejections, never exceptions."""
    raws = [read_file(Path(path), max_bytes=max_file_bytes) for path in paths]
    batch = prepare_batch(raws)
    return replace(batch, seen_files=tuple(_seen(raw) for raw in raws if isinstance(raw, RawItem)))


def store_batch(
    db_path: str, batch: Batch, run_id: str, only_new: bool, unread: int, story_thresholds: StoryThresholds
) -> BatchCounts:
    """Load one prepared batch in one transaction."""
    database = Database(db_path, story_thresholds=story_thresholds)
    return database.add_batch(batch, run_id=run_id, skip_seen=only_new, unread=unread)


def _seen(raw: RawItem) -> SeenFile:
    stat = os.stat(raw.source_uri)
    return SeenFile(raw.source_uri, stat.st_size, _mtime(stat), hashlib.sha256(raw.data).hexdigest())


def _mtime(stat: os.stat_result) -> datetime:
    return datetime.fromtimestamp(stat.st_mtime, UTC)


def _unchanged(database: Database, paths: list[Path]) -> set[str]:
    """Paths whose size and modification time match the last read (the inbox skips them unread)."""
    stats = []
    for path in paths:
        try:
            stat = path.stat()
        except OSError:
            continue  # gone or unreadable: reading it will quarantine it with the reason
        stats.append((str(path), stat.st_size, _mtime(stat)))
    return database.unchanged_files(stats)


@dataclass(frozen=True)
class _PendingBatch:
    """A database batch whose parts are being prepared in workers."""

    files: int
    unread: int
    parts: list[Future[Batch]]


def run_ingest_files(
    paths: Sequence[str | Path],
    /,
    *,
    settings: Settings,
    only_new: bool = False,
    run_id: str | None = None,
    prefect_flow_run_id: str | None = None,
    prepare: PrepareStep = prepare_files_batch,
    store: StoreStep = store_batch,
    progress: Callable[[int, int], None] | None = None,
    remote_workers: int | None = None,
) -> RunSummary:
    """Ingest files and folders into the database; the `runs` row records the outcome.

    `progress(done, total)` is called after each batch with the number of files handled so far.
    `remote_workers`: `prepare` runs on that many workers elsewhere (a Dask cluster), so this process
    starts none of its own and keeps that many parts in flight.

    With `only_new` (the inbox), files unchanged since they were last read are skipped unread, and
    items already stored with the same content add nothing. Files are never moved or deleted.
    """
    database = Database(settings.db)
    parameters = {"paths": [str(p) for p in paths], "db": database.name, "only_new": only_new}
    with recorded_run(database, flow=FLOW_NAME, parameters=parameters, run_id=run_id,
                      prefect_flow_run_id=prefect_flow_run_id) as run_id:
        files = list(iter_file_paths(paths))
        part_size = min(PREPARE_FILES, settings.batch_size)
        workers = settings.workers if len(files) > part_size and not remote_workers else 1
        database_threads = 1 if workers > 1 else None  # the workers take the other cores
        with (
            database.holding_writes(threads=database_threads),
            Workers(workers) as pool,
            ThreadPoolExecutor(max_workers=(remote_workers or workers) + 1) as threads,
        ):
            # Worker processes take about a second to start (the forkserver imports the pipeline), while
            # this process only waits: it prepares the first part itself meanwhile.
            here = Workers(1) if workers > 1 else pool
            started_parts = 0

            def start(part: list[str]) -> Future[Batch]:
                nonlocal started_parts
                started_parts += 1
                where = here if started_parts == 1 else pool
                # Each prepare runs in the caller's context, so a Prefect task links to its flow run.
                return threads.submit(contextvars.copy_context().run, prepare, where, part, settings.max_file_bytes)

            pending: deque[_PendingBatch] = deque()
            done = 0

            def store_oldest() -> None:
                nonlocal done
                oldest = pending.popleft()
                batch = join_batches([part.result() for part in oldest.parts])
                store(str(settings.db), batch, run_id, only_new, oldest.unread, settings.story_thresholds)
                done += oldest.files
                if progress is not None:
                    progress(done, len(files))

            for batch_files in chunks(files, settings.batch_size):
                unchanged = _unchanged(database, batch_files) if only_new else set()
                wanted = [str(path) for path in batch_files if str(path) not in unchanged]
                pending.append(_PendingBatch(len(batch_files), len(unchanged), [start(p) for p in chunks(wanted, part_size)]))
                # One batch is prepared ahead while the one before it is stored, never more: memory stays flat.
                if len(pending) > 1:
                    store_oldest()
            while pending:
                store_oldest()
        return database.finish_run(run_id, status="completed")
