"""Docs that could drift from the code are checked against it."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from storage import Database
from tests.conftest import REPO


def _documented_columns() -> dict[str, set[str]]:
    """Column names from each `## table` section's `| column | type | meaning |` table."""
    documented: dict[str, set[str]] = {}
    table, in_columns = None, False
    for line in (REPO / "docs" / "schema.md").read_text(encoding="utf-8").splitlines():
        heading = re.match(r"## (\w+)$", line)
        if heading:
            table, in_columns = heading.group(1), False
            documented[table] = set()
        elif line.startswith("| column |"):
            in_columns = True
        elif not line.startswith("|"):
            in_columns = False
        elif table and in_columns and line.startswith("| `"):
            documented[table].update(re.findall(r"`(\w+)`", line.split("|")[1]))
    return documented


def test_every_table_and_column_is_documented_in_schema_md(db_path: Path) -> None:
    Database(db_path).migrate()
    actual: dict[str, set[str]] = {}
    for table, column in Database(db_path).query(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'main'"
    ).rows:
        actual.setdefault(str(table), set()).add(str(column))
    documented = _documented_columns()
    assert {t: sorted(c) for t, c in actual.items()} == {t: sorted(documented.get(t, set())) for t in actual}


def test_prefect_yaml_deploys_the_three_flows_with_parameters_they_take() -> None:
    import importlib

    config = yaml.safe_load((REPO / "prefect.yaml").read_text(encoding="utf-8"))
    names = set()
    for deployment in config["deployments"]:
        module_path, _, attribute = deployment["entrypoint"].partition(":")
        module = importlib.import_module(module_path.removesuffix(".py").replace("/", "."))
        flow = getattr(module, attribute)
        names.add(f"{flow.name}/{deployment['name']}")
        assert set(deployment.get("parameters", {})) <= set(flow.parameters.properties)
        assert deployment["work_pool"]["name"] == "newsflow" and deployment["concurrency_limit"]["limit"] == 1
    assert names == {"ingest-files/inbox", "ingest-feeds/every-15-minutes", "maintenance/nightly"}
