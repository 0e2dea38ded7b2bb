"""The deployments prefect.yaml declares, read for `newsflow serve`.

prefect.yaml is the one place where the deployments' schedules, parameters and concurrency limits
are written: workers deploy it with `prefect deploy --all`, and `newsflow serve` builds the same
deployments from it here, so the two cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ingest.errors import NewsflowError

PREFECT_YAML = Path(__file__).resolve().parent.parent / "prefect.yaml"
_ENTRYPOINT_MODULE = "flows/prefect_flows.py"


class DeploymentsError(NewsflowError):
    """prefect.yaml cannot be read as newsflow's deployments."""


@dataclass(frozen=True)
class Deployment:
    """One entry of prefect.yaml's `deployments`."""

    name: str
    flow: str  # the flow function's name in flows/prefect_flows.py
    description: str
    tags: list[str]
    parameters: dict[str, Any]
    schedules: list[dict[str, Any]]  # each with `cron` or `interval`, and `timezone`, `active`
    concurrency: dict[str, Any]  # `limit` and `collision_strategy`


def declared_deployments(path: Path = PREFECT_YAML, /) -> list[Deployment]:
    """Every deployment of prefect.yaml, in file order."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DeploymentsError(f"cannot read the deployments of {path}: {exc}") from exc
    return [_deployment(path, entry) for entry in document.get("deployments") or []]


def _deployment(path: Path, entry: dict[str, Any]) -> Deployment:
    module, _, function = str(entry.get("entrypoint", "")).partition(":")
    if module != _ENTRYPOINT_MODULE or not function:
        raise DeploymentsError(f"{path}: deployment {entry.get('name')!r} must have an entrypoint in {_ENTRYPOINT_MODULE}")
    return Deployment(
        name=str(entry["name"]),
        flow=function,
        description=str(entry.get("description", "")),
        tags=list(entry.get("tags") or []),
        parameters=dict(entry.get("parameters") or {}),
        schedules=list(entry.get("schedules") or []),
        concurrency=dict(entry.get("concurrency_limit") or {}),
    )
