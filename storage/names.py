"""Names across articles: who is written after which first name, and links between spellings.

Within one article, name repair is decided in `ingest.names`. Across articles the corpus is needed:
each batch's new (first name, surname) forms are compared with the stored forms after the same first
name, and the pairs `ingest.names.judge_link` accepts become rows of `name_links`. Nothing stored is
rewritten: the `person_mentions` view reads linked spellings as their canonical form.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import duckdb
import pyarrow as pa

from ingest.name_aliases import NameAliases
from ingest.names import (
    LONG_FORM_EDITS,
    LONG_FORM_LENGTH,
    MIN_FORM_LENGTH,
    MIN_SIMILARITY,
    MIN_SIMILARITY_ONE_EDIT,
    SHORT_FORM_EDITS,
    judge_link,
)
from ingest.records import NameLink, PersonName
from storage.arrow import registered

# Surname pairs SQL lets through to the judge, by the lengths and distances `ingest.names` uses
# within an article (passed as parameters, so the two cannot drift). It lets through a little more
# than the judge takes: Damerau-Levenshtein is never above the judge's optimal string alignment, and
# the lower of its two Jaro-Winkler floors applies; `judge_link` then decides exactly. `names_new`
# holds the batch's new articles; names are linked after stories, since same-story evidence needs
# the merged stories.
_CANDIDATES = """
    WITH new_forms AS (
        SELECT DISTINCT given, surname FROM article_names SEMI JOIN names_new USING (article_id)
    ),
    forms AS (
        SELECT DISTINCT given, surname FROM article_names
        SEMI JOIN (SELECT DISTINCT given FROM new_forms) USING (given)
    )
    SELECT DISTINCT n.given, least(n.surname, f.surname) AS a, greatest(n.surname, f.surname) AS b
    FROM new_forms n JOIN forms f ON f.given = n.given AND f.surname <> n.surname
    WHERE least(length(n.surname), length(f.surname)) >= $min_length
      AND damerau_levenshtein(n.surname, f.surname)
          <= CASE WHEN least(length(n.surname), length(f.surname)) >= $long_length THEN $long_edits ELSE $short_edits END
      AND jaro_winkler_similarity(n.surname, f.surname) >= $min_similarity
    ORDER BY ALL
