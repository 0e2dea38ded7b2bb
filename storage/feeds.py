"""Feed state: which feeds exist, which are due, what the last fetch found.

The `feeds` table is the memory between polls: validators to send back (ETag, Last-Modified), the
last body's hash (for servers that ignore validators), failures and the next due time. Statements
run inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pyarrow as pa

from ingest.records import FeedConfig, FeedState, FeedUpdate
from storage.arrow import registered


def register_feeds(con: duckdb.DuckDBPyConnection, feeds: Sequence[FeedConfig], /, *, now: datetime) -> None:
    """Add new feeds (due at once) and refresh the settings of known ones; fetch state is kept.

    The config's settings win over the table's (a feed paused in the table but not in the config is
    polled again), and a removed feed that is configured again is back in the list."""
    table = pa.table(
        {
            "url": pa.array([f.url for f in feeds], pa.string()),
            "name": pa.array([f.name for f in feeds], pa.string()),
            "tags": pa.array([list(f.tags) for f in feeds], pa.list_(pa.string())),
            "full_text": pa.array([f.full_text for f in feeds], pa.bool_()),
            "allow_private_links": pa.array([f.allow_private_links for f in feeds], pa.bool_()),
            "paused": pa.array([f.paused for f in feeds], pa.bool_()),
        }
    )
    with registered(con, config_feeds=table):
        con.execute(
            """
            INSERT INTO feeds (url, name, tags, full_text, allow_private_links, paused, added_at, next_fetch_at,
                               consecutive_failures)
            SELECT url, name, tags, full_text, allow_private_links, paused, $now, $now, 0
            FROM config_feeds c
            WHERE NOT EXISTS (SELECT 1 FROM feeds f WHERE f.url = c.url)
            QUALIFY row_number() OVER (PARTITION BY url) = 1
            """,
            {"now": now},
        )
        con.execute(
            """
            UPDATE feeds SET name = c.name, tags = c.tags, full_text = c.full_text,
                             allow_private_links = c.allow_private_links, paused = c.paused, removed_at = NULL
            FROM (SELECT * FROM config_feeds QUALIFY row_number() OVER (PARTITION BY url) = 1) c
            WHERE feeds.url = c.url
            """
        )


def due_feeds(
    con: duckdb.DuckDBPyConnection, urls: Sequence[str], /, *, now: datetime, force: bool
) -> list[FeedState]:
    """The listed feeds whose next fetch time has come (all of them with `force`), never a paused one.

    Feeds that failed last time come first, then the slowest last time: a failing feed's retries
    wait outside their fetch slot, and a slow feed holds its slot for long, so started early both
    overlap the quick feeds instead of trailing the run (longest first keeps a run's end short
    whatever the order of the list). A slow feed fetched last would otherwise stay last: its next
    due time follows its fetch."""
    rows = con.execute(
        """
        SELECT url, etag, last_modified, body_sha256, consecutive_failures, full_text, allow_private_links
        FROM feeds
        WHERE list_contains($urls, url) AND NOT coalesce(paused, false)
          AND ($force OR next_fetch_at IS NULL OR next_fetch_at <= $now)
        ORDER BY consecutive_failures > 0 DESC, last_fetch_seconds DESC NULLS LAST, next_fetch_at NULLS FIRST, url
        """,
        {"urls": list(urls), "now": now, "force": force},
    ).fetchall()
    return [FeedState(r[0], r[1], r[2], r[3], int(r[4] or 0), bool(r[5]), bool(r[6])) for r in rows]


def update_feeds(con: duckdb.DuckDBPyConnection, updates: Sequence[FeedUpdate], /) -> None:
    """Write each fetch's outcome: validators and hash on success, failures counted, next due time."""
    if not updates:
        return
    table = pa.table(
        {
            "url": pa.array([u.url for u in updates], pa.string()),
            "fetched_at": pa.array([u.fetched_at for u in updates], pa.timestamp("us", tz="UTC")),
            "status": pa.array([u.status for u in updates], pa.int32()),
            "ok": pa.array([u.ok for u in updates], pa.bool_()),
            "etag": pa.array([u.etag for u in updates], pa.string()),
            "last_modified": pa.array([u.last_modified for u in updates], pa.string()),
            "body_sha256": pa.array([u.body_sha256 for u in updates], pa.string()),
            "next_fetch_at": pa.array([u.next_fetch_at for u in updates], pa.timestamp("us", tz="UTC")),
            "error": pa.array([u.error for u in updates], pa.string()),
            "warning": pa.array([u.warning for u in updates], pa.string()),
            "title": pa.array([u.title for u in updates], pa.string()),
            "entries": pa.array([u.entries for u in updates], pa.int32()),
            "seconds": pa.array([u.fetch_seconds for u in updates], pa.float64()),
        }
    )
    with registered(con, feed_updates=table):
        con.execute(
            """
            UPDATE feeds SET
                last_status = u.status,
                last_fetched_at = u.fetched_at,
                last_fetch_seconds = u.seconds,
                next_fetch_at = u.next_fetch_at,
                etag = CASE WHEN u.ok THEN coalesce(u.etag, feeds.etag) ELSE feeds.etag END,
                last_modified = CASE WHEN u.ok THEN coalesce(u.last_modified, feeds.last_modified) ELSE feeds.last_modified END,
                body_sha256 = CASE WHEN u.ok THEN coalesce(u.body_sha256, feeds.body_sha256) ELSE feeds.body_sha256 END,
                consecutive_failures = CASE WHEN u.ok THEN 0 ELSE feeds.consecutive_failures + 1 END,
                last_error = CASE WHEN u.ok THEN NULL ELSE u.error END,
                last_warning = CASE WHEN u.ok THEN u.warning ELSE feeds.last_warning END,
                last_success_at = CASE WHEN u.ok THEN u.fetched_at ELSE feeds.last_success_at END,
                title = coalesce(u.title, feeds.title),
                last_entry_count = coalesce(u.entries, feeds.last_entry_count)
            FROM feed_updates u
            WHERE feeds.url = u.url
            """
        )


