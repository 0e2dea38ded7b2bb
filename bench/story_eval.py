"""How good are story decisions? Precision and recall against exact Jaccard over all article pairs.

BBC (2,225 files): every pair of stored articles whose sizes allow Jaccard >= the threshold is
compared exactly (word 3-gram sets, the same shingles the pipeline uses), which is the truth the
LSH candidates and MinHash filter are measured against. Reuters-21578: how many pairs above the
thresholds were kept apart because their numbers differ (templated wire reports).

    python bench/story_eval.py                  # both corpora
    python bench/story_eval.py --corpus bbc
"""

from __future__ import annotations

import argparse
import itertools
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import CORPORA, machine, newsflow  # noqa: E402
from bench.reuters_corpus import write_corpus  # noqa: E402
from ingest.stories import StoryText, verification_inputs  # noqa: E402

THRESHOLD = 0.8


def ingest(folder: Path, db: Path) -> None:
    subprocess.run(newsflow("ingest", "files", str(folder), "--db", str(db)), check=True, stdout=subprocess.DEVNULL)


def exact_pairs(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], tuple[float, bool]]:
    """Every article pair at exact Jaccard >= THRESHOLD, with whether their numbers conflict."""
    rows = con.execute("SELECT article_id, body, dateline FROM articles ORDER BY article_id").fetchall()
    inputs = verification_inputs([StoryText(body, dateline) for _, body, dateline in rows])
    ids = [str(row[0]) for row in rows]
    by_size = sorted(range(len(ids)), key=lambda i: len(inputs[i][0]))
    found = {}
    for position, i in enumerate(by_size):
        set_i, numbers_i = inputs[i]
        for j in itertools.islice(by_size, position + 1, None):
            set_j, numbers_j = inputs[j]
            if len(set_i) < THRESHOLD * len(set_j):
                break  # sorted by size: every later set is larger still
            shared = np.intersect1d(set_i, set_j, assume_unique=True).size
            union = len(set_i) + len(set_j) - shared
            if union and shared / union >= THRESHOLD:
                differ = bool(numbers_i - numbers_j) and bool(numbers_j - numbers_i)
                found[tuple(sorted((ids[i], ids[j])))] = (shared / union, differ)
    return found


def evaluate_bbc(db: Path) -> None:
    with duckdb.connect(str(db), read_only=True) as con:
        truth = exact_pairs(con)
        decided = {(str(a), str(b)): str(v) for a, b, v in con.execute(
            "SELECT article_id, other_article_id, verdict FROM story_decisions").fetchall()}
        story = dict(con.execute("SELECT article_id, story_id FROM articles").fetchall())
        same_story_decisions = [pair for pair, verdict in decided.items() if verdict == "same_story"]
        articles = con.execute("SELECT count(*) FROM articles").fetchone()[0]
        stories = con.execute("SELECT count(*) FROM stories").fetchone()[0]
    mergeable = {pair for pair, (_, differ) in truth.items() if not differ}
    verified = [pair for pair in truth if pair in decided]
    together = [pair for pair in mergeable if story[pair[0]] == story[pair[1]]]
    correct = [pair for pair in same_story_decisions if pair in truth]
    print(f"BBC: {articles:,} articles, {stories:,} stories")
    print(f"  pairs at exact Jaccard >= {THRESHOLD}: {len(truth)} ({len(truth) - len(mergeable)} with conflicting numbers)")
    print(f"  recall of candidates (pair verified at all): {len(verified)}/{len(truth)} = {_share(verified, truth)}")
    print(f"  recall of stories (pair shares a story, numbers agreeing): {len(together)}/{len(mergeable)} = "
          f"{_share(together, mergeable)}")
    print(f"  precision of same_story decisions (exact Jaccard >= {THRESHOLD}): {len(correct)}/{len(same_story_decisions)} = "
          f"{_share(correct, same_story_decisions)}")


def evaluate_reuters(db: Path) -> None:
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            """
            SELECT count(*) FILTER (WHERE d.jaccard >= $t) AS by_jaccard,
                   count(*) FILTER (WHERE d.jaccard < $t AND d.containment >= $t) AS by_containment,
                   count(*) FILTER (WHERE a.story_id = b.story_id) AS joined_anyway
            FROM story_decisions d
            JOIN articles a ON a.article_id = d.article_id
            JOIN articles b ON b.article_id = d.other_article_id
            WHERE d.verdict = 'numbers_differ'
            """,
            {"t": THRESHOLD},
        ).fetchone()
        merged = con.execute(
            "SELECT verdict, count(*) FROM story_decisions WHERE verdict IN ('same_story', 'update') GROUP BY ALL ORDER BY 1"
        ).fetchall()
    by_jaccard, by_containment, joined = rows
    print("Reuters-21578: pairs over a threshold kept apart because their numbers differ:")
    print(f"  Jaccard >= {THRESHOLD}: {by_jaccard}; containment >= {THRESHOLD} (Jaccard below): {by_containment}; "
          f"of these, joined through other articles anyway: {joined}")
    print("  merging decisions: " + ", ".join(f"{verdict} {count}" for verdict, count in merged))


def _share(part: list[tuple[str, str]] | set[tuple[str, str]], whole: object) -> str:
    total = len(whole)  # type: ignore[arg-type]
    return f"{len(part) / total:.3f}" if total else "n/a"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", choices=("bbc", "reuters", "both"), default="both")
    args = parser.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory() as folder:
        if args.corpus in ("bbc", "both"):
            db = Path(folder) / "bbc.duckdb"
            ingest(CORPORA / "bbc", db)
            evaluate_bbc(db)
        if args.corpus in ("reuters", "both"):
            db = Path(folder) / "reuters.duckdb"
            corpus, _ = write_corpus()
            ingest(corpus, db)
            evaluate_reuters(db)


if __name__ == "__main__":
    main()
