"""Storage errors, on the same base as ingest's so the CLI reports both the same way, and the one
place DuckDB's own errors are translated."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

import duckdb

from ingest.errors import NewsflowError

P = ParamSpec("P")
T = TypeVar("T")


class StorageError(NewsflowError):
    """The database could not do what was asked; the message says what to do about it."""


class DatabaseBusyError(StorageError, TimeoutError):
    """Another process held the database for longer than the lock timeout."""

    def __init__(self, path: str, waited: float, *, writing: bool) -> None:
        action = "write to" if writing else "read"
        super().__init__(
            f"could not {action} {path}: another process has held it for {waited:.0f} s; "
            "wait for that run to finish, or raise NEWSFLOW_LOCK_TIMEOUT (seconds)"
        )
        self.path = path
        self.waited = waited


class DatabaseMissingError(StorageError, FileNotFoundError):
    """A read was asked of a database file that does not exist."""

    def __init__(self, path: str) -> None:
        super().__init__(f"no database at {path}; ingest something first (newsflow ingest files PATH) or pass --db")
        self.path = path


class SchemaVersionError(StorageError):
    """The database was written by a newer newsflow than this one."""

    def __init__(self, path: str, found: int, known: int) -> None:
        super().__init__(
            f"{path} has schema version {found}, but this newsflow knows versions up to {known}; upgrade newsflow"
        )
        self.found = found
        self.known = known


class QueryError(StorageError, ValueError):
    """A user's SQL failed; carries DuckDB's own message."""


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
