"""The ingest-files pipeline as plain functions, shared by the Prefect flow and the fast CLI path.

`run_ingest_files` batches paths and calls two steps per batch, `prepare` (read + ingest) and `store`
(one database transaction). The Prefect flow passes task-wrapped versions of the same two steps, so
both paths do identical work and write identical rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from pathlib import Path

from flows.settings import Settings
from ingest import Batch, iter_file_paths, prepare_batch, read_file
from storage import BatchCounts, Database, RunSummary

FLOW_NAME = "ingest-files"
PrepareStep = Callable[[list[str], int], Batch]
StoreStep = Callable[[str, Batch, str], BatchCounts]


def prepare_files_batch(paths: list[str], max_file_bytes: int) -> Batch:
    """Read and ingest one batch of files; bad files become rejections, never exceptions."""
    return prepare_batch(read_file(Path(path), max_bytes=max_file_bytes) for path in paths)


def store_batch(db_path: str, batch: Batch, run_id: str) -> BatchCounts:
    """Load one prepared batch in one transaction."""
    return Database(db_path).add_batch(batch, run_id=run_id)


def run_ingest_files(
    paths: Sequence[str | Path],
    /,
    *,
    settings: Settings,
    run_id: str | None = None,
    prefect_flow_run_id: str | None = None,
    prepare: PrepareStep = prepare_files_batch,
    store: StoreStep = store_batch,
    on_batch: Callable[[BatchCounts], None] | None = None,
) -> RunSummary:
    """Ingest files and folders into the database; the `runs` row records the outcome."""
    database = Database(settings.db)
    run_id = run_id or uuid.uuid4().hex
    database.start_run(
        run_id,
        flow=FLOW_NAME,
        parameters={"paths": [str(p) for p in paths], "db": str(settings.db)},
        prefect_flow_run_id=prefect_flow_run_id,
    )
    try:
        for chunk in _chunks(iter_file_paths(paths), settings.batch_size):
            batch = prepare([str(path) for path in chunk], settings.max_file_bytes)
            counts = store(str(settings.db), batch, run_id)
            if on_batch is not None:
                on_batch(counts)
    except BaseException as exc:
        database.finish_run(run_id, status="failed", error=f"{type(exc).__name__}: {exc}")
        raise
    return database.finish_run(run_id, status="completed")


def _chunks(items: Iterable[Path], size: int) -> Iterator[list[Path]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk
