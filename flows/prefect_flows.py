"""Prefect flows. Importing this module imports Prefect (1.3-2.1 s); the CLI does so only when a
Prefect API is configured.

Tasks handle whole batches: a task run costs milliseconds of orchestration, so one per article would
make Prefect the bottleneck. Task inputs are paths and records, never connections.
"""

from __future__ import annotations

from pathlib import Path

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

from prefect import Task, flow, get_run_logger, runtime, task
from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from prefect.cache_policies import NO_CACHE

from flows import feeds as feed_steps
from flows import maintenance as maintenance_steps
from flows.fetch import FetchPolicy, FetchResult
from flows.files import FLOW_NAME, PrepareStep, prepare_files_batch, read_and_prepare, run_ingest_files, store_batch
from flows.settings import Settings, fetch_policy_from_env
from flows.workers import Workers
from ingest import Batch
from ingest.records import FeedState
from ingest.shards import Shard
from ingest.stories import StoryThresholds
from flows.report import count_rows, markdown_report, overview_markdown
from storage import BatchCounts, Database, DatabaseBusyError, RunSummary


P = ParamSpec("P")
R = TypeVar("R")


def _retry_when_busy(_task: Any, _task_run: Any, state: Any) -> bool:
    """Retry a store only when another run held the database too long; other errors are not transient."""
    return isinstance(state.data, DatabaseBusyError)


def _database_write_task(name: str) -> Callable[[Callable[P, R]], Task[P, R]]:
    """The task options of every database write: retried only when another run held the database."""
    return task(name=name, cache_policy=NO_CACHE, retries=2, retry_delay_seconds=10, retry_condition_fn=_retry_when_busy)


# Reading and parsing touch only local files: a retry would see the same bytes, so none is configured.
prepare_files_task = task(name="prepare-files-batch", cache_policy=NO_CACHE)(prepare_files_batch)
read_and_prepare_task = task(name="prepare-files-batch", cache_policy=NO_CACHE)(read_and_prepare)
store_batch_task = _database_write_task("store-batch")(store_batch)


@flow(name=FLOW_NAME, log_prints=False)
def ingest_files_flow(paths: list[str], db: str | None = None, only_new: bool = False) -> RunSummary:
    """Ingest article files and folders (recursively) into the DuckDB database `db`.

    `only_new` (the inbox deployment): skip files unchanged since they were last read.
    """
    settings = Settings.from_env(db=db)
    flow_run_id = str(runtime.flow_run.id)
    with _prepare_step(settings) as (prepare, remote_workers):
        summary = run_ingest_files(
            [str(Path(p)) for p in paths],
            settings=settings,
            only_new=only_new,
            run_id=flow_run_id,
            prefect_flow_run_id=flow_run_id,
            prepare=prepare,
            store=_store_in_task,
            progress=_ProgressArtifact(FLOW_NAME),
            remote_workers=remote_workers,
        )
    publish_run_report(settings, summary.run_id)
    return summary


@contextmanager
def _prepare_step(settings: Settings) -> Iterator[tuple[PrepareStep, int | None]]:
    """How batches are prepared: tasks in this run's worker processes, or tasks on a Dask cluster.

    With NEWSFLOW_TASK_RUNNER=dask each part is a task submitted to prefect-dask's task runner: on the
    scheduler at NEWSFLOW_DASK_ADDRESS, or on a cluster of NEWSFLOW_WORKERS local processes started
    for the run (on 127.0.0.1 only). Storing stays in this process, in batch order.
    """
    if settings.task_runner != "dask":
        yield _prepare_in_task, None
        return
    from prefect_dask.task_runners import DaskTaskRunner  # the `dask` extra; imported only when asked for

    if settings.dask_address:
        runner = DaskTaskRunner(address=settings.dask_address)
    else:
        runner = DaskTaskRunner(cluster_kwargs={
            "n_workers": settings.workers, "threads_per_worker": 1, "processes": True,
            "host": "127.0.0.1", "dashboard_address": "127.0.0.1:0",
        })
    with runner:
        workers = len(runner.client.scheduler_info()["workers"])

        def prepare_on_dask(_workers: Workers, paths: list[str], max_file_bytes: int) -> Batch:
            return runner.submit(read_and_prepare_task, {"paths": paths, "max_file_bytes": max_file_bytes}).result()

        yield prepare_on_dask, max(workers, 1)


class _ProgressArtifact:
    """A Prefect progress artifact for long runs, created at the first batch and updated after each."""

    def __init__(self, flow_name: str) -> None:
        self._key = f"{flow_name}-progress"
        self._id: Any = None

    def __call__(self, done: int, total: int) -> None:
        percent = 100.0 * done / total if total else 100.0
        if self._id is None:
            self._id = create_progress_artifact(percent, key=self._key, description=f"{done:,} of {total:,}")
        else:
            update_progress_artifact(self._id, percent, description=f"{done:,} of {total:,}")
        get_run_logger().info("progress: %d of %d (%.0f%%)", done, total, percent)


