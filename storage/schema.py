"""The database schema, as numbered migrations.

The tables are a product surface: analysts query them directly (docs/schema.md describes every
column). They change only through a new migration appended to `MIGRATIONS`; each runs in one
transaction together with its row in `schema_migrations`, and a database newer than the code is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb

from ingest.name_aliases import load_name_aliases
from ingest.names import person_names
from ingest.stories import StoryThresholds, sketch_texts
from storage import clock
from storage.errors import SchemaVersionError
from storage.lake import is_lake, lake_ddl, rollback
from storage.linking import link_articles


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    issue: int  # the project issue that introduced it
    apply: Callable[[duckdb.DuckDBPyConnection], None]


def _create_core_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Issue 2: the storage contract of DESIGN §5."""
    execute_ddl(
        con,
        """
        -- One row per flow run; counters are updated in the same transaction as each batch, so they
        -- always match what the run committed, even if it was killed.
        CREATE TABLE runs (
            run_id            VARCHAR PRIMARY KEY,
            flow              VARCHAR NOT NULL,       -- 'ingest-files', ...
            started_at        TIMESTAMPTZ NOT NULL,
            finished_at       TIMESTAMPTZ,
            status            VARCHAR NOT NULL,       -- 'running' | 'completed' | 'failed'
            seen_count        INTEGER NOT NULL DEFAULT 0,  -- items received (documents + quarantined)
            new_count         INTEGER NOT NULL DEFAULT 0,  -- articles created
            duplicate_count   INTEGER NOT NULL DEFAULT 0,  -- documents that matched an existing article
            quarantined_count INTEGER NOT NULL DEFAULT 0,
            failed_count      INTEGER NOT NULL DEFAULT 0,  -- items lost to an error that is not bad input
            parameters        VARCHAR,                -- JSON of the run's parameters
            prefect_flow_run_id VARCHAR,              -- set when the run was a Prefect flow run
            error             VARCHAR                 -- why a failed run failed
        );

        -- Near-duplicate clusters. Until story detection exists each article is its own story.
        CREATE TABLE stories (
            story_id                  VARCHAR PRIMARY KEY,
            representative_article_id VARCHAR NOT NULL,
            article_count             INTEGER NOT NULL,
            first_seen_at             TIMESTAMPTZ NOT NULL,
            last_seen_at              TIMESTAMPTZ NOT NULL   -- latest document of any of its articles
        );

        -- Distinct articles: the primary key is the body fingerprint, so the lookup that decides
        -- "new or duplicate" is a primary-key probe.
        CREATE TABLE articles (
            article_id    VARCHAR PRIMARY KEY,   -- 16 hex digits of the body fingerprint
            story_id      VARCHAR NOT NULL,
            title         VARCHAR NOT NULL,      -- headline of the first copy seen
            lede          VARCHAR NOT NULL,      -- first body paragraph, names repaired
            body          VARCHAR NOT NULL,      -- paragraphs separated by a blank line
            dateline      VARCHAR,
            credit        VARCHAR,               -- trailing credit line of the first copy
            published_at  TIMESTAMPTZ,
            url           VARCHAR,
            language      VARCHAR,
            source_name   VARCHAR,
            word_count    INTEGER NOT NULL,
            first_seen_at TIMESTAMPTZ NOT NULL,
            first_run_id  VARCHAR NOT NULL,
            fingerprint_version TINYINT NOT NULL
        );

        -- Every item ever received; nothing is dropped. Several documents may share one article.
        CREATE TABLE documents (
            document_id  BIGINT PRIMARY KEY,
            article_id   VARCHAR NOT NULL,
            run_id       VARCHAR NOT NULL,
            source_kind  VARCHAR NOT NULL,       -- 'file' | 'feed'
            source_uri   VARCHAR NOT NULL,       -- file path or feed URL
            item_key     VARCHAR NOT NULL,       -- path, GUID or link; 'path#L3' for a JSON Lines item
            title        VARCHAR NOT NULL,       -- this copy's own headline
            credit       VARCHAR,                -- this copy's own credit line
            ingested_at  TIMESTAMPTZ NOT NULL,
            raw_sha256   VARCHAR NOT NULL,
            raw_encoding VARCHAR NOT NULL,       -- codec that decoded the bytes
            raw_text     VARCHAR NOT NULL        -- decoded text before any repair
        );
        CREATE INDEX documents_article_idx ON documents (article_id);  -- "all copies of an article"

        CREATE TABLE agency_tags (
            article_id   VARCHAR NOT NULL,
            agency       VARCHAR NOT NULL,       -- registry code, e.g. 'AFP'; 'AGENCIES' = unnamed
            role         VARCHAR NOT NULL,       -- dateline | credit | cited | image_credit | mention
            matched_text VARCHAR NOT NULL,       -- the evidence, with some context
            document_id  BIGINT NOT NULL,        -- the copy the evidence was first found in
            PRIMARY KEY (article_id, agency, role)
        );

        CREATE TABLE name_variants (
            article_id  VARCHAR NOT NULL,
            variant     VARCHAR NOT NULL,        -- form found in the text ('Blinke')
            canonical   VARCHAR NOT NULL,        -- form it was or would be replaced by ('Blinken')
            evidence    VARCHAR NOT NULL,        -- same_first_name | alias | truncation | similar_spelling
            applied     BOOLEAN NOT NULL,        -- true: the stored text was rewritten
            occurrences INTEGER NOT NULL,
            detail      VARCHAR NOT NULL,
            document_id BIGINT NOT NULL,
            PRIMARY KEY (article_id, variant, canonical)
        );

        CREATE TABLE quarantine (
            quarantine_id  BIGINT PRIMARY KEY,
            run_id         VARCHAR NOT NULL,
            source_kind    VARCHAR NOT NULL,
            source_uri     VARCHAR NOT NULL,
            item_key       VARCHAR NOT NULL,
            reason         VARCHAR NOT NULL,     -- short code: empty_file, binary_file, too_large, ...
            detail         VARCHAR NOT NULL,     -- what a person can do about it
            sample         BLOB NOT NULL,        -- first bytes of the input (at most 1 KiB)
            size_bytes     BIGINT NOT NULL,
            quarantined_at TIMESTAMPTZ NOT NULL
        );

        -- Feed state for the feeds flow (issue 3); created now so the contract is whole.
        CREATE TABLE feeds (
            url                  VARCHAR PRIMARY KEY,
            name                 VARCHAR,
            etag                 VARCHAR,
            last_modified        VARCHAR,
            body_sha256          VARCHAR,
            last_status          INTEGER,
            last_fetched_at      TIMESTAMPTZ,
            next_fetch_at        TIMESTAMPTZ,
            consecutive_failures INTEGER NOT NULL DEFAULT 0,
            last_error           VARCHAR
        );
        """
    )


