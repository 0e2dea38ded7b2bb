"""Connections to the two kinds of newsflow database: a DuckDB file and a DuckLake.

`Database` (storage/database.py) asks one of these for connections and never cares which it has.
A DuckDB file admits one writer: newsflow writers take turns under a lock file, and readers open it
read-only. A DuckLake admits many: every process keeps one attached connection, and write
transactions retry when another writer committed first (storage/lake.py).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Protocol, TypeVar

import duckdb

from storage.errors import DatabaseMissingError, SchemaVersionError, StorageError
from storage.lake import Lake, commit_with_retries, connect, parse_location, retry_conflicts
from storage.lock import connect_waiting, file_lock, lease_is_free, run_lease
from storage.maintenance import rebuild_search_index
from storage.schema import LATEST_VERSION, migrate, schema_version
from storage.search import search_index_is_fresh, searchable_copy
from storage.session import held_connection, holding, lift_memory_limit
from storage.shield import shielded

T = TypeVar("T")
Connection = duckdb.DuckDBPyConnection

# Compression a checkpoint does not try. FSST's analysis of every string column (article ids in
# the sketch tables, bodies, raw texts, paths) was a third of the checkpoint that closes a run, and
# that checkpoint is the one step of a run nothing overlaps (Reuters-21578: 0.44 -> 0.31 s). It
# saved 7% of the file (98 -> 106 MB there), and scans of bodies and raw texts take the same time
# either way. Dictionary compression, which ids and repeated values need, stays.
DISABLED_COMPRESSION = "fsst"


class Connections(Protocol):
    name: str  # for messages: the file's path, or the lake without its password

    def exists(self) -> bool: ...
    def writing(self) -> AbstractContextManager[Connection]: ...
    def reading(self) -> AbstractContextManager[Connection]: ...
    def transact(self, work: Callable[[Connection], T], /) -> T: ...
    def holding_writes(self, threads: int | None) -> AbstractContextManager[None]: ...
    def run_lease(self, run_id: str, /) -> AbstractContextManager[None]: ...
    def lease_is_free(self, run_id: str, /) -> bool: ...
    def refresh_search_index(self) -> None: ...
    def searching(self) -> AbstractContextManager[Connection]: ...


def open_location(location: str | Path | Lake, /, *, timeout: float) -> Connections:
    """The connections of a DuckDB file path or a `ducklake:postgres:` URL."""
    if not isinstance(location, Lake):
        location = parse_location(location)
    if isinstance(location, Lake):
        return LakeConnections(location)
    return FileConnections(location, timeout=timeout)


class FileConnections:
    """A DuckDB file: a connection per write transaction under the writers' lock, or one held per run."""

    def __init__(self, path: Path, *, timeout: float) -> None:
        self.path = path
        self.name = str(path)
        self.timeout = timeout

    def exists(self) -> bool:
        return self.path.exists()

    def holding_writes(self, threads: int | None) -> AbstractContextManager[None]:
        return holding(self.path, self._open_writer, threads)

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        held = held_connection(self.path)
        if held is not None:
            yield held
            return
        with self._open_writer() as con:
            yield con

    def transact(self, work: Callable[[Connection], T], /) -> T:
        try:
            return self._transact_once(work)
        except duckdb.OutOfMemoryException:
            if not lift_memory_limit(self.path):
                raise
            return self._transact_once(work)

    def _transact_once(self, work: Callable[[Connection], T], /) -> T:
        with self.writing() as con:
            con.begin()
            try:
                result = work(con)
            except BaseException:
                con.rollback()
                raise
            con.commit()
            return result

    @contextmanager
    def _open_writer(self) -> Iterator[Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with file_lock(self.path, exclusive=True, timeout=self.timeout):
            con = connect_waiting(self.path, read_only=False, timeout=self.timeout)
            try:
                con.execute("SET TimeZone = 'UTC'")
                con.execute(f"SET disabled_compression_methods = '{DISABLED_COMPRESSION}'")
                migrate(con, self.name)
                yield con
            finally:
                with shielded():
                    con.close()

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """Read-only; a file written by an older newsflow is first upgraded, so reads see today's tables."""
        held = held_connection(self.path)
        if held is not None:
            yield held
            return
        if not self.path.exists():
            raise DatabaseMissingError(self.name)
        with self._read_only_connection() as con:  # one connection when no upgrade is due: 40-50 ms less
            found = self._schema_version(con)
            if found > LATEST_VERSION:
                raise SchemaVersionError(self.name, found, LATEST_VERSION)
            if found == LATEST_VERSION:
                yield con
                return
        with self.writing():
            pass
        with self._read_only_connection() as con:
            yield con

    @contextmanager
    def _read_only_connection(self) -> Iterator[Connection]:
        with file_lock(self.path, exclusive=False, timeout=self.timeout):
            con = connect_waiting(self.path, read_only=True, timeout=self.timeout)
            try:
                con.execute("SET TimeZone = 'UTC'")
                yield con
            finally:
                with shielded():
                    con.close()

    def _schema_version(self, con: Connection) -> int:
        try:
            return schema_version(con)
        except duckdb.CatalogException:
            raise StorageError(f"{self.name} is a DuckDB file but not a newsflow database") from None

    def refresh_search_index(self) -> None:
        with self.writing() as con:
            rebuild_search_index(con)

    @contextmanager
    def searching(self) -> Iterator[Connection]:
        """A connection with an up-to-date full-text index.

        The index is rebuilt only when articles were added since it was built: a rebuild costs seconds
        (14 s at 100,000 articles; DuckDB's fts has no incremental update), so it is paid by the search
        that needs it and by maintenance, not by every ingest run.
        """
        with self.reading() as con:
            fresh = search_index_is_fresh(con)
        if not fresh:
            self.refresh_search_index()
        with self.reading() as con:
            yield con

    def run_lease(self, run_id: str, /) -> AbstractContextManager[None]:
        return run_lease(self._lease_folder, run_id)

    def lease_is_free(self, run_id: str, /) -> bool:
        return lease_is_free(self._lease_folder, run_id)

    @property
    def _lease_folder(self) -> Path:
        return self.path.with_name(self.path.name + ".runs")


class LakeConnections:
    """A DuckLake: one attached connection per process, a cursor of it per use.

    Attaching costs about a second (extensions, catalog), so it is done once; cursors share the
    attachment and are safe to use from several threads. There is nothing to hold between batches,
    and no lock to take: concurrent writers are reconciled at commit (storage/lake.py).
    """

    _attached: dict[tuple[int, Lake], Connection] = {}  # by process id too: a forked child attaches anew
    _attaching = threading.Lock()

    def __init__(self, lake: Lake) -> None:
        self.lake = lake
        self.name = lake.display_name

    def exists(self) -> bool:
        return True  # attaching creates an empty lake, and the first write migrates it

    def holding_writes(self, threads: int | None) -> AbstractContextManager[None]:
        return nullcontext()

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        cursor = self._connection().cursor()
        try:
            cursor.execute("USE lake")
            cursor.execute("SET TimeZone = 'UTC'")
            yield cursor
        finally:
            cursor.close()

    reading = writing  # a DuckLake snapshot is consistent without a read-only connection

    def transact(self, work: Callable[[Connection], T], /) -> T:
        with self.writing() as con:
            return commit_with_retries(con, work)

    def refresh_search_index(self) -> None:
        """Nothing to refresh: DuckDB's fts index cannot live in a DuckLake, so `searching` builds one."""

    @contextmanager
    def searching(self) -> Iterator[Connection]:
        """An in-memory copy of the articles with a fresh full-text index, built for this search."""
        with self.reading() as con:
            copy = searchable_copy(con)
        try:
            yield copy
        finally:
            copy.close()

    def run_lease(self, run_id: str, /) -> AbstractContextManager[None]:
        folder = self.lake.lease_folder
        return nullcontext() if folder is None else run_lease(folder, run_id)

    def lease_is_free(self, run_id: str, /) -> bool:
        """On object storage there are no leases: a run is never taken for dead."""
        folder = self.lake.lease_folder
        return folder is not None and lease_is_free(folder, run_id)

    def _connection(self) -> Connection:
        with self._attaching:
            key = (os.getpid(), self.lake)
            con = self._attached.get(key)
            if con is None:
                con = connect(self.lake)
                retry_conflicts(lambda: migrate(con, self.name))
                self._attached[key] = con
            return con
