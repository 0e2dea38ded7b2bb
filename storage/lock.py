"""Waiting for the database instead of failing on it.

DuckDB lets one process write a file and refuses a second at once ("Could not set lock on file").
newsflow processes coordinate through an advisory lock file beside the database: writers take it
exclusively, readers shared, and both wait up to a timeout. Processes that are not newsflow (the DuckDB
CLI, a notebook) do not take it, so opening the database is also retried while DuckDB reports a lock.
"""

from __future__ import annotations

import fcntl
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import duckdb

from storage.errors import DatabaseBusyError
from storage.shield import shielded

DEFAULT_LOCK_TIMEOUT = 120.0  # seconds; the run settings may change it (NEWSFLOW_LOCK_TIMEOUT)
_POLL_SECONDS = 0.05
T = TypeVar("T")


@contextmanager
def file_lock(db_path: Path, *, exclusive: bool, timeout: float) -> Iterator[None]:
    """Hold the advisory lock beside `db_path` for the duration of the block.

    A process that has to wait for it says so (`someone_waits`) for as long as it waits, so that a run
    holding the database hands it back only when somebody is waiting (storage/session.py).
    """
    lock_path = db_path.with_name(db_path.name + ".lock")
    mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
    with lock_path.open("a") as handle:
        try:
            fcntl.flock(handle, mode | fcntl.LOCK_NB)
        except BlockingIOError:
            with _waiting(db_path):
                _wait_for(lambda: fcntl.flock(handle, mode | fcntl.LOCK_NB), BlockingIOError, db_path, timeout, exclusive)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def someone_waits(db_path: Path) -> bool:
    """Whether a newsflow process is waiting for the lock of `db_path` (`file_lock`)."""
    path = _waiting_path(db_path)
    if not path.exists():
        return False
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


@contextmanager
def _waiting(db_path: Path) -> Iterator[None]:
    """Hold a shared lock on the waiters' file beside `db_path` for the block: any number of processes
    may wait at once, the holder sees them by failing to lock it exclusively, and the kernel drops a
    waiter that dies."""
    with _waiting_path(db_path).open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _waiting_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".waiting")


@contextmanager
def run_lease(folder: Path, run_id: str) -> Iterator[None]:
    """Hold a lock for as long as this process runs `run_id`; the kernel drops it when the process dies.

    A `running` run whose lease another process can take is dead (killed, or its machine went down):
    see `lease_is_free`.
    """
    path = folder / run_id
    folder.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            path.unlink(missing_ok=True)
            fcntl.flock(handle, fcntl.LOCK_UN)


def lease_is_free(folder: Path, run_id: str) -> bool:
    """Whether no process holds the lease of `run_id` (its lease file is removed if so)."""
    path = folder / run_id
    folder.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        path.unlink(missing_ok=True)
        fcntl.flock(handle, fcntl.LOCK_UN)
        return True


def connect_waiting(db_path: Path, *, read_only: bool, timeout: float) -> duckdb.DuckDBPyConnection:
    """Open DuckDB, retrying while another (non-newsflow) process holds its file lock. Each attempt is
    shielded from stop requests (storage/shield.py); the waiting between attempts is not."""

    def attempt() -> duckdb.DuckDBPyConnection:
        try:
            with shielded():
                return duckdb.connect(str(db_path), read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise BlockingIOError(str(exc)) from exc
            raise

    return _wait_for(attempt, BlockingIOError, db_path, timeout, not read_only)


def _wait_for(
    attempt: Callable[[], T], busy: type[Exception], db_path: Path, timeout: float, writing: bool
) -> T:
    started = time.monotonic()
    while True:
        try:
            return attempt()
        except busy:
            waited = time.monotonic() - started
            if waited >= timeout:
                raise DatabaseBusyError(str(db_path), waited, writing=writing) from None
            time.sleep(_POLL_SECONDS)
