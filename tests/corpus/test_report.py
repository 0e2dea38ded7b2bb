"""`newsflow report` on the BBC corpus plus the real feeds (issues 6 and 19): valid PNGs, and figures that
say something true where the articles carry no date and each file holds one article."""

from __future__ import annotations

import base64
import html
import re
import struct
from pathlib import Path

import pytest

from flows.cli import main
from storage import Database
from tests.feedserver import FeedServer, conditional
from tests.flows.conftest import run_newsflow

pytestmark = pytest.mark.corpus
IMG = re.compile(r'<img src="data:image/png;base64,([^"]+)" width="(\d+)" height="(\d+)" alt="([^"]*)"')


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk; fails on anything that is not a PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


@pytest.fixture(scope="module")
def bbc_and_feeds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.conftest import CORPORA

    if not CORPORA.is_dir():
        pytest.skip(f"shared corpora not found at {CORPORA}")
    db = tmp_path_factory.mktemp("report") / "news.duckdb"
    assert main(["ingest", "files", str(CORPORA / "bbc" / "bbc"), str(CORPORA / "seed-article.txt"), "--db", str(db)]) == 0
    feeds = sorted(p for p in (CORPORA / "real-feeds").iterdir() if p.suffix in (".xml", ".rss", ".atom"))
    with FeedServer() as server:
        urls = [server.route(f"/{p.name}", conditional(lambda p=p: p.read_bytes())) for p in feeds]
        result = run_newsflow(["ingest", "feeds", *[a for url in urls for a in ("--feed", url)], "--db", str(db)],
                              cwd=db.parent, env={"NEWSFLOW_HTTP_RETRIES": "0"})
    assert result.returncode == 0, result.stderr
    return db


def test_the_report_embeds_valid_pngs_of_the_declared_sizes(bbc_and_feeds: Path, tmp_path: Path) -> None:
    assert main(["report", "--db", str(bbc_and_feeds), "--out", str(tmp_path / "report")]) == 0
    page = (tmp_path / "report" / "report.html").read_text(encoding="utf-8")
    images = IMG.findall(page)
    assert [alt for *_, alt in images] == ["articles published over time", "articles by agency and role",
                                           "documents (copies received)", "% of documents repeating an earlier article",
                                           "articles", "items"]  # articles by language (issue 16)
    for encoded, width, height, _ in images:
        assert png_size(base64.b64decode(encoded)) == (int(width), int(height))
    assert "<script" not in page and 'src="http' not in page


def test_the_report_says_how_many_articles_have_no_date_and_charts_only_the_dated(bbc_and_feeds: Path, tmp_path: Path) -> None:
    database = Database(bbc_and_feeds)
    dated, undated = database.query("SELECT count(published_at), count(*) - count(published_at) FROM articles").rows[0]
    assert undated > 2000 and dated > 100  # the BBC files carry no date; most feed items do
    assert main(["report", "--db", str(bbc_and_feeds), "--out", str(tmp_path)]) == 0
    page = html.unescape((tmp_path / "report.html").read_text(encoding="utf-8"))
    assert f"{dated:,} articles by publication date" in page
    assert f"{undated:,} articles carry no publication date and are not shown" in page
    data = database.overview()
    assert sum(n for _, n in data.published) == dated and len(data.published) <= 120


def test_duplicates_are_counted_per_folder_or_feed_and_name_repairs_are_listed_as_pairs(bbc_and_feeds: Path) -> None:
    data = Database(bbc_and_feeds).overview()
    sources = [source for source, _, _ in data.duplicates]
    assert not any(source.endswith(".txt") for source in sources)  # a file holds one document: not a source
    folders = {source.rsplit("/", 1)[-1]: (documents, duplicates) for source, documents, duplicates in data.duplicates
               if "/bbc/" in source}
    assert set(folders) == {"business", "entertainment", "politics", "sport", "tech"}
    assert all(duplicates > 0 for _, duplicates in folders.values())  # the corpus repeats files in every folder
    assert ("Blinke", "Blinken", 1, 0) in data.name_pairs
    assert {"supplied", "cited"} <= {group for _, group, _ in data.agencies}
