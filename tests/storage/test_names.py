"""Names across articles in the store: linking never sinks a batch (issue 13, DESIGN §3)."""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.batch import prepare_batch
from ingest.name_aliases import load_name_aliases
from ingest.records import RawItem
from storage import Database
from storage import names as storage_names


def _article(surnames: list[str]) -> str:
    """An article long enough to be kept, naming one person as given."""
    sentences = " ".join(f"President Volodymyr {surname} spoke to reporters in Kyiv on day {i}." for i, surname in enumerate(surnames))
    return f"Talks in Kyiv\n\n{sentences} Officials said the talks would go on next week.\n"


def _store(db: Database, texts: dict[str, str]) -> str:
    run_id = uuid.uuid4().hex
    db.start_run(run_id, flow="test", parameters={})
    items = [RawItem("file", key, key, text.encode(), ".txt") for key, text in texts.items()]
    db.add_batch(prepare_batch(items, aliases=db.aliases), run_id=run_id)
    db.finish_run(run_id, status="completed")
    return run_id


def test_a_failing_name_judgment_skips_that_pair_and_the_run_counts_it(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_judge = storage_names.judge_link

    def judge_with_a_bug(given: str, a: str, b: str, /, **kwargs: object):  # type: ignore[no-untyped-def]
        if "Zelenskiy" in (a, b):
            raise KeyError(a)
        return real_judge(given, a, b, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(storage_names, "judge_link", judge_with_a_bug)
    db = Database(db_path)
    run_id = _store(db, {"one.txt": _article(["Zelenskiy"] * 3), "two.txt": _article(["Zelenskyy"] * 2),
                         "three.txt": _article(["Kowalczyk", "Kowalczyk"]), "four.txt": _article(["Kowalczky"])})
    assert db.query("SELECT count(*) FROM articles").rows == [(4,)]
    assert db.query("SELECT status, names_unjudged FROM runs WHERE run_id = $r", {"r": run_id}).rows == [("completed", 1)]
    assert db.query("SELECT variant, canonical FROM name_links").rows == [("Kowalczky", "Kowalczyk")]


@st.composite
def _corpus(draw: st.DrawFn) -> tuple[list[list[str]], list[tuple[str, list[str]]]]:
    forms = st.sampled_from(["Zelensky", "Zelenskiy", "Zelenskyy", "Zelenskyi", "Selenskyj", "Zelenska", "Zelenskij"])
    articles = draw(st.lists(st.lists(forms, min_size=1, max_size=4), min_size=1, max_size=5))
    aliases = draw(st.lists(st.tuples(forms, st.lists(forms, max_size=3)), max_size=3))
    return articles, aliases


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corpus=_corpus())
def test_any_spellings_and_alias_table_store_every_article_and_judge_every_pair(
    corpus: tuple[list[list[str]], list[tuple[str, list[str]]]],
) -> None:
    articles, aliases = corpus
    with tempfile.TemporaryDirectory() as folder:
        table = Path(folder) / "aliases.tsv"
        table.write_text("canonical\tvariants\tsource\n" + "".join(
            f"{canonical}\t{'|'.join(variants)}\ttest\n" for canonical, variants in aliases
        ), encoding="utf-8")
        db = Database(Path(folder) / "news.duckdb", aliases=load_name_aliases(table))
        for i, surnames in enumerate(articles):  # one batch per article: each judged against what is stored
            _store(db, {f"{i}.txt": _article(surnames)})
        assert db.query("SELECT count(*), count(DISTINCT article_id) > 0 FROM documents").rows == [(len(articles), True)]
        assert db.query("SELECT sum(names_unjudged), count(*) FILTER (status <> 'completed') FROM runs").rows == [(0, 0)]


_TOPICS = [
    "grain exports through the Black Sea ports", "a ceasefire along the northern border", "sanctions on oil tankers",
    "aid convoys crossing into the south", "a prisoner exchange agreed last winter", "power stations damaged by drones",
]


def _briefing(surname: str, topic: str) -> str:
    """Articles of different stories: each about its own topic, naming one minister."""
    return (f"Talks on {topic}\n\nSecretary of State Antony {surname} discussed {topic} with envoys on Monday. "
            f"Officials expect {topic} to dominate the meeting, and Mr {surname} will report back next week.\n")


def test_the_stored_articles_spelling_links_a_lone_slip_across_stories(db_path: Path) -> None:
    """Issue 13 item 2: "Blinken" in five stored articles, "Blinke" only in a new one: linked by the corpus."""
    db = Database(db_path)
    _store(db, {f"{i}.txt": _briefing("Blinken", topic) for i, topic in enumerate(_TOPICS[:5])})
    assert db.query("SELECT form, articles FROM name_forms").rows == [("Blinken", 5)]
    _store(db, {"slip.txt": _briefing("Blinke", _TOPICS[5])})
    assert db.query("SELECT form, articles FROM name_forms ORDER BY form").rows == [("Blinke", 1), ("Blinken", 5)]
    assert db.query("SELECT count(DISTINCT story_id) FROM articles").rows == [(6,)]
    link = db.query("SELECT variant, canonical, evidence, linked, detail FROM name_links").rows
    assert [row[:4] for row in link] == [("Blinke", "Blinken", "corpus", True)]
    assert "Blinke in 1 stored articles, Blinken in 5" in str(link[0][4])
    mentions = db.query("SELECT surname, count(*) FROM person_mentions GROUP BY 1").rows
    assert mentions == [("Blinken", 6)]


def test_a_spelling_few_articles_write_is_only_a_proposal(db_path: Path) -> None:
    db = Database(db_path)
    _store(db, {f"{i}.txt": _briefing("Blinken", topic) for i, topic in enumerate(_TOPICS[:2])})
    _store(db, {"slip.txt": _briefing("Blinke", _TOPICS[5])})
    assert db.query("SELECT variant, canonical, evidence, linked FROM name_links").rows == [
        ("Blinke", "Blinken", "similar_spelling", False)
    ]
