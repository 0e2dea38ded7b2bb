"""Each rule lives in one place (issue 14); these tests fail when a second copy creeps back in."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from flows.settings import ENVIRONMENT, Settings
from ingest.batch import prepare_batch
from ingest.records import RawItem
from storage import clock
from tests.conftest import REPO

CODE = [path for package in ("flows", "ingest", "storage") for path in (REPO / package).rglob("*.py")]


def _source(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_only_the_settings_module_reads_the_environment() -> None:
    readers = {str(p.relative_to(REPO)) for p in CODE if re.search(r"os\.environ|os\.getenv", _source(p))}
    # serve.py sets PREFECT_* for the local server it starts; it reads no newsflow setting.
    assert readers == {"flows/settings.py", "flows/serve.py"}
    assert "NEWSFLOW_" not in "".join(line for line in _source(REPO / "flows/serve.py").splitlines() if "environ" in line)


def test_every_newsflow_variable_the_code_names_is_a_setting() -> None:
    named = {name for p in CODE for name in re.findall(r"NEWSFLOW_[A-Z_]*[A-Z]\b", _source(p))}
    # NEWSFLOW_HOME is the worker's checkout for prefect.yaml's pull step, not a setting of a run.
    assert named - {"NEWSFLOW_HOME"} <= set(ENVIRONMENT)
    read = set(re.findall(r'"(NEWSFLOW_[A-Z_]+)"', _source(REPO / "flows/settings.py"))) - set(ENVIRONMENT)
    assert read == set()


def test_nothing_but_the_clock_asks_the_system_for_the_time() -> None:
    askers = {str(p.relative_to(REPO)) for p in CODE if re.search(r"datetime\.now|utcnow|time\.time\(\)", _source(p))}
    assert askers == {"storage/clock.py"}


def test_a_replaced_clock_dates_the_run_and_its_documents(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fixed = datetime(2024, 2, 29, 12, 0, tzinfo=UTC)
    monkeypatch.setattr(clock, "utc_now", lambda: fixed)
    database = Settings.from_env(db=db_path).database()
    run_id = uuid.uuid4().hex
    database.start_run(run_id, flow="test", parameters={})
    text = b"Grain talks\n\nMinisters met in Geneva on Tuesday to agree a plan for shipping grain.\n"
    database.add_batch(prepare_batch([RawItem("file", "a.txt", "a.txt", text, ".txt")]), run_id=run_id)
    database.finish_run(run_id, status="completed")
    rows = database.query("SELECT r.started_at, r.finished_at, d.ingested_at, a.first_seen_at FROM runs r "
                          "JOIN documents d USING (run_id) JOIN articles a USING (article_id)").rows
    assert rows == [(fixed, fixed, fixed, fixed)]


def test_the_name_pair_query_takes_its_thresholds_from_the_name_rules() -> None:
    from storage.names import _CANDIDATES

    assert re.findall(r"(?<![\w$])\d+(?:\.\d+)?\b", _CANDIDATES) == []


def test_the_story_rules_live_in_the_pure_layer() -> None:
    source = _source(REPO / "storage/stories.py")
    assert not re.search(r"^[A-Z_]+ = [\d.]+", source, flags=re.MULTILINE)


def test_every_prefect_task_has_its_own_name() -> None:
    from prefect import Task

    from flows import prefect_flows

    tasks = [v for v in vars(prefect_flows).values() if isinstance(v, Task)]
    tasks += [getattr(prefect_flows.FEED_TASKS, step) for step in ("parse", "full_text", "store")]
    names = [t.name for t in tasks]
    assert len(names) == len(set(names)) >= 6
