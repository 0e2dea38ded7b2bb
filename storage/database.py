"""The storage API the flows use: one object per database file.

A connection is opened per write transaction and closed after it, under the writers' lock, so two
runs against one file take turns batch by batch, and readers get in between batches. Callers pass
paths, never connections (Prefect cannot hash a connection, and a connection must not outlive its lock).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import wraps
from pathlib import Path
from typing import Any, Callable, ParamSpec, TypeVar

import duckdb

from ingest.records import Batch
from storage.errors import DatabaseMissingError, QueryError, SchemaVersionError, StorageError
from storage.load import BatchCounts, load_batch
from storage.lock import connect_waiting, file_lock, lock_timeout
from storage.schema import LATEST_VERSION, migrate, schema_version

log = logging.getLogger(__name__)
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
    started_at: datetime
    finished_at: datetime | None


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


class Database:
    """A newsflow DuckDB file. Creating the object does not touch the file."""

    def __init__(self, path: str | Path, /, *, timeout: float | None = None) -> None:
        self.path = Path(path).expanduser().absolute()
        self.timeout = lock_timeout() if timeout is None else timeout

    @contextmanager
    def writing(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A migrated read-write connection held under the writers' lock."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with file_lock(self.path, exclusive=True, timeout=self.timeout):
            con = connect_waiting(self.path, read_only=False, timeout=self.timeout)
            try:
                con.execute("SET TimeZone = 'UTC'")
                migrate(con, self.path)
                yield con
            finally:
                con.close()

    @contextmanager
    def reading(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection; waits while a newsflow writer holds the database."""
        if not self.path.exists():
            raise DatabaseMissingError(str(self.path))
        with file_lock(self.path, exclusive=False, timeout=self.timeout):
            con = connect_waiting(self.path, read_only=True, timeout=self.timeout)
            try:
                con.execute("SET TimeZone = 'UTC'")
                found = schema_version(con)
                if found > LATEST_VERSION:
                    raise SchemaVersionError(str(self.path), found, LATEST_VERSION)
                yield con
            finally:
                con.close()

    @wrap_duckdb_errors
    def migrate(self) -> int:
        """Create or upgrade the schema; return the version the file was at before."""
        with self.writing() as con:
            return schema_version(con)

    @wrap_duckdb_errors
    def start_run(
        self, run_id: str, /, *, flow: str, parameters: Mapping[str, Any], prefect_flow_run_id: str | None = None
    ) -> None:
        with self.writing() as con:
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

    @wrap_duckdb_errors
    def add_batch(self, batch: Batch, /, *, run_id: str) -> BatchCounts:
        with self.writing() as con:
            return load_batch(con, batch, run_id=run_id, now=utc_now())

    @wrap_duckdb_errors
    def finish_run(self, run_id: str, /, *, status: str, error: str | None = None) -> RunSummary:
        with self.writing() as con:
            con.execute(
                """
                UPDATE runs SET status = $status, finished_at = $now, error = coalesce($error, error)
                WHERE run_id = $run_id
                """,
                {"status": status, "now": utc_now(), "error": error, "run_id": run_id},
            )
            return _run_summary(con, run_id)

    @wrap_duckdb_errors
    def query(self, sql: str, /, parameters: Mapping[str, Any] | None = None) -> QueryResult:
        """Run a user's query on a read-only connection."""
        with self.reading() as con:
            try:
                cursor = con.execute(sql, dict(parameters or {}))
            except duckdb.Error as exc:
                if isinstance(exc, duckdb.IOException):
                    raise
                raise QueryError(str(exc).strip().splitlines()[0]) from exc
            if cursor.description is None:
                return QueryResult([], [])
            return QueryResult([column[0] for column in cursor.description], cursor.fetchall())


def _run_summary(con: duckdb.DuckDBPyConnection, run_id: str) -> RunSummary:
    row = con.execute(
        """
        SELECT run_id, flow, status, seen_count, new_count, duplicate_count, quarantined_count, failed_count,
               started_at, finished_at
        FROM runs WHERE run_id = $run_id
        """,
        {"run_id": run_id},
    ).fetchone()
    if row is None:
        raise StorageError(f"no run {run_id!r} in the database")
    return RunSummary(*row)
