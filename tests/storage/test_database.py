from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import duckdb
import pytest

from ingest.batch import prepare_batch
from ingest.records import Batch, RawItem
from storage import Database, DatabaseBusyError, DatabaseMissingError, QueryError, SchemaVersionError, StorageError
from storage.lock import file_lock
from storage.schema import LATEST_VERSION

ARTICLE = "Bridge opens in Rome\n\nROME (ANSA) - The new bridge opened on Monday.\n\nAbout 20,000 people will cross it daily.\n"
COPY_WITH_NEW_HEADLINE = ARTICLE.replace("Bridge opens in Rome", "Rome's new bridge is open")


def _batch(*texts: str | bytes, suffix: str = ".txt") -> Batch:
    raws = [
        RawItem("file", f"/in/{i}{suffix}", f"/in/{i}{suffix}", t.encode() if isinstance(t, str) else t, suffix)
        for i, t in enumerate(texts)
    ]
    return prepare_batch(raws)


def _load(db: Database, batch: Batch, run_id: str = "run-1") -> None:
    db.start_run(run_id, flow="test", parameters={})
    db.add_batch(batch, run_id=run_id)
    db.finish_run(run_id, status="completed")


def _rows(db: Database, sql: str) -> list[tuple[object, ...]]:
    return db.query(sql).rows


def test_a_new_database_is_created_at_the_latest_schema_version(db_path: Path) -> None:
    db = Database(db_path)
    assert db.migrate() == LATEST_VERSION
    tables = {row[0] for row in _rows(db, "SELECT table_name FROM information_schema.tables")}
    assert {"documents", "articles", "stories", "agency_tags", "name_variants", "runs", "quarantine", "feeds"} <= tables
    assert _rows(db, "SELECT version, issue FROM schema_migrations ORDER BY version") == [(1, 2), (2, 3), (3, 5), (4, 6), (5, 4), (6, 7), (7, 13), (8, 16), (9, 15), (10, 13), (11, 15)]


def test_a_database_from_a_newer_newsflow_is_refused(db_path: Path) -> None:
    Database(db_path).migrate()
    with duckdb.connect(str(db_path)) as con:
        con.execute("INSERT INTO schema_migrations (version, description, issue) VALUES (99, 'future', 99)")
    with pytest.raises(SchemaVersionError) as caught:
        Database(db_path).query("SELECT 1")
    assert caught.value.found == 99 and "upgrade newsflow" in str(caught.value)


def test_a_republished_copy_is_a_new_document_of_the_same_article(db_path: Path) -> None:
    db = Database(db_path)
    _load(db, _batch(ARTICLE, COPY_WITH_NEW_HEADLINE))
    assert _rows(db, "SELECT count(*) FROM articles") == [(1,)]
    assert _rows(db, "SELECT title FROM documents ORDER BY document_id") == [("Bridge opens in Rome",), ("Rome's new bridge is open",)]
    assert _rows(db, "SELECT title FROM articles") == [("Bridge opens in Rome",)]
    assert _rows(db, "SELECT count(DISTINCT article_id) FROM documents") == [(1,)]


def test_loading_the_same_input_again_adds_documents_but_no_articles(db_path: Path) -> None:
    db = Database(db_path)
    _load(db, _batch(ARTICLE), run_id="first")
    _load(db, _batch(ARTICLE), run_id="second")
    assert _rows(db, "SELECT count(*) FROM articles") == [(1,)]
    assert _rows(db, "SELECT count(*) FROM stories") == [(1,)]
    assert _rows(db, "SELECT count(*) FROM documents") == [(2,)]
    assert _rows(db, "SELECT count(*) FROM agency_tags") == [(1,)]
    assert _rows(db, "SELECT run_id, new_count, duplicate_count FROM runs ORDER BY started_at") == [
        ("first", 1, 0), ("second", 0, 1)
    ]


def test_each_article_is_its_own_story_until_stories_exist(db_path: Path) -> None:
    db = Database(db_path)
    _load(db, _batch(ARTICLE, "Other headline\n\nA different body about trains.\n"))
    assert _rows(db, "SELECT count(*) FROM articles a JOIN stories s ON s.story_id = a.story_id "
                     "AND s.representative_article_id = a.article_id AND s.article_count = 1") == [(2,)]


def test_bad_items_land_in_quarantine_and_the_rest_of_the_batch_loads(db_path: Path) -> None:
    db = Database(db_path)
    _load(db, _batch(ARTICLE, b"", b"\x00\x01binary\x00"))
    assert _rows(db, "SELECT count(*) FROM documents") == [(1,)]
    assert _rows(db, "SELECT reason, size_bytes FROM quarantine ORDER BY quarantine_id") == [("empty_file", 0), ("binary_file", 9)]
    assert _rows(db, "SELECT sample FROM quarantine WHERE reason = 'binary_file'") == [(b"\x00\x01binary\x00",)]
    assert _rows(db, "SELECT seen_count, new_count, quarantined_count FROM runs") == [(3, 1, 2)]


