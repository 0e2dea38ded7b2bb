"""The storage API the flows use: one object per database, a DuckDB file or a DuckLake.

For a file, a connection is opened per write transaction and closed after it, under the writers'
lock, so two runs against one file take turns, and readers get in between; a run with many batches
holds its connection across them instead (`holding_writes`), handing it back every few seconds. A
DuckLake takes many writers at once (storage/connections.py, storage/lake.py). Callers pass
locations, never connections (Prefect cannot hash a connection, and a connection must not outlive
its lock).
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import json
import logging
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import wraps
from pathlib import Path
from typing import Any, Callable, ParamSpec, TypeVar

import duckdb
import pyarrow as pa

from ingest.records import Batch, FeedConfig, FeedState, FeedUpdate
from ingest.stories import StoryThresholds
from storage.arrow import registered
from storage.errors import QueryError, StorageError
from storage.feeds import due_feeds, register_feeds, update_feeds
from storage.maintenance import checkpoint, export_parquet
from storage.reports import OverviewData, RunReport, overview, run_report
from storage.search import SearchHit, search_articles
from storage.load import BatchCounts, load_batch
from storage.connections import FileConnections, open_location
from storage.lake import Lake
from storage.lock import lock_timeout
from storage.schema import schema_version

log = logging.getLogger(__name__)

class _Absent(importlib.abc.MetaPathFinder):
    """Fails imports of modules known to be missing at once, instead of after a search of sys.path.

    DuckDB's client tries `import pandas` for every statement that takes parameters. Without pandas
    installed (newsflow does not need it) each failed import searches sys.path again: 0.3 ms a time,
    6 s of a Reuters-21578 run.
    """

    def __init__(self, names: frozenset[str]) -> None:
        self.names = names

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> None:
        if fullname in self.names:
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        return None


if importlib.util.find_spec("pandas") is None:
    sys.meta_path.insert(0, _Absent(frozenset({"pandas"})))
P = ParamSpec("P")
T = TypeVar("T")


def utc_now() -> datetime:
    """The one clock every stored timestamp comes from; tests replace it."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    flow: str
    status: str
    seen: int
    new: int
    duplicate: int
    quarantined: int
    failed: int
    unchanged: int
    started_at: datetime
    finished_at: datetime | None
    names_unjudged: int  # name judgments that failed and were skipped: a bug to report


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]


def wrap_duckdb_errors(function: Callable[P, T]) -> Callable[P, T]:
    """Turn DuckDB's I/O and catalog failures into StorageError with the database path.

    Only errors a user can cause and fix are translated (disk full, permissions, a corrupt or foreign
    file); programming errors such as a bad internal SQL statement still surface as DuckDB errors.
    """

    @wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return function(*args, **kwargs)
        except (duckdb.IOException, duckdb.SerializationException, duckdb.PermissionException) as exc:
            raise StorageError(f"database error: {exc}") from exc

    return wrapper


INTERRUPTED = (
    "the process stopped before the run finished (killed, or its machine went down); the batches it stored "
    "are kept, and running the same input again with only new items (the inbox, `--only-new`) stores the rest"
)


