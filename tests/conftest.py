"""Shared fixtures: temporary databases, the shared corpora (skipped when absent), the examples."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

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
    for name in ("NEWSFLOW_DB", "NEWSFLOW_BATCH_SIZE", "NEWSFLOW_MAX_FILE_BYTES", "NEWSFLOW_NAME_ALIASES",
                 "NEWSFLOW_LOCK_TIMEOUT", "NEWSFLOW_WORKERS", "NEWSFLOW_STORY_JACCARD", "NEWSFLOW_STORY_CONTAINMENT",
                 "PREFECT_API_URL", "PREFECT_PROFILE"):
        monkeypatch.delenv(name, raising=False)
