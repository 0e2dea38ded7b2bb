"""Shared fixtures: temporary databases, the shared corpora (skipped when absent), the examples."""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from flows.settings import ENVIRONMENT

# Prefect keeps state under PREFECT_HOME (~/.prefect by default): give the whole session its own, set
# before anything imports Prefect, so tests never read or write a developer's profile.
os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="newsflow-test-prefect-")
atexit.register(shutil.rmtree, os.environ["PREFECT_HOME"], ignore_errors=True)
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples" / "articles"
CORPORA = Path(os.environ.get("NEWSFLOW_CORPORA", REPO.parent / "shared" / "corpora"))


@pytest.fixture
def corpora() -> Path:
    """../shared/corpora, or a skip: a user's fresh clone has no shared folder."""
    if not CORPORA.is_dir():
        pytest.skip(f"shared corpora not found at {CORPORA}")
    return CORPORA


@pytest.fixture
def seed_article(corpora: Path) -> Path:
    return corpora / "seed-article.txt"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "news.duckdb"


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may pick up a developer's database, settings or Prefect server from the environment."""
    for name in (*ENVIRONMENT, "PREFECT_API_URL", "PREFECT_PROFILE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    """libpq settings of a PostgreSQL server on 127.0.0.1 for DuckLake catalogs.

    The server .ci/run started (NEWSFLOW_TEST_POSTGRES), else one started here with the same script
    when Debian's postgresql package is installed, else a skip: the rest of the suite needs no server.
    """
    if os.environ.get("NEWSFLOW_TEST_POSTGRES"):
        yield os.environ["NEWSFLOW_TEST_POSTGRES"]
        return
    if not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        pytest.skip("PostgreSQL is not installed (.ci/run installs Debian's postgresql for these tests)")
    folder = Path(tempfile.mkdtemp(prefix="newsflow-test-postgres-"))  # not under pytest's root-only folder
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = subprocess.run([str(REPO / ".ci" / "postgres"), "start", str(folder), str(port)],
                             capture_output=True, text=True, check=True, timeout=120)
    try:
        yield started.stdout.strip()
    finally:
        subprocess.run([str(REPO / ".ci" / "postgres"), "stop", str(folder)], check=False, timeout=120)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def lake_url(postgres: str, tmp_path: Path) -> str:
    """A new, empty DuckLake: its own catalog database on the server, its own data folder."""
    name = f"lake_{uuid.uuid4().hex[:12]}"
    settings = dict(item.split("=", 1) for item in postgres.split())
    createdb = shutil.which("createdb") or str(sorted(Path("/usr/lib/postgresql").glob("*/bin/createdb"))[-1])
    subprocess.run([createdb, "-h", settings["host"], "-p", settings["port"], "-U", settings["user"], name],
                   check=True, timeout=60)
    return f"ducklake:postgres:dbname={name} {postgres} data_path={tmp_path / 'lake'}"
