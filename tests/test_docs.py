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
        if line.startswith("## Example queries"):
            break
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


EXAMPLE = re.compile(r"```sql\n(.*?)\n```\n\n```text\n(.*?)```", re.DOTALL)


def test_the_example_queries_in_schema_md_print_what_the_docs_show(db_path: Path) -> None:
    import io

    from flows.cli import _write_table, main
    from tests.conftest import EXAMPLES

    assert main(["ingest", "files", str(EXAMPLES), "--db", str(db_path)]) == 0
    examples = EXAMPLE.findall((REPO / "docs" / "schema.md").read_text(encoding="utf-8").split("## Example queries")[1])
    assert len(examples) >= 10
    for sql, shown in examples:
        printed = io.StringIO()
        _write_table(Database(db_path).query(sql), printed)
        assert printed.getvalue() == shown, sql
