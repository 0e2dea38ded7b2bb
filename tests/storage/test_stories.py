"""Stories: near-duplicate articles share a story; related or templated ones do not (DESIGN §2)."""

from __future__ import annotations

import uuid
from itertools import permutations
from pathlib import Path

import pytest

from ingest.batch import prepare_batch
from ingest.records import Batch, RawItem
from ingest.stories import StoryThresholds
from storage import Database

PARAGRAPHS = [
    "GENEVA (Reuters) - Foreign ministers from twelve countries met in Geneva on Tuesday to agree a plan "
    "for shipping grain out of the Black Sea ports, officials said after the talks ended late in the evening.",
    "The plan sets up a joint inspection centre in Istanbul where ships will be checked for weapons before "
    "they sail, and it gives insurers the guarantees they had asked for since the spring.",
    "Diplomats said the hardest question was who would pay for the inspectors. In the end the United "
    "Nations agreed to cover the first six months while the other costs are shared among the signatories.",
    "Farmers' groups welcomed the deal but warned that the harvest was already late and that storage "
    "space was running out in many regions, which could push local prices down further this autumn.",
    "Shipping companies were more cautious. Several said they would wait to see the first convoys leave "
    "port safely before sending their own vessels, citing the mines that still drift along the coast.",
    "The ministers are due to meet again next month to review how the inspections are working and "
    "whether the corridor can be widened to take fertiliser and other goods as well as grain.",
]
ARTICLE = "Ministers agree Black Sea grain plan\n\n" + "\n\n".join(PARAGRAPHS) + "\n"

# The same report from another outlet: new headline, the fourth paragraph dropped, its own credit line.
REPUBLISHED = (
    "Grain corridor deal reached in Geneva\n\n"
    + "\n\n".join(p for i, p in enumerate(PARAGRAPHS) if i != 3)
    + "\n\n(Reporting by the Geneva newsroom; editing by Anna Kowalska)\n"
)

# Another article about the same event, written independently.
SAME_EVENT = (
    "What the Geneva grain deal means for bread prices\n\n"
    "Bakers across North Africa have been watching the Geneva talks closely, because most of the flour "
    "they use is milled from wheat that leaves through the Black Sea.\n\n"
    "Economists say the corridor agreed on Tuesday will not lower prices at once. Freight and insurance "
    "costs stay high, and millers bought ahead at last year's prices.\n\n"
    "Still, traders in Cairo and Tunis said the deal removed the worst fear, that no grain would move at "
    "all before winter, and wholesale quotes eased a little on Wednesday morning.\n"
)

# The earlier, shorter version of ARTICLE: its first three paragraphs, published an hour before.
EARLIER = "Ministers near grain deal in Geneva\n\n" + "\n\n".join(PARAGRAPHS[:3]) + "\n"

MARKET_TEMPLATE = (
    "Fed adds reserves via customer repurchases\n\n"
    "NEW YORK, March {day} - The Federal Reserve entered the government securities market to arrange "
    "{amount} billion dlrs of customer repurchase agreements, a Fed spokesman said.\n\n"
    "Dealers said federal funds were trading at {rate} pct when the Fed began its temporary and indirect "
    "supply of reserves to the banking system through the customer repurchase agreements it arranged.\n\n"
    "The Fed said the agreements would mature on the following business day and that it would announce "
    "any further action in the market at the usual time on the next morning of trading.\n"
)
MONDAY_REPORT = MARKET_TEMPLATE.format(day=2, amount="1.5", rate="6-1/8")
TUESDAY_REPORT = MARKET_TEMPLATE.format(day=3, amount="2.5", rate="6-3/16")


def _batch(texts: dict[str, str]) -> Batch:
    return prepare_batch([RawItem("file", name, name, text.encode(), ".txt") for name, text in texts.items()])


def _ingest(db: Database, *batches: dict[str, str]) -> None:
    for texts in batches:
        run_id = uuid.uuid4().hex
        db.start_run(run_id, flow="test", parameters={})
        db.add_batch(_batch(texts), run_id=run_id)
        db.finish_run(run_id, status="completed")


def _story_of(db: Database) -> dict[str, str]:
    """source file -> story id"""
    rows = db.query("SELECT d.item_key, a.story_id FROM documents d JOIN articles a USING (article_id)").rows
    return {str(key): str(story) for key, story in rows}


def _verdict(db: Database, first: str, second: str) -> tuple[str, float, float]:
    rows = db.query(
        """
        SELECT s.verdict, s.jaccard, s.containment
        FROM story_decisions s
        JOIN documents a ON a.article_id IN (s.article_id, s.other_article_id)
        JOIN documents b ON b.article_id IN (s.article_id, s.other_article_id) AND b.article_id <> a.article_id
        WHERE a.item_key = $first AND b.item_key = $second
        """,
        {"first": first, "second": second},
    ).rows
    assert len(rows) == 1, f"expected one decision for {first} and {second}, found {rows}"
    verdict, jaccard, containment = rows[0]
    return str(verdict), float(jaccard), float(containment)  # type: ignore[arg-type]