def test_a_failed_load_leaves_nothing_behind(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = Database(db_path)
    db.start_run("run-1", flow="test", parameters={})
    import storage.load

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk vanished")

    monkeypatch.setattr(storage.load, "_insert_quarantine", explode)
    with pytest.raises(RuntimeError):
        db.add_batch(_batch(ARTICLE, b""), run_id="run-1")
    assert _rows(db, "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM documents), "
                     "(SELECT count(*) FROM stories), (SELECT seen_count FROM runs)") == [(0, 0, 0, 0)]


def test_queries_are_read_only(db_path: Path) -> None:
    db = Database(db_path)
    db.migrate()
    with pytest.raises(QueryError) as caught:
        db.query("DELETE FROM articles")
    assert "read-only" in str(caught.value)


def test_reading_a_missing_database_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(DatabaseMissingError) as caught:
        Database(tmp_path / "nope.duckdb").query("SELECT 1")
    assert "newsflow ingest files" in str(caught.value)


def _hold_write_lock(db_path: str, seconds: float, ready: multiprocessing.synchronize.Event) -> None:
    with Database(db_path).writing():
        ready.set()
        time.sleep(seconds)


def test_a_second_writer_waits_for_the_first(db_path: Path) -> None:
    Database(db_path).migrate()
    ready = multiprocessing.get_context("spawn").Event()
    holder = multiprocessing.get_context("spawn").Process(target=_hold_write_lock, args=(str(db_path), 1.5, ready))
    holder.start()
    try:
        assert ready.wait(30)
        db = Database(db_path, timeout=30)
        started = time.monotonic()
        _load(db, _batch(ARTICLE))
        waited = time.monotonic() - started
    finally:
        holder.join(30)
    assert waited > 0.5  # it waited for the holder instead of failing with DuckDB's lock error
    assert _rows(db, "SELECT count(*) FROM articles") == [(1,)]


def test_a_writer_that_waits_too_long_gets_a_clear_message(db_path: Path) -> None:
    Database(db_path).migrate()
    with file_lock(db_path, exclusive=True, timeout=1):
        proc = multiprocessing.get_context("spawn").Process(target=_try_write, args=(str(db_path),))
        proc.start()
        proc.join(30)
    assert proc.exitcode == 3


def _try_write(db_path: str) -> None:
    try:
        Database(db_path, timeout=0.3).migrate()
    except DatabaseBusyError as exc:
        raise SystemExit(3 if "NEWSFLOW_LOCK_TIMEOUT" in str(exc) else 4) from None
    raise SystemExit(0)


def test_a_reader_waits_for_a_foreign_process_holding_duckdbs_own_lock(db_path: Path) -> None:
    Database(db_path).migrate()
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Event()
    holder = ctx.Process(target=_hold_duckdb_directly, args=(str(db_path), 1.0, ready))
    holder.start()
    try:
        assert ready.wait(30)
        result = Database(db_path, timeout=30).query("SELECT count(*) FROM articles")
    finally:
        holder.join(30)
    assert result.rows == [(0,)]


def _hold_duckdb_directly(db_path: str, seconds: float, ready: multiprocessing.synchronize.Event) -> None:
    con = duckdb.connect(db_path)
    ready.set()
    time.sleep(seconds)
    con.close()


def test_an_older_database_is_migrated_in_place_and_keeps_its_rows(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import storage.schema

    monkeypatch.setattr(storage.schema, "MIGRATIONS", storage.schema.MIGRATIONS[:1])
    with duckdb.connect(str(db_path)) as con:
        storage.schema.migrate(con, db_path)
        con.execute("INSERT INTO runs (run_id, flow, started_at, status) VALUES ('old', 'ingest-files', now(), 'completed')")
    monkeypatch.undo()
    db = Database(db_path)
    assert db.migrate() == LATEST_VERSION
    assert _rows(db, "SELECT version FROM schema_migrations ORDER BY version") == [(m.version,) for m in storage.schema.MIGRATIONS]
    assert _rows(db, "SELECT run_id, unchanged_count FROM runs") == [("old", 0)]


def test_reading_an_older_database_upgrades_it_first(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import storage.schema

    monkeypatch.setattr(storage.schema, "MIGRATIONS", storage.schema.MIGRATIONS[:3])
    with duckdb.connect(str(db_path)) as con:
        storage.schema.migrate(con, db_path)
    monkeypatch.undo()
    assert Database(db_path).query("SELECT count(*) FROM quarantine_by_reason").rows == [(0,)]  # a view of migration 4


def test_a_duckdb_file_that_is_not_newsflows_is_refused_in_words(db_path: Path) -> None:
    with duckdb.connect(str(db_path)) as con:
        con.execute("CREATE TABLE unrelated (x INTEGER)")
    with pytest.raises(StorageError, match="not a newsflow database"):
        Database(db_path).query("SELECT 1")
