"""A user's SQL (`newsflow sql`, `Database.query`): run read-only, errors as one line."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import duckdb

from storage.errors import QueryError


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]


def run_query(con: duckdb.DuckDBPyConnection, sql: str, parameters: Mapping[str, Any], /) -> QueryResult:
    """Run `sql`; whatever it would change is rolled back (a DuckDB file is also opened read-only)."""
    with _rolled_back(con):
        try:
            cursor = con.execute(sql, dict(parameters))
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