def test_a_lightly_edited_republication_shares_the_story(db_path: Path) -> None:
    db = Database(db_path)
    _ingest(db, {"original.txt": ARTICLE}, {"republished.txt": REPUBLISHED})
    stories = _story_of(db)
    assert stories["original.txt"] == stories["republished.txt"]
    verdict, jaccard, containment = _verdict(db, "original.txt", "republished.txt")
    assert verdict in {"same_story", "update"} and containment >= 0.8
    assert db.query("SELECT count(*), max(article_count) FROM stories").rows == [(1, 2)]
    assert db.query("SELECT count(*) FROM articles").rows == [(2,)]  # still two articles: the bodies differ


def test_two_articles_about_one_event_are_different_stories(db_path: Path) -> None:
    db = Database(db_path)
    _ingest(db, {"original.txt": ARTICLE, "analysis.txt": SAME_EVENT})
    stories = _story_of(db)
    assert stories["original.txt"] != stories["analysis.txt"]
    assert db.query("SELECT count(*) FROM story_decisions WHERE verdict IN ('same_story', 'update')").rows == [(0,)]


def test_daily_market_reports_that_differ_only_in_their_figures_are_kept_apart(db_path: Path) -> None:
    db = Database(db_path)
    _ingest(db, {"monday.txt": MONDAY_REPORT}, {"tuesday.txt": TUESDAY_REPORT})
    stories = _story_of(db)
    assert stories["monday.txt"] != stories["tuesday.txt"]
    verdict, jaccard, _ = _verdict(db, "monday.txt", "tuesday.txt")
    assert verdict == "numbers_differ"
    assert jaccard >= 0.6  # nearly the same words: only the numbers tell them apart


def test_a_figure_written_with_a_thousands_separator_is_the_same_number(db_path: Path) -> None:
    db = Database(db_path)
    _ingest(db, {"separator.txt": MONDAY_REPORT + "\nAbout 2,000 dealers took part.\n"},
            {"plain.txt": MONDAY_REPORT + "\nAbout 2000 dealers took part.\n"})
    stories = _story_of(db)
    assert stories["separator.txt"] == stories["plain.txt"]
    assert _verdict(db, "separator.txt", "plain.txt") == ("same_story", 1.0, 1.0)


def test_an_update_that_contains_the_earlier_version_shares_its_story(db_path: Path) -> None:
    db = Database(db_path)
    _ingest(db, {"earlier.txt": EARLIER}, {"update.txt": ARTICLE})
    stories = _story_of(db)
    assert stories["earlier.txt"] == stories["update.txt"]
    verdict, jaccard, containment = _verdict(db, "earlier.txt", "update.txt")
    assert verdict == "update"
    assert jaccard < 0.8 <= containment
    representative = db.query(
        "SELECT d.item_key FROM stories s JOIN documents d ON d.article_id = s.representative_article_id"
    ).rows
    assert representative == [("update.txt",)]  # the fuller version represents the story


def test_stories_do_not_depend_on_the_order_of_arrival(tmp_path: Path) -> None:
    texts = {
        "original.txt": ARTICLE,
        "republished.txt": REPUBLISHED,
        "earlier.txt": EARLIER,
        "analysis.txt": SAME_EVENT,
        "monday.txt": MONDAY_REPORT,
        "tuesday.txt": TUESDAY_REPORT,
    }
    outcomes = []
    for n, order in enumerate(list(permutations(texts))[::97]):
        db = Database(tmp_path / f"order-{n}.duckdb")
        _ingest(db, *({name: texts[name]} for name in order))
        outcomes.append(
            (
                _story_of(db),
                db.query("SELECT story_id, representative_article_id, article_count FROM stories ORDER BY 1").rows,
                db.query("SELECT article_id, other_article_id, verdict FROM story_decisions ORDER BY 1, 2").rows,
            )
        )
    assert len(outcomes) >= 5
    assert all(outcome == outcomes[0] for outcome in outcomes)
    stories = outcomes[0][0]
    assert stories["original.txt"] == stories["republished.txt"] == stories["earlier.txt"]
    assert len(set(stories.values())) == 4


def test_a_merge_of_two_stories_keeps_the_stories_table_consistent(db_path: Path) -> None:
    db = Database(db_path)
    # The earlier version and the republished copy do not overlap enough on their own (the copy lacks
    # the fourth paragraph, the earlier version everything after the third), so they start as two
    # stories; the full article joins both, and the two stories merge.
    _ingest(db, {"earlier.txt": EARLIER, "far.txt": "\n\n".join(["Grain talks", *PARAGRAPHS[4:]]) + "\n"})
    assert db.query("SELECT count(*) FROM stories").rows == [(2,)]
    _ingest(db, {"original.txt": ARTICLE})
    assert db.query("SELECT count(*), sum(article_count) FROM stories").rows == [(1, 3)]
    assert db.query(
        "SELECT count(*) FROM articles a LEFT JOIN stories s USING (story_id) WHERE s.story_id IS NULL"
    ).rows == [(0,)]
    # Three one-article stories became one: two ids retired, each recorded with the story it joined.
    survivor = db.query("SELECT story_id FROM stories").rows[0][0]
    merged = db.query("SELECT story_id, merged_into FROM story_merges ORDER BY 1").rows
    assert len(merged) == 2 and {into for _, into in merged} == {survivor}
    assert db.query("SELECT min(article_id) FROM articles").rows == [(survivor,)]


