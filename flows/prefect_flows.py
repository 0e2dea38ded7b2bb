"""Prefect flows. Importing this module imports Prefect (1.3-2.1 s); the CLI does so only when a
Prefect API is configured.

Tasks handle whole batches: a task run costs milliseconds of orchestration, so one per article would
make Prefect the bottleneck. Task inputs are paths and records, never connections.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from prefect import State, Task, flow, get_run_logger, runtime, task
from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from prefect.cache_policies import NO_CACHE
from prefect.states import Failed

from flows import feeds as feed_steps
from flows import maintenance as maintenance_steps
from flows.files import FLOW_NAME, FileSteps, prepare_files, run_ingest_files, store_files
from flows.preparing import FilesPart, read_and_prepare
from flows.report import count_rows, markdown_report, overview_markdown
from flows.runs import refused_run
from flows.settings import Settings
from flows.workers import Workers
from ingest.records import Batch
from ingest.shards import Shard
from storage import DatabaseBusyError, RunSummary

P = ParamSpec("P")
R = TypeVar("R")


def _retry_when_busy(_task: Any, _task_run: Any, state: Any) -> bool:
    """Retry a store only when another run held the database too long; other errors are not transient."""
    return isinstance(state.data, DatabaseBusyError)


def _database_write_task(name: str) -> Callable[[Callable[P, R]], Task[P, R]]:
    """The task options of every database write: retried only when another run held the database."""
    return task(name=name, cache_policy=NO_CACHE, retries=2, retry_delay_seconds=10, retry_condition_fn=_retry_when_busy)


# Reading and parsing touch only local files: a retry would see the same bytes, so none is configured.
prepare_files_task = task(name="prepare-files-batch", cache_policy=NO_CACHE)(prepare_files)
# The same work as the body of a task on a Dask worker (NEWSFLOW_TASK_RUNNER=dask), where there is no pool.
read_and_prepare_task = task(name="read-and-prepare-files-on-dask", cache_policy=NO_CACHE)(read_and_prepare)
store_files_task = _database_write_task("store-files-batch")(store_files)
FILE_TASKS = FileSteps(prepare=prepare_files_task, store=store_files_task)

# Fetching streams ahead of the tasks in the flow's own process (flows/poller.py) and retries per
# request; a task-level retry of full text would re-fetch every page of the group, so none is configured.
FEED_TASKS = feed_steps.FeedSteps(
    parse=task(name="parse-feeds-batch", cache_policy=NO_CACHE)(feed_steps.parse_feeds),
    full_text=task(name="fetch-full-text-batch", cache_policy=NO_CACHE)(feed_steps.add_full_text),
    store=_database_write_task("store-feeds-batch")(feed_steps.store_feeds),
)


@flow(name=FLOW_NAME, log_prints=False)
def ingest_files_flow(paths: list[str], db: str | None = None, only_new: bool = False) -> RunSummary:
    """Ingest article files and folders (recursively) into the DuckDB database `db`.

    `only_new` (the inbox deployment): skip files unchanged since they were last read.
    """
    settings = Settings.from_env(db=db)
    flow_run_id = str(runtime.flow_run.id)
    with _file_steps(settings) as (steps, remote_workers):
        summary = run_ingest_files(
            [str(Path(p)) for p in paths],
            settings=settings,
            only_new=only_new,
            run_id=flow_run_id,
            prefect_flow_run_id=flow_run_id,
            steps=steps,
            progress=_ProgressArtifact(FLOW_NAME),
            remote_workers=remote_workers,
        )
    publish_run_report(settings, summary.run_id)
    return summary


@contextmanager
def _file_steps(settings: Settings) -> Iterator[tuple[FileSteps, int | None]]:
    """The files steps as tasks: prepared in this run's worker processes, or on a Dask cluster.

    With NEWSFLOW_TASK_RUNNER=dask each part is a task submitted to prefect-dask's task runner: on the
    scheduler at NEWSFLOW_DASK_ADDRESS, or on a cluster of NEWSFLOW_WORKERS local processes started
    for the run (on 127.0.0.1 only). Storing stays in this process, in batch order.
    """
    if settings.task_runner != "dask":
        yield FILE_TASKS, None
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

        def prepare_on_dask(_workers: Workers, part: FilesPart) -> Batch:
            return runner.submit(read_and_prepare_task, {"part": part}).result()

        yield FileSteps(prepare=prepare_on_dask, store=store_files_task), max(workers, 1)


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
    run, report = settings.database().run_report(run_id)
    create_markdown_artifact(markdown_report(run, report, failures=failures), key=f"{run.flow}-report",
                             description=f"{run.flow} run summary")
    create_table_artifact(count_rows(run, report, failing_feeds=len(failures)), key=f"{run.flow}-counts",
                          description=f"{run.flow} run counts")
    get_run_logger().info("run %s %s: %d items, %d new articles, %d duplicates, %d unchanged, %d quarantined",
                          run.run_id, run.status, run.seen, run.new, run.duplicate, run.unchanged, run.quarantined)


@flow(name=feed_steps.FLOW_NAME, log_prints=False)
def ingest_feeds_flow(
    config: str | None = None,
    feeds: list[str] | None = None,
    db: str | None = None,
    force: bool = False,
    shard: str | None = None,
) -> feed_steps.FeedsRunSummary | State:
    """Fetch the due RSS/Atom feeds of a TOML config (and/or given URLs) into the DuckDB database `db`.

    `shard` ("K/N"): only the Kth of N shares of the feeds, so that N deployments or workers split one list.
    A feed list that cannot be read (deleted or broken while `newsflow serve` runs) ends the flow run
    Failed with the reason, and a failed `runs` row, rather than a traceback every 15 minutes.
    """
    settings = Settings.from_env(db=db)
    flow_run_id = str(runtime.flow_run.id)
    try:
        feed_list = feed_steps.feeds_from(config, feeds or [])
    except feed_steps.FeedsConfigError as exc:
        refused = refused_run(settings.database(), flow=feed_steps.FLOW_NAME, run_id=flow_run_id,
                              parameters={"config": config, "feeds": feeds or [], "force": force, "shard": shard},
                              error=str(exc), prefect_flow_run_id=flow_run_id)
        get_run_logger().error("run %s failed: %s", refused.run_id, exc)
        return Failed(message=str(exc))
    result = feed_steps.run_ingest_feeds(
        feed_list,
        settings=settings,
        force=force,
        shard=Shard.parse(shard) if shard else None,
        run_id=flow_run_id,
        prefect_flow_run_id=flow_run_id,
        steps=FEED_TASKS,
        progress=_ProgressArtifact(feed_steps.FLOW_NAME),
    )
    for url, error in result.failures:
        get_run_logger().warning("feed failed: %s: %s", url, error)
    publish_run_report(settings, result.run.run_id, result.failures)
    return result


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
    create_markdown_artifact(overview_markdown(settings.database().overview()), key="newsflow-overview",
                             description="articles by agency and role, largest stories, duplicates, names, quarantine")
    return result
