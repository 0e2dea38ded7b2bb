"""What one run did, read back from the tables it wrote: the source of run reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

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


@dataclass(frozen=True)
class OverviewData:
    """What the `newsflow report` page shows, read from the views."""

    totals: dict[str, int]  # documents, articles, stories, sources, quarantined
    supplied: list[tuple[date, str, int]]  # (day, agency, articles) with role dateline or credit
    cited: list[tuple[date, str, int]]  # (day, agency, articles) with role cited
    largest_stories: list[tuple[str, int, int]]  # (title, documents, sources)
    duplicate_rates: list[tuple[str, int, float]]  # (source, documents, duplicate rate), largest sources
    name_variants: list[tuple[str, bool, int]]  # (evidence, applied, rows)
    quarantine: list[tuple[str, int]]  # (reason, items)
    languages: list[tuple[str, int]] = field(default_factory=list)  # (ISO 639-1 or 'und', articles), largest first


def overview(con: duckdb.DuckDBPyConnection, /, *, since: date | None, top: int = 10) -> OverviewData:
    """Figures for the report page; `since` limits dated figures to articles first seen or published since."""
    first_day = since or date(1, 1, 1)
    params = {"since": first_day, "top": top}
    totals = con.execute(
        """
        SELECT (SELECT count(*) FROM documents WHERE CAST(ingested_at AS DATE) >= $since),
               (SELECT count(*) FROM articles WHERE CAST(first_seen_at AS DATE) >= $since),
               (SELECT count(*) FROM stories WHERE CAST(last_seen_at AS DATE) >= $since),
               (SELECT count(DISTINCT source_uri) FROM documents WHERE CAST(ingested_at AS DATE) >= $since),
               (SELECT count(*) FROM quarantine WHERE CAST(quarantined_at AS DATE) >= $since)
        """,
        {"since": first_day},
    ).fetchone() or (0, 0, 0, 0, 0)

    def by_day(roles: str) -> list[tuple[date, str, int]]:
        rows = con.execute(
            f"""
            SELECT CAST(coalesce(a.published_at, a.first_seen_at) AS DATE) AS day, t.agency,
                   count(DISTINCT t.article_id)  -- an article both datelined and credited counts once
            FROM agency_tags t JOIN articles a USING (article_id)
            WHERE t.role IN ({roles}) AND day >= $since GROUP BY ALL ORDER BY day, t.agency
            """,
            {"since": first_day},
        ).fetchall()
        return [(d, str(a), int(n)) for d, a, n in rows]

    stories = con.execute(
        "SELECT title, documents, sources FROM story_overview WHERE CAST(last_seen_at AS DATE) >= $since "
        "ORDER BY documents DESC, title LIMIT $top",
        params,
    ).fetchall()
    duplicates = con.execute(
        "SELECT source_uri, documents, duplicate_rate FROM source_duplicates ORDER BY documents DESC, source_uri LIMIT $top",
        {"top": top},
    ).fetchall()
    names = con.execute("SELECT evidence, applied, count(*) FROM name_review GROUP BY ALL ORDER BY ALL").fetchall()
    quarantine = con.execute(
        "SELECT reason, items FROM quarantine_by_reason WHERE CAST(last_at AS DATE) >= $since ORDER BY items DESC, reason",
        {"since": first_day},
    ).fetchall()
    languages = con.execute(
        "SELECT language, sum(articles) FROM daily_language_articles WHERE day >= $since "
        "GROUP BY language ORDER BY 2 DESC, 1 LIMIT $top",
        params,
    ).fetchall()
    return OverviewData(
        totals=dict(zip(("documents", "articles", "stories", "sources", "quarantined"), map(int, totals))),
        supplied=by_day("'dateline', 'credit'"),
        cited=by_day("'cited'"),
        largest_stories=[(str(t), int(d), int(s)) for t, d, s in stories],
        duplicate_rates=[(str(u), int(d), float(r)) for u, d, r in duplicates],
        name_variants=[(str(e), bool(a), int(n)) for e, a, n in names],
        quarantine=[(str(r), int(n)) for r, n in quarantine],
        languages=[(str(language), int(n)) for language, n in languages],
    )
