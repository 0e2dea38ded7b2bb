"""What new articles are linked to once stored, in the one order that works: stories, then names.

Names are linked after stories because same-story evidence needs the merged stories. A batch load
(`storage.load`) and the upgrade of an older database (`storage.schema`, migration 5) both call
`link_articles`, so the order is written once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import duckdb

from ingest.name_aliases import NameAliases
from ingest.records import PersonName, StorySketch
from ingest.stories import StoryThresholds
from storage.names import add_person_names, link_names
from storage.stories import add_sketches, link_new_articles


def link_articles(
    con: duckdb.DuckDBPyConnection,
    article_ids: Sequence[str],
    sketches: Sequence[StorySketch],
    persons: Sequence[Sequence[PersonName]],
    /,
    *,
    thresholds: StoryThresholds,
    aliases: NameAliases,
    run_id: str | None,
    now: datetime,
    name_forms: bool = True,
) -> int:
    """Store the new articles' sketches and names, decide their stories, then link their names.

    Returns how many name-link judgments failed (see `storage.names.link_names`). `name_forms` is
    false only for migration 5's backfill, which runs before migration 10 creates that table (and
    fills it from `article_names`).
    """
    add_sketches(con, article_ids, sketches)
    link_new_articles(con, article_ids, thresholds=thresholds, run_id=run_id, now=now)
    add_person_names(con, article_ids, persons, count_forms=name_forms)
    return link_names(con, article_ids, aliases=aliases, run_id=run_id, now=now, corpus_evidence=name_forms)
