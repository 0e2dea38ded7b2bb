"""Stopping a run: `kill` (SIGTERM) and Ctrl-C (SIGINT to the whole foreground group) leave no
process behind, print one line, keep what was stored, and mark the run interrupted (issue 19)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import psutil
import pytest

from flows.stopping import Stopped, stoppable
from storage import Database
from storage.lock import connect_waiting
from storage.shield import shielded

FILES = 6_000
_WORDS = ("grain", "port", "minister", "talks", "harvest", "convoy", "tariff", "strike", "vote", "court")


def _write_articles(folder: Path) -> None:
    """Distinct short articles, enough for several batches and worker processes."""
    folder.mkdir()
    for i in range(FILES):
        words = " ".join(_WORDS[(i // 10**k) % 10] for k in range(4))
        (folder / f"{i:05d}.txt").write_text(
            f"Report {i}\n\nOfficials discussed {words} on day {i} of the session, the ministry said. "
            f"Item {i} was filed at {i % 24} hours after {words} talks resumed.\n", encoding="utf-8")


def _start_run(folder: Path, db: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "NEWSFLOW_DB")}
    # Sixty transactions of 100 files keep the run going for seconds, so that the stop lands mid-run
    # however fast preparing gets (at 500 a transaction, a faster pipeline finished before it).
    env.update(NEWSFLOW_BATCH_SIZE="100", NEWSFLOW_WORKERS="2")
    return subprocess.Popen([sys.executable, "-m", "flows.cli", "ingest", "files", str(folder), "--db", str(db)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def _wait_for_workers(run: subprocess.Popen[str], db: Path) -> list[psutil.Process]:
    """The run's processes once its workers are busy and it has stored a batch."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert run.poll() is None, run.communicate()
        family = psutil.Process(run.pid).children(recursive=True)
        if len(family) >= 3 and db.exists() and Path(f"{db}.wal").exists():
            return family
        time.sleep(0.1)
    pytest.fail("the run never started its workers")


@pytest.mark.parametrize(("how", "status"), [("SIGTERM to the run", 143), ("Ctrl-C to its process group", 130)])
def test_a_stopped_run_leaves_no_process_says_one_line_and_loses_nothing(tmp_path: Path, how: str, status: int) -> None:
    folder, db = tmp_path / "inbox", tmp_path / "news.duckdb"
    _write_articles(folder)
    run = _start_run(folder, db)
    family = _wait_for_workers(run, db)
    time.sleep(1.0)
    if how.startswith("SIGTERM"):
        os.kill(run.pid, signal.SIGTERM)
    else:
        os.killpg(run.pid, signal.SIGINT)
    _, stderr = run.communicate(timeout=120)

    assert run.returncode == status, stderr
    assert "Traceback" not in stderr and len(stderr.strip().splitlines()) == 1, stderr
    _, alive = psutil.wait_procs(family, timeout=10)
    assert alive == [], [p.cmdline() for p in alive]
    leftover = [p for p in psutil.process_iter(["pid"]) if _session(p) == run.pid]
    assert leftover == []
    ((state, error),) = Database(db).query("SELECT status, error FROM runs").rows
    assert state == "interrupted" and "stopped by SIG" in error

    rerun = subprocess.run([sys.executable, "-m", "flows.cli", "ingest", "files", str(folder), "--db", str(db),
                            "--only-new"], capture_output=True, text=True, timeout=600, check=False)
    assert rerun.returncode == 0, rerun.stderr
    assert Database(db).query("SELECT count(*), count(DISTINCT article_id) FROM documents").rows == [(FILES, FILES)]


def _session(process: psutil.Process) -> int | None:
    try:
        return os.getsid(process.pid)
    except OSError:
        return None


def test_a_stop_request_while_the_database_opens_or_closes_waits_for_it_then_stops(tmp_path: Path) -> None:
    """A signal inside DuckDB's open or close once left a stopped run spinning inside `duckdb.connect`
    when it came to record itself as interrupted, instead of exiting."""
    db = tmp_path / "news.duckdb"
    steps: list[str] = []
    with pytest.raises(Stopped), stoppable():
        with shielded():
            os.kill(os.getpid(), signal.SIGTERM)
            con = connect_waiting(db, read_only=False, timeout=5)  # the handler runs during this call
            steps.append("opened")
            con.close()
            steps.append("closed")
        steps.append("after the block")
    assert steps == ["opened", "closed"]
    connect_waiting(db, read_only=False, timeout=5).close()  # the file is free: nothing holds its lock


def test_opening_the_database_finishes_before_a_stop_request_that_arrives_meanwhile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "news.duckdb"
    steps: list[str] = []
    open_duckdb = duckdb.connect

    def signalled_while_opening(*args: Any, **kwargs: Any) -> duckdb.DuckDBPyConnection:
        os.kill(os.getpid(), signal.SIGTERM)  # the real DuckDB open, with the signal arriving during it
        time.sleep(0.05)
        con = open_duckdb(*args, **kwargs)
        steps.append("opened")
        return con

    monkeypatch.setattr(duckdb, "connect", signalled_while_opening)
    with pytest.raises(Stopped), stoppable():
        connect_waiting(db, read_only=False, timeout=5)
        steps.append("returned")
    assert steps == ["opened"]
