"""A run is cut into transactions by count and by input bytes, so that large files cannot make one huge batch."""

from __future__ import annotations

from pathlib import Path

import pytest

import flows.files
from flows.batching import cut
from flows.files import run_ingest_files
from flows.settings import Settings
from storage import Database


def test_cut_keeps_order_and_both_limits() -> None:
    sized = [("a", 3), ("b", 3), ("c", 3), ("d", 10), ("e", 1), ("f", 1), ("g", 1)]
    runs = list(cut(sized, most=2, most_bytes=7))
    assert [[item for item, _ in run] for run in runs] == [["a", "b"], ["c"], ["d"], ["e", "f"], ["g"]]
    assert [item for run in runs for item, _ in run] == [item for item, _ in sized]


def test_a_run_of_large_files_stores_them_in_smaller_transactions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "pages"
    folder.mkdir()
    for i in range(12):
        words = " ".join(f"word{i:02}x{j:03}" for j in range(400))  # every file the same size
        (folder / f"{i:02}.txt").write_text(f"Headline number {i:02}\n\nBody {i:02}. {words}\n", encoding="utf-8")
    size = (folder / "00.txt").stat().st_size
    monkeypatch.setattr(flows.files, "BATCH_BYTES", 4 * size)
    monkeypatch.setattr(flows.files, "PREPARE_BYTES", 2 * size)
    done: list[int] = []
    db_path = tmp_path / "news.duckdb"
    summary = run_ingest_files([folder], settings=Settings.from_env(db=db_path), progress=lambda n, _: done.append(n))
    assert done == [4, 8, 12]  # three transactions of four files, though a batch may hold 4,000
    assert summary.new == 12
    assert Database(db_path).query("SELECT count(*) FROM documents").rows == [(12,)]
