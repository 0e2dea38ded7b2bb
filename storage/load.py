"""Bulk load of one prepared batch, inside the caller's transaction.

Records become Arrow tables, registered with DuckDB, and every insert is one `INSERT ... SELECT` over
them: no row-by-row inserts. Within the transaction: new articles (each starting as its own story),
documents for every item, agency tags and name variants for the articles, the new articles' story
sketches, decisions and merges, quarantine rows, and the run's counters. A crash leaves all of it or none.
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import pyarrow as pa

from ingest.fingerprint import FINGERPRINT_VERSION
from ingest.name_aliases import NameAliases
from ingest.records import Batch
from ingest.stories import StoryThresholds
from storage.arrow import registered
from storage.files_seen import record_files
from storage.linking import link_articles
from storage.runs import BatchCounts, count_batch

ARTICLE_ID_HEX = 16  # article_id is this many leading hex digits of the body fingerprint


def article_id_from_key(body_key: str, /) -> str:
    return body_key[:ARTICLE_ID_HEX]


def load_batch(
    con: duckdb.DuckDBPyConnection,
    batch: Batch,
    /,
    *,
    run_id: str,
    now: datetime,
    skip_seen: bool = False,
    unread: int = 0,
    story_thresholds: StoryThresholds,
    aliases: NameAliases,
) -> BatchCounts:
    """Insert a batch and return what it added; the caller holds the transaction.

    With `skip_seen` (feeds, the inbox), an item whose source already sent the same bytes under the same
    key adds no new document: re-fetching an unchanged feed adds no sightings. `unread` counts items the
    caller skipped without reading (inbox files unchanged since last read) as seen and unchanged.
    """
    counts = BatchCounts(seen=unread, new=0, duplicate=0, quarantined=0, unchanged=unread)
    if batch.documents or batch.rejections:  # a feeds group of 304s has nothing to stage or link
        counts = _load_items(con, batch, run_id=run_id, now=now, skip_seen=skip_seen, unread=unread,
                             story_thresholds=story_thresholds, aliases=aliases)
    count_batch(con, run_id, counts)
    record_files(con, batch.seen_files, run_id=run_id, now=now)
    return counts


def _load_items(
    con: duckdb.DuckDBPyConnection,
    batch: Batch,
    /,
    *,
    run_id: str,
    now: datetime,
    skip_seen: bool,
    unread: int,
    story_thresholds: StoryThresholds,
    aliases: NameAliases,
) -> BatchCounts:
    with registered(con, **_arrow_tables(batch)):
        unchanged = _stage_documents(con, skip_seen=skip_seen)
        new = _insert_articles(con, run_id=run_id, now=now)
        _insert_documents(con, run_id=run_id, now=now)
        _insert_evidence(con)
        links_unjudged = _link_new_articles(con, batch, thresholds=story_thresholds, aliases=aliases, run_id=run_id, now=now)
        _touch_stories(con, now=now)
        quarantined = _insert_quarantine(con, run_id=run_id, now=now, skip_seen=skip_seen)
    return BatchCounts(
        seen=len(batch.documents) + len(batch.rejections) + unread,
        new=new,
        duplicate=len(batch.documents) - new - unchanged,
        quarantined=quarantined,
        unchanged=unchanged + len(batch.rejections) - quarantined + unread,
        names_unjudged=links_unjudged + sum(document.article.names_unjudged for document in batch.documents),
    )


def _arrow_tables(batch: Batch) -> dict[str, pa.Table]:
    docs = batch.documents
    articles = [d.article for d in docs]
    return {
        "arrow_documents": pa.table(
            {
                "ord": pa.array(range(len(docs)), pa.int64()),
                "article_id": [article_id_from_key(a.body_key) for a in articles],
                "source_kind": [d.source_kind for d in docs],
                "source_uri": [d.source_uri for d in docs],
                "item_key": [d.item_key for d in docs],
                "raw_sha256": [d.raw_sha256 for d in docs],
                "raw_encoding": [d.encoding for d in docs],
                "raw_encoding_source": pa.array([d.encoding_source for d in docs], pa.string()),
                "raw_encoding_confidence": pa.array([d.encoding_confidence for d in docs], pa.float64()),
                "raw_text": pa.array([d.raw_text for d in docs], pa.large_string()),
                "title": [a.title for a in articles],
                "lede": [a.lede for a in articles],
                "body": pa.array([a.body for a in articles], pa.large_string()),
                "dateline": pa.array([a.dateline for a in articles], pa.string()),
                "credit": pa.array([a.credit for a in articles], pa.string()),
                "published_at": pa.array([a.published_at for a in articles], pa.timestamp("us", tz="UTC")),
                "url": pa.array([a.url for a in articles], pa.string()),
                "language": pa.array([a.language for a in articles], pa.string()),
                "language_source": pa.array([a.language_source for a in articles], pa.string()),
                "language_confidence": pa.array([a.language_confidence for a in articles], pa.float64()),
                "source_name": pa.array([a.source_name for a in articles], pa.string()),
                "word_count": pa.array([a.word_count for a in articles], pa.int32()),
                "full_text_status": pa.array([d.full_text_status for d in docs], pa.string()),
            }
        ),
        "batch_tags": pa.table(
            {
                "ord": pa.array([i for i, a in enumerate(articles) for _ in a.agency_tags], pa.int64()),
                "agency": pa.array([t.agency for a in articles for t in a.agency_tags], pa.string()),
                "role": pa.array([t.role for a in articles for t in a.agency_tags], pa.string()),
                "matched_text": pa.array([t.matched_text for a in articles for t in a.agency_tags], pa.string()),
            }
        ),
        "batch_variants": pa.table(
            {
                "ord": pa.array([i for i, a in enumerate(articles) for _ in a.name_variants], pa.int64()),
                "variant": pa.array([v.variant for a in articles for v in a.name_variants], pa.string()),
                "canonical": pa.array([v.canonical for a in articles for v in a.name_variants], pa.string()),
                "evidence": pa.array([v.evidence for a in articles for v in a.name_variants], pa.string()),
                "applied": pa.array([v.applied for a in articles for v in a.name_variants], pa.bool_()),
                "occurrences": pa.array([v.occurrences for a in articles for v in a.name_variants], pa.int32()),
                "detail": pa.array([v.detail for a in articles for v in a.name_variants], pa.string()),
            }
        ),
        "batch_rejections": pa.table(
            {
                "ord": pa.array(range(len(batch.rejections)), pa.int64()),
                "source_kind": pa.array([r.source_kind for r in batch.rejections], pa.string()),
                "source_uri": pa.array([r.source_uri for r in batch.rejections], pa.string()),
                "item_key": pa.array([r.item_key for r in batch.rejections], pa.string()),
                "reason": pa.array([r.reason for r in batch.rejections], pa.string()),
                "detail": pa.array([r.detail for r in batch.rejections], pa.string()),
                "sample": pa.array([r.sample for r in batch.rejections], pa.binary()),
                "size_bytes": pa.array([r.size_bytes for r in batch.rejections], pa.int64()),
            }
        ),
    }


def _stage_documents(con: duckdb.DuckDBPyConnection, *, skip_seen: bool) -> int:
    """Copy the batch into `batch_documents`, leaving out already-stored items when asked; return how many."""
    unseen = """
        WHERE NOT EXISTS (
            SELECT 1 FROM documents d
            WHERE d.source_uri = b.source_uri AND d.item_key = b.item_key AND d.raw_sha256 = b.raw_sha256
        )
        QUALIFY row_number() OVER (PARTITION BY source_uri, item_key, raw_sha256 ORDER BY ord) = 1
    """
    con.execute(f"CREATE OR REPLACE TEMP TABLE batch_documents AS SELECT * FROM arrow_documents b {unseen if skip_seen else ''}")
    row = con.execute("SELECT (SELECT count(*) FROM arrow_documents) - (SELECT count(*) FROM batch_documents)").fetchone()
    return int(row[0]) if row else 0


def _insert_articles(con: duckdb.DuckDBPyConnection, *, run_id: str, now: datetime) -> int:
    """Create the batch's new articles, each with its own one-article story; return how many."""
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE batch_new_articles AS
        SELECT * FROM batch_documents b
        WHERE NOT EXISTS (SELECT 1 FROM articles a WHERE a.article_id = b.article_id)
        QUALIFY row_number() OVER (PARTITION BY article_id ORDER BY ord) = 1
        """
    )
    con.execute(
        """
        INSERT INTO articles BY NAME
        SELECT article_id, article_id AS story_id, title, lede, body, dateline, credit, published_at, url,
               language, language_source, language_confidence, source_name, word_count, $now AS first_seen_at, $run_id AS first_run_id,
               $version AS fingerprint_version
        FROM batch_new_articles
        """,
        {"now": now, "run_id": run_id, "version": FINGERPRINT_VERSION},
    )
    con.execute(
        """
        INSERT INTO stories BY NAME
        SELECT article_id AS story_id, article_id AS representative_article_id, 1 AS article_count,
               $now AS first_seen_at, $now AS last_seen_at
        FROM batch_new_articles
        """,
        {"now": now},
    )
    row = con.execute("SELECT count(*) FROM batch_new_articles").fetchone()
    return int(row[0]) if row else 0


def _insert_documents(con: duckdb.DuckDBPyConnection, *, run_id: str, now: datetime) -> None:
    """Ids continue from the largest stored one in batch order, so they follow arrival order.

    Safe because a write transaction runs under the writers' exclusive lock (storage/lock.py).
    """
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE batch_document_ids AS
        SELECT ord, (SELECT coalesce(max(document_id), 0) FROM documents) + row_number() OVER (ORDER BY ord)
                    AS document_id,
               article_id
        FROM batch_documents
        """
    )
    con.execute(
        """
        INSERT INTO documents BY NAME
        SELECT i.document_id, b.article_id, $run_id AS run_id, b.source_kind, b.source_uri, b.item_key,
               b.title, b.credit, $now AS ingested_at, b.raw_sha256, b.raw_encoding, b.raw_text,
               b.full_text_status, b.raw_encoding_source, b.raw_encoding_confidence
        FROM batch_documents b JOIN batch_document_ids i USING (ord)
        """,
        {"run_id": run_id, "now": now},
    )


