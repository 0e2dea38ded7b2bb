from __future__ import annotations

import contextlib
import csv
import io
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from flows.batching import PREPARE_FILES
from flows.cli import main
from storage import Database
from tests.conftest import EXAMPLES, REPO
from tests.flows.conftest import run_newsflow


def _rows(db_path: Path, sql: str) -> list[tuple[object, ...]]:
    return Database(db_path).query(sql).rows


def test_the_seed_article_ingested_twice_is_one_article_with_two_documents(
    seed_article: Path, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ingest", "files", str(seed_article), "--db", str(db_path)]) == 0
    assert main(["ingest", "files", str(seed_article), "--db", str(db_path)]) == 0
    assert _rows(db_path, "SELECT count(*) FROM articles") == [(1,)]
    assert _rows(db_path, "SELECT count(*) FROM documents") == [(2,)]
    ((title, lede, body),) = _rows(db_path, "SELECT title, lede, body FROM articles")
    assert title == seed_article.read_text(encoding="utf-8").splitlines()[0]
    for text in (lede, body):
        assert "Antony Blinke " not in text and "Antony Blinken" in text
    assert "All comments." not in body and "Source: with agencies" not in body
    assert _rows(db_path, "SELECT variant, canonical, applied FROM name_variants WHERE applied") == [("Blinke", "Blinken", True)]
    assert sorted(_rows(db_path, "SELECT agency, role FROM agency_tags")) == [("AFP", "cited"), ("AGENCIES", "credit")]
    assert "| new articles | 0 |" in capsys.readouterr().out.split("# ingest-files run")[-1]


def test_two_articles_with_two_alias_spellings_and_no_canonical_form_load_as_one_person(tmp_path: Path) -> None:
    """Issue 13: this pair of articles once failed the run with `KeyError: 'Zelensky'` and stored nothing."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name, surname in (("agency-a.txt", "Zelenskiy"), ("agency-b.txt", "Zelenskyy")):
        (inbox / name).write_text(
            f"Kyiv talks resume\n\nPresident Volodymyr {surname} met European envoys in Kyiv on {name[7]} May. "
            f"Volodymyr {surname} said the talks on grain exports would continue next week.\n", encoding="utf-8")
    result = run_newsflow(["ingest", "files", str(inbox), "--db", "news.duckdb"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    db_path = tmp_path / "news.duckdb"
    assert _rows(db_path, "SELECT status, new_count, names_unjudged FROM runs") == [("completed", 2, 0)]
    assert _rows(db_path, "SELECT surname, written FROM person_mentions ORDER BY written") == [
        ("Zelensky", "Zelenskiy"), ("Zelensky", "Zelenskyy")
    ]


def test_the_examples_load_with_their_duplicates_and_quarantined_items(db_path: Path) -> None:
    assert main(["ingest", "files", str(EXAMPLES), "--db", str(db_path)]) == 0
    assert _rows(db_path, "SELECT count(*) FROM documents") == [(9,)]
    assert _rows(db_path, "SELECT count(*) FROM articles") == [(8,)]
    assert _rows(db_path, "SELECT count(*) FROM stories") == [(7,)]  # the UPDATE 1 version joined its story
    copies = _rows(db_path, "SELECT list(title ORDER BY title) FROM documents GROUP BY article_id HAVING count(*) > 1")
    assert copies == [(["Grain ships sail from Odesa as corridor reopens", "Ukraine reopens southern grain corridor after two-week pause"],)]
    assert sorted(_rows(db_path, "SELECT reason, split_part(item_key, '/', -1) FROM quarantine")) == [
        ("empty_file", "zz-empty-upload.txt"), ("no_body", "wire-digest.jsonl#L3")
    ]
    tags = set(_rows(db_path, "SELECT agency, role FROM agency_tags"))
    assert {("REUTERS", "dateline"), ("REUTERS", "cited"), ("REUTERS", "credit"), ("LUSA", "dateline"),
            ("EFE", "dateline"), ("DPA", "dateline"), ("AAP", "credit"), ("AFP", "cited"), ("AGENCIES", "credit")} == tags
    assert _rows(db_path, "SELECT variant, canonical, applied FROM name_variants") == [("Kowalczy", "Kowalczyk", True)]
    assert _rows(db_path, "SELECT seen_count, new_count, duplicate_count, quarantined_count, status FROM runs") == [
        (11, 8, 1, 2, "completed")
    ]


def test_the_database_comes_from_newsflow_db_when_no_option_is_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "elsewhere" / "env.duckdb"
    monkeypatch.setenv("NEWSFLOW_DB", str(target))
    assert main(["ingest", "files", str(EXAMPLES / "2026-03-07-sofia-chess-final.txt")]) == 0
    assert _rows(target, "SELECT title FROM articles") == [("Volkova beats Volkov in family chess final",)]


def test_the_default_database_is_data_news_duckdb_in_the_working_directory(tmp_path: Path) -> None:
    result = run_newsflow(["ingest", "files", str(EXAMPLES / "2026-03-07-sofia-chess-final.txt")], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "data" / "news.duckdb").is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ingest", "files", "/no/such/folder"], "no such file or folder: /no/such/folder"),
        (["ingest", "files"], "the following arguments are required: PATH"),
        (["ingest", "ftp", "x"], "invalid choice: 'ftp'"),
        (["sql", "SELECT 1", "--format", "xml"], "invalid choice: 'xml'"),
        (["sql", "SELECT nope FROM articles"], 'Referenced column "nope" not found'),
        (["sql", "SELECT 1", "--db", "/no/such.duckdb"], "no database at /no/such.duckdb"),
    ],
)
def test_bad_arguments_get_one_line_and_a_nonzero_exit(
    args: list[str], message: str, tmp_path: Path, db_path: Path
) -> None:
    Database(db_path).migrate()
    if args[0] == "sql" and "--db" not in args:
        args = [*args, "--db", str(db_path)]
    result = run_newsflow(args, cwd=tmp_path)
    assert result.returncode in (1, 2)
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stderr.startswith("newsflow: error: ") and message in result.stderr


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("NEWSFLOW_BATCH_SIZE", "lots", "NEWSFLOW_BATCH_SIZE must be a whole number, not 'lots'"),
        ("NEWSFLOW_WORKERS", "0", "NEWSFLOW_WORKERS must be at least 1, not 0"),
        ("NEWSFLOW_STORY_JACCARD", "high", "NEWSFLOW_STORY_JACCARD must be a number between 0 and 1, not 'high'"),
        ("NEWSFLOW_STORY_CONTAINMENT", "1.5", "NEWSFLOW_STORY_CONTAINMENT must be more than 0 and at most 1, not 1.5"),
    ],
)
def test_a_bad_setting_is_a_one_line_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    assert main(["ingest", "files", str(EXAMPLES), "--db", str(tmp_path / "x.duckdb")]) == 2
    assert capsys.readouterr().err == f"newsflow: error: {message}\n"
    assert not (tmp_path / "x.duckdb").exists()  # refused before anything was written


def test_sql_writes_csv_and_json(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["ingest", "files", str(EXAMPLES / "wire-digest.jsonl"), "--db", str(db_path)])
    capsys.readouterr()
    query = "SELECT title, published_at FROM articles ORDER BY published_at"
    assert main(["sql", query, "--db", str(db_path), "--format", "csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows == [["title", "published_at"], ["Lisbon port strike ends after pay deal", "2026-03-06T17:45:00+00:00"],
                    ["Madrid to plant 10,000 street trees", "2026-03-07T10:00:00+00:00"]]
    assert main(["sql", query, "--db", str(db_path), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)[0] == {"title": "Lisbon port strike ends after pay deal",
                                                      "published_at": "2026-03-06T17:45:00+00:00"}


def test_sql_table_output_shows_the_rows(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["ingest", "files", str(EXAMPLES / "wire-digest.jsonl"), "--db", str(db_path)])
    capsys.readouterr()
    assert main(["sql", "SELECT count(*) AS n FROM articles", "--db", str(db_path)]) == 0
    assert capsys.readouterr().out == "n\n-\n2\n(1 row)\n"


def test_every_command_has_help(tmp_path: Path) -> None:
    for args in (["--help"], ["ingest", "--help"], ["ingest", "files", "--help"], ["sql", "--help"]):
        result = run_newsflow(args, cwd=tmp_path)
        assert result.returncode == 0 and "usage: newsflow" in result.stdout


def test_ingest_feeds_reports_failures_and_exits_zero_when_the_run_completed(
    tmp_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.feedserver import FeedServer, conditional, rss

    with FeedServer() as server:
        good = server.route("/good.xml", conditional(lambda: rss(("g1", "A headline", "Some text here."))))
        config = tmp_path / "feeds.toml"
        config.write_text(f'[[feeds]]\nurl = "{good}"\nname = "Good"\n')
        code = main(["ingest", "feeds", "--config", str(config), "--feed", server.url("/missing.xml"), "--db", str(db_path)])
    out = capsys.readouterr().out
    assert code == 0
    assert "2 feeds due, 1 read, 1 failed" in out and "/missing.xml | HTTP 404" in out
    assert _rows(db_path, "SELECT name, last_status FROM feeds ORDER BY url") == [("Good", 200), (None, 404)]


def test_ingest_feeds_exits_nonzero_when_nothing_could_be_fetched(tmp_path: Path, db_path: Path) -> None:
    from tests.feedserver import FeedServer

    with FeedServer() as server:
        result = run_newsflow(["ingest", "feeds", "--feed", server.url("/a.xml"), "--db", str(db_path)], cwd=tmp_path,
                              env={"NEWSFLOW_HTTP_RETRIES": "0"})
    assert result.returncode == 1 and "1 failed" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ingest", "feeds"], "no feeds given: pass --config FILE or --feed URL"),
        (["ingest", "feeds", "--feed", "ftp://example.org/rss"], "--feed must be an http:// or https:// URL"),
        (["ingest", "feeds", "--config", "/no/feeds.toml"], "feeds config /no/feeds.toml does not exist"),
        (["ingest", "feeds", "--feed", "http://127.0.0.1:9/rss", "--shard", "3/2"], "K must be between 1 and N"),
    ],
)
def test_bad_feed_arguments_get_one_line(args: list[str], message: str, tmp_path: Path) -> None:
    result = run_newsflow(args, cwd=tmp_path)
    assert result.returncode in (1, 2) and len(result.stderr.strip().splitlines()) == 1
    assert message in result.stderr


def test_search_finds_new_articles_right_after_ingest(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["ingest", "files", str(EXAMPLES), "--db", str(db_path)])
    capsys.readouterr()
    assert main(["search", "grain corridor Odesa", "--db", str(db_path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(" 1. Grain ships sail from Odesa as corridor reopens") and "REUTERS:dateline" in out
    assert main(["search", "zeppelin", "--db", str(db_path)]) == 0
    assert capsys.readouterr().out == "no article matches 'zeppelin'\n"


def test_export_writes_parquet_that_other_engines_read(tmp_path: Path, db_path: Path) -> None:
    import duckdb

    main(["ingest", "files", str(EXAMPLES), "--db", str(db_path)])
    out = tmp_path / "export"
    assert main(["export", "--format", "parquet", "--out", str(out), "--db", str(db_path)]) == 0
    articles = duckdb.sql(f"SELECT count(*), count(DISTINCT day) FROM read_parquet('{out}/articles/*/*.parquet', "
                          "hive_partitioning = true)").fetchone()
    assert articles == (8, 1)
    assert duckdb.sql(f"SELECT count(*) FROM '{out}/feeds/data.parquet'").fetchone() == (0,)


def test_the_command_line_imports_no_duckdb_before_a_command_needs_it(tmp_path: Path) -> None:
    """The forkserver of an ingest's workers starts before the pipeline is imported, so that the two
    import at once: that needs a command line that has imported nothing heavy by then."""
    code = "import sys, flows.cli; print(sorted(m for m in ('duckdb', 'numpy', 'pyarrow') if m in sys.modules))"
    found = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert found.stdout.split() == ["[]"]


def _children_while_running(args: list[str], cwd: Path) -> tuple[psutil.Popen, dict[psutil.Process, str]]:
    """Run the command line, noting every process it starts while it runs, with its command line."""
    command = psutil.Popen([sys.executable, "-m", "flows.cli", *args], cwd=cwd, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    children: dict[psutil.Process, str] = {}
    while command.poll() is None:
        with contextlib.suppress(psutil.NoSuchProcess):
            for child in command.children(recursive=True):
                with contextlib.suppress(psutil.NoSuchProcess):
                    children.setdefault(child, " ".join(child.cmdline()))
        time.sleep(0.02)
    return command, children


def _forkservers(children: dict[psutil.Process, str]) -> list[psutil.Process]:
    return [child for child, line in children.items() if "multiprocessing.forkserver" in line]


def test_a_run_of_many_files_leaves_no_worker_process_behind(tmp_path: Path, db_path: Path) -> None:
    """Over one part of files, the command starts the workers' forkserver first thing (before it
    imports the pipeline), and the forkserver and its workers end with the command."""
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(PREPARE_FILES + 1):
        (folder / f"{i:04}.txt").write_text(f"Port {i} reopens\n\nPort {i} reopened after a strike of {i} days.\n")
    command, children = _children_while_running(["ingest", "files", str(folder), "--db", str(db_path)], tmp_path)
    _, err = command.communicate()
    assert command.returncode == 0, err
    assert _forkservers(children)
    _, alive = psutil.wait_procs(list(children), timeout=10)
    assert alive == []
    assert Database(db_path).query("SELECT count(*) FROM documents").rows == [(PREPARE_FILES + 1,)]


def test_a_run_of_a_few_files_starts_no_worker_process(tmp_path: Path, db_path: Path) -> None:
    """Starting the forkserver before the files are all counted must not start it for a small run."""
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        shutil.copy(EXAMPLES / "2026-03-04-geneva-water-talks.md", folder / name)
    command, children = _children_while_running(["ingest", "files", str(folder), "--db", str(db_path)], tmp_path)
    _, err = command.communicate()
    assert command.returncode == 0, err
    assert _forkservers(children) == []