def _add_feed_state(con: duckdb.DuckDBPyConnection) -> None:
    """Issue 3: feeds config and health, unchanged re-sent items, full-text outcomes."""
    execute_ddl(
        con,
        """
        ALTER TABLE runs ADD COLUMN unchanged_count INTEGER DEFAULT 0;  -- items already stored, skipped
        ALTER TABLE feeds ADD COLUMN title VARCHAR;                  -- the feed's own title
        ALTER TABLE feeds ADD COLUMN tags VARCHAR[];
        ALTER TABLE feeds ADD COLUMN full_text BOOLEAN DEFAULT false;
        ALTER TABLE feeds ADD COLUMN allow_private_links BOOLEAN DEFAULT false;
        ALTER TABLE feeds ADD COLUMN added_at TIMESTAMPTZ;
        ALTER TABLE feeds ADD COLUMN last_success_at TIMESTAMPTZ;
        ALTER TABLE feeds ADD COLUMN last_warning VARCHAR;
        ALTER TABLE feeds ADD COLUMN last_entry_count INTEGER;
        -- NULL: no full text asked for; 'extracted'; otherwise why the feed's summary was kept
        ALTER TABLE documents ADD COLUMN full_text_status VARCHAR;
        """
    )


def _add_files_seen(con: duckdb.DuckDBPyConnection) -> None:
    """Issue 5: remember files as they were read, so the inbox deployment reads only new or changed ones."""
    execute_ddl(
        con,
        """
        CREATE TABLE files_seen (
            path         VARCHAR PRIMARY KEY,   -- absolute path
            size_bytes   BIGINT NOT NULL,
            modified_at  TIMESTAMPTZ NOT NULL,  -- file modification time when last read
            sha256       VARCHAR NOT NULL,      -- content hash when last read
            last_run_id  VARCHAR NOT NULL,
            last_read_at TIMESTAMPTZ NOT NULL
        );
        """
    )


