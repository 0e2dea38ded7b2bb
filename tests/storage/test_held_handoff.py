"""A run holding the database hands it over only when another newsflow process waits for it.

Every handover costs the run a checkpoint, so a run nobody waits for keeps its connection; a reader
or writer that waits gets the database at the first batch after `HOLD_SECONDS`.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from ingest.batch import prepare_batch
from ingest.records import Batch, RawItem
from storage import Database, session
from storage.lock import file_lock, someone_waits
from tests.conftest import REPO


def _batch(first: int) -> Batch:
    texts = [f"Port {i} reopens\n\nHAMBURG (Reuters) - Port {i} reopened after a strike of {i} days.\n"
             for i in range(first, first + 20)]
    return prepare_batch([RawItem("file", f"/in/{i}.txt", f"/in/{i}.txt", text.encode(), ".txt")
                          for i, text in enumerate(texts, start=first)])


def _reader(db_path: Path) -> subprocess.Popen[str]:
    """Another process counting the articles, as `newsflow sql` would: it waits for the lock."""
    code = f"from storage import Database; print(Database({str(db_path)!r}).query('SELECT count(*) FROM articles').rows[0][0])"
    return subprocess.Popen([sys.executable, "-c", code], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def _until(condition: object, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_nobody_waits_for_a_database_nobody_is_waiting_for(db_path: Path) -> None:
    db_path.touch()
    assert not someone_waits(db_path)
    with file_lock(db_path, exclusive=True, timeout=5):
        assert not someone_waits(db_path)  # the holder itself is no waiter


def test_a_held_database_is_kept_while_nobody_waits(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = Database(db_path)
    db.migrate()
    monkeypatch.setattr(session, "HOLD_SECONDS", 0.0)
    with db.holding_writes():
        db.start_run("run-1", flow="test", parameters={})
        held = session.held_connection(db_path)
        db.add_batch(_batch(0), run_id="run-1")
        db.add_batch(_batch(20), run_id="run-1")
        assert session.held_connection(db_path) is held  # no handover, so no checkpoint between batches
        db.finish_run("run-1", status="completed")
    assert db.query("SELECT count(*) FROM articles").rows == [(40,)]


def test_a_reader_waiting_for_a_held_database_gets_it_at_the_next_batch(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Database(db_path)
    db.migrate()
    monkeypatch.setattr(session, "HOLD_SECONDS", 0.0)
    monkeypatch.setattr(session, "YIELD_SECONDS", 2.0)  # time enough for the waiting reader on a busy machine
    with db.holding_writes():
        db.start_run("run-1", flow="test", parameters={})
        db.add_batch(_batch(0), run_id="run-1")
        reader = _reader(db_path)
        _until(lambda: someone_waits(db_path) or reader.poll() is not None)
        assert reader.poll() is None, "the reader did not wait for the held database"
        db.add_batch(_batch(20), run_id="run-1")  # hands the database over first
        out, err = reader.communicate(timeout=60)
        db.finish_run("run-1", status="completed")
    assert reader.returncode == 0, err
    assert out.split() == ["20"]  # it read between the two batches
    assert db.query("SELECT count(*) FROM articles").rows == [(40,)]
