"""Unattended operation: the inbox, concurrent writers, maintenance, `newsflow serve`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from flows.files import run_ingest_files
from flows.maintenance import run_maintenance
from flows.settings import Settings
from storage import Database
from storage.maintenance import load_fts
from tests.conftest import EXAMPLES, REPO
from tests.feedserver import FeedServer, conditional, rss

EXAMPLE_FEEDS = REPO / "examples" / "feeds"


def _rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    return Database(db).query(sql).rows


def test_the_inbox_reads_only_new_or_changed_files_and_never_moves_them(tmp_path: Path, db_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("2026-03-07-sofia-chess-final.txt", "2026-03-05-canberra-fraud-arrests.txt"):
        shutil.copy(EXAMPLES / name, inbox / name)
    settings = Settings.from_env(db=db_path)
    first = run_ingest_files([inbox], settings=settings, only_new=True)
    second = run_ingest_files([inbox], settings=settings, only_new=True)
    touched = inbox / "2026-03-07-sofia-chess-final.txt"
    os.utime(touched, (time.time() + 5, time.time() + 5))  # same content, new modification time
    (inbox / "2026-03-05-canberra-fraud-arrests.txt").write_text("Changed headline\n\nA wholly new body.\n")
    third = run_ingest_files([inbox], settings=settings, only_new=True)
    assert (first.new, second.seen, second.unchanged, second.new) == (2, 2, 2, 0)
    assert (third.new, third.unchanged) == (1, 1)
    assert _rows(db_path, "SELECT count(*) FROM documents") == [(3,)]
    assert sorted(p.name for p in inbox.iterdir()) == ["2026-03-05-canberra-fraud-arrests.txt", "2026-03-07-sofia-chess-final.txt"]


def test_files_and_feeds_runs_writing_one_database_at_once_both_complete(tmp_path: Path, db_path: Path) -> None:
    items = [(f"c{i}", f"Concurrent headline {i}", f"Concurrent body number {i} with words.") for i in range(40)]
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "NEWSFLOW_DB")}
    env["NEWSFLOW_BATCH_SIZE"] = "2"  # many small transactions, so the two runs interleave
    env["NEWSFLOW_FEED_BATCH_SIZE"] = "1"
    with FeedServer() as server:
        feeds = [server.route(f"/f{i}.xml", conditional(lambda i=i: rss(*items[i * 10:(i + 1) * 10]))) for i in range(4)]
        args = [sys.executable, "-m", "flows.cli", "ingest"]
        files = subprocess.Popen([*args, "files", str(EXAMPLES), "--db", str(db_path)], env=env, cwd=tmp_path,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        feeds_run = subprocess.Popen([*args, "feeds", *[a for url in feeds for a in ("--feed", url)], "--db", str(db_path)],
                                     env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        outputs = [process.communicate(timeout=300) for process in (files, feeds_run)]
    assert (files.returncode, feeds_run.returncode) == (0, 0), outputs
    assert not any("lock" in err.lower() for _, err in outputs)
    assert sorted(_rows(db_path, "SELECT flow, status FROM runs")) == [("ingest-feeds", "completed"), ("ingest-files", "completed")]
    assert _rows(db_path, "SELECT source_kind, count(*) FROM documents GROUP BY 1 ORDER BY 1") == [("feed", 40), ("file", 9)]
    assert _rows(db_path, "SELECT count(*) FROM quarantine") == [(2,)]


def test_maintenance_rebuilds_search_checkpoints_and_writes_a_parquet_snapshot(tmp_path: Path, db_path: Path) -> None:
    settings = Settings.from_env(db=db_path)
    run_ingest_files([EXAMPLES], settings=settings)
    result = run_maintenance(settings=settings, snapshot_dir=tmp_path / "snapshots")
    assert result.run.status == "completed"
    with duckdb.connect(str(db_path), read_only=True) as con:
        load_fts(con)
        hits = con.execute("SELECT title FROM (SELECT title, fts_main_articles.match_bm25(article_id, 'grain corridor Odesa') "
                           "AS score FROM articles) WHERE score IS NOT NULL ORDER BY score DESC").fetchall()
    assert hits[0] == ("Grain ships sail from Odesa as corridor reopens",)
    assert not db_path.with_name(db_path.name + ".wal").exists()
    days = {p.name for p in (tmp_path / "snapshots" / "articles").iterdir()}
    assert len(days) == 1 and next(iter(days)).startswith("day=")
    count = duckdb.sql(f"SELECT count(*) FROM read_parquet('{tmp_path}/snapshots/articles/*/*.parquet', hive_partitioning=true)")
    assert count.fetchone() == (8,)
    assert duckdb.sql(f"SELECT count(*) FROM '{tmp_path}/snapshots/agency_tags/data.parquet'").fetchone() == (11,)


def test_serve_runs_deployments_without_a_server_to_set_up(tmp_path: Path) -> None:
    """The walkthrough of docs/operations.md: the example feed list, served from a folder, polled by serve."""
    inbox = tmp_path / "data" / "inbox"
    inbox.mkdir(parents=True)
    shutil.copy(EXAMPLES / "2026-03-07-sofia-chess-final.txt", inbox)
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "PREFECT_PROFILE", "NEWSFLOW_DB")}
    env["PREFECT_RUNNER_POLL_FREQUENCY"] = "1"
    log = (tmp_path / "serve.log").open("w")
    with FeedServer() as feeds:
        for name in ("world.xml", "business.xml"):
            feeds.route(f"/{name}", conditional(lambda name=name: (EXAMPLE_FEEDS / name).read_bytes()))
        local = (REPO / "examples" / "local-feeds.toml").read_text()
        (tmp_path / "feeds.toml").write_text(local.replace("http://127.0.0.1:8765/", feeds.url("/")))
        serving = subprocess.Popen([sys.executable, "-m", "flows.cli", "serve"], cwd=tmp_path, env=env,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            line = _wait_for_line(tmp_path / "serve.log", "export PREFECT_API_URL=", serving)
            api = {**env, "PREFECT_API_URL": line.split("export PREFECT_API_URL=")[1].split("`")[0]}
            _wait_for_line(tmp_path / "serve.log", "being served", serving)
            for deployment in ("ingest-files/inbox", "ingest-feeds/every-15-minutes"):
                run = subprocess.run([sys.executable, "-m", "prefect", "deployment", "run", deployment, "--watch",
                                      "--watch-interval", "1", "--watch-timeout", "120"],
                                     env=api, capture_output=True, text=True, timeout=180)
                assert run.returncode == 0, run.stdout + run.stderr + (tmp_path / "serve.log").read_text()[-3000:]
        finally:
            os.killpg(serving.pid, 15)
            serving.wait(timeout=60)
            log.close()
    db = tmp_path / "data" / "news.duckdb"
    # DISTINCT: the feeds schedule (every 15 minutes) may also fire while the test runs
    assert _rows(db, "SELECT DISTINCT flow, status FROM runs ORDER BY flow") == [("ingest-feeds", "completed"),
                                                                                 ("ingest-files", "completed")]
    assert _rows(db, "SELECT source_kind, count(*) FROM documents GROUP BY 1 ORDER BY 1") == [("feed", 7), ("file", 1)]
    assert _rows(db, "SELECT name, last_status FROM feeds ORDER BY name") == [
        ("Example Wire: Business", 200), ("Example Wire: World", 200)]


def test_serve_without_a_feeds_config_says_what_to_do_in_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "NEWSFLOW_DB")}
    result = subprocess.run([sys.executable, "-m", "flows.cli", "serve"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [
        "newsflow: error: feeds config feeds.toml does not exist; copy examples/local-feeds.toml (example feeds "
        "served from this checkout) or examples/feeds.toml (real outlets, over the internet) to feeds.toml, "
        "or pass --config FILE"
    ]
    assert not (tmp_path / "data").exists()  # refused before a server, a database or an inbox was made


def _wait_for_line(log: Path, text: str, process: subprocess.Popen[bytes], timeout: float = 180) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in log.read_text().splitlines():
            if text in line:
                return line
        assert process.poll() is None, log.read_text()[-3000:]
        time.sleep(0.5)
    raise AssertionError(f"{text!r} not seen in {log}: {log.read_text()[-3000:]}")
