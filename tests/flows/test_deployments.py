"""prefect.yaml for real: `prefect server start`, a process work pool, `prefect deploy --all`, a worker,
a deployment run that loads the database, and the feeds deployment's active cron schedule (issue 5)."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from storage import Database
from tests.conftest import EXAMPLES, REPO

pytestmark = pytest.mark.prefect
PREFECT = [sys.executable, "-m", "prefect"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _tail(path: Path, chars: int = 3000) -> str:
    return path.read_text(errors="replace")[-chars:] if path.exists() else ""


class _Background:
    """A background process in its own session, stopped with its whole process group."""

    def __init__(self, args: list[str], *, env: dict[str, str], log: Path, cwd: Path) -> None:
        self.log = log
        self._handle = log.open("w")
        self.process = subprocess.Popen(args, env=env, cwd=cwd, stdout=self._handle, stderr=subprocess.STDOUT,
                                        start_new_session=True)

    def stop(self) -> None:
        """SIGTERM the group, SIGKILL it after 30 s, and SIGKILL any child left once the leader exited."""
        for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 30)):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.process.wait(timeout=wait)
            except subprocess.TimeoutExpired:
                continue
        self._handle.close()


@pytest.fixture
def prefect_server(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A real `prefect server start` on 127.0.0.1 with its own PREFECT_HOME; yields the environment."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "NEWSFLOW_"))}
    env.update({
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_UI_ENABLED": "false",
        "PREFECT_CLI_PROMPT": "false",
        "PREFECT_WORKER_QUERY_SECONDS": "1",
        # Schedules stay active (checked below) but never fire: a scheduled feeds run would use the
        # deployment's relative paths inside the repository.
        "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false",
    })
    server = _Background([*PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                         env=env, log=tmp_path / "server.log", cwd=tmp_path)
    try:
        deadline = time.monotonic() + 180
        while True:
            assert server.process.poll() is None, _tail(server.log)
            try:
                if httpx.get(f"{env['PREFECT_API_URL']}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "server not healthy in 180 s: " + _tail(server.log)
            time.sleep(0.5)
        yield env
    finally:
        server.stop()


def _prefect(args: list[str], env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PREFECT, *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout)


def test_deployments_run_on_a_real_server_and_worker(prefect_server: dict[str, str], tmp_path: Path) -> None:
    env = prefect_server
    created = _prefect(["work-pool", "create", "newsflow", "--type", "process", "--overwrite"], env)
    assert created.returncode == 0, created.stdout + created.stderr
    deployed = _prefect(["deploy", "--all"], env)  # NEWSFLOW_HOME unset: resolved on the worker at run time
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr

    worker = _Background([*PREFECT, "worker", "start", "--pool", "newsflow"],
                         env={**env, "NEWSFLOW_HOME": str(REPO)}, log=tmp_path / "worker.log", cwd=tmp_path)
    try:
        deadline = time.monotonic() + 120
        while "started" not in _tail(worker.log, 100_000).lower():
            assert worker.process.poll() is None and time.monotonic() < deadline, _tail(worker.log)
            time.sleep(0.5)
        inbox, db = tmp_path / "inbox", tmp_path / "news.duckdb"
        inbox.mkdir()
        shutil.copy(EXAMPLES / "2026-03-07-sofia-chess-final.txt", inbox)
        run_args = ["deployment", "run", "ingest-files/inbox", "-p", f"paths={json.dumps([str(inbox)])}",
                    "-p", f"db={json.dumps(str(db))}",
                    "--watch", "--watch-interval", "1", "--watch-timeout", "180"]
        for _ in range(2):  # the second run finds the inbox unchanged
            run = _prefect(run_args, env)
            assert run.returncode == 0, run.stdout + run.stderr + _tail(worker.log)
    finally:
        worker.stop()
    _a_worker_without_newsflow_home_fails_its_pull_step_saying_why(env, run_args, tmp_path)

    rows = Database(db).query("SELECT flow, status, prefect_flow_run_id IS NOT NULL, new_count, unchanged_count "
                              "FROM runs ORDER BY started_at").rows
    assert rows == [("ingest-files", "completed", True, 1, 0), ("ingest-files", "completed", True, 0, 1)]
    assert Database(db).query("SELECT title FROM articles").rows == [("Volkova beats Volkov in family chess final",)]
    assert Database(db).query("SELECT count(*) FROM documents").rows == [(1,)]

    inspected = _prefect(["deployment", "inspect", "ingest-feeds/every-15-minutes", "--output", "json"], env)
    assert inspected.returncode == 0, inspected.stderr
    feeds = json.loads(inspected.stdout)
    schedules = [(s["schedule"].get("cron"), s["schedule"].get("timezone"), s["active"]) for s in feeds["schedules"]]
    assert schedules == [("*/15 * * * *", "UTC", True)] and feeds["paused"] is False, inspected.stdout


def _a_worker_without_newsflow_home_fails_its_pull_step_saying_why(
    env: dict[str, str], run_args: list[str], tmp_path: Path
) -> None:
    """Issue 19: not "pull step completed", then a FileNotFoundError for flows/prefect_flows.py."""
    worker = _Background([*PREFECT, "worker", "start", "--pool", "newsflow"], env=env,
                         log=tmp_path / "worker-without-home.log", cwd=tmp_path)
    try:
        deadline = time.monotonic() + 120
        while "started" not in _tail(worker.log, 100_000).lower():
            assert worker.process.poll() is None and time.monotonic() < deadline, _tail(worker.log)
            time.sleep(0.5)
        run = _prefect(run_args, env)
    finally:
        worker.stop()
    log = worker.log.read_text(errors="replace")
    assert run.returncode == 1, run.stdout + log[-3000:]
    assert "NEWSFLOW_HOME must name the newsflow checkout on this worker's machine, but it is ''" in log, log[-3000:]
    assert not re.search(r"FileNotFoundError.*prefect_flows\.py", log)
