"""DuckLake on PostgreSQL: the database many writers share (DESIGN §8).

A DuckDB file admits one writing process. A DuckLake keeps its catalog in PostgreSQL and its rows as
Parquet files in a folder, and any number of processes, on any number of machines, may write to it.
Both extensions are loaded from their PyPI wheels, so nothing is downloaded at run time
(`duckdb-extension-postgres-scanner`: the `duckdb-extension-postgres` wheel's file names the wrong
entry point for DuckDB 1.5.5).

Writers to a DuckLake do not block each other; each commits an optimistic snapshot. Plain appends
never conflict, so two writers that both check "is this article stored?" and both insert it would
both succeed. Every newsflow write transaction therefore also updates the one row of `lake_writes`:
of two transactions that overlap, the second to commit fails with a conflict, and is run again from
the start on a snapshot that includes the first. So every exact and near-duplicate decision is made
against everything committed before it. (A batch's update of its run's counters in `runs` would
conflict as well, as DuckLake treats any two updates of one table; the claim does not depend on
what else a transaction writes.)

Redoing a load is waste (a Reuters-21578 batch of 2,000 files takes about a second to load into a
lake), so writers also queue for PostgreSQL's advisory lock of the catalog database before a write
transaction, and release it when it has committed: the second writer then starts on the first one's
result and does not conflict. The lock is only a queue; correctness rests on `lake_writes`. It dies
with its writer's connection, so a killed writer never blocks the others. Parsing, names, agencies
and sketches run before and outside it, in parallel.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import duckdb
import duckdb_extension_ducklake
import duckdb_extension_postgres_scanner

from storage.errors import StorageError
from storage.extensions import load_extension, sql_literal

PREFIX = "ducklake:postgres:"
CATALOG = "lake"  # the name the DuckLake is attached under in every connection
CATALOG_SERVER = "lake_catalog"  # the catalog's PostgreSQL database, attached for the writers' lock
WRITERS_LOCK = "SELECT pg_advisory_xact_lock(hashtext('newsflow writers'))"
MAX_ATTEMPTS = 50  # conflicts of one write transaction before its error is raised
RETRY_PAUSE = 0.05  # seconds, doubled per attempt up to RETRY_PAUSE_MAX, with jitter
RETRY_PAUSE_MAX = 2.0

T = TypeVar("T")


@dataclass(frozen=True)
class Lake:
    """Where a DuckLake lives: a libpq connection string for its catalog and a folder for its files."""

    catalog: str  # "dbname=lake host=127.0.0.1 user=newsflow", as PostgreSQL's libpq reads it
    data_path: str  # the folder (or object-store prefix) of its Parquet files

    def __str__(self) -> str:
        return f"{PREFIX}{self.catalog} data_path={self.data_path}"

    @property
    def display_name(self) -> str:
        """The lake without its password, for messages and reports."""
        return without_password(str(self))

    @property
    def lease_folder(self) -> Path | None:
        """Where run leases live: beside the data files, when they are in a local or mounted folder."""
        return None if "://" in self.data_path else Path(self.data_path) / ".newsflow-runs"


def without_password(text: str) -> str:
    return re.sub(r"password=\S+", "password=…", text)


def is_lake_url(text: str) -> bool:
    return text.startswith(PREFIX)


def parse_location(location: str | Path, /) -> Path | Lake:
    """A database location as given to --db or NEWSFLOW_DB: a DuckDB file path or a DuckLake URL."""
    if isinstance(location, str) and is_lake_url(location):
        return parse_lake_url(location)
    return Path(location).expanduser().absolute()


def parse_lake_url(text: str) -> Lake:
    """Read `ducklake:postgres:<libpq settings> data_path=<folder>`; raise ValueError saying what is wrong."""
    settings = text[len(PREFIX) :].split()
    data_paths = [item.split("=", 1)[1] for item in settings if item.startswith("data_path=")]
    catalog = " ".join(item for item in settings if not item.startswith("data_path="))
    if len(data_paths) != 1 or not data_paths[0]:
        raise ValueError(f"a DuckLake URL needs one data_path=<folder> for its Parquet files: {text!r}")
    if "dbname=" not in catalog:
        raise ValueError(f"a DuckLake URL needs dbname=<PostgreSQL database> for its catalog: {text!r}")
    data_path = data_paths[0]
    if "://" not in data_path:
        data_path = str(Path(data_path).expanduser().absolute())
    return Lake(catalog, data_path.rstrip("/") + "/")


def connect(lake: Lake) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the lake attached and in use, extensions loaded from their wheels."""
    con = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    try:
        load_extension(con, duckdb_extension_postgres_scanner, "postgres_scanner")
        load_extension(con, duckdb_extension_ducklake, "ducklake")
        if "://" not in lake.data_path:
            Path(lake.data_path).mkdir(parents=True, exist_ok=True)
        _attach(con, lake)
        con.execute(f"ATTACH {sql_literal(lake.catalog)} AS {CATALOG_SERVER} (TYPE postgres)")
        con.execute(f"USE {CATALOG}")
        # The snapshot-id race between committers is retried inside DuckLake; many writers need more
        # than its default 10 attempts (duckdb/ducklake#459).
        con.execute("SET ducklake_max_retry_count = 100")
        con.execute("SET TimeZone = 'UTC'")
    except duckdb.Error as exc:
        con.close()
        reason = without_password(str(exc).strip().splitlines()[0])
        raise StorageError(f"cannot open the DuckLake {lake.display_name}: {reason}") from exc
    return con


