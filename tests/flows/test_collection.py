"""Garbage collection is relaxed for a run and in its workers, and the process that ran it gets its own back."""

from __future__ import annotations

import gc
from pathlib import Path

from flows.collection import YOUNG_THRESHOLD
from flows.files import run_ingest_files
from flows.settings import Settings
from flows.workers import Workers
from tests.conftest import EXAMPLES


def _collection_state() -> tuple[tuple[int, int, int], int]:
    return gc.get_threshold(), gc.get_freeze_count()


def test_a_run_gives_the_process_its_own_collector_settings_back(tmp_path: Path) -> None:
    """A Prefect worker or `newsflow serve` lives on after a run: its settings are not the run's to keep."""
    before = gc.get_threshold()
    gc.set_threshold(123, 4, 5)
    try:
        run_ingest_files([EXAMPLES], settings=Settings.from_env(db=tmp_path / "news.duckdb"))
        assert gc.get_threshold() == (123, 4, 5)
    finally:
        gc.set_threshold(*before)


def test_workers_collect_less_and_never_walk_the_preloaded_tables() -> None:
    with Workers(2) as pool:
        threshold, frozen = pool.call(_collection_state)
    assert threshold[0] == YOUNG_THRESHOLD
    assert frozen > 10_000  # the modules, word tables and language model loaded before the fork
