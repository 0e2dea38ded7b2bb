"""The storage API the flows use: one object per database, a DuckDB file or a DuckLake.

A facade: each method opens the right connection (storage/connections.py) and hands it to the
module that owns the SQL (runs, load, feeds, files_seen, documents, reports, search, maintenance,
user_query). For a file, a connection is opened per write transaction and closed after it, under the
writers' lock, so two runs against one file take turns, and readers get in between; a run with many
batches holds its connection across them instead (`holding_writes`), handing it back every few
seconds. A DuckLake takes many writers at once (storage/lake.py). Callers pass locations, never
connections (Prefect cannot hash a connection, and a connection must not outlive its lock).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

from ingest.name_aliases import NameAliases, load_name_aliases
from ingest.records import Batch, FeedConfig, FeedState, FeedUpdate
from ingest.stories import StoryThresholds
from storage import clock, documents, files_seen, runs
from storage.connections import FileConnections, open_location
from storage.errors import wrap_duckdb_errors
from storage.feeds import FeedRow, due_feeds, feed_rows, mark_removed, register_feeds, set_paused, update_feeds
from storage.lake import Lake
from storage.load import load_batch
from storage.lock import DEFAULT_LOCK_TIMEOUT
from storage.maintenance import checkpoint, export_parquet
from storage.reports import OverviewData, RunReport, overview, run_report
from storage.runs import BatchCounts, RunSummary
from storage.schema import schema_version
from storage.search import SearchHit, search_articles
from storage.user_query import QueryResult, run_query


class Database:
    """A newsflow database: a DuckDB file, or a DuckLake shared by many writers. Creating the object
    touches neither.

    `timeout`: seconds to wait while another process holds the database. `story_thresholds` and
    `aliases` are the rules the stored articles are linked by (stories, names across articles).
    """

    def __init__(
        self,
        location: str | Path | Lake,
        /,
        *,
        timeout: float = DEFAULT_LOCK_TIMEOUT,
        story_thresholds: StoryThresholds = StoryThresholds(),
        aliases: NameAliases | None = None,
    ) -> None:
        self._connections = open_location(location, timeout=timeout)
        self.name = self._connections.name  # the file's path, or the lake's URL without its password
        self.short_name = Path(self.name).name if isinstance(self._connections, FileConnections) else "DuckLake"
        self.story_thresholds = story_thresholds
        self.aliases = aliases if aliases is not None else load_name_aliases()

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
            now = clock.utc_now()
            dead = [other for other in runs.running_runs(con) if self._connections.lease_is_free(other)]
            runs.mark_interrupted(con, dead, now=now)
            runs.insert_run(con, run_id, flow=flow, parameters=parameters, prefect_flow_run_id=prefect_flow_run_id,
                            now=now)

        self._connections.transact(start)

    @wrap_duckdb_errors
    def add_batch(self, batch: Batch, /, *, run_id: str, skip_seen: bool = False, unread: int = 0) -> BatchCounts:
        """Store one batch in one transaction: all of it or, after a crash, none of it.

        With `skip_seen`, items whose source already delivered the same bytes add nothing (inbox runs);
        `unread` counts files skipped unread in the run's counters.
        """
        return self._connections.transact(
            lambda con: load_batch(con, batch, run_id=run_id, now=clock.utc_now(), skip_seen=skip_seen, unread=unread,
                                   story_thresholds=self.story_thresholds, aliases=self.aliases)
        )

    @wrap_duckdb_errors
    def unchanged_files(self, files: Sequence[tuple[str, int, datetime]], /) -> set[str]:
        """Paths whose size and modification time are as when they were last read."""
        if not files or not self.exists():
            return set()
        with self.reading() as con:
            return files_seen.unchanged_files(con, files) if schema_version(con) >= 3 else set()

    @wrap_duckdb_errors
    def prepare_feeds(self, feeds: Sequence[FeedConfig], /, *, force: bool) -> list[FeedState]:
        """Record the configured feeds (new ones are due at once) and return those due now."""
        def prepare(con: duckdb.DuckDBPyConnection) -> list[FeedState]:
            now = clock.utc_now()
            register_feeds(con, feeds, now=now)
            return due_feeds(con, [feed.url for feed in feeds], now=now, force=force)

        return self._connections.transact(prepare)

    @wrap_duckdb_errors
    def register_feeds(self, feeds: Sequence[FeedConfig], /) -> None:
        """Record feeds added to the list (due at once) or changed in it, without fetching them."""
        self._connections.transact(lambda con: register_feeds(con, feeds, now=clock.utc_now()))

    @wrap_duckdb_errors
    def set_feed_paused(self, url: str, /, *, paused: bool) -> None:
        self._connections.transact(lambda con: set_paused(con, url, paused=paused))

    @wrap_duckdb_errors
    def remove_feed(self, url: str, /) -> None:
        """Mark a feed removed from the list; its documents stay."""
        self._connections.transact(lambda con: mark_removed(con, url, now=clock.utc_now()))

    @wrap_duckdb_errors
    def feed_rows(self) -> list[FeedRow]:
        """Every feed the database knows, with its health and how many documents it brought."""
        if not self.exists():
            return []
        with self.reading() as con:
            return feed_rows(con)

    @wrap_duckdb_errors
    def add_feed_batch(self, batch: Batch, updates: Sequence[FeedUpdate], /, *, run_id: str) -> BatchCounts:
        """Store fetched items and the feeds' new state in one transaction.

        Items a feed already sent with the same bytes add no new document.
        """
        def store(con: duckdb.DuckDBPyConnection) -> BatchCounts:
            counts = load_batch(con, batch, run_id=run_id, now=clock.utc_now(), skip_seen=True,
                                story_thresholds=self.story_thresholds, aliases=self.aliases)
            update_feeds(con, updates)
            runs.count_failed_feeds(con, run_id, sum(1 for update in updates if not update.ok))
            return counts

        return self._connections.transact(store)

    @wrap_duckdb_errors
    def stored_item_keys(self, source_uri: str, item_keys: Sequence[str], /) -> set[str]:
        """Which of these items a source has already delivered (to fetch full text only for new ones)."""
        if not item_keys:
            return set()
        with self.reading() as con:
            return documents.stored_item_keys(con, source_uri, item_keys)

    @wrap_duckdb_errors
    def finish_run(self, run_id: str, /, *, status: str, error: str | None = None) -> RunSummary:
        return self._connections.transact(
            lambda con: runs.finish_run(con, run_id, status=status, error=error, now=clock.utc_now())
        )

    @wrap_duckdb_errors
    def run_report(self, run_id: str, /) -> tuple[RunSummary, RunReport]:
        """A run's counts and what it found (agencies, name repairs, quarantine reasons)."""
        with self.reading() as con:
            return runs.run_summary(con, run_id), run_report(con, run_id)

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
        with self.reading() as con:
            return run_query(con, sql, parameters or {})