@dataclass(frozen=True)
class FeedRow:
    """One feed as `newsflow feeds list` shows it."""

    url: str
    name: str | None  # the configured name, else the feed's own title
    tags: tuple[str, ...]
    paused: bool
    removed_at: datetime | None  # set once `newsflow feeds remove` took it out of the list
    last_status: int | None
    last_fetched_at: datetime | None
    consecutive_failures: int
    last_error: str | None
    documents: int  # documents stored from it


def feed_rows(con: duckdb.DuckDBPyConnection, /) -> list[FeedRow]:
    """Every feed the table knows, removed ones too, by URL."""
    rows = con.execute(
        """
        SELECT f.url, coalesce(f.name, f.title), coalesce(f.tags, []), coalesce(f.paused, false), f.removed_at,
               f.last_status, f.last_fetched_at, f.consecutive_failures, f.last_error,
               (SELECT count(*) FROM documents d WHERE d.source_uri = f.url)
        FROM feeds f ORDER BY f.url
        """
    ).fetchall()
    return [FeedRow(r[0], r[1], tuple(r[2]), bool(r[3]), r[4], r[5], r[6], int(r[7] or 0), r[8], int(r[9])) for r in rows]


def set_paused(con: duckdb.DuckDBPyConnection, url: str, /, *, paused: bool) -> None:
    con.execute("UPDATE feeds SET paused = $paused WHERE url = $url", {"url": url, "paused": paused})


def mark_removed(con: duckdb.DuckDBPyConnection, url: str, /, *, now: datetime) -> None:
    """Take a feed out of the list; its row (fetch history) and its documents stay."""
    con.execute("UPDATE feeds SET removed_at = $now WHERE url = $url AND removed_at IS NULL", {"url": url, "now": now})
