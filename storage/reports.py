"""What one run did, read back from the tables it wrote: the source of run reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

import duckdb


@dataclass(frozen=True)
class RunReport:
    agencies: list[tuple[str, str, int]]  # (agency, role, articles) among this run's documents
    repairs_applied: int  # name repairs found in this run's documents
    proposals: int  # name proposals found in this run's documents
    near_duplicates: int  # this run's documents whose article belongs to another article's story
    quarantine: list[tuple[str, int, str, str]]  # (reason, items, an example item, its detail)


def run_report(con: duckdb.DuckDBPyConnection, run_id: str, /) -> RunReport:
    params = {"run_id": run_id}
    agencies = con.execute(
        """
        SELECT t.agency, t.role, count(DISTINCT t.article_id)
        FROM agency_tags t JOIN documents d ON d.article_id = t.article_id
        WHERE d.run_id = $run_id
        GROUP BY ALL ORDER BY 3 DESC, 1, 2
        """,
        params,
    ).fetchall()
    repairs = con.execute(
        """
        SELECT count(*) FILTER (WHERE n.applied), count(*) FILTER (WHERE NOT n.applied)
        FROM name_variants n JOIN documents d ON d.document_id = n.document_id
        WHERE d.run_id = $run_id
        """,
        params,
    ).fetchone()
    near = con.execute(
        """
        SELECT count(*) FROM documents d JOIN articles a USING (article_id)
        WHERE d.run_id = $run_id AND a.story_id <> a.article_id
        """,
        params,
    ).fetchone()
    quarantine = con.execute(
        """
        SELECT reason, count(*), arg_min(item_key, quarantine_id), arg_min(detail, quarantine_id)
        FROM quarantine WHERE run_id = $run_id GROUP BY reason ORDER BY 2 DESC, 1
        """,
        params,
    ).fetchall()
    return RunReport(
        agencies=[(str(a), str(r), int(n)) for a, r, n in agencies],
        repairs_applied=int(repairs[0]) if repairs else 0,
        proposals=int(repairs[1]) if repairs else 0,
        near_duplicates=int(near[0]) if near else 0,
        quarantine=[(str(r), int(n), str(k), str(d)) for r, n, k, d in quarantine],
    )


ROLE_GROUPS = {
    # role group shown in the report -> the agency_tags roles it covers (roles are never added up)
    "supplied": ("dateline", "credit"),
    "cited": ("cited",),
    "image_credit": ("image_credit",),
}
TOP_AGENCIES = 8


@dataclass(frozen=True)
class OverviewData:
    """What the `newsflow report` page shows. Time series count articles by publication date only."""

    totals: dict[str, int]  # documents, articles, stories, sources, quarantined
    undated: int  # of the articles counted, those with no publication date (left out of time series)
    period: str  # what one point of a time series covers: day, week, month, year or decade
    published: list[tuple[date, int]]  # (first day of the period, articles published in it)
    agencies: list[tuple[str, str, int]]  # (agency, role group of ROLE_GROUPS, articles), the top agencies
    agencies_over_time: list[tuple[date, str, str, int]]  # (period, agency, role group, articles), dated only
    largest_stories: list[tuple[str, int, int]]  # (title, documents, sources) of stories with several documents
    duplicates: list[tuple[str, int, int]]  # (source: a feed URL or a files folder, documents, duplicates)
    name_pairs: list[tuple[str, str, int, int]]  # (variant, canonical, articles repaired, articles proposed), top
    name_pair_count: int  # distinct (variant, canonical) pairs in all
    quarantine: list[tuple[str, int]]  # (reason, items)
    languages: list[tuple[str, int]] = field(default_factory=list)  # (ISO 639-1 or 'und', articles), largest first


def period_for(first: date, last: date, /) -> str:
    """The time series' step for a span of days: at most about a hundred points, whatever the span."""
    days = (last - first).days
    if days <= 92:
        return "day"
    if days <= 2 * 366:
        return "week"
    if days <= 10 * 366:
        return "month"
    return "year" if days <= 100 * 366 else "decade"