def _add_views(con: duckdb.DuckDBPyConnection) -> None:
    """Issue 6: views for the questions analysts ask most (documented in docs/schema.md)."""
    execute_ddl(
        con,
        """
        CREATE VIEW daily_agency_articles AS  -- articles per day by agency and role; never add roles up
        SELECT CAST(coalesce(a.published_at, a.first_seen_at) AS DATE) AS day, t.agency, t.role,
               count(DISTINCT t.article_id) AS articles
        FROM agency_tags t JOIN articles a USING (article_id)
        GROUP BY ALL;

        CREATE VIEW story_overview AS  -- each story with how widely it was carried
        SELECT s.story_id, any_value(r.title) AS title, any_value(s.article_count) AS article_count,
               count(DISTINCT d.document_id) AS documents, count(DISTINCT d.source_uri) AS sources,
               count(DISTINCT t.agency) FILTER (WHERE t.role IN ('dateline', 'credit')) AS supplying_agencies,
               count(DISTINCT t.agency) FILTER (WHERE t.role = 'cited') AS cited_agencies,
               any_value(s.first_seen_at) AS first_seen_at, any_value(s.last_seen_at) AS last_seen_at
        FROM stories s
        JOIN articles r ON r.article_id = s.representative_article_id
        JOIN articles a ON a.story_id = s.story_id
        JOIN documents d ON d.article_id = a.article_id
        LEFT JOIN agency_tags t ON t.article_id = a.article_id
        GROUP BY s.story_id;

        CREATE VIEW name_review AS  -- repairs and open proposals with their evidence
        SELECT n.article_id, a.title, n.variant, n.canonical, n.evidence, n.applied, n.occurrences, n.detail
        FROM name_variants n JOIN articles a USING (article_id);

        CREATE VIEW feed_health AS
        SELECT url, coalesce(name, title) AS name,
               CASE WHEN last_fetched_at IS NULL THEN 'new' WHEN consecutive_failures = 0 THEN 'ok'
                    WHEN consecutive_failures < 3 THEN 'failing' ELSE 'down' END AS health,
               last_status, consecutive_failures, last_error, last_warning,
               last_fetched_at, last_success_at, next_fetch_at
        FROM feeds;

        CREATE VIEW quarantine_by_reason AS
        SELECT reason, count(*) AS items, min(quarantined_at) AS first_at, max(quarantined_at) AS last_at,
               arg_max(detail, quarantine_id) AS latest_detail
        FROM quarantine GROUP BY reason;

        CREATE VIEW runs_by_day AS
        SELECT CAST(started_at AS DATE) AS day, flow, count(*) AS runs,
               count(*) FILTER (WHERE status = 'failed') AS failed_runs,
               sum(seen_count) AS seen, sum(new_count) AS new_articles, sum(duplicate_count) AS duplicates,
               sum(quarantined_count) AS quarantined
        FROM runs GROUP BY ALL;

        CREATE VIEW source_duplicates AS  -- per source: documents that repeat an article seen earlier
        SELECT d.source_uri, count(*) AS documents,
               count(*) FILTER (WHERE d.document_id <> f.first_document_id) AS duplicates,
               round(count(*) FILTER (WHERE d.document_id <> f.first_document_id) / count(*), 3) AS duplicate_rate
        FROM documents d
        JOIN (SELECT article_id, min(document_id) AS first_document_id FROM documents GROUP BY article_id) f
          USING (article_id)
        GROUP BY d.source_uri;
        """
    )