def test_thresholds_are_configuration(db_path: Path) -> None:
    strict = Database(db_path, story_thresholds=StoryThresholds(jaccard=0.99, containment=0.99))
    _ingest(strict, {"original.txt": ARTICLE}, {"republished.txt": REPUBLISHED})
    stories = _story_of(strict)
    assert stories["original.txt"] != stories["republished.txt"]
    verdict, _, containment = _verdict(strict, "original.txt", "republished.txt")
    assert verdict == "different" and containment >= 0.8  # recorded, so analysts can re-cut it in SQL


@pytest.mark.parametrize("body", ["", "Hello.", "One two", "One two three"])
def test_very_short_articles_are_stored_without_breaking_the_batch(db_path: Path, body: str) -> None:
    db = Database(db_path)
    texts = {"short.txt": f"A headline\n\n{body}\n", "original.txt": ARTICLE}
    _ingest(db, texts, {"again.txt": texts["short.txt"], "copy.txt": ARTICLE})
    stored = db.query("SELECT count(*) FROM documents").rows[0][0]
    quarantined = db.query("SELECT count(*) FROM quarantine").rows[0][0]
    assert stored + quarantined == 4  # nothing lost: an empty body is quarantined, the rest stored


def test_an_older_database_gets_stories_and_names_for_the_articles_it_holds(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import duckdb

    import storage.schema

    monkeypatch.setattr(storage.schema, "MIGRATIONS", storage.schema.MIGRATIONS[:4])
    with duckdb.connect(str(db_path)) as con:
        storage.schema.migrate(con, db_path)
        for article_id, body in (("a1", ARTICLE), ("b2", REPUBLISHED), ("c3", SAME_EVENT)):
            title, text = body.split("\n\n", 1)
            con.execute("INSERT INTO stories VALUES (?, ?, 1, now(), now())", [article_id, article_id])
            con.execute(
                "INSERT INTO articles (article_id, story_id, title, lede, body, word_count, first_seen_at, first_run_id,"
                " fingerprint_version) VALUES (?, ?, ?, '', ?, 100, now(), 'old', 1)",
                [article_id, article_id, title, text.strip()],
            )
    monkeypatch.undo()
    db = Database(db_path)
    assert db.migrate() == storage.schema.LATEST_VERSION
    assert db.query("SELECT article_id, story_id FROM articles ORDER BY 1").rows == [("a1", "a1"), ("b2", "a1"), ("c3", "c3")]
    assert db.query("SELECT story_id, article_count FROM stories ORDER BY 1").rows == [("a1", 2), ("c3", 1)]
    assert db.query("SELECT count(*) FROM story_sketches").rows == [(3,)]
    assert ("Anna", "Kowalska") in db.query("SELECT given, surname FROM article_names").rows


def _with_minister(text: str, surname: str) -> str:
    return text.replace("Diplomats said", f"US Secretary of State Antony {surname} said").replace(
        "Shipping companies were", f"Antony {surname} told reporters that shipping companies were"
    )


def test_a_misspelt_name_in_one_outlets_copy_is_linked_across_articles_never_rewritten(db_path: Path) -> None:
    db = Database(db_path)
    profile = ("Who is Antony Blinken?\n\nAntony Blinken has led American diplomacy since 2021. Mr Blinken has travelled "
               "to more than ninety countries, most recently to Geneva for the grain talks.\n")
    other_event = SAME_EVENT.replace("Economists say", "trader Antony Blinkem in Tunis and economists say")
    lavrova = MONDAY_REPORT.replace("a Fed spokesman said", "said Antonia Lavrova, a Fed spokeswoman")
    lavrov = TUESDAY_REPORT.replace("a Fed spokesman said", "said Antonia Lavrov, a Fed spokesman")
    _ingest(db, {"original.txt": _with_minister(ARTICLE, "Blinken"), "profile.txt": profile},
            {"copy.txt": _with_minister(REPUBLISHED, "Blinke")},
            {"other.txt": other_event, "monday.txt": lavrova, "tuesday.txt": lavrov})
    links = db.query("SELECT given, variant, canonical, evidence, linked FROM name_links ORDER BY ALL").rows
    assert ("Antony", "Blinke", "Blinken", "same_story", True) in links
    assert ("Antony", "Blinkem", "Blinken", "similar_spelling", False) in links  # another story: a proposal
    assert not [link for link in links if "Lavrov" in str(link[1])]  # two people, never linked
    body = db.query("SELECT a.body FROM articles a JOIN documents d USING (article_id) WHERE d.item_key = 'copy.txt'").rows
    assert "Antony Blinke said" in str(body[0][0])  # the stored text is not rewritten across articles
    mentions = db.query(
        "SELECT surname, count(DISTINCT article_id) FROM person_mentions WHERE given = 'Antony' GROUP BY 1 ORDER BY 1"
    ).rows
    assert mentions == [("Blinkem", 1), ("Blinken", 3)]
