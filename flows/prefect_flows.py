"""Prefect flows. Importing this module imports Prefect (1.3-2.1 s); the CLI does so only when a
Prefect API is configured.

Tasks handle whole batches: a task run costs milliseconds of orchestration, so one per article would
make Prefect the bottleneck. Task inputs are paths and records, never connections.
"""

from __future__ import annotations

from pathlib import Path

from typing import Any

from prefect import flow, get_run_logger, runtime, task
from prefect.cache_policies import NO_CACHE

from flows.files import FLOW_NAME, prepare_files_batch, run_ingest_files, store_batch
from flows.settings import Settings
from ingest import Batch
from storage import BatchCounts, DatabaseBusyError, RunSummary


def _retry_when_busy(_task: Any, _task_run: Any, state: Any) -> bool:
    """Retry a store only when another run held the database too long; other errors are not transient."""
    return isinstance(state.data, DatabaseBusyError)


# Reading and parsing touch only local files: a retry would see the same bytes, so none is configured.
prepare_files_task = task(name="prepare-files-batch", cache_policy=NO_CACHE)(prepare_files_batch)
store_batch_task = task(
    name="store-batch",
    cache_policy=NO_CACHE,
    retries=2,
    retry_delay_seconds=10,
    retry_condition_fn=_retry_when_busy,
)(store_batch)


@flow(name=FLOW_NAME, log_prints=False)
def ingest_files_flow(paths: list[str], db: str | None = None) -> RunSummary:
    """Ingest article files and folders (recursively) into the DuckDB database `db`."""
    logger = get_run_logger()
    settings = Settings.from_env(db=db)
    flow_run_id = str(runtime.flow_run.id)

    def log_batch(counts: BatchCounts) -> None:
        logger.info("batch stored: %d items, %d new articles, %d duplicates, %d quarantined",
                    counts.seen, counts.new, counts.duplicate, counts.quarantined)

    summary = run_ingest_files(
        [str(Path(p)) for p in paths],
        settings=settings,
        run_id=flow_run_id,
        prefect_flow_run_id=flow_run_id,
        prepare=_prepare_in_task,
        store=_store_in_task,
        on_batch=log_batch,
    )
    logger.info("run %s: %d items, %d new articles, %d duplicates, %d quarantined",
                summary.run_id, summary.seen, summary.new, summary.duplicate, summary.quarantined)
    return summary


def _prepare_in_task(paths: list[str], max_file_bytes: int) -> Batch:
    return prepare_files_task(paths, max_file_bytes)


def _store_in_task(db_path: str, batch: Batch, run_id: str) -> BatchCounts:
    return store_batch_task(db_path, batch, run_id)
