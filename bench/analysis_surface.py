"""Search, report and export on a generated database of 100,000 articles (issue 6).

The database is made with newsflow's own schema (migrations), then filled in bulk with synthetic
articles: bodies of 150-450 words drawn from a Zipf-like vocabulary, a headline, 1-3 documents each,
agency tags in every role, a few name variants and quarantined items. Then it times, each a median of
several runs: rebuilding the full-text index, `newsflow search`, `newsflow report`, `newsflow export`.

    python bench/analysis_surface.py [--articles 100000] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb
from _common import REPO, machine, newsflow, summary, time_command

sys.path.insert(0, str(REPO))
from storage import Database  # noqa: E402

VOCABULARY = 5000
AGENCIES = ["REUTERS", "AP", "AFP", "DPA", "EFE", "TASS", "XINHUA", "ANSA", "LUSA", "KYODO"]
ROLES = ["dateline", "credit", "cited", "image_credit", "mention"]


def fill(db: Path, articles: int) -> None:
    """Synthetic rows straight into the schema (generating them through ingest would take ~7 minutes)."""
    Database(db).migrate()
    with duckdb.connect(str(db)) as con:
        con.execute(
            f"""
            CREATE TEMP TABLE synthetic AS
            SELECT i, printf('%016x', hash(i)) AS article_id,
                   'Story ' || i || ' about w' || CAST(floor(pow(random(), 3) * {VOCABULARY}) AS INTEGER)
                       || ' and w' || CAST(floor(pow(random(), 3) * {VOCABULARY}) AS INTEGER) AS title,
                   (SELECT string_agg('w' || CAST(floor(pow(random(), 3) * {VOCABULARY}) AS INTEGER), ' ')
                      FROM range(150 + CAST(random() * 300 AS INTEGER)) r(j) WHERE i >= 0) AS body,
                   TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_minutes(CAST(i * 5 AS BIGINT)) AS seen_at
            FROM range({articles}) t(i)
            """
        )
        con.execute(
            """
            INSERT INTO articles BY NAME
            SELECT article_id, article_id AS story_id, title, split_part(body, ' ', 1) AS lede, body,
                   seen_at AS published_at, seen_at AS first_seen_at, 'bench' AS first_run_id,
                   1 AS fingerprint_version, length(body) - length(replace(body, ' ', '')) + 1 AS word_count
            FROM synthetic;
            INSERT INTO stories BY NAME
            SELECT article_id AS story_id, article_id AS representative_article_id, 1 AS article_count,
                   seen_at AS first_seen_at, seen_at AS last_seen_at FROM synthetic;
            INSERT INTO documents BY NAME
            SELECT row_number() OVER () AS document_id, s.article_id, 'bench' AS run_id, 'feed' AS source_kind,
                   'https://feeds.example.org/' || (s.i % 50) || '.xml' AS source_uri, s.article_id || '-' || c AS item_key,
                   s.title, s.seen_at AS ingested_at, sha256(s.article_id || c) AS raw_sha256, 'utf-8' AS raw_encoding,
                   s.body AS raw_text
            FROM synthetic s, range(1 + CAST(s.i % 3 AS INTEGER)) r(c);
            INSERT INTO runs (run_id, flow, started_at, finished_at, status) VALUES ('bench', 'ingest-feeds', now(), now(), 'completed');
            """
        )
        con.execute(
            f"""
            INSERT INTO agency_tags BY NAME
            SELECT DISTINCT ON (article_id, agency, role) s.article_id, {AGENCIES}[1 + (s.i * 7 + k) % {len(AGENCIES)}] AS agency,
                   {ROLES}[1 + (s.i + k) % {len(ROLES)}] AS role, 'synthetic' AS matched_text, 1 AS document_id
            FROM synthetic s, range(1 + CAST(s.i % 3 AS INTEGER)) r(k);
            INSERT INTO name_variants BY NAME
            SELECT article_id, 'Blinke' AS variant, 'Blinken' AS canonical, 'same_first_name' AS evidence, i % 2 = 0 AS applied,
                   1 AS occurrences, 'synthetic' AS detail, 1 AS document_id FROM synthetic WHERE i % 100 = 0;
            INSERT INTO quarantine BY NAME
            SELECT i AS quarantine_id, 'bench' AS run_id, 'feed' AS source_kind, 'https://feeds.example.org/x.xml' AS source_uri,
                   'k' || i AS item_key, ['no_body', 'invalid_json', 'binary_file'][1 + i % 3] AS reason, 'synthetic' AS detail,
                   ''::BLOB AS sample, 0 AS size_bytes, seen_at AS quarantined_at FROM synthetic WHERE i % 1000 = 0;
            """
        )


def median_of(runs: int, function: object) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "bench.duckdb"
        started = time.perf_counter()
        fill(db, args.articles)
        generated = time.perf_counter() - started
        database = Database(db)
        index = median_of(args.runs, database.refresh_search_index)
        query = database.query("SELECT body FROM articles LIMIT 1").rows[0][0].split()[:3]
        search = [time_command(newsflow("search", " ".join(query), "--db", str(db))) for _ in range(args.runs)]
        report = [time_command(newsflow("report", "--db", str(db), "--out", f"{folder}/report")) for _ in range(args.runs)]
        export = [time_command(newsflow("export", "--db", str(db), "--out", f"{folder}/export-{n}")) for n in range(args.runs)]
        size = db.stat().st_size / 2**20
    print(f"machine: {machine()}")
    print(f"{args.articles:,} articles generated in {generated:.1f} s; database {size:.0f} MiB")
    print(f"rebuild full-text index: {summary(index)}")
    print(f"newsflow search '{' '.join(query)}' (whole command): {summary(search)}")
    print(f"newsflow report (whole command): {summary(report)}")
    print(f"newsflow export --format parquet (whole command): {summary(export)}")
    print(f"medians: index {statistics.median(index):.2f} s, search {statistics.median(search):.2f} s, "
          f"report {statistics.median(report):.2f} s, export {statistics.median(export):.2f} s")


if __name__ == "__main__":
    main()