def _add_story_detection(con: duckdb.DuckDBPyConnection) -> None:
    """Issue 4: near-duplicate stories. Articles stored before it get sketches and decisions now."""
    execute_ddl(
        con,
        """
        CREATE TABLE story_sketches (  -- one per article: what its candidate keys were made from
            article_id     VARCHAR PRIMARY KEY,
            sketch_version TINYINT NOT NULL,
            shingle_count  INTEGER NOT NULL,   -- distinct word 3-grams of the body
            sample_count   INTEGER NOT NULL,   -- of them, in the consistent 1-in-8 sample
            signature      BLOB NOT NULL       -- 128 MinHash values, little-endian uint32
        );
        CREATE TABLE story_bands (     -- LSH band keys of the 128-permutation MinHash, 20 bands of 6 rows
            article_id VARCHAR NOT NULL,
            band       TINYINT NOT NULL,
            band_key   BIGINT NOT NULL
        );
        CREATE TABLE story_samples (   -- sampled shingle hashes: finds an earlier version inside an update
            article_id VARCHAR NOT NULL,
            shingle    BIGINT NOT NULL
        );
        CREATE TABLE story_decisions ( -- every verified candidate pair, merged or not
            article_id       VARCHAR NOT NULL,   -- the smaller id of the pair
            other_article_id VARCHAR NOT NULL,
            jaccard          DOUBLE NOT NULL,    -- exact, over the two sets of word 3-grams
            containment      DOUBLE NOT NULL,    -- share of the shorter article's 3-grams in the longer
            numbers_differ   BOOLEAN NOT NULL,   -- each states a number the other does not
            verdict          VARCHAR NOT NULL,   -- same_story | update | numbers_differ | different
            run_id           VARCHAR,            -- NULL: decided when an older database was upgraded
            decided_at       TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (article_id, other_article_id)
        );
        CREATE TABLE story_merges (    -- story ids retired by a merge, and the story they joined
            story_id    VARCHAR PRIMARY KEY,
            merged_into VARCHAR NOT NULL,
            run_id      VARCHAR,
            merged_at   TIMESTAMPTZ NOT NULL
        );
        CREATE TABLE article_names (   -- surnames written right after a first name, after repairs
            article_id  VARCHAR NOT NULL,
            given       VARCHAR NOT NULL,    -- 'Antony'
            surname     VARCHAR NOT NULL,    -- 'Blinken'
            occurrences INTEGER NOT NULL,
            PRIMARY KEY (article_id, given, surname)
        );
        CREATE TABLE name_links (      -- two spellings of one person's surname across articles
            given      VARCHAR NOT NULL,
            variant    VARCHAR NOT NULL,
            canonical  VARCHAR NOT NULL,
            evidence   VARCHAR NOT NULL,     -- alias | same_story | corpus (since migration 10) | similar_spelling
            linked     BOOLEAN NOT NULL,     -- false: a proposal for a person to review
            detail     VARCHAR NOT NULL,
            run_id     VARCHAR,
            decided_at TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (given, variant, canonical)
        );
        CREATE VIEW person_mentions AS  -- people per article, linked spellings read as one
        SELECT n.article_id, n.given, coalesce(l.canonical, n.surname) AS surname, n.surname AS written,
               n.occurrences
        FROM article_names n
        LEFT JOIN name_links l ON l.linked AND l.given = n.given AND l.variant = n.surname;
        """
    )
    _backfill_stories_and_names(con)


def _add_lake_writes(con: duckdb.DuckDBPyConnection) -> None:
    """Issue 7: the row every write transaction to a DuckLake updates, so that writers commit in turn."""
    execute_ddl(
        con,
        """
        CREATE TABLE lake_writes (  -- one row; see storage/lake.py. Stays 0 in a DuckDB file
            writes BIGINT NOT NULL    -- write transactions committed to the DuckLake
        );
        INSERT INTO lake_writes VALUES (0);
        """,
    )


def _add_names_unjudged(con: duckdb.DuckDBPyConnection) -> None:
    """Issue 13: a failed name judgment is skipped and counted, never a reason to lose a batch."""
    execute_ddl(con, "ALTER TABLE runs ADD COLUMN names_unjudged INTEGER DEFAULT 0")


def _add_text_fidelity(con: duckdb.DuckDBPyConnection) -> None:
    """Issue 16: how each document's encoding was found, every article's language, languages per day.

    Articles stored before it keep the language their input declared (or NULL): detecting theirs
    would need the detector inside the migration; a re-ingest of the files fills them.
    """
    execute_ddl(
        con,
        """
        -- declared: a BOM, an HTTP header, an XML declaration or an HTML <meta>; detected: judged
        ALTER TABLE documents ADD COLUMN raw_encoding_source VARCHAR;
        ALTER TABLE documents ADD COLUMN raw_encoding_confidence DOUBLE;  -- 1.0 when declared or UTF-8
        ALTER TABLE articles ADD COLUMN language_source VARCHAR;           -- declared | detected
        ALTER TABLE articles ADD COLUMN language_confidence DOUBLE;        -- the detector's; NULL when declared
        UPDATE articles SET language_source = 'declared' WHERE language IS NOT NULL;

        CREATE VIEW daily_language_articles AS  -- articles per day by language ('und' when unknown)
        SELECT CAST(coalesce(published_at, first_seen_at) AS DATE) AS day, coalesce(language, 'und') AS language,
               count(*) AS articles
        FROM articles
        GROUP BY ALL;
        """
    )


def _add_feed_management(con: duckdb.DuckDBPyConnection) -> None:
    """Issue 15: feeds a user pauses or removes (`newsflow feeds`); a removed feed's documents stay."""
    execute_ddl(
        con,
        """
        ALTER TABLE feeds ADD COLUMN paused BOOLEAN DEFAULT false;  -- not polled until resumed
        ALTER TABLE feeds ADD COLUMN removed_at TIMESTAMPTZ;        -- when `newsflow feeds remove` removed it
        """,
    )


