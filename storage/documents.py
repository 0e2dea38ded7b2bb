"""Reads of the `documents` table that runs need (its rows are written by `storage.load`)."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb


def stored_item_keys(con: duckdb.DuckDBPyConnection, source_uri: str, item_keys: Sequence[str], /) -> set[str]:
    """Which of these items a source has already delivered (to fetch full text only for new ones)."""
    rows = con.execute(
        "SELECT DISTINCT item_key FROM documents WHERE source_uri = $uri AND list_contains($keys, item_key)",
        {"uri": source_uri, "keys": list(item_keys)},
    ).fetchall()
    return {str(row[0]) for row in rows}
