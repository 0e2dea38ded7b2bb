"""A large files run prepares batches in worker processes; the database must be as a serial run leaves it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from flows.cli import main
from storage import Database
from tests.conftest import EXAMPLES
from tests.storage.test_stories import ARTICLE, EARLIER, MONDAY_REPORT, REPUBLISHED, SAME_EVENT, TUESDAY_REPORT

TABLES = {
    "articles": "SELECT article_id, story_id, title, body, word_count FROM articles ORDER BY 1",
    "documents": "SELECT document_id, article_id, item_key, raw_sha256 FROM documents ORDER BY 1",
    "stories": "SELECT story_id, representative_article_id, article_count FROM stories ORDER BY 1",
    "decisions": "SELECT article_id, other_article_id, jaccard, containment, verdict FROM story_decisions ORDER BY 1, 2",
    "tags": "SELECT article_id, agency, role FROM agency_tags ORDER BY ALL",
    "names": "SELECT article_id, variant, canonical, applied FROM name_variants ORDER BY ALL",
    "quarantine": "SELECT source_uri, reason FROM quarantine ORDER BY ALL",
    "counts": "SELECT seen_count, new_count, duplicate_count, quarantined_count FROM runs",
}


def _inputs(folder: Path) -> Path:
    """The examples plus story cases, spread over several batches of two files."""
    shutil.copytree(EXAMPLES, folder)
    for name, text in {"a-original.txt": ARTICLE, "b-republished.txt": REPUBLISHED, "c-earlier.txt": EARLIER,
                       "d-analysis.txt": SAME_EVENT, "e-monday.txt": MONDAY_REPORT,
                       "f-tuesday.txt": TUESDAY_REPORT}.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _snapshot(db_path: Path) -> dict[str, list[tuple[object, ...]]]:
    db = Database(db_path)
    return {name: db.query(sql).rows for name, sql in TABLES.items()}


def test_worker_processes_leave_the_same_database_as_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inputs = _inputs(tmp_path / "in")
    monkeypatch.setenv("NEWSFLOW_BATCH_SIZE", "2")
    snapshots = []
    for workers in ("1", "2"):
        monkeypatch.setenv("NEWSFLOW_WORKERS", workers)
        db_path = tmp_path / f"workers-{workers}.duckdb"
        assert main(["ingest", "files", str(inputs), "--db", str(db_path)]) == 0
        snapshots.append(_snapshot(db_path))
    serial, parallel = snapshots
    assert serial == parallel
    assert len(serial["documents"]) == 15 and len(serial["quarantine"]) == 2
    assert len(serial["stories"]) < len(serial["articles"])  # the story cases did merge