def _add_name_forms(con: duckdb.DuckDBPyConnection) -> None:
    """Issue 13: how many articles name a person with each surname, the corpus as evidence for a spelling."""
    execute_ddl(
        con,
        """
        CREATE TABLE name_forms (  -- kept as loads go by storage/names.py, in the batch's transaction
            form     VARCHAR PRIMARY KEY,  -- a surname as written after a first name: 'Blinken'
            articles BIGINT NOT NULL       -- stored articles that write it so
        );
        INSERT INTO name_forms SELECT surname, count(DISTINCT article_id) FROM article_names GROUP BY surname;
        """,
    )


def _add_fetch_seconds(con: duckdb.DuckDBPyConnection) -> None:
    """Issue 15: how long each feed's last fetch took, so that the slowest are fetched first."""
    execute_ddl(con, "ALTER TABLE feeds ADD COLUMN last_fetch_seconds DOUBLE;  -- the last attempt, request to last byte")


def _backfill_stories_and_names(con: duckdb.DuckDBPyConnection, /, *, chunk: int = 2_000) -> None:
    """Give the articles of an older database what new ones get on arrival, a chunk at a time.

    An upgrade has no run and no settings: it links with the default thresholds and the shipped alias table.
    """
    now = clock.utc_now()
    aliases = load_name_aliases()
    offset = 0
    while rows := con.execute(
        "SELECT article_id, title, body FROM articles ORDER BY article_id LIMIT $chunk OFFSET $offset",
        {"chunk": chunk, "offset": offset},
    ).fetchall():
        ids = [str(row[0]) for row in rows]
        persons = [person_names((str(row[1]), *str(row[2]).split("\n\n"))) for row in rows]
        link_articles(con, ids, sketch_texts([str(row[2]) for row in rows]), persons,
                      thresholds=StoryThresholds(), aliases=aliases, run_id=None, now=now, name_forms=False)
        offset += chunk


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "core tables: runs, stories, articles, documents, agency_tags, name_variants, quarantine, feeds", 2, _create_core_tables),
    Migration(2, "feed state and health, runs.unchanged_count, documents.full_text_status", 3, _add_feed_state),
    Migration(3, "files_seen: files as last read, for the inbox", 5, _add_files_seen),
    Migration(4, "views: daily_agency_articles, story_overview, name_review, feed_health, quarantine_by_reason, "
                 "runs_by_day, source_duplicates", 6, _add_views),
    Migration(5, "near-duplicate stories and names across articles: story_sketches, story_bands, story_samples, "
                 "story_decisions, story_merges, article_names, name_links, person_mentions", 4, _add_story_detection),
    Migration(6, "lake_writes: write transactions to a DuckLake commit one at a time", 7, _add_lake_writes),
    Migration(7, "runs.names_unjudged: name judgments that failed and were skipped", 13, _add_names_unjudged),
    Migration(8, "text fidelity: documents.raw_encoding_source and _confidence, articles.language_source and "
                 "_confidence, daily_language_articles", 16, _add_text_fidelity),
    Migration(9, "feeds.paused, feeds.removed_at: feeds a user pauses or removes", 15, _add_feed_management),
    Migration(10, "name_forms: how many articles write each surname, evidence for name links", 13, _add_name_forms),
    Migration(11, "feeds.last_fetch_seconds: the slowest feeds are fetched first", 15, _add_fetch_seconds),
)
LATEST_VERSION = MIGRATIONS[-1].version


def migrate(con: duckdb.DuckDBPyConnection, name: str) -> int:
    """Bring the database to the latest version; return the version it was at."""
    execute_ddl(
        con,
        """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version     INTEGER PRIMARY KEY,
            description VARCHAR NOT NULL,
            issue       INTEGER NOT NULL,
            applied_at  TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
        )
        """
    )
    current = schema_version(con)
    if current > LATEST_VERSION:
        raise SchemaVersionError(name, current, LATEST_VERSION)
    for migration in MIGRATIONS:
        if migration.version > current:
            con.begin()
            try:
                migration.apply(con)
                con.execute(
                    "INSERT INTO schema_migrations (version, description, issue) VALUES ($version, $description, $issue)",
                    {"version": migration.version, "description": migration.description, "issue": migration.issue},
                )
                con.commit()
            except BaseException:
                rollback(con)
                raise
    return current


def execute_ddl(con: duckdb.DuckDBPyConnection, sql: str, /) -> None:
    """Run a migration's statements as written, or in DuckLake's dialect on a DuckLake (storage/lake.py)."""
    con.execute(lake_ddl(sql) if is_lake(con) else sql)


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
    return int(row[0]) if row else 0
