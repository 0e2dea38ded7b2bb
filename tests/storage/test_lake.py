"""A DuckLake on a real PostgreSQL server holds the same tables as a DuckDB file and takes the same writes."""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path

import duckdb
import pytest

from ingest.batch import prepare_batch
from ingest.files import iter_file_paths, read_file
from storage import Database
from storage import lake as lake_module
from storage.errors import QueryError, StorageError
from storage.lake import lake_ddl, parse_lake_url
from storage.schema import LATEST_VERSION
from tests.conftest import EXAMPLES

COLUMNS = """
    SELECT table_name, column_name, data_type, is_nullable, column_default
    FROM information_schema.columns
    WHERE table_catalog = current_database() AND table_schema = 'main'
    ORDER BY table_name, ordinal_position
"""


def test_a_lake_url_needs_its_data_folder_and_hides_its_password() -> None:
    with pytest.raises(ValueError, match="data_path"):
        parse_lake_url("ducklake:postgres:dbname=lake host=127.0.0.1")
    lake = parse_lake_url("ducklake:postgres:dbname=lake host=db password=s3cret data_path=/srv/lake")
    assert lake.catalog == "dbname=lake host=db password=s3cret" and lake.data_path == "/srv/lake/"
    assert "s3cret" not in lake.display_name and "dbname=lake" in lake.display_name


def test_the_lake_dialect_drops_only_what_ducklake_cannot_enforce() -> None:
    sql = """
        CREATE TABLE t (
            id    VARCHAR PRIMARY KEY,
            other VARCHAR NOT NULL,  -- a comment, then the key
            PRIMARY KEY (id, other)
        );
        CREATE INDEX t_idx ON t (other);  -- "all of them"
        ALTER TABLE t ADD COLUMN flag BOOLEAN DEFAULT false;
    """
    translated = lake_ddl(sql)
    assert "PRIMARY KEY" not in translated and "INDEX" not in translated
    assert "id    VARCHAR NOT NULL," in translated
    assert "other VARCHAR NOT NULL  -- a comment, then the key\n" in translated
    assert "DEFAULT 'false'" in translated


def test_a_lake_has_the_same_tables_columns_and_views_as_a_file(lake_url: str, db_path: Path) -> None:
    lake, file = Database(lake_url), Database(db_path)
    assert lake.migrate() == file.migrate() == LATEST_VERSION
    lake_columns, file_columns = (
        [(*row[:4], _default_value(row[4])) for row in database.query(COLUMNS).rows] for database in (lake, file)
    )
    assert lake_columns == file_columns
    assert {row[0] for row in lake_columns} >= {"articles", "documents", "stories", "story_overview", "lake_writes"}


def _default_value(expression: str | None) -> str | None:
    """A column default as the value it gives: DuckLake spells `0` as `'0'` and `false` as `'false'`."""
    if expression is None or expression == "NULL" or "current_" in expression:
        return expression if expression != "NULL" else None
    (value,) = duckdb.sql(f"SELECT CAST({expression} AS VARCHAR)").fetchone() or (None,)
    return str(value)


def test_a_batch_stored_in_a_lake_reads_back_as_from_a_file(lake_url: str, db_path: Path) -> None:
    batch = prepare_batch(read_file(path) for path in iter_file_paths([EXAMPLES]))
    counts = []
    for database in (Database(lake_url), Database(db_path)):
        database.start_run("run-1", flow="ingest-files", parameters={})
        counts.append(database.add_batch(batch, run_id="run-1"))
        database.finish_run("run-1", status="completed")
    assert counts[0] == counts[1]
    for sql in ("SELECT article_id, story_id, title, body FROM articles ORDER BY ALL",
                "SELECT article_id, agency, role FROM agency_tags ORDER BY ALL",
                "SELECT source_uri, reason FROM quarantine ORDER BY ALL",
                "SELECT status, seen_count, new_count, duplicate_count, quarantined_count FROM runs"):
        assert Database(lake_url).query(sql).rows == Database(db_path).query(sql).rows


@pytest.mark.parametrize("queue", ["queued", "claim alone"])
def test_writers_storing_one_article_at_the_same_moment_store_it_once(
    lake_url: str, queue: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the write claim each would see no such article and insert it (snapshot isolation).

    Writers queue for an advisory lock first; the claim alone must suffice when they do not (a
    writer that lost its lock's connection), at the cost of redone transactions.
    """
    if queue == "claim alone":
        monkeypatch.setattr(lake_module, "_writers_queue", lambda con: contextlib.nullcontext())
    batch = prepare_batch(read_file(path) for path in sorted(EXAMPLES.glob("*.txt"))[:3])
    database = Database(lake_url)
    database.migrate()
    start = threading.Barrier(4)

    def writer(number: int) -> None:
        run_id = f"writer-{number}"
        database.start_run(run_id, flow="ingest-files", parameters={})
        start.wait()
        database.add_batch(batch, run_id=run_id)
        database.finish_run(run_id, status="completed")

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    (articles, documents, new, duplicates), = database.query(
        "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM documents), sum(new_count), sum(duplicate_count) "
        "FROM runs"
    ).rows
    assert documents == 4 * len(batch.documents)
    assert articles == new == len({d.article.body_key for d in batch.documents})
    assert duplicates == documents - articles


def test_a_users_query_cannot_change_a_lake(lake_url: str) -> None:
    database = Database(lake_url)
    database.migrate()
    database.query("DELETE FROM lake_writes")
    assert database.query("SELECT count(*) FROM lake_writes").rows == [(1,)]


def test_an_unreachable_catalog_is_one_clear_error_without_its_password(postgres: str, tmp_path: Path) -> None:
    url = f"ducklake:postgres:dbname=no_such_lake {postgres} password=s3cret data_path={tmp_path}"
    with pytest.raises(StorageError, match="cannot open the DuckLake .*no_such_lake") as raised:
        Database(url).migrate()
    assert "s3cret" not in str(raised.value)


def test_search_finds_articles_in_a_lake(lake_url: str) -> None:
    database = Database(lake_url)
    batch = prepare_batch(read_file(path) for path in iter_file_paths([EXAMPLES]))
    database.start_run("run-1", flow="ingest-files", parameters={})
    database.add_batch(batch, run_id="run-1")
    hits = database.search("grain corridor Odesa")
    assert hits and "Odesa" in hits[0].title + hits[0].snippet
    with pytest.raises(QueryError):  # the index lives in memory, never in the lake
        database.query("SELECT * FROM fts_main_articles.docs")
