"""The maintenance pipeline: search index, checkpoint, Parquet snapshot, with a `runs` row."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flows.runs import recorded_run
from flows.settings import Settings
from storage import RunSummary

FLOW_NAME = "maintenance"


@dataclass(frozen=True)
class MaintenanceSummary:
    run: RunSummary
    snapshot: dict[str, Path]  # table -> folder of its Parquet files


def run_maintenance(
    *, settings: Settings, snapshot_dir: Path | None, run_id: str | None = None, prefect_flow_run_id: str | None = None
) -> MaintenanceSummary:
    database = settings.database()
    parameters = {"db": database.name, "snapshot_dir": str(snapshot_dir) if snapshot_dir else None}
    with recorded_run(database, flow=FLOW_NAME, parameters=parameters, run_id=run_id,
                      prefect_flow_run_id=prefect_flow_run_id) as run_id:
        written = database.maintain(snapshot_dir=snapshot_dir)
        return MaintenanceSummary(database.finish_run(run_id, status="completed"), written)