def publish_run_report(settings: Settings, run_id: str, failures: Sequence[tuple[str, str]] = ()) -> None:
    """The run's Markdown summary and counts table as Prefect artifacts, and a log line."""
    run, report = Database(settings.db).run_report(run_id)
    create_markdown_artifact(markdown_report(run, report, failures=failures), key=f"{run.flow}-report",
                             description=f"{run.flow} run summary")
    create_table_artifact(count_rows(run, report, failing_feeds=len(failures)), key=f"{run.flow}-counts",
                          description=f"{run.flow} run counts")
    get_run_logger().info("run %s %s: %d items, %d new articles, %d duplicates, %d unchanged, %d quarantined",
                          run.run_id, run.status, run.seen, run.new, run.duplicate, run.unchanged, run.quarantined)


def _prepare_in_task(workers: Workers, paths: list[str], max_file_bytes: int) -> Batch:
    return prepare_files_task(workers, paths, max_file_bytes)


def _store_in_task(
    db_path: str, batch: Batch, run_id: str, only_new: bool, unread: int, story_thresholds: StoryThresholds
) -> BatchCounts:
    return store_batch_task(db_path, batch, run_id, only_new, unread, story_thresholds)


# Fetching retries inside (per request, with backoff and Retry-After); a task-level retry would
# re-fetch every feed of the batch, so none is configured here.
fetch_feeds_task = task(name="fetch-feeds-batch", cache_policy=NO_CACHE)(feed_steps.fetch_feeds)
parse_feeds_task = task(name="parse-feeds-batch", cache_policy=NO_CACHE)(feed_steps.parse_feeds)
full_text_task = task(name="fetch-full-text-batch", cache_policy=NO_CACHE)(feed_steps.add_full_text)
store_feeds_task = _database_write_task("store-feeds-batch")(feed_steps.store_feeds)


@flow(name=feed_steps.FLOW_NAME, log_prints=False)
def ingest_feeds_flow(
    config: str | None = None,
    feeds: list[str] | None = None,
    db: str | None = None,
    force: bool = False,
    shard: str | None = None,
) -> feed_steps.FeedsRunSummary:
    """Fetch the due RSS/Atom feeds of a TOML config (and/or given URLs) into the DuckDB database `db`.

    `shard` ("K/N"): only the Kth of N shares of the feeds, so that N deployments or workers split one list.
    """
    settings = Settings.from_env(db=db)
    flow_run_id = str(runtime.flow_run.id)
    result = feed_steps.run_ingest_feeds(
        feed_steps.feeds_from(config, feeds or []),
        settings=settings,
        policy=fetch_policy_from_env(),
        force=force,
        shard=Shard.parse(shard) if shard else None,
        run_id=flow_run_id,
        prefect_flow_run_id=flow_run_id,
        fetch=_fetch_in_task,
        parse=_parse_in_task,
        full_text=_full_text_in_task,
        store=_store_feeds_in_task,
        progress=_ProgressArtifact(feed_steps.FLOW_NAME),
    )
    for url, error in result.failures:
        get_run_logger().warning("feed failed: %s: %s", url, error)
    publish_run_report(settings, result.run.run_id, result.failures)
    return result


def _fetch_in_task(states: list[FeedState], policy: FetchPolicy) -> list[FetchResult]:
    return fetch_feeds_task(states, policy)


def _parse_in_task(states: list[FeedState], results: list[FetchResult]) -> list[feed_steps.FeedResult]:
    return parse_feeds_task(states, results)


def _full_text_in_task(db: str, results: list[feed_steps.FeedResult], policy: FetchPolicy) -> list[feed_steps.FeedResult]:
    return full_text_task(db, results, policy)


def _store_feeds_in_task(db: str, results: list[feed_steps.FeedResult], run_id: str, settings: Settings) -> BatchCounts:
    return store_feeds_task(db, results, run_id, settings)


@flow(name=maintenance_steps.FLOW_NAME, log_prints=False)
def maintenance_flow(db: str | None = None, snapshot_dir: str | None = "data/snapshots") -> maintenance_steps.MaintenanceSummary:
    """Rebuild the full-text index, checkpoint the database, export a Parquet snapshot partitioned by day."""
    settings = Settings.from_env(db=db)
    flow_run_id = str(runtime.flow_run.id)
    folder = Path(snapshot_dir).absolute() if snapshot_dir else None
    result = maintenance_steps.run_maintenance(
        settings=settings, snapshot_dir=folder, run_id=flow_run_id, prefect_flow_run_id=flow_run_id
    )
    get_run_logger().info("maintenance done; snapshot: %s", ", ".join(f"{t} -> {p}" for t, p in result.snapshot.items()))
    create_markdown_artifact(overview_markdown(Database(settings.db).overview()), key="newsflow-overview",
                             description="articles by agency and role, largest stories, duplicates, names, quarantine")
    return result
