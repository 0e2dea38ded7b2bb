"""Full-text search over articles, ranked by BM25 (DuckDB's fts extension).

The index is a snapshot of `articles` taken when it was (re)built: by the maintenance flow, and by a
search that finds articles the index does not cover yet. Hits are joined back to `articles`, so a search never returns
an article that no longer exists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import duckdb

from storage.maintenance import load_fts, rebuild_search_index

SNIPPET_CHARS = 220
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class SearchHit:
    article_id: str
    score: float
    title: str
    published_at: datetime | None
    first_seen_at: datetime
    agencies: list[str]  # "AFP:cited", "REUTERS:dateline", ...
    snippet: str  # the passage of the body that holds most query words


def search_index_is_fresh(con: duckdb.DuckDBPyConnection, /) -> bool:
    """Whether the index covers every article (articles are only ever added, never changed or removed)."""
    row = con.execute(
        "SELECT count(*) FROM duckdb_schemas() WHERE schema_name = 'fts_main_articles'"
    ).fetchone()
    if not (row and row[0]):
        return False
    row = con.execute(
        "SELECT (SELECT count(*) FROM fts_main_articles.docs) = (SELECT count(*) FROM articles)"
    ).fetchone()
    return bool(row and row[0])


def searchable_copy(con: duckdb.DuckDBPyConnection, /) -> duckdb.DuckDBPyConnection:
    """An in-memory database holding what a search reads (articles, agency tags), indexed.

    For a DuckLake, which cannot hold the fts index's tables; the copy costs about as much as a
    rebuild of the index in a DuckDB file.
    """
    copy = duckdb.connect()
    for table in ("articles", "agency_tags"):
        rows = con.execute(f"SELECT * FROM {table}").to_arrow_table()
        copy.register("copied", rows)
        copy.execute(f"CREATE TABLE {table} AS SELECT * FROM copied")
        copy.unregister("copied")
    rebuild_search_index(copy)
    return copy


def search_articles(con: duckdb.DuckDBPyConnection, query: str, /, *, limit: int) -> list[SearchHit]:
    load_fts(con)
    rows = con.execute(
        """
        WITH scored AS (
            SELECT article_id, fts_main_articles.match_bm25(article_id, $query) AS score FROM articles
        )
        SELECT a.article_id, s.score, a.title, a.published_at, a.first_seen_at, a.body,
               coalesce((SELECT list(t.agency || ':' || t.role ORDER BY t.agency, t.role)
                         FROM agency_tags t WHERE t.article_id = a.article_id), []) AS agencies
        FROM scored s JOIN articles a USING (article_id)
        WHERE s.score IS NOT NULL
        ORDER BY s.score DESC, a.first_seen_at
        LIMIT $limit
        """,
        {"query": query, "limit": limit},
    ).fetchall()
    words = {w.casefold() for w in re.findall(r"\w+", query)}
    return [
        SearchHit(str(r[0]), float(r[1]), str(r[2]), r[3], r[4], [str(a) for a in r[6]], _snippet(str(r[5]), words))
        for r in rows
    ]


def _snippet(body: str, words: set[str]) -> str:
    sentences = _SENTENCE.split(body.replace("\n\n", " "))
    best = max(sentences, key=lambda s: len(words & {w.casefold() for w in re.findall(r"\w+", s)}), default="")
    return best if len(best) <= SNIPPET_CHARS else best[: SNIPPET_CHARS - 1] + "…"
