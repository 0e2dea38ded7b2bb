"""Crash drills: an ingest run killed with SIGKILL leaves a consistent database, and the next run
with `--only-new` stores the rest, so the result is what one clean run gives."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from storage import Database
from tests.feedserver import FeedServer, conditional, rss
from tests.flows.conftest import REPO, run_newsflow
from tests.flows.test_parallel import _inputs

RESULT = {
    "articles": "SELECT article_id, story_id, title, body, word_count FROM articles ORDER BY ALL",
    "stories": "SELECT story_id, representative_article_id, article_count FROM stories ORDER BY ALL",
    "decisions": "SELECT article_id, other_article_id, verdict FROM story_decisions ORDER BY ALL",
    "tags": "SELECT article_id, agency, role FROM agency_tags ORDER BY ALL",
    "names": "SELECT article_id, variant, canonical, applied FROM name_variants ORDER BY ALL",
    "documents": "SELECT article_id, source_uri, item_key, raw_sha256 FROM documents ORDER BY ALL",
    "quarantine": "SELECT source_uri, reason FROM quarantine ORDER BY ALL",
    "files": "SELECT path, sha256 FROM files_seen ORDER BY ALL",
    # A rerun counts the files it skipped as seen and unchanged; the rest must add up to one clean run.
    "totals": "SELECT sum(seen_count - unchanged_count), sum(new_count), sum(duplicate_count), sum(quarantined_count) FROM runs",
}
# What holds after every committed batch, and would not hold after half of one.
INVARIANTS = {
    "documents without their article": "SELECT count(*) FROM documents d ANTI JOIN articles a USING (article_id)",
    "articles without a document": "SELECT count(*) FROM articles a ANTI JOIN documents d USING (article_id)",
    "articles without their story": "SELECT count(*) FROM articles a ANTI JOIN stories s USING (story_id)",
    "stories with a wrong article count": """
        SELECT count(*) FROM stories s
        WHERE article_count <> (SELECT count(*) FROM articles a WHERE a.story_id = s.story_id)""",
    "files recorded without their items": """
        SELECT count(*) FROM files_seen f
        WHERE f.path NOT IN (SELECT source_uri FROM documents UNION ALL SELECT source_uri FROM quarantine)""",
    "items the run's counters miss": """
        SELECT (SELECT count(*) FROM documents) + (SELECT count(*) FROM quarantine)
               - (SELECT coalesce(sum(seen_count), 0) FROM runs)""",
}


def _driver(point: str, nth: int, args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "NEWSFLOW_DB")} | env
    return subprocess.run([sys.executable, "-m", "tests.flows.crash_driver", point, str(nth), *args],
                          cwd=REPO, env=environment, capture_output=True, text=True, timeout=300, check=False)


def _rows(db_path: Path, queries: dict[str, str]) -> dict[str, list[tuple[object, ...]]]:
    database = Database(db_path)
    return {name: database.query(sql).rows for name, sql in queries.items()}


_ENV = {"NEWSFLOW_BATCH_SIZE": "2", "NEWSFLOW_WORKERS": "1"}


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _inputs(tmp_path_factory.mktemp("crash") / "in")


@pytest.fixture(scope="module")
def clean(inputs: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple[object, ...]]]:
    """What one uninterrupted run over the inputs stores."""
    db_path = tmp_path_factory.mktemp("clean") / "news.duckdb"
    done = run_newsflow(["ingest", "files", str(inputs), "--only-new", "--db", str(db_path)], cwd=REPO, env=_ENV)
    assert done.returncode == 0, done.stderr
    return _rows(db_path, RESULT)


@pytest.mark.parametrize(
    ("point", "nth"),
    [("parsing", 1), ("parsing", 6), ("loading", 1), ("loading", 4), ("committing", 3), ("between", 1), ("between", 3)],
)
def test_a_run_killed_at_any_point_is_finished_by_the_next_one(
    point: str, nth: int, inputs: Path, clean: dict[str, list[tuple[object, ...]]], tmp_path: Path
) -> None:
    db_path = tmp_path / "news.duckdb"
    args = ["ingest", "files", str(inputs), "--only-new", "--db", str(db_path)]
    killed = _driver(point, nth, args, _ENV)
    assert killed.returncode == -9, killed.stderr

    assert _rows(db_path, INVARIANTS) == {name: [(0,)] for name in INVARIANTS}
    assert Database(db_path).query("SELECT status FROM runs").rows == [("running",)]

    resumed = run_newsflow(args, cwd=REPO, env=_ENV)
    assert resumed.returncode == 0, resumed.stderr
    assert _rows(db_path, RESULT) == clean
    statuses = Database(db_path).query("SELECT status, error FROM runs ORDER BY started_at").rows
    assert [status for status, _ in statuses] == ["interrupted", "completed"]
    assert "stopped before the run finished" in str(statuses[0][1])


FEEDS_RESULT = {
    "documents": "SELECT source_uri, item_key, raw_sha256 FROM documents ORDER BY ALL",
    "articles": "SELECT article_id, story_id, title FROM articles ORDER BY ALL",
    "feeds": "SELECT url, last_status, consecutive_failures FROM feeds ORDER BY ALL",
}


def test_a_feeds_run_killed_between_batches_is_finished_by_the_next_scheduled_run(tmp_path: Path) -> None:
    """The next run fetches only the feeds the killed one did not store, and each item lands once."""
    with FeedServer() as server:
        urls = [
            server.route(f"/feed-{i}.xml", conditional(lambda i=i: rss(
                (f"guid-{i}-a", f"Story {i} A", f"The first story of feed number {i}, about harbours."),
                (f"guid-{i}-b", f"Story {i} B", f"The second story of feed number {i}, about railways."),
            )))
            for i in range(6)
        ]
        config = tmp_path / "feeds.toml"
        config.write_text("".join(f'[[feeds]]\nurl = "{url}"\n\n' for url in urls), encoding="utf-8")
        env = {"NEWSFLOW_FEED_BATCH_SIZE": "2", "NEWSFLOW_WORKERS": "1"}
        results = {}
        for name in ("clean", "killed"):
            db_path = tmp_path / f"{name}.duckdb"
            args = ["ingest", "feeds", "--config", str(config), "--db", str(db_path)]
            if name == "killed":
                killed = _driver("between-feeds", 1, args, env)
                assert killed.returncode == -9, killed.stderr
                assert Database(db_path).query("SELECT count(DISTINCT source_uri) FROM documents").rows == [(2,)]
                server.requests.clear()
            done = run_newsflow(args, cwd=REPO, env=env)
            assert done.returncode == 0, done.stderr
            results[name] = _rows(db_path, FEEDS_RESULT)
        assert len(server.requests) == 4  # the resumed run fetched only the feeds the killed run had not stored
        statuses = Database(tmp_path / "killed.duckdb").query("SELECT status FROM runs ORDER BY started_at").rows
    assert results["killed"] == results["clean"] and len(results["clean"]["documents"]) == 12
    assert statuses == [("interrupted",), ("completed",)]