def overview(con: duckdb.DuckDBPyConnection, /, *, since: date | None, top: int = 10) -> OverviewData:
    """Figures for the report page; `since` keeps articles published (else first seen) from that day on."""
    first_day = since or date(1, 1, 1)
    # Timestamps are compared with the first instant of the day, not cast to days: a cast converts each
    # row's time zone (about 0.6 s per million rows), a comparison reads zone maps and skips.
    params = {"since": datetime.combine(first_day, time(), tzinfo=UTC)}
    totals = con.execute(
        """
        SELECT (SELECT count(*) FROM documents WHERE ingested_at >= $since),
               (SELECT count(*) FROM articles WHERE first_seen_at >= $since),
               (SELECT count(*) FROM stories WHERE last_seen_at >= $since),
               (SELECT count(DISTINCT source_uri) FROM documents WHERE ingested_at >= $since),
               (SELECT count(*) FROM quarantine WHERE quarantined_at >= $since)
        """,
        params,
    ).fetchone() or (0, 0, 0, 0, 0)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE report_articles AS
        SELECT article_id, {_utc_day('published_at')} AS published
        FROM articles WHERE coalesce(published_at, first_seen_at) >= $since
        """,
        params,
    )
    _create_report_tables(con)
    span = con.execute("SELECT min(published), max(published), count(*) FILTER (WHERE published IS NULL) "
                       "FROM report_articles").fetchone() or (None, None, 0)
    period = period_for(span[0], span[1]) if span[0] is not None else "day"
    agencies = _agencies_by_role(con)
    return OverviewData(
        totals=dict(zip(("documents", "articles", "stories", "sources", "quarantined"), map(int, totals))),
        undated=int(span[2]),
        period=period,
        published=_published(con, period),
        agencies=agencies,
        agencies_over_time=_agencies_over_time(con, period, sorted({a for a, _, _ in agencies})),
        largest_stories=_largest_stories(con, since=params["since"] if since else None, top=top),
        duplicates=_duplicates_by_source(con, top=top),
        name_pairs=_name_pairs(con, top=2 * top),
        name_pair_count=int((con.execute("SELECT count(*) FROM (SELECT DISTINCT variant, canonical FROM name_variants)")
                             .fetchone() or (0,))[0]),
        quarantine=_quarantine(con, since=params["since"]),
        languages=_languages(con, since=params["since"], top=top),
    )


def _utc_day(column: str) -> str:
    """The UTC day of a timestamp column, from its epoch seconds: the same day as a cast to DATE on the
    UTC connections storage/ opens, without the cast's per-row time-zone conversion."""
    return f"DATE '1970-01-01' + CAST(floor(epoch({column}) / 86400) AS INTEGER)"


def _create_report_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Two temporary tables the figures share, so each large join or aggregation runs once.

    `report_tags`: one row per (article, agency, role group) among `report_articles`. Only "supplied"
    joins two roles, so a credit that repeats the same agency's dateline is dropped (an anti-join on
    the credit rows) instead of counting distinct articles in every figure.
    `article_copies`: documents per article and the first of them (integer ids, cheap to join).
    """
    groups = "CASE " + " ".join(
        f"WHEN t.role IN ({', '.join(repr(r) for r in roles)}) THEN '{group}'" for group, roles in ROLE_GROUPS.items()
    ) + " END"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE report_tags AS
        SELECT t.article_id, t.agency, {groups} AS role_group, r.published
        FROM (SELECT article_id, agency, role FROM agency_tags WHERE role <> 'credit'
              UNION ALL
              SELECT article_id, agency, role FROM (SELECT * FROM agency_tags WHERE role = 'credit')
              ANTI JOIN (SELECT article_id, agency FROM agency_tags WHERE role = 'dateline') USING (article_id, agency)
             ) t
        JOIN report_articles r USING (article_id)
        WHERE role_group IS NOT NULL;

        CREATE OR REPLACE TEMP TABLE article_copies AS
        SELECT article_id, count(*) AS documents, min(document_id) AS first_document_id
        FROM documents GROUP BY article_id;
        """
    )


def _published(con: duckdb.DuckDBPyConnection, period: str) -> list[tuple[date, int]]:
    """Every period from the first dated article's to the last's, empty ones as 0 (a line must not skip them)."""
    rows = con.execute(
        f"""
        WITH span AS (SELECT date_trunc('{period}', min(published)) AS first, date_trunc('{period}', max(published)) AS last
                      FROM report_articles),
             periods AS (SELECT CAST(unnest(generate_series(CAST(first AS TIMESTAMP), CAST(last AS TIMESTAMP),
                                                            INTERVAL '1 {period}')) AS DATE) AS p FROM span),
             counted AS (SELECT CAST(date_trunc('{period}', published) AS DATE) AS p, count(*) AS n
                         FROM report_articles WHERE published IS NOT NULL GROUP BY p)
        SELECT p, coalesce(n, 0) FROM periods LEFT JOIN counted USING (p) ORDER BY p
        """
    ).fetchall()
    return [(p, int(n)) for p, n in rows]


def _agencies_by_role(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, int]]:
    rows = con.execute(
        """
        WITH grouped AS (SELECT agency, role_group, count(*) AS articles FROM report_tags GROUP BY ALL),
             top AS (SELECT agency FROM grouped GROUP BY agency ORDER BY max(articles) DESC, agency LIMIT $top)
        SELECT agency, role_group, articles FROM grouped SEMI JOIN top USING (agency) ORDER BY agency, role_group
        """,
        {"top": TOP_AGENCIES},
    ).fetchall()
    return [(str(a), str(g), int(n)) for a, g, n in rows]