def _insert_evidence(con: duckdb.DuckDBPyConnection) -> None:
    """Tags and variants keyed by article: a duplicate copy adds only what the article lacked."""
    con.execute(
        """
        INSERT INTO agency_tags BY NAME
        SELECT i.article_id, t.agency, t.role, t.matched_text, i.document_id
        FROM batch_tags t JOIN batch_document_ids i USING (ord)
        WHERE NOT EXISTS (
            SELECT 1 FROM agency_tags a
            WHERE a.article_id = i.article_id AND a.agency = t.agency AND a.role = t.role
        )
        QUALIFY row_number() OVER (PARTITION BY i.article_id, t.agency, t.role ORDER BY t.ord) = 1
        """
    )
    con.execute(
        """
        INSERT INTO name_variants BY NAME
        SELECT i.article_id, v.variant, v.canonical, v.evidence, v.applied, v.occurrences, v.detail, i.document_id
        FROM batch_variants v JOIN batch_document_ids i USING (ord)
        WHERE NOT EXISTS (
            SELECT 1 FROM name_variants n
            WHERE n.article_id = i.article_id AND n.variant = v.variant AND n.canonical = v.canonical
        )
        QUALIFY row_number() OVER (PARTITION BY i.article_id, v.variant, v.canonical ORDER BY v.ord) = 1
        """
    )