"""
_CANDIDATE_RULES = {
    "min_length": MIN_FORM_LENGTH, "long_length": LONG_FORM_LENGTH, "long_edits": LONG_FORM_EDITS,
    "short_edits": SHORT_FORM_EDITS, "min_similarity": min(MIN_SIMILARITY, MIN_SIMILARITY_ONE_EDIT),
}


def _stories_of_forms(
    con: duckdb.DuckDBPyConnection, forms: set[tuple[str, str]]
) -> dict[tuple[str, str], dict[str, int]]:
    """For each (first name, surname): the stories whose articles write it, with how many articles each."""
    table = pa.table({"given": [g for g, _ in forms], "surname": [s for _, s in forms]})
    with registered(con, arrow_forms=table):
        rows = con.execute(
            """
            SELECT n.given, n.surname, a.story_id, count(*) FROM article_names n JOIN articles a USING (article_id)
            SEMI JOIN arrow_forms USING (given, surname) GROUP BY ALL
            """
        ).fetchall()
    found: dict[tuple[str, str], dict[str, int]] = {form: {} for form in forms}
    for given, surname, story, articles in rows:
        found[(given, surname)][story] = articles
    return found


def _articles_of_forms(con: duckdb.DuckDBPyConnection, forms: set[str]) -> dict[str, int]:
    """How many stored articles write each surname form (`name_forms`), whatever the first name."""
    with registered(con, arrow_forms=pa.table({"form": pa.array(sorted(forms), pa.string())})):
        rows = con.execute("SELECT form, articles FROM name_forms SEMI JOIN arrow_forms USING (form)").fetchall()
    return {str(form): int(articles) for form, articles in rows}


def add_person_names(
    con: duckdb.DuckDBPyConnection,
    article_ids: Sequence[str],
    names: Sequence[Sequence[PersonName]],
    /,
    *,
    count_forms: bool = True,
) -> None:
    """Store the first-name/surname forms of new articles, and count their surnames in `name_forms`.

    The count is kept as loads go, in the batch's transaction: the corpus as evidence for a spelling
    ("Blinken" in 31 articles, "Blinke" only here) costs one grouped upsert per batch, never a scan.
    """
    rows = [(a, n) for a, found in zip(article_ids, names) for n in found]
    table = pa.table(
        {
            "article_id": pa.array([a for a, _ in rows], pa.string()),
            "given": pa.array([n.given for _, n in rows], pa.string()),
            "surname": pa.array([n.surname for _, n in rows], pa.string()),
            "occurrences": pa.array([n.occurrences for _, n in rows], pa.int32()),
        }
    )
    with registered(con, arrow_person_names=table):
        con.execute("INSERT INTO article_names BY NAME SELECT * FROM arrow_person_names")
        if count_forms:  # an UPDATE and an INSERT, not ON CONFLICT: a DuckLake table has no key to conflict on
            con.execute(
                """
                UPDATE name_forms f SET articles = f.articles + n.articles
                FROM (SELECT surname AS form, count(DISTINCT article_id) AS articles
                      FROM arrow_person_names GROUP BY surname) n
                WHERE f.form = n.form
                """
            )
            con.execute(
                """
                INSERT INTO name_forms
                SELECT surname, count(DISTINCT article_id) FROM arrow_person_names p
                WHERE NOT EXISTS (SELECT 1 FROM name_forms f WHERE f.form = p.surname)
                GROUP BY surname
                """
            )


def link_names(
    con: duckdb.DuckDBPyConnection,
    article_ids: Sequence[str],
    /,
    *,
    aliases: NameAliases,
    run_id: str | None,
    now: datetime,
    corpus_evidence: bool = True,
) -> int:
    """Judge the spelling pairs new articles bring (pairs already judged are judged again with today's counts).

    With `corpus_evidence`, how many stored articles write each spelling (`name_forms`) weighs in.

    Returns how many pair judgments failed: a bug to report, but never a reason to lose the batch
    (DESIGN §3), so such a pair is left unjudged and the run counts it.
    """
    with registered(con, names_new=pa.table({"article_id": pa.array(article_ids, pa.string())})):
        pairs = con.execute(_CANDIDATES, _CANDIDATE_RULES).fetchall()
    if not pairs:
        return 0
    stories = _stories_of_forms(con, {(given, form) for given, a, b in pairs for form in (a, b)})
    corpus = _articles_of_forms(con, {form for _, a, b in pairs for form in (a, b)}) if corpus_evidence else {}
    found: dict[tuple[str, str, str], NameLink] = {}
    failures = 0
    for given, a, b in pairs:
        stories_a, stories_b = stories[(given, a)], stories[(given, b)]
        articles = {a: sum(stories_a.values()), b: sum(stories_b.values())}
        try:
            judged = judge_link(given, a, b, articles=articles, same_story=bool(stories_a.keys() & stories_b.keys()),
                                aliases=aliases, corpus=corpus)
        except Exception:  # noqa: BLE001 - one pair's failure must not roll back the batch
            failures += 1
            continue
        for link in judged:
            found.setdefault((link.given, link.variant, link.canonical), link)
    links = list(found.values())
    if not links:
        return failures
    table = pa.table(
        {
            "given": pa.array([link.given for link in links], pa.string()),
            "variant": pa.array([link.variant for link in links], pa.string()),
            "canonical": pa.array([link.canonical for link in links], pa.string()),
            "evidence": pa.array([link.evidence for link in links], pa.string()),
            "linked": pa.array([link.linked for link in links], pa.bool_()),
            "detail": pa.array([link.detail for link in links], pa.string()),
        }
    )
    with registered(con, arrow_links=table):
        con.execute(
            """
            DELETE FROM name_links l USING arrow_links n
            WHERE l.given = n.given AND least(l.variant, l.canonical) = least(n.variant, n.canonical)
              AND greatest(l.variant, l.canonical) = greatest(n.variant, n.canonical)
            """
        )
        con.execute(
            "INSERT INTO name_links BY NAME SELECT *, $run_id AS run_id, $now AS decided_at FROM arrow_links",
            {"run_id": run_id, "now": now},
        )
    return failures
