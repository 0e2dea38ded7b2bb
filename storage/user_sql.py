"""The statements of a user's `newsflow sql` text: split by DuckDB's own parser, refused unless they read.

A DuckDB file is opened read-only for `newsflow sql`, but a read-only connection still writes files
(`COPY ... TO`, `EXPORT DATABASE`, `EXPLAIN ANALYZE COPY ...`) and attaches other databases. So only
statements that read are let through, each checked before any runs.
"""

from __future__ import annotations

import re

import duckdb

from storage.errors import QueryError

_EXPLAIN = re.compile(r"\s*EXPLAIN\s+(?:ANALY[SZ]E\s+)?(?P<rest>.*)", re.IGNORECASE | re.DOTALL)
READS = "SELECT, WITH, FROM, VALUES, DESCRIBE, SHOW, SUMMARIZE, PRAGMA, EXPLAIN"


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
