"""The `files_seen` table: each local file as it was when last read, so the inbox reads only changes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import duckdb
import pyarrow as pa

from ingest.records import SeenFile
from storage.arrow import registered


def unchanged_files(con: duckdb.DuckDBPyConnection, files: Sequence[tuple[str, int, datetime]], /) -> set[str]:
    """Paths whose size and modification time are as when they were last read."""
    table = pa.table(
        {
            "path": pa.array([f[0] for f in files], pa.string()),
            "size_bytes": pa.array([f[1] for f in files], pa.int64()),
            "modified_at": pa.array([f[2] for f in files], pa.timestamp("us", tz="UTC")),
        }
    )
    with registered(con, candidate_files=table):
        rows = con.execute(
            "SELECT c.path FROM candidate_files c JOIN files_seen f USING (path, size_bytes, modified_at)"
        ).fetchall()
    return {str(row[0]) for row in rows}


def record_files(con: duckdb.DuckDBPyConnection, files: Sequence[SeenFile], /, *, run_id: str, now: datetime) -> None:
    """Remember the files a batch read, in the batch's transaction."""
    if not files:
        return
    table = pa.table(
        {
            "path": pa.array([f.path for f in files], pa.string()),
            "size_bytes": pa.array([f.size_bytes for f in files], pa.int64()),
            "modified_at": pa.array([f.modified_at for f in files], pa.timestamp("us", tz="UTC")),
            "sha256": pa.array([f.sha256 for f in files], pa.string()),
        }
    )
    with registered(con, arrow_seen_files=table):
        con.execute(
            """
            MERGE INTO files_seen f
            USING (SELECT * FROM arrow_seen_files QUALIFY row_number() OVER (PARTITION BY path) = 1) s
            ON f.path = s.path
            WHEN MATCHED THEN UPDATE SET size_bytes = s.size_bytes, modified_at = s.modified_at, sha256 = s.sha256,
                                         last_run_id = $run_id, last_read_at = $now
            WHEN NOT MATCHED THEN INSERT (path, size_bytes, modified_at, sha256, last_run_id, last_read_at)
                                  VALUES (s.path, s.size_bytes, s.modified_at, s.sha256, $run_id, $now)
            """,
            {"run_id": run_id, "now": now},
        )
