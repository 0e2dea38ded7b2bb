"""A Prefect API that was configured and then stopped (issue 19): one line, nothing half-done."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from storage import Database
from tests.conftest import EXAMPLES
from tests.flows.conftest import run_newsflow


def _closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize(
    "args",
    [["ingest", "files", str(EXAMPLES)], ["ingest", "feeds", "--feed", "http://127.0.0.1:9/feed.xml"]],
    ids=["files", "feeds"],
)
def test_ingest_with_a_stopped_prefect_server_says_so_in_one_line_and_stores_nothing(
    args: list[str], tmp_path: Path, db_path: Path
) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/api"
    result = run_newsflow([*args, "--db", str(db_path)], cwd=tmp_path, env={"PREFECT_API_URL": url})
    assert result.returncode == 1
    assert result.stdout == "" and "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        f"newsflow: error: the Prefect API at {url} (PREFECT_API_URL) does not answer (ConnectError): start that "
        "server, or unset PREFECT_API_URL to run without Prefect; nothing was read or stored"
    ]
    assert not db_path.exists()


def test_after_the_refusal_the_same_files_run_without_prefect_stores_everything(tmp_path: Path, db_path: Path) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/api"
    Database(db_path).migrate()
    refused = run_newsflow(["ingest", "files", str(EXAMPLES), "--db", str(db_path)], cwd=tmp_path,
                           env={"PREFECT_API_URL": url})
    assert refused.returncode == 1
    assert Database(db_path).query("SELECT count(*) FROM runs").rows == [(0,)]
    done = run_newsflow(["ingest", "files", str(EXAMPLES), "--db", str(db_path)], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert Database(db_path).query("SELECT count(*), sum(new_count), any_value(status) FROM runs").rows == [(1, 8, "completed")]
