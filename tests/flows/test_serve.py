"""`newsflow serve` serves exactly the deployments prefect.yaml declares (issue 14: one source)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import yaml

from flows.serve import runner_deployments
from flows.settings import Settings
from tests.conftest import REPO


def test_served_deployments_have_prefect_yamls_names_schedules_limits_and_parameters(tmp_path: Path) -> None:
    declared = yaml.safe_load((REPO / "prefect.yaml").read_text(encoding="utf-8"))["deployments"]
    settings = Settings.from_env(db=tmp_path / "news.duckdb")
    served = runner_deployments(settings=settings, inbox=tmp_path / "inbox", config=tmp_path / "feeds.toml",
                                snapshot_dir=tmp_path / "snapshots")

    assert [d.name for d in served] == [entry["name"] for entry in declared]
    for deployment, entry in zip(served, declared):
        assert deployment.entrypoint.endswith(entry["entrypoint"].split(":")[1]), entry["name"]
        assert deployment.description == entry["description"]
        assert deployment.tags == entry["tags"]
        (schedule,) = deployment.schedules
        (expected,) = entry["schedules"]
        if "cron" in expected:
            assert schedule.schedule.cron == expected["cron"]
        else:
            assert schedule.schedule.interval == timedelta(seconds=expected["interval"])
        assert schedule.schedule.timezone == expected["timezone"] and schedule.active == expected["active"]
        limit = deployment.concurrency_options
        assert (deployment.concurrency_limit, limit.collision_strategy.value) == (
            entry["concurrency_limit"]["limit"], entry["concurrency_limit"]["collision_strategy"]
        )
        assert set(deployment.parameters) == set(entry["parameters"]) | {"db"}
        assert deployment.parameters["db"] == str(tmp_path / "news.duckdb")


def test_serve_points_the_declared_folders_at_its_own_options(tmp_path: Path) -> None:
    served = {d.name: d.parameters for d in runner_deployments(
        settings=Settings.from_env(db=tmp_path / "news.duckdb"), inbox=tmp_path / "inbox",
        config=tmp_path / "feeds.toml", snapshot_dir=tmp_path / "snapshots",
    )}
    assert served["inbox"]["paths"] == [str(tmp_path / "inbox")] and served["inbox"]["only_new"] is True
    assert served["every-15-minutes"]["config"] == str(tmp_path / "feeds.toml")
    assert served["nightly"]["snapshot_dir"] == str(tmp_path / "snapshots")
