"""`newsflow feeds ...`: the feed list in the TOML config and the feeds table, over real HTTP and DuckDB."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from flows.cli import main
from flows.feeds import load_feeds_config
from storage import Database
from tests.feedserver import FeedServer, conditional, rss
from tests.flows.conftest import run_newsflow

DATA = Path(__file__).parent / "data"


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as running:
        for name in ("harbour", "rail", "grain"):
            running.route(f"/{name}.xml", conditional(lambda name=name: rss(
                (f"{name}-1", f"{name.title()} story one", f"The first {name} story, told in a sentence or two."),
                (f"{name}-2", f"{name.title()} story two", f"The second {name} story, about something else again."),
            )))
        yield running


def _opml(tmp_path: Path, name: str, server: FeedServer) -> Path:
    path = tmp_path / name
    path.write_text((DATA / name).read_text(encoding="utf-8").replace("{base}", server.url("").rstrip("/")), encoding="utf-8")
    return path


def _documents_from(db_path: Path, url: str) -> int:
    rows = Database(db_path).query("SELECT count(*) FROM documents WHERE source_uri = $url", {"url": url}).rows
    return int(str(rows[0][0]))


def test_a_removed_feed_is_no_longer_polled_and_its_documents_stay(
    server: FeedServer, tmp_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config, db = tmp_path / "feeds.toml", str(db_path)
    harbour, rail = server.url("/harbour.xml"), server.url("/rail.xml")
    assert main(["feeds", "add", harbour, "--name", "Harbour", "--tags", "ports,europe", "--config", str(config), "--db", db]) == 0
    assert main(["feeds", "add", rail, "--config", str(config), "--db", db]) == 0
    assert main(["ingest", "feeds", "--config", str(config), "--db", db]) == 0
    assert _documents_from(db_path, harbour) == 2

    assert main(["feeds", "remove", harbour, "--config", str(config), "--db", db]) == 0
    server.requests.clear()
    assert main(["ingest", "feeds", "--force", "--config", str(config), "--db", db]) == 0
    assert server.hits("/harbour.xml") == [] and len(server.hits("/rail.xml")) == 1
    assert _documents_from(db_path, harbour) == 2
    capsys.readouterr()
    assert main(["feeds", "list", "--config", str(config), "--db", db]) == 0
    listing = capsys.readouterr().out
    assert f"{harbour}  Harbour [ports, europe]\n    removed " in listing and "2 documents" in listing
    assert f"{rail}  Test feed\n    ok, fetched " in listing


def test_a_paused_feed_is_listed_but_not_polled_until_resumed(
    server: FeedServer, tmp_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config, db = tmp_path / "feeds.toml", str(db_path)
    grain = server.url("/grain.xml")
    main(["feeds", "add", grain, "--config", str(config), "--db", db])
    assert main(["feeds", "pause", grain, "--config", str(config), "--db", db]) == 0
    assert load_feeds_config(config)[0].paused
    main(["ingest", "feeds", "--force", "--config", str(config), "--db", db])
    assert server.hits("/grain.xml") == []
    capsys.readouterr()
    main(["feeds", "list", "--config", str(config), "--db", db])
    assert "paused, never fetched, 0 documents" in capsys.readouterr().out

    assert main(["feeds", "resume", grain, "--config", str(config), "--db", db]) == 0
    main(["ingest", "feeds", "--config", str(config), "--db", db])
    assert len(server.hits("/grain.xml")) == 1 and _documents_from(db_path, grain) == 2


def test_edits_keep_the_comments_of_a_config_kept_in_git(server: FeedServer, tmp_path: Path, db_path: Path) -> None:
    config = tmp_path / "feeds.toml"
    config.write_text(f'# Our feeds; reviewed in pull requests.\n\n[[feeds]]\nurl = "{server.url("/rail.xml")}"  # the rail desk\n')
    main(["feeds", "add", server.url("/grain.xml"), "--config", str(config), "--db", str(db_path)])
    main(["feeds", "pause", server.url("/rail.xml"), "--config", str(config), "--db", str(db_path)])
    text = config.read_text()
    assert text.startswith("# Our feeds; reviewed in pull requests.") and "# the rail desk" in text
    assert [(f.url, f.paused) for f in load_feeds_config(config)] == [
        (server.url("/rail.xml"), True), (server.url("/grain.xml"), False)]


@pytest.mark.parametrize(
    ("opml", "expected"),
    [
        ("flat.opml", [("harbour", "Harbour News", ("ports", "europe")), ("rail", "Rail Daily", ()), ("grain", "Grain Wire", ())]),
        ("nested.opml", [("harbour", "Harbour News", ("World", "Europe")), ("grain", "Grain Wire", ("World",)),
                         ("rail", "Rail Daily", ("Transport",))]),
    ],
)
def test_opml_imports_flat_and_nested_outlines_and_the_feeds_are_polled(
    server: FeedServer, tmp_path: Path, db_path: Path, opml: str, expected: list[tuple[str, str, tuple[str, ...]]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    config, db = tmp_path / "feeds.toml", str(db_path)
    assert main(["feeds", "import", str(_opml(tmp_path, opml, server)), "--config", str(config), "--db", db]) == 0
    assert "3 feeds added to" in capsys.readouterr().out
    assert [(f.url, f.name, f.tags) for f in load_feeds_config(config)] == [
        (server.url(f"/{name}.xml"), title, tags) for name, title, tags in expected]
    main(["feeds", "import", str(_opml(tmp_path, opml, server)), "--config", str(config), "--db", db])
    out = capsys.readouterr().out
    assert "0 feeds added to" in out and "3 already listed" in out
    assert main(["ingest", "feeds", "--config", str(config), "--db", db]) == 0
    assert Database(db_path).query("SELECT count(*) FROM documents").rows == [(6,)]


def test_export_then_import_gives_the_same_list(server: FeedServer, tmp_path: Path, db_path: Path) -> None:
    first, second, db = tmp_path / "first.toml", tmp_path / "second.toml", str(db_path)
    main(["feeds", "import", str(_opml(tmp_path, "nested.opml", server)), "--config", str(first), "--db", db])
    main(["feeds", "add", "https://example.org/feed?a=1&b=<2>", "--name", 'Quotes "and" <angles>', "--tags", "x,y",
          "--config", str(first), "--db", db])
    exported = tmp_path / "out.opml"
    assert main(["feeds", "export", str(exported), "--config", str(first), "--db", db]) == 0
    assert main(["feeds", "import", str(exported), "--config", str(second), "--db", db]) == 0
    assert load_feeds_config(second) == load_feeds_config(first)


@pytest.mark.parametrize(
    ("args", "message", "status"),
    [
        (["feeds", "remove", "http://example.org/not-there.xml"], "is not in feeds.toml (see: newsflow feeds list)", 1),
        (["feeds", "pause", "ftp://example.org/a.xml"], "expected an http:// or https:// URL", 2),
        (["feeds", "add", "example.org/feed.xml"], "expected an http:// or https:// URL", 2),
        (["feeds", "import", "missing.opml"], "cannot read missing.opml", 1),
        (["feeds", "import", "feeds.toml"], "holds no feed outlines", 1),
        (["feeds", "add", "http://example.org/a.xml"], "http://example.org/a.xml is already in feeds.toml", 1),
    ],
)
def test_bad_feed_list_commands_get_one_line(args: list[str], message: str, status: int, tmp_path: Path) -> None:
    (tmp_path / "feeds.toml").write_text('[[feeds]]\nurl = "http://example.org/a.xml"\n')
    result = run_newsflow([*args, "--db", str(tmp_path / "news.duckdb")], cwd=tmp_path)
    assert result.returncode == status and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert message in result.stderr