def _agencies_over_time(
    con: duckdb.DuckDBPyConnection, period: str, agencies: list[str]
) -> list[tuple[date, str, str, int]]:
    rows = con.execute(
        f"""
        SELECT CAST(date_trunc('{period}', published) AS DATE) AS p, agency, role_group, count(*)
        FROM report_tags
        WHERE published IS NOT NULL AND role_group IN ('supplied', 'cited') AND list_contains($agencies, agency)
        GROUP BY ALL ORDER BY p, agency, role_group
        """,
        {"agencies": agencies},
    ).fetchall()
    return [(p, str(a), str(g), int(n)) for p, a, g, n in rows]


def _languages(con: duckdb.DuckDBPyConnection, *, since: datetime, top: int) -> list[tuple[str, int]]:
    """What `daily_language_articles` sums to, without the view's cast of every article's day."""
    rows = con.execute(
        "SELECT coalesce(language, 'und') AS language, count(*) FROM articles "
        "WHERE coalesce(published_at, first_seen_at) >= $since GROUP BY ALL ORDER BY 2 DESC, 1 LIMIT $top",
        {"since": since, "top": top},
    ).fetchall()
    return [(str(language), int(n)) for language, n in rows]


def _largest_stories(con: duckdb.DuckDBPyConnection, *, since: datetime | None, top: int) -> list[tuple[str, int, int]]:
    """Stories with the most documents. A story's id is the id of one of its articles, and almost every
    story has one article: only the few merged stories need their articles joined."""
    recent = "" if since is None else "SEMI JOIN (SELECT story_id FROM stories WHERE last_seen_at >= $since) USING (story_id)"
    rows = con.execute(
        f"""
        WITH merged_articles AS (SELECT article_id, story_id FROM articles WHERE story_id <> article_id),
             merged AS (SELECT story_id, story_id AS article_id FROM merged_articles
                        UNION SELECT story_id, article_id FROM merged_articles),
             per_story AS (
                 SELECT m.story_id, sum(c.documents) AS documents
                 FROM merged m JOIN article_copies c USING (article_id) GROUP BY m.story_id
                 UNION ALL
                 SELECT c.article_id, c.documents FROM article_copies c ANTI JOIN merged m USING (article_id)
                 WHERE c.documents > 1
             ),
             largest AS (
                 SELECT story_id, documents FROM per_story {recent}
                 WHERE documents > 1 ORDER BY documents DESC, story_id LIMIT $top
             )
        SELECT any_value(r.title) AS title, l.documents, count(DISTINCT d.source_uri) AS sources
        FROM largest l JOIN stories s USING (story_id) JOIN articles r ON r.article_id = s.representative_article_id
        JOIN articles a ON a.story_id = l.story_id JOIN documents d ON d.article_id = a.article_id
        GROUP BY l.story_id, l.documents ORDER BY l.documents DESC, title
        """,
        {"top": top} if since is None else {"top": top, "since": since},
    ).fetchall()
    return [(str(t), int(d), int(s)) for t, d, s in rows]


def _duplicates_by_source(con: duckdb.DuckDBPyConnection, *, top: int) -> list[tuple[str, int, int]]:
    """Per feed, or per folder of files (one file is one document, so a file alone says nothing).

    A duplicate is a document that is not its article's first: a source's duplicates are its documents
    less the first documents it delivered.
    """
    rows = con.execute(
        """
        WITH delivered AS (SELECT source_kind, source_uri, count(*) AS documents FROM documents GROUP BY ALL),
             firsts AS (SELECT d.source_kind, d.source_uri, count(*) AS firsts
                        FROM article_copies c JOIN documents d ON d.document_id = c.first_document_id GROUP BY ALL)
        SELECT CASE WHEN source_kind = 'file' THEN regexp_replace(source_uri, '/[^/]*$', '') ELSE source_uri END AS source,
               sum(documents) AS documents, sum(documents - coalesce(firsts, 0)) AS duplicates
        FROM delivered LEFT JOIN firsts USING (source_kind, source_uri)
        GROUP BY source ORDER BY documents DESC, source LIMIT $top
        """,
        {"top": top},
    ).fetchall()
    return [(str(s), int(d), int(n)) for s, d, n in rows]


def _name_pairs(con: duckdb.DuckDBPyConnection, *, top: int) -> list[tuple[str, str, int, int]]:
    rows = con.execute(
        """
        SELECT variant, canonical, count(*) FILTER (WHERE applied), count(*) FILTER (WHERE NOT applied)
        FROM name_variants GROUP BY ALL ORDER BY 3 DESC, count(*) DESC, variant, canonical LIMIT $top
        """,
        {"top": top},
    ).fetchall()
    return [(str(v), str(c), int(a), int(p)) for v, c, a, p in rows]


def _quarantine(con: duckdb.DuckDBPyConnection, *, since: datetime) -> list[tuple[str, int]]:
    rows = con.execute(
        "SELECT reason, items FROM quarantine_by_reason WHERE last_at >= $since ORDER BY items DESC, reason",
        {"since": since},
    ).fetchall()
    return [(str(r), int(n)) for r, n in rows]