def _link_new_articles(
    con: duckdb.DuckDBPyConnection,
    batch: Batch,
    *,
    thresholds: StoryThresholds,
    aliases: NameAliases,
    run_id: str,
    now: datetime,
) -> int:
    """Stories and names of the batch's new articles (`storage.linking`); returns failed name judgments."""
    new = con.execute("SELECT ord, article_id FROM batch_new_articles ORDER BY ord").fetchall()
    if not new:
        return 0
    articles = [batch.documents[ord_].article for ord_, _ in new]
    ids = [str(article_id) for _, article_id in new]
    return link_articles(con, ids, [article.sketch for article in articles], [article.person_names for article in articles],
                         thresholds=thresholds, aliases=aliases, run_id=run_id, now=now)


def _touch_stories(con: duckdb.DuckDBPyConnection, *, now: datetime) -> None:
    con.execute(
        """
        UPDATE stories SET last_seen_at = $now
        WHERE story_id IN (
            SELECT a.story_id FROM articles a JOIN batch_documents b USING (article_id)
        )
        """,
        {"now": now},
    )


def _insert_quarantine(con: duckdb.DuckDBPyConnection, *, run_id: str, now: datetime, skip_seen: bool) -> int:
    """Quarantine the batch's rejections; with `skip_seen`, not those already quarantined with the same bytes."""
    unseen = """
        WHERE NOT EXISTS (
            SELECT 1 FROM quarantine q
            WHERE q.source_uri = r.source_uri AND q.item_key = r.item_key AND q.sample = r.sample
        )
    """
    row = con.execute(
        f"""
        INSERT INTO quarantine BY NAME
        SELECT (SELECT coalesce(max(quarantine_id), 0) FROM quarantine) + row_number() OVER (ORDER BY ord)
                   AS quarantine_id,
               $run_id AS run_id, source_kind, source_uri,
               item_key, reason, detail, sample, size_bytes, $now AS quarantined_at
        FROM batch_rejections r {unseen if skip_seen else ''}
        """,
        {"run_id": run_id, "now": now},
    ).fetchone()
    return int(row[0]) if row else 0
