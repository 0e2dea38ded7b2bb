"""The small commands as a user meets them after the quick start (issue 19): sql, report, export, --db.

Each runs the real command line in a child process: a refusal is one line on stderr, a non-zero exit,
no traceback, and nothing written or lost.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import duckdb
import pytest

from storage import Database
from tests.conftest import EXAMPLES
from tests.flows.conftest import run_newsflow


@pytest.fixture(scope="module")
def examples_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The examples ingested once; the tests here only read it."""
    db = tmp_path_factory.mktemp("examples") / "news.duckdb"
    result = run_newsflow(["ingest", "files", str(EXAMPLES), "--db", str(db)], cwd=db.parent)
    assert result.returncode == 0, result.stderr
    return db


def _assert_one_line_refusal(result: subprocess.CompletedProcess[str], message: str) -> None:
    assert result.returncode in (1, 2), result.stdout
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith("newsflow: error: ") and message in result.stderr


@pytest.mark.parametrize(("sql", "message"), [("", "no SQL statement given"), ("  ;  -- nothing", "no SQL statement given")])
def test_sql_without_a_statement_says_so_in_one_line(sql: str, message: str, examples_db: Path, tmp_path: Path) -> None:
    _assert_one_line_refusal(run_newsflow(["sql", sql, "--db", str(examples_db)], cwd=tmp_path), message)


def test_sql_with_several_statements_prints_each_result_in_turn(examples_db: Path, tmp_path: Path) -> None:
    result = run_newsflow(["sql", "SELECT count(*) AS articles FROM articles; SELECT count(*) AS documents FROM documents",
                           "--db", str(examples_db)], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "articles\n--------\n8\n(1 row)\n\ndocuments\n---------\n9\n(1 row)\n"


def test_sql_with_several_statements_and_csv_output_is_refused(examples_db: Path, tmp_path: Path) -> None:
    result = run_newsflow(["sql", "SELECT 1; SELECT 2", "--format", "csv", "--db", str(examples_db)], cwd=tmp_path)
    _assert_one_line_refusal(result, "--format csv prints one result, but the SQL holds 2 statements")


@pytest.mark.parametrize(
    "statement",
    [
        "COPY articles TO '{out}'",
        "COPY (SELECT title FROM articles) TO '{out}' (FORMAT csv)",
        "EXPLAIN ANALYZE COPY articles TO '{out}'",
        "EXPORT DATABASE '{out}'",
        "ATTACH '{out}' AS other",
        "SELECT 1; COPY articles TO '{out}'",
        "CREATE TABLE notes AS SELECT 1",
    ],
)
def test_sql_refuses_anything_that_writes_and_writes_nothing(statement: str, examples_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "written"
    before = examples_db.read_bytes()
    result = run_newsflow(["sql", statement.format(out=out), "--db", str(examples_db)], cwd=tmp_path)
    _assert_one_line_refusal(result, "newsflow sql only reads")
    assert not out.exists()
    assert examples_db.read_bytes() == before


def test_sql_still_reads_in_every_read_form(examples_db: Path, tmp_path: Path) -> None:
    for statement in ("DESCRIBE articles", "SHOW TABLES", "PRAGMA table_info('runs')", "EXPLAIN SELECT * FROM articles",
                      "FROM articles SELECT count(*)", "WITH t AS (SELECT 1 AS x) SELECT * FROM t"):
        result = run_newsflow(["sql", statement, "--db", str(examples_db)], cwd=tmp_path)
        assert result.returncode == 0 and result.stderr == "", (statement, result.stderr)


@pytest.mark.parametrize("command", ["report", "export"])
def test_out_naming_an_existing_file_is_refused_and_the_file_kept(command: str, examples_db: Path, tmp_path: Path) -> None:
    existing = tmp_path / "notes.html"
    existing.write_text("my own notes\n")
    result = run_newsflow([command, "--out", str(existing), "--db", str(examples_db)], cwd=tmp_path)
    _assert_one_line_refusal(result, f"--out names a folder to write into, but {existing} is a file")
    assert existing.read_text() == "my own notes\n"


def test_report_into_a_folder_that_exists_replaces_its_page(examples_db: Path, tmp_path: Path) -> None:
    folder = tmp_path / "report"
    folder.mkdir()
    (folder / "report.html").write_text("old")
    result = run_newsflow(["report", "--out", str(folder), "--db", str(examples_db)], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{folder / 'report.html'}\n"
    assert (folder / "report.html").read_text().startswith("<!DOCTYPE html>")


def test_db_is_accepted_before_the_command_too(examples_db: Path, tmp_path: Path) -> None:
    result = run_newsflow(["--db", str(examples_db), "sql", "SELECT count(*) AS n FROM articles"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "n\n-\n8\n(1 row)\n"


def test_export_writes_every_table_of_the_catalog_with_all_its_rows(examples_db: Path, tmp_path: Path) -> None:
    """Catches drift: a table added by a later migration must appear in the export without more code."""
    out = tmp_path / "export"
    result = run_newsflow(["export", "--out", str(out), "--db", str(examples_db)], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    with duckdb.connect(str(examples_db), read_only=True) as con:
        tables = {str(name): int(con.execute(f"SELECT count(*) FROM {name}").fetchone()[0])  # type: ignore[index]
                  for (name,) in con.execute("SELECT table_name FROM information_schema.tables "
                                             "WHERE table_schema = 'main' AND table_type = 'BASE TABLE'").fetchall()}
    assert len(tables) >= 18 and {"story_decisions", "name_links", "files_seen", "article_names", "story_merges"} <= set(tables)
    assert {p.name for p in out.iterdir()} == set(tables)
    exported = {name: duckdb.sql(f"SELECT count(*) FROM read_parquet('{out / name}/**/*.parquet')").fetchone()[0]  # type: ignore[index]
                for name in tables}
    assert exported == tables
    listed = {line.split()[0] for line in result.stdout.splitlines()}
    assert listed == set(tables)


def test_export_again_into_the_same_folder_holds_one_export(examples_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "export"
    for _ in range(2):
        assert run_newsflow(["export", "--out", str(out), "--db", str(examples_db)], cwd=tmp_path).returncode == 0
    articles = duckdb.sql(f"SELECT count(*) FROM read_parquet('{out}/articles/**/*.parquet')").fetchone()
    assert articles == Database(examples_db).query("SELECT count(*) FROM articles").rows[0]
