from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[str]:
    """One real Prefect API server (the test harness) for the session; yields its URL.

    Starting it costs ~15 s on a 2-core machine, so every Prefect test shares it.
    """
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield str(PREFECT_API_URL.value())


def run_newsflow(args: Sequence[str], *, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real command line in a child process, as a user would."""
    environment = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "NEWSFLOW_DB")}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "flows.cli", *args],
        cwd=cwd, env=environment, capture_output=True, text=True, timeout=600, check=False,
    )
