"""A user's SQL (`newsflow sql`, `Database.query`): split by DuckDB's own parser, refused unless it
reads, run read-only, errors as one line.

A DuckDB file is opened read-only for `newsflow sql`, but a read-only connection still writes files
(`COPY ... TO`, `EXPORT DATABASE`, `EXPLAIN ANALYZE COPY ...`) and attaches other databases. So only
statements that read are let through, each checked before any runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import duckdb

from storage.errors import QueryError

_EXPLAIN = re.compile(r"\s*EXPLAIN\s+(?:ANALY[SZ]E\s+)?(?P<rest>.*)", re.IGNORECASE | re.DOTALL)
READS = "SELECT, WITH, FROM, VALUES, DESCRIBE, SHOW, SUMMARIZE, PRAGMA, EXPLAIN"


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


def read_statements(sql: str, /) -> list[str]:
    """Each statement of `sql`, in order; QueryError if there is none or one could change anything."""
    statements = _statements(sql)
    if not statements:
        raise QueryError("no SQL statement given, e.g. newsflow sql \"SELECT count(*) FROM articles\"")
    for kind, text in statements:
        if not _reads(kind, text):
            first_word = text.split(None, 1)[0].upper()
            raise QueryError(
                f"newsflow sql only reads ({READS}); {first_word} is refused: "
                "`newsflow export` writes Parquet, and `duckdb` itself opens the file for anything else"
            )
    return [text.strip() for _, text in statements]


def _statements(sql: str) -> list[tuple[duckdb.StatementType, str]]:
    try:
        return [(statement.type, statement.query) for statement in duckdb.connect().extract_statements(sql)]
    except duckdb.Error as exc:
        raise QueryError(" ".join(str(exc).split("\n\n")[0].split())) from exc


def _reads(kind: duckdb.StatementType, text: str) -> bool:
    if kind == duckdb.StatementType.SELECT:
        return True
    explained = _EXPLAIN.fullmatch(text)
    if kind == duckdb.StatementType.EXPLAIN and explained:
        inner = _statements(explained["rest"])
        return len(inner) == 1 and inner[0][0] == duckdb.StatementType.SELECT
    return False