class Database:
    """A newsflow database: a DuckDB file, or a DuckLake shared by many writers. Creating the object
    touches neither."""

    def __init__(
        self,
        location: str | Path | Lake,
        /,
        *,
        timeout: float | None = None,
        story_thresholds: StoryThresholds = StoryThresholds(),
    ) -> None:
        self._connections = open_location(location, timeout=lock_timeout() if timeout is None else timeout)
        self.name = self._connections.name  # the file's path, or the lake's URL without its password
        self.short_name = Path(self.name).name if isinstance(self._connections, FileConnections) else "DuckLake"
        self.story_thresholds = story_thresholds

    def exists(self) -> bool:
        """False only for a DuckDB file not created yet (a DuckLake is created when it is attached)."""
        return self._connections.exists()

    def holding_writes(self, *, threads: int | None = None) -> AbstractContextManager[None]:
        """Keep one write connection across the block's writes (a run's batches); see storage/session.py.

        With `threads`, DuckDB uses that many threads on it: while worker processes keep every core
        busy, DuckDB's own threads only contend with them (docs/benchmarks.md: one thread was faster
        in five of six paired Reuters-21578 runs). A DuckLake has nothing to hold.
        """
        return self._connections.holding_writes(threads)

    def writing(self) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
        """A migrated read-write connection (for a DuckDB file, held under the writers' lock)."""
        return self._connections.writing()

    def reading(self) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
        """A connection to read from, upgrading a database written by an older newsflow first."""
        return self._connections.reading()

    @wrap_duckdb_errors
    def migrate(self) -> int:
        """Create or upgrade the schema; return the version the database is at now."""
        with self.writing() as con:
            return schema_version(con)

    def run_lease(self, run_id: str, /) -> AbstractContextManager[None]:
        """Hold for as long as this process runs `run_id`, from before `start_run` until `finish_run`."""
        return self._connections.run_lease(run_id)

    @wrap_duckdb_errors
    def start_run(
        self, run_id: str, /, *, flow: str, parameters: Mapping[str, Any], prefect_flow_run_id: str | None = None
    ) -> None:
        """Record a run as `running`; runs whose process died without finishing become `interrupted`."""
        def start(con: duckdb.DuckDBPyConnection) -> None:
            running = [str(row[0]) for row in con.execute("SELECT run_id FROM runs WHERE status = 'running'").fetchall()]
            dead = [other for other in running if self._connections.lease_is_free(other)]
            if dead:
                con.execute(
                    """
                    UPDATE runs SET status = 'interrupted', finished_at = $now, error = $error
                    WHERE list_contains($dead, run_id)
                    """,
                    {"now": utc_now(), "error": INTERRUPTED, "dead": dead},
                )
            con.execute(
                """
                INSERT INTO runs (run_id, flow, started_at, status, parameters, prefect_flow_run_id)
                VALUES ($run_id, $flow, $now, 'running', $parameters, $prefect_flow_run_id)
                """,
                {
                    "run_id": run_id,
                    "flow": flow,
                    "now": utc_now(),
                    "parameters": json.dumps(dict(parameters), default=str, sort_keys=True),
                    "prefect_flow_run_id": prefect_flow_run_id,
                },
            )

        self._connections.transact(start)

    @wrap_duckdb_errors
    def add_batch(self, batch: Batch, /, *, run_id: str, skip_seen: bool = False, unread: int = 0) -> BatchCounts:
        """Store one batch in one transaction: all of it or, after a crash, none of it.

        With `skip_seen`, items whose source already delivered the same bytes add nothing (inbox runs);
        `unread` counts files skipped unread in the run's counters.
        """
        return self._connections.transact(
            lambda con: load_batch(con, batch, run_id=run_id, now=utc_now(), skip_seen=skip_seen, unread=unread,
                                   story_thresholds=self.story_thresholds)
        )

    @wrap_duckdb_errors
    def unchanged_files(self, files: Sequence[tuple[str, int, datetime]], /) -> set[str]:
        """Paths whose size and modification time are as when they were last read."""
        if not files or not self.exists():
            return set()
        table = pa.table(
            {
                "path": pa.array([f[0] for f in files], pa.string()),
                "size_bytes": pa.array([f[1] for f in files], pa.int64()),
                "modified_at": pa.array([f[2] for f in files], pa.timestamp("us", tz="UTC")),
            }
        )
        with self.reading() as con:
            if schema_version(con) < 3:
                return set()
            with registered(con, candidate_files=table):
                rows = con.execute(
                    "SELECT c.path FROM candidate_files c JOIN files_seen f USING (path, size_bytes, modified_at)"
                ).fetchall()
        return {str(row[0]) for row in rows}

    @wrap_duckdb_errors
    def prepare_feeds(self, feeds: Sequence[FeedConfig], /, *, force: bool) -> list[FeedState]:
        """Record the configured feeds (new ones are due at once) and return those due now."""
        def prepare(con: duckdb.DuckDBPyConnection) -> list[FeedState]:
            now = utc_now()
            register_feeds(con, feeds, now=now)
            return due_feeds(con, [feed.url for feed in feeds], now=now, force=force)

        return self._connections.transact(prepare)

    @wrap_duckdb_errors
    def add_feed_batch(self, batch: Batch, updates: Sequence[FeedUpdate], /, *, run_id: str) -> BatchCounts:
        """Store fetched items and the feeds' new state in one transaction.

        Items a feed already sent with the same bytes add no new document.
        """
        def store(con: duckdb.DuckDBPyConnection) -> BatchCounts:
            counts = load_batch(con, batch, run_id=run_id, now=utc_now(), skip_seen=True,
                                story_thresholds=self.story_thresholds)
            update_feeds(con, updates)
            con.execute(
                "UPDATE runs SET failed_count = failed_count + $failed WHERE run_id = $run_id",
                {"failed": sum(1 for update in updates if not update.ok), "run_id": run_id},
            )
            return counts

        return self._connections.transact(store)

    @wrap_duckdb_errors
    def stored_item_keys(self, source_uri: str, item_keys: Sequence[str], /) -> set[str]:
        """Which of these items a source has already delivered (to fetch full text only for new ones)."""
        if not item_keys:
            return set()
        with self.reading() as con:
            rows = con.execute(
                "SELECT DISTINCT item_key FROM documents WHERE source_uri = $uri AND list_contains($keys, item_key)",
                {"uri": source_uri, "keys": list(item_keys)},
            ).fetchall()
        return {str(row[0]) for row in rows}

    @wrap_duckdb_errors
    def finish_run(self, run_id: str, /, *, status: str, error: str | None = None) -> RunSummary:
        def finish(con: duckdb.DuckDBPyConnection) -> RunSummary:
            con.execute(
                """
                UPDATE runs SET status = $status, finished_at = $now, error = coalesce($error, error)
                WHERE run_id = $run_id
                """,
                {"status": status, "now": utc_now(), "error": error, "run_id": run_id},
            )
            return _run_summary(con, run_id)

        return self._connections.transact(finish)

    @wrap_duckdb_errors
    def run_report(self, run_id: str, /) -> tuple[RunSummary, RunReport]:
        """A run's counts and what it found (agencies, name repairs, quarantine reasons)."""
        with self.reading() as con:
            return _run_summary(con, run_id), run_report(con, run_id)

    @wrap_duckdb_errors
    def overview(self, *, since: date | None = None) -> OverviewData:
        """Figures for the report page (agencies per day by role, largest stories, duplicates, names, quarantine)."""
        with self.reading() as con:
            return overview(con, since=since)

    @wrap_duckdb_errors
    def refresh_search_index(self) -> None:
        """Rebuild the full-text index so that newly stored articles are found (a DuckLake keeps none)."""
        self._connections.refresh_search_index()

    @wrap_duckdb_errors
    def search(self, query: str, /, *, limit: int = 10) -> list[SearchHit]:
        """Articles matching `query`, best first (BM25 over title and body)."""
        with self._connections.searching() as con:
            return search_articles(con, query, limit=limit)

    @wrap_duckdb_errors
    def export_parquet(self, folder: Path, /) -> dict[str, Path]:
        """Write every table as Parquet under `folder` (dated tables partitioned by day), read-only."""
        with self.reading() as con:
            return export_parquet(con, folder)

    @wrap_duckdb_errors
    def maintain(self, *, snapshot_dir: Path | None) -> dict[str, Path]:
        """Rebuild the search index, checkpoint, and export a Parquet snapshot when a folder is given.

        On a DuckLake the checkpoint is DuckLake's own upkeep: small Parquet files merged, files of
        expired snapshots removed.
        """
        self._connections.refresh_search_index()
        with self.writing() as con:
            checkpoint(con)
            return export_parquet(con, snapshot_dir) if snapshot_dir is not None else {}

    @wrap_duckdb_errors
    def query(self, sql: str, /, parameters: Mapping[str, Any] | None = None) -> QueryResult:
        """Run a user's query; whatever it would change is rolled back (a DuckDB file is opened read-only)."""
        with self.reading() as con, _rolled_back(con):
            try:
                cursor = con.execute(sql, dict(parameters or {}))
            except duckdb.Error as exc:
                if isinstance(exc, duckdb.IOException):
                    raise
                raise QueryError(str(exc).strip().splitlines()[0]) from exc
            if cursor.description is None:
                return QueryResult([], [])
            return QueryResult([column[0] for column in cursor.description], cursor.fetchall())


@contextmanager
def _rolled_back(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    con.begin()
    try:
        yield
    finally:
        con.rollback()


def _run_summary(con: duckdb.DuckDBPyConnection, run_id: str) -> RunSummary:
    row = con.execute(
        """
        SELECT run_id, flow, status, seen_count, new_count, duplicate_count, quarantined_count, failed_count,
               unchanged_count, started_at, finished_at, names_unjudged
        FROM runs WHERE run_id = $run_id
        """,
        {"run_id": run_id},
    ).fetchone()
    if row is None:
        raise StorageError(f"no run {run_id!r} in the database")
    return RunSummary(*row)
