"""Near-duplicate stories in the database: candidate pairs from stored sketches, decisions, merges.

Each batch's new articles are compared with everything already stored, incrementally: their LSH band
keys and sampled shingles are inserted, and pairs sharing a band key (similar) or most of the shorter
article's sample (contained) become candidates. A candidate whose MinHash estimate comes near a
threshold is verified on the two stored bodies (`ingest.stories.compare_sets`), and the outcome is a
row of `story_decisions`. Stories are the
connected components of merging decisions; a story's id is the smallest article id among its
articles, so the same merging decisions give the same stories in any order of arrival, and
`story_merges` records every id that a merge retired. Which candidates are found can depend on the
order: a sampled shingle stops counting as evidence once more than `MAX_SAMPLE_ARTICLES` stored
articles hold it, counted when a batch is linked (on Reuters-21578, 2,000 or 4,000 files a
transaction record 32 `different` decisions apart, and the same merges).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from ingest.records import StorySketch
from ingest.stories import (
    BANDS,
    MAX_SAMPLE_ARTICLES,
    MERGING_VERDICTS,
    MIN_SHARED_SAMPLE_SHARE,
    MIN_SHARED_SAMPLES,
    SKETCH_VERSION,
    Comparison,
    StoryText,
    StoryThresholds,
    compare_sets,
    merged_stories,
    verification_inputs,
    worth_verifying,
)
from storage.arrow import integer_array, registered


def add_sketches(con: duckdb.DuckDBPyConnection, article_ids: Sequence[str], sketches: Sequence[StorySketch]) -> None:
    """Store the sketches of new articles; `link_new_articles` then compares them with the rest."""
    bands = np.frombuffer(b"".join(s.bands for s in sketches), dtype="<i8")
    samples = np.frombuffer(b"".join(s.samples for s in sketches), dtype="<i8")
    band_counts = [len(s.bands) // 8 for s in sketches]
    sample_counts = [len(s.samples) // 8 for s in sketches]
    ids = pa.array(article_ids, pa.string())
    tables = {
        "arrow_sketches": pa.table(
            {
                "article_id": ids,
                "shingle_count": pa.array([s.shingle_count for s in sketches], pa.int32()),
                "sample_count": pa.array(sample_counts, pa.int32()),
                "signature": pa.array([s.signature for s in sketches], pa.binary()),
            }
        ),
        "arrow_bands": pa.table(
            {
                "article_id": ids.take(integer_array(np.repeat(np.arange(len(ids)), band_counts))),
                "band": integer_array(np.tile(np.arange(BANDS, dtype=np.int8), len(bands) // BANDS)),
                "band_key": integer_array(bands.astype(np.int64)),
            }
        ),
        "arrow_samples": pa.table(
            {
                "article_id": ids.take(integer_array(np.repeat(np.arange(len(ids)), sample_counts))),
                "shingle": integer_array(samples.astype(np.int64)),
            }
        ),
    }
    with registered(con, **tables):
        con.execute(
            "INSERT INTO story_sketches BY NAME SELECT *, $version AS sketch_version FROM arrow_sketches",
            {"version": SKETCH_VERSION},
        )
        con.execute("INSERT INTO story_bands BY NAME SELECT * FROM arrow_bands")
        con.execute("INSERT INTO story_samples BY NAME SELECT * FROM arrow_samples")


def link_new_articles(
    con: duckdb.DuckDBPyConnection,
    article_ids: Sequence[str],
    /,
    *,
    thresholds: StoryThresholds,
    run_id: str | None,
    now: datetime,
) -> int:
    """Decide the candidate pairs of these newly sketched articles and merge stories; return merges."""
    with registered(con, story_new=pa.table({"article_id": pa.array(article_ids, pa.string())})):
        candidates = _candidate_pairs(con)
    pairs = _worth_verifying(con, candidates, thresholds)
    if not pairs:
        return 0
    comparisons = _verify(con, pairs, thresholds)
    _insert_decisions(con, pairs, comparisons, run_id=run_id, now=now)
    merging = [pair for pair, c in zip(pairs, comparisons) if c.verdict in MERGING_VERDICTS]
    return _merge_stories(con, merging, run_id=run_id, now=now)


def _refresh_story_rows(con: duckdb.DuckDBPyConnection, story_ids_sql: str, /) -> None:
    """Recompute count, representative and first seen of the stories `story_ids_sql` selects.

    The representative is the longest article (an update contains what it updates), then the earliest
    published, then the smallest id: it does not depend on the order articles arrived in.
    """
    con.execute(
        f"""
        UPDATE stories s SET article_count = agg.article_count,
               representative_article_id = agg.representative_article_id,
               first_seen_at = least(s.first_seen_at, agg.first_seen_at)
        FROM (
            SELECT story_id, count(*) AS article_count, min(first_seen_at) AS first_seen_at,
                   arg_min(article_id, (-word_count, coalesce(published_at, first_seen_at), article_id))
                       AS representative_article_id
            FROM articles WHERE story_id IN ({story_ids_sql}) GROUP BY story_id
        ) agg
        WHERE s.story_id = agg.story_id
        """
    )


def _candidate_pairs(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """Pairs (smaller id, larger id) with at least one new article: a shared band, or a contained sample."""
    rows = con.execute(
        """
        WITH new_bands AS (
            SELECT b.* FROM story_bands b JOIN story_new USING (article_id)
        ),
        alike AS (
            SELECT DISTINCT least(n.article_id, s.article_id) AS a, greatest(n.article_id, s.article_id) AS b
            FROM new_bands n JOIN story_bands s USING (band, band_key)
            WHERE s.article_id <> n.article_id
        ),
        new_samples AS (
            SELECT s.* FROM story_samples s JOIN story_new USING (article_id)
        ),
        evidence AS (  -- sampled shingles of new articles that are not boilerplate
            SELECT shingle FROM story_samples
            WHERE shingle IN (SELECT shingle FROM new_samples)
            GROUP BY shingle HAVING count(*) <= $max_articles
        ),
        shared AS (  -- an article's samples are distinct: a plain count per (new, other) is the shared count
            SELECT n.article_id AS n_id, s.article_id AS s_id, count(*) AS shared
            FROM new_samples n JOIN story_samples s USING (shingle)
            WHERE s.article_id <> n.article_id AND n.shingle IN (SELECT shingle FROM evidence)
            GROUP BY ALL
        ),
        contained AS (  -- two new articles come once from each side, with the same count; UNION keeps one
            SELECT least(n_id, s_id) AS a, greatest(n_id, s_id) AS b FROM shared
            JOIN story_sketches ka ON ka.article_id = shared.n_id
            JOIN story_sketches kb ON kb.article_id = shared.s_id
            WHERE shared >= $min_shared AND shared >= $min_share * least(ka.sample_count, kb.sample_count)
        )
        SELECT a, b FROM alike UNION SELECT a, b FROM contained ORDER BY a, b
        """,
        {"max_articles": MAX_SAMPLE_ARTICLES, "min_shared": MIN_SHARED_SAMPLES, "min_share": MIN_SHARED_SAMPLE_SHARE},
    ).fetchall()
    return [(str(a), str(b)) for a, b in rows]


def _worth_verifying(
    con: duckdb.DuckDBPyConnection, candidates: list[tuple[str, str]], thresholds: StoryThresholds
) -> list[tuple[str, str]]:
    """Candidates whose MinHash estimate says they may be one story (`ingest.stories.worth_verifying`)."""
    if not candidates:
        return []
    rows = _select_by_ids(
        con, "SELECT article_id, signature, shingle_count FROM story_sketches", {a for pair in candidates for a in pair}
    )
    signature = {str(row[0]): bytes(row[1]) for row in rows}
    shingles = {str(row[0]): int(row[2]) for row in rows}
    return [
        (a, b) for a, b in candidates
        if worth_verifying(signature[a], signature[b], shingles[a], shingles[b], thresholds)
    ]


def _select_by_ids(con: duckdb.DuckDBPyConnection, select: str, ids: set[str]) -> list[tuple[Any, ...]]:
    """Rows of `select` (which has an `article_id` column) for these ids, by a join rather than a scan."""
    with registered(con, arrow_ids=pa.table({"article_id": pa.array(sorted(ids), pa.string())})):
        return con.execute(f"SELECT s.* FROM ({select}) s SEMI JOIN arrow_ids USING (article_id)").fetchall()


def _verify(
    con: duckdb.DuckDBPyConnection, pairs: list[tuple[str, str]], thresholds: StoryThresholds
) -> list[Comparison]:
    """Exact Jaccard and containment from the stored bodies; each body is shingled once."""
    rows = _select_by_ids(con, "SELECT article_id, body, dateline FROM articles", {a for pair in pairs for a in pair})
    inputs = dict(zip((str(r[0]) for r in rows), verification_inputs([StoryText(r[1], r[2]) for r in rows])))
    return [compare_sets(*inputs[a], *inputs[b], thresholds) for a, b in pairs]


def _insert_decisions(
    con: duckdb.DuckDBPyConnection,
    pairs: list[tuple[str, str]],
    comparisons: list[Comparison],
    *,
    run_id: str | None,
    now: datetime,
) -> None:
    table = pa.table(
        {
            "article_id": pa.array([a for a, _ in pairs], pa.string()),
            "other_article_id": pa.array([b for _, b in pairs], pa.string()),
            "jaccard": pa.array([c.jaccard for c in comparisons], pa.float64()),
            "containment": pa.array([c.containment for c in comparisons], pa.float64()),
            "numbers_differ": pa.array([c.numbers_differ for c in comparisons], pa.bool_()),
            "verdict": pa.array([c.verdict for c in comparisons], pa.string()),
        }
    )
    with registered(con, arrow_decisions=table):
        con.execute(
            """
            INSERT INTO story_decisions BY NAME
            SELECT d.*, $run_id AS run_id, $now AS decided_at FROM arrow_decisions d
            ANTI JOIN story_decisions s USING (article_id, other_article_id)
            """,
            {"run_id": run_id, "now": now},
        )


def _merge_stories(
    con: duckdb.DuckDBPyConnection, pairs: list[tuple[str, str]], *, run_id: str | None, now: datetime
) -> int:
    """Merge the stories of merging pairs (`ingest.stories.merged_stories`) in every table that names them."""
    if not pairs:
        return 0
    story_of = dict(_select_by_ids(con, "SELECT article_id, story_id FROM articles", {a for pair in pairs for a in pair}))
    retired = merged_stories([(story_of[a], story_of[b]) for a, b in pairs])
    if not retired:
        return 0
    table = pa.table(
        {
            "story_id": pa.array(list(retired), pa.string()),
            "merged_into": pa.array(list(retired.values()), pa.string()),
        }
    )
    with registered(con, arrow_merges=table):
        con.execute(
            """
            UPDATE stories s SET last_seen_at = greatest(s.last_seen_at, m.last_seen_at),
                   first_seen_at = least(s.first_seen_at, m.first_seen_at)
            FROM (
                SELECT g.merged_into, max(o.last_seen_at) AS last_seen_at, min(o.first_seen_at) AS first_seen_at
                FROM arrow_merges g JOIN stories o USING (story_id) GROUP BY g.merged_into
            ) m
            WHERE s.story_id = m.merged_into
            """
        )
        con.execute(
            "UPDATE articles a SET story_id = m.merged_into FROM arrow_merges m WHERE a.story_id = m.story_id"
        )
        con.execute("DELETE FROM stories WHERE story_id IN (SELECT story_id FROM arrow_merges)")
        con.execute(
            "INSERT INTO story_merges BY NAME SELECT *, $run_id AS run_id, $now AS merged_at FROM arrow_merges",
            {"run_id": run_id, "now": now},
        )
        _refresh_story_rows(con, "SELECT DISTINCT merged_into FROM arrow_merges")
    return len(retired)
