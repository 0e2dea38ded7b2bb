"""A run's held write connection caps DuckDB's memory, and a batch never fails for the cap.

Left at DuckDB's default (80% of RAM) the held connection's buffer pool grows with the database for
as long as a run lasts; the cap keeps a long run's memory flat (docs/benchmarks.md, issue 17).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.batch import prepare_batch
from ingest.records import Batch, RawItem
from storage import Database, session

ARTICLES = [
    f"Port {i} reopens\n\nHAMBURG (Reuters) - Port {i} reopened on Monday after a strike of {i} days.\n\n"
    f"Dockers said {i * 37} ships were waiting.\n"
    for i in range(200)
]


def _batch() -> Batch:
    return prepare_batch([RawItem("file", f"/in/{i}.txt", f"/in/{i}.txt", text.encode(), ".txt")
                          for i, text in enumerate(ARTICLES)])


def _memory_limit(db: Database) -> str:
    return str(db.query("SELECT current_setting('memory_limit')").rows[0][0])


def test_a_held_connection_caps_duckdbs_memory_and_a_fresh_one_does_not(db_path: Path) -> None:
    db = Database(db_path)
    db.migrate()
    with db.holding_writes():
        assert _memory_limit(db) == "320.0 MiB"  # the floor: a new file is far below four times it
    assert _memory_limit(db) != "320.0 MiB"


def test_a_batch_that_runs_out_of_memory_under_the_cap_is_stored_with_the_cap_lifted(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Database(db_path)
    db.migrate()
    monkeypatch.setattr(session, "HOLD_MEMORY_FLOOR", 2**20)  # 1 MiB: too little for a batch
    with db.holding_writes():
        assert _memory_limit(db) == "1.0 MiB"
        db.start_run("run-1", flow="test", parameters={})
        counts = db.add_batch(_batch(), run_id="run-1")
        db.finish_run("run-1", status="completed")
        assert _memory_limit(db).endswith("GiB")  # lifted to DuckDB's default for the rest of the hold
    assert counts.new == len(ARTICLES)
    assert db.query("SELECT count(*) FROM articles").rows == [(len(ARTICLES),)]
