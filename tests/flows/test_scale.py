"""Four ingest processes writing one DuckLake at once store what the same runs store one after another."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from storage import Database
from tests.flows.conftest import REPO, run_newsflow
from tests.flows.test_parallel import _inputs

SHARDS = 4
RESULT = {
    "articles": "SELECT article_id, story_id, body, word_count FROM articles ORDER BY ALL",
    "stories": "SELECT story_id, article_count FROM stories ORDER BY ALL",
    "decisions": "SELECT article_id, other_article_id, verdict FROM story_decisions ORDER BY ALL",
    "tags": "SELECT article_id, agency, role FROM agency_tags ORDER BY ALL",
    "names": "SELECT article_id, variant, canonical, applied FROM name_variants ORDER BY ALL",
    # A document per sighting: an item in two shards is two documents of one article.
    "documents": "SELECT source_uri, item_key, article_id, count(*) FROM documents GROUP BY ALL ORDER BY ALL",
    "quarantine": "SELECT source_uri, reason, count(*) FROM quarantine GROUP BY ALL ORDER BY ALL",
    "totals": "SELECT count(*), sum(seen_count), sum(new_count), sum(duplicate_count), sum(quarantined_count) "
              "FROM runs WHERE status = 'completed'",
}
# Batches of two files and one worker each: many small transactions, so the four writers interleave.
ENV = {"NEWSFLOW_BATCH_SIZE": "2", "NEWSFLOW_WORKERS": "1"}


def _shards(files: list[Path]) -> list[list[str]]:
    """Every file in one shard, and every third file in the next shard too."""
    shards: list[list[str]] = [[] for _ in range(SHARDS)]
    for index, path in enumerate(files):
        shards[index % SHARDS].append(str(path))
        if index % 3 == 0:
            shards[(index + 1) % SHARDS].append(str(path))
    return shards


def _rows(location: str) -> dict[str, list[tuple[object, ...]]]:
    database = Database(location)
    return {name: database.query(sql).rows for name, sql in RESULT.items()}


def test_four_writers_on_one_lake_collapse_duplicates_as_one_writer_does(lake_url: str, tmp_path: Path) -> None:
    files = sorted(path for path in _inputs(tmp_path / "in").iterdir())
    shards = _shards(files)
    assert sum(map(len, shards)) > len(files)  # some items are in two shards

    serial_db = str(tmp_path / "serial.duckdb")
    for shard in shards:
        done = run_newsflow(["ingest", "files", *shard, "--db", serial_db], cwd=REPO, env=ENV)
        assert done.returncode == 0, done.stderr

    environment = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "NEWSFLOW_DB")} | ENV
    writers = [
        subprocess.Popen([sys.executable, "-m", "flows.cli", "ingest", "files", *shard, "--db", lake_url],
                         cwd=REPO, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for shard in shards
    ]
    for writer in writers:
        _, stderr = writer.communicate(timeout=600)
        assert writer.returncode == 0, stderr

    (overlapping,), = Database(lake_url).query(
        "SELECT count(*) FROM runs a JOIN runs b ON a.run_id < b.run_id "
        "AND a.started_at < b.finished_at AND b.started_at < a.finished_at"
    ).rows
    assert overlapping > 0  # the writers did run at the same time
    concurrent, serial = _rows(lake_url), _rows(serial_db)
    assert concurrent == serial
    assert serial["totals"][0][0] == SHARDS
    assert len(serial["stories"]) < len(serial["articles"])  # the story cases merged
    assert any(count > 1 for *_, count in serial["documents"])  # items seen twice are two documents
