"""The 20 real outlet feeds, served on loopback, through `newsflow ingest feeds` (issue 3)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

from flows.cli import main
from storage import Database
from tests.feedserver import FeedServer, conditional

pytestmark = pytest.mark.corpus
ARABIC_SCRIPT = re.compile(r"[\u0600-\u06ff]")
MOJIBAKE = re.compile(r"Ã.|â€|Â[^\w\s]")


@pytest.fixture(scope="module")
def real_feeds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Database, dict[str, dict[str, object]]]]:
    from tests.conftest import CORPORA

    folder = CORPORA / "real-feeds"
    if not folder.is_dir():
        pytest.skip(f"real feeds not found at {folder}")
    manifest = {entry["file"]: entry for entry in json.loads((folder / "MANIFEST.json").read_text())}
    tmp = tmp_path_factory.mktemp("real-feeds")
    db_path = tmp / "feeds.duckdb"
    with FeedServer() as server:
        urls = {name: server.route(f"/{name}", conditional(lambda p=folder / name: p.read_bytes(),
                                                             content_type="application/xml"))
                for name in manifest}
        config = tmp / "feeds.toml"
        config.write_text("".join(f'[[feeds]]\nurl = "{url}"\n' for url in urls.values()))
        for _ in range(2):  # the second run polls the unchanged feeds again
            assert main(["ingest", "feeds", "--config", str(config), "--db", str(db_path), "--force"]) == 0
        yield Database(db_path), {urls[name]: entry for name, entry in manifest.items()}


def test_every_entry_is_kept_as_a_document_or_a_quarantine_row(real_feeds) -> None:  # type: ignore[no-untyped-def]
    db, manifest = real_feeds
    kept = dict(db.query(
        "SELECT source_uri, sum(n) FROM (SELECT source_uri, count(*) n FROM documents GROUP BY 1 "
        "UNION ALL SELECT source_uri, count(*) FROM quarantine GROUP BY 1) GROUP BY 1").rows)
    expected = {url: entry["feedparser_6.0.14_observed"]["entries"] for url, entry in manifest.items()}
    assert {url: kept.get(url, 0) for url in expected} == expected
    assert sum(expected.values()) == 389


def test_a_second_poll_of_unchanged_feeds_adds_nothing(real_feeds) -> None:  # type: ignore[no-untyped-def]
    db, _ = real_feeds
    second = db.query("SELECT seen_count, new_count, unchanged_count, status FROM runs ORDER BY started_at").rows[-1]
    assert second == (0, 0, 0, "completed")
    assert db.query("SELECT count(*) FROM feeds WHERE last_status = 304").rows == [(19,)]


def test_text_has_no_mojibake_and_urdu_survives(real_feeds) -> None:  # type: ignore[no-untyped-def]
    db, _ = real_feeds
    texts = db.query("SELECT title || ' ' || body FROM articles").rows
    assert [t for (t,) in texts if MOJIBAKE.search(str(t))] == []
    urdu = db.query("SELECT a.title FROM articles a JOIN documents d USING (article_id) "
                    "WHERE d.source_uri LIKE '%urdu%'").rows
    assert len(urdu) == 26 and all(ARABIC_SCRIPT.search(str(title)) for (title,) in urdu)


def test_the_invalid_reuters_feed_is_recorded_as_failing_in_words(real_feeds) -> None:  # type: ignore[no-untyped-def]
    db, _ = real_feeds
    ((error, failures),) = db.query(
        "SELECT last_error, consecutive_failures FROM feeds WHERE url LIKE '%rss_2.0_invalid_1.xml'").rows
    assert str(error).startswith("the feed is not well-formed XML (line 19, column 84") and failures == 2


def test_every_article_has_a_language_and_urdu_is_urdu(real_feeds) -> None:  # type: ignore[no-untyped-def]
    """Issue 16: a feed's <language> is declared; feeds without one are detected, article by article."""
    db, _ = real_feeds
    assert db.query("SELECT count(*) FROM articles WHERE language IS NULL").rows == [(0,)]
    urdu = db.query("SELECT DISTINCT language FROM articles a JOIN documents d USING (article_id) "
                    "WHERE d.source_uri LIKE '%urdu%'").rows
    assert urdu == [("ur",)]
