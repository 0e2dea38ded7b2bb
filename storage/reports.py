"""What one run did, read back from the tables it wrote: the source of run reports."""

from __future__ import annotations

from dataclasses import dataclass

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
