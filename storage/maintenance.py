"""Database upkeep: the full-text index, checkpoints, Parquet snapshots.

The full-text index is DuckDB's `fts` extension, loaded from the `duckdb-extension-fts` wheel so that
nothing is downloaded at run time. It indexes `articles` (title and body); rebuilding it after ingest
keeps searches from returning articles that no longer exist.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import duckdb_extension_fts

from storage.extensions import load_extension, sql_literal

PARTITION_COLUMNS = {
    # table -> the timestamp column whose date partitions its export (tables that grow by day)
    "articles": "first_seen_at",
    "documents": "ingested_at",
    "stories": "first_seen_at",
    "quarantine": "quarantined_at",
    "runs": "started_at",
}


def load_fts(con: duckdb.DuckDBPyConnection, /) -> None:
    """Load the fts extension from the installed wheel (offline)."""
    load_extension(con, duckdb_extension_fts, "fts")


def rebuild_search_index(con: duckdb.DuckDBPyConnection, /) -> None:
    """(Re)create the BM25 index over articles' titles and bodies."""
    load_fts(con)
    con.execute("PRAGMA create_fts_index('articles', 'article_id', 'title', 'body', overwrite=1)")


def checkpoint(con: duckdb.DuckDBPyConnection, /) -> None:
    """Write the WAL into the database file, so readers and backups see one file."""
    con.execute("FORCE CHECKPOINT")


def exported_tables(con: duckdb.DuckDBPyConnection, /) -> list[str]:
    """Every table of the database, from its catalog: a table added by a migration is exported too.

    Views are left out: each is a query over these tables (docs/schema.md), so it can be run over the
    Parquet files as well. The search index's tables (schema `fts_main_articles`) are rebuilt, not exported.
    """
    rows = con.execute(
        """
        SELECT table_name FROM duckdb_tables()
        WHERE database_name = current_database() AND schema_name = current_schema() AND NOT temporary
        ORDER BY table_name
        """
    ).fetchall()
    return [str(row[0]) for row in rows]


def export_parquet(con: duckdb.DuckDBPyConnection, folder: Path, /) -> dict[str, Path]:
    """Write every table as Parquet under `folder/<table>/`, dated tables partitioned by `day=`.

    What an earlier export left in `folder/<table>/` is replaced, so the folder holds one export.
    """
    written = {}
    folder.mkdir(parents=True, exist_ok=True)
    for table in exported_tables(con):
        target = folder / table
        column = PARTITION_COLUMNS.get(table)
        if column:
            con.execute(
                f"COPY (SELECT *, CAST({column} AS DATE) AS day FROM {table}) TO {sql_literal(str(target))} "
                "(FORMAT parquet, PARTITION_BY (day), OVERWRITE true)"
            )
        else:
            target.mkdir(parents=True, exist_ok=True)
            con.execute(f"COPY {table} TO {sql_literal(str(target / 'data.parquet'))} (FORMAT parquet)")
        written[table] = target
    return written
