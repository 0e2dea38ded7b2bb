"""The BBC corpus (2,225 real articles) through the command line: issue 2's acceptance checks."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from flows.cli import main
from storage import Database

pytestmark = pytest.mark.corpus


@pytest.fixture(scope="module")
def bbc_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Database, Path]]:
    from tests.conftest import CORPORA

    root = CORPORA / "bbc"
    if not root.is_dir():
        pytest.skip(f"BBC corpus not found at {root}")
    db_path = tmp_path_factory.mktemp("bbc") / "bbc.duckdb"
    assert main(["ingest", "files", str(root / "bbc"), "--db", str(db_path)]) == 0
    yield Database(db_path), root


def _rows(db: Database, sql: str) -> list[tuple[object, ...]]:
    return db.query(sql).rows


def _relative(item_key: object) -> str:
    return str(item_key).split("/bbc/bbc/")[1]


def test_every_file_is_a_document(bbc_db: tuple[Database, Path]) -> None:
    db, _ = bbc_db
    assert _rows(db, "SELECT count(*), count(DISTINCT item_key) FROM documents") == [(2225, 2225)]
    assert _rows(db, "SELECT count(*) FROM quarantine") == [(0,)]


def test_articles_are_the_distinct_bodies_without_headlines(bbc_db: tuple[Database, Path]) -> None:
    """DESIGN §2: a copy with only a new headline is the same article, so bodies alone are compared.

    Whole files (headline included) have 2,122-2,125 distinct texts; 38 BBC pairs differ only in the
    headline ("Tory backing for ID cards" / "Conservative backing for ID cards"), hence fewer articles.
    """
    db, root = bbc_db
    bodies = set()
    for path in (root / "bbc").rglob("*.txt"):
        text = path.read_bytes().decode("utf-8", errors="replace")
        bodies.add(" ".join(word.casefold() for word in re.findall(r"\w+", text.split("\n", 1)[1])))
    ((articles,),) = _rows(db, "SELECT count(*) FROM articles")
    assert articles == len(bodies)
    assert 2080 <= articles <= 2125


def test_every_known_duplicate_pair_shares_one_article(bbc_db: tuple[Database, Path]) -> None:
    db, root = bbc_db
    article_of = {_relative(key): article for key, article in _rows(db, "SELECT item_key, article_id FROM documents")}
    pairs = json.loads((root / "DUPLICATES.json").read_text())
    assert len(pairs) == 100
    assert [pair for pair in pairs if article_of[pair[0].removeprefix("bbc/")] != article_of[pair[1].removeprefix("bbc/")]] == []


def test_the_latin1_file_keeps_its_pound_sign(bbc_db: tuple[Database, Path]) -> None:
    db, _ = bbc_db
    ((raw, encoding, body),) = _rows(
        db, "SELECT d.raw_text, d.raw_encoding, a.body FROM documents d JOIN articles a USING (article_id) "
            "WHERE d.item_key LIKE '%/sport/199.txt'"
    )
    assert "£" in raw and "£" in body and encoding == "cp1252"
    assert "\ufffd" not in body


def test_every_article_has_a_detected_language_english(bbc_db: tuple[Database, Path]) -> None:
    """Issue 16: the BBC files declare no language; every article is detected as English."""
    db, _ = bbc_db
    assert _rows(db, "SELECT language, language_source, count(*) FROM articles GROUP BY ALL") == [
        ("en", "detected", _rows(db, "SELECT count(*) FROM articles")[0][0])
    ]