def _attach(con: duckdb.DuckDBPyConnection, lake: Lake) -> None:
    """Attach the lake; writers that attach a new lake at the same moment all create its catalog
    tables, and those that lose the race in PostgreSQL try again."""
    statement = f"ATTACH {sql_literal(PREFIX + lake.catalog)} AS {CATALOG} (DATA_PATH {sql_literal(lake.data_path)})"
    for number in range(1, MAX_ATTEMPTS + 1):
        try:
            con.execute(statement)
            return
        except duckdb.Error as exc:
            if "failed to initialize ducklake" not in str(exc).lower() or number == MAX_ATTEMPTS:
                raise
        _pause(number)


def is_lake(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the connection's current database is a DuckLake (its DDL needs `lake_ddl`)."""
    row = con.execute("SELECT type FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    return row is not None and row[0] == "ducklake"


def lake_ddl(sql: str) -> str:
    """The same tables for DuckLake, which refuses what it cannot enforce across writers.

    DuckLake has no primary keys, unique constraints or indexes, and takes only literal defaults in
    ALTER TABLE; newsflow's own statements keep rows unique (they check before inserting, under the
    write claim), so dropping the declarations changes no stored row. A key column stays NOT NULL;
    names, types and defaults stay as in a DuckDB file (tests/storage/test_lake.py compares both).
    """
    sql = re.sub(r"^\s*CREATE (?:UNIQUE )?INDEX [^;]*;[^\n]*$", "", sql, flags=re.MULTILINE)
    sql = re.sub(r",([ \t]*--[^\n]*)?\n\s*PRIMARY KEY \([^)]*\)", r"\1", sql)  # a last line, after a comment
    sql = re.sub(r" PRIMARY KEY\b", " NOT NULL", sql)  # as a key implies
    return re.sub(r"\bDEFAULT (true|false)\b", r"DEFAULT '\1'", sql)


def commit_with_retries(con: duckdb.DuckDBPyConnection, work: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
    """Run `work` in one transaction that also takes the write claim; on a conflict, run it again.

    `work` must read what it needs inside the transaction (it is re-run on a newer snapshot), and
    must not have effects outside the database.
    """

    def attempt() -> T:
        con.begin()
        try:
            con.execute("UPDATE lake_writes SET writes = writes + 1")
            result = work(con)
            con.commit()
        except BaseException:
            rollback(con)
            raise
        return result

    with _writers_queue(con):
        return retry_conflicts(attempt)


@contextmanager
def _writers_queue(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Hold the writers' advisory lock for the block: taken inside a PostgreSQL transaction of its
    own, released when that ends."""
    lock = con.cursor()
    try:
        lock.begin()
        lock.execute(f"CALL postgres_execute({sql_literal(CATALOG_SERVER)}, {sql_literal(WRITERS_LOCK)})")
        yield
    finally:
        rollback(lock)
        lock.close()


def retry_conflicts(attempt: Callable[[], T]) -> T:
    """Call `attempt` until another writer's commit no longer gets in its way.

    That is a commit conflict, or, while the schema is created, a table that another writer's
    migration created after this one read the schema version (DuckLake's catalog is not isolated).
    """
    for number in range(1, MAX_ATTEMPTS + 1):
        try:
            return attempt()
        except (duckdb.TransactionException, duckdb.CatalogException) as exc:
            message = str(exc).lower()
            if ("conflict" not in message and "already exists" not in message) or number == MAX_ATTEMPTS:
                raise
        _pause(number)
    raise AssertionError("unreachable: the last attempt returns or raises")


def rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back, if a transaction is still open."""
    try:
        con.rollback()
    except duckdb.TransactionException:
        pass  # a failed commit has already ended the transaction


def _pause(attempt: int) -> None:
    """Back off before another attempt: exponential, capped, with jitter so writers spread out."""
    time.sleep(random.uniform(0.5, 1.0) * min(RETRY_PAUSE * 2**attempt, RETRY_PAUSE_MAX))
