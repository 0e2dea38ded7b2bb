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

SNAPSHOT_TABLES = {
    # table -> the timestamp column whose date partitions its snapshot
    "articles": "first_seen_at",
    "documents": "ingested_at",
    "stories": "first_seen_at",
    "quarantine": "quarantined_at",
    "runs": "started_at",
}
UNPARTITIONED_TABLES = ("agency_tags", "name_variants", "feeds")


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


def export_parquet(con: duckdb.DuckDBPyConnection, folder: Path, /) -> dict[str, Path]:
    """Write every table as Parquet under `folder/<table>/`, dated tables partitioned by `day=`."""
    written = {}
    folder.mkdir(parents=True, exist_ok=True)
    for table, column in SNAPSHOT_TABLES.items():
        target = folder / table
        con.execute(
            f"COPY (SELECT *, CAST({column} AS DATE) AS day FROM {table}) TO {sql_literal(str(target))} "
            "(FORMAT parquet, PARTITION_BY (day), OVERWRITE_OR_IGNORE true)"
        )
        written[table] = target
    for table in UNPARTITIONED_TABLES:
        target = folder / table
        target.mkdir(parents=True, exist_ok=True)
        con.execute(f"COPY {table} TO {sql_literal(str(target / 'data.parquet'))} (FORMAT parquet)")
        written[table] = target
    return written
