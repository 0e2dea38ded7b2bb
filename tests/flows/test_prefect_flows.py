"""Real Prefect runs against the session's test server."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from storage import Database
from tests.conftest import EXAMPLES
from tests.flows.conftest import run_newsflow

pytestmark = pytest.mark.prefect


def _flow_run_state(flow_run_id: str) -> tuple[str, str]:
    """Flow name and state of a flow run, read from the session's Prefect API."""
    from prefect.client.orchestration import get_client

    async def read() -> tuple[str, str]:
        async with get_client() as client:
            flow_run = await client.read_flow_run(flow_run_id)
            flow = await client.read_flow(flow_run.flow_id)
            return flow.name, flow_run.state.type.value if flow_run.state else "NONE"

    return asyncio.run(read())


def test_the_flow_runs_one_task_per_batch_and_records_its_run(prefect_api: str, db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    from flows.prefect_flows import ingest_files_flow

    monkeypatch.setenv("NEWSFLOW_BATCH_SIZE", "4")
    summary = ingest_files_flow(paths=[str(EXAMPLES)], db=str(db_path))
    assert (summary.status, summary.seen, summary.new, summary.duplicate, summary.quarantined) == ("completed", 11, 8, 1, 2)
    ((prefect_id, status),) = Database(db_path).query("SELECT prefect_flow_run_id, status FROM runs").rows
    assert prefect_id == summary.run_id and status == "completed"
    assert _flow_run_state(prefect_id) == ("ingest-files", "COMPLETED")

    async def task_names() -> list[str]:
        async with get_client() as client:
            runs = await client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[prefect_id])))
            return sorted(run.name.rsplit("-", 1)[0] for run in runs)

    # 9 files in batches of 4, prepared in worker processes: three prepare tasks and three store
    # tasks, not one task per article.
    assert asyncio.run(task_names()) == ["prepare-files-batch"] * 3 + ["store-files-batch"] * 3


def test_the_cli_reports_to_a_configured_prefect_server(prefect_api: str, tmp_path: Path) -> None:
    db_path = tmp_path / "cli.duckdb"
    result = run_newsflow(
        ["ingest", "files", str(EXAMPLES / "2026-03-07-sofia-chess-final.txt"), "--db", str(db_path)],
        cwd=tmp_path,
        env={"PREFECT_API_URL": prefect_api},
    )
    assert result.returncode == 0, result.stderr
    ((prefect_id,),) = Database(db_path).query("SELECT prefect_flow_run_id FROM runs").rows
    assert prefect_id is not None
    assert _flow_run_state(prefect_id) == ("ingest-files", "COMPLETED")


def test_without_a_prefect_server_the_cli_runs_without_prefect(tmp_path: Path) -> None:
    db_path = tmp_path / "plain.duckdb"
    result = run_newsflow(["ingest", "files", str(EXAMPLES), "--db", str(db_path)], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert Database(db_path).query("SELECT prefect_flow_run_id, status FROM runs").rows == [(None, "completed")]


def test_the_feeds_flow_reads_the_feed_list_and_runs_tasks_per_group_not_per_feed(
    prefect_api: str, db_path: Path, tmp_path: Path
) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    from flows.prefect_flows import ingest_feeds_flow
    from tests.feedserver import FeedServer, conditional, rss

    with FeedServer() as server:
        urls = [server.route(f"/feed-{i}.xml", conditional(lambda i=i: rss((f"p{i}", f"Prefect headline {i}", "Body text of it."))))
                for i in range(6)]
        config = tmp_path / "feeds.toml"
        config.write_text("".join(f'[[feeds]]\nurl = "{url}"\n\n' for url in urls)
                          + f'[[feeds]]\nurl = "{server.url("/paused.xml")}"\npaused = true\n')
        result = ingest_feeds_flow(config=str(config), feeds=[server.url("/gone.xml")], db=str(db_path))
        assert server.hits("/paused.xml") == []
    assert (result.due, result.run.seen, [u for u, _ in result.failures]) == (7, 6, [server.url("/gone.xml")])
    ((prefect_id, flow, failed),) = Database(db_path).query("SELECT prefect_flow_run_id, flow, failed_count FROM runs").rows
    assert (flow, failed) == ("ingest-feeds", 1)
    assert _flow_run_state(str(prefect_id)) == ("ingest-feeds", "COMPLETED")

    async def task_names() -> list[str]:
        async with get_client() as client:
            runs = await client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[prefect_id])))
            return [run.name.rsplit("-", 1)[0] for run in runs]

    names = asyncio.run(task_names())
    # a parse and a store task per group of fetched feeds (no full text asked for): never one per feed
    assert set(names) == {"parse-feeds-batch", "store-feeds-batch"}
    assert names.count("parse-feeds-batch") == names.count("store-feeds-batch") < 7


def test_a_runs_artifacts_hold_the_counts_of_its_runs_row(prefect_api: str, db_path: Path) -> None:
    import json

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    from flows.prefect_flows import ingest_files_flow

    summary = ingest_files_flow(paths=[str(EXAMPLES)], db=str(db_path))

    async def artifacts() -> dict[str, object]:
        async with get_client() as client:
            found = await client.read_artifacts(
                artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[summary.run_id])))
            return {artifact.key or artifact.type or "": artifact.data for artifact in found}

    found = asyncio.run(artifacts())
    table = found["ingest-files-counts"]
    rows = {row["measure"]: row["value"] for row in (json.loads(table) if isinstance(table, str) else table)}
    ((seen, new, duplicate, quarantined, unchanged, failed),) = Database(db_path).query(
        "SELECT seen_count, new_count, duplicate_count, quarantined_count, unchanged_count, failed_count "
        "FROM runs WHERE run_id = $id", {"id": summary.run_id}).rows
    assert (rows["items seen"], rows["new articles"], rows["exact duplicates"], rows["quarantined"],
            rows["unchanged (already stored)"], rows["failed"]) == (seen, new, duplicate, quarantined, unchanged, failed)
    assert (seen, new, duplicate, quarantined) == (11, 8, 1, 2)
    markdown = str(found["ingest-files-report"])
    assert "| new articles | 8 |" in markdown and "| empty_file | 1 |" in markdown and "| AFP | cited | 1 |" in markdown
    assert "ingest-files-progress" in found


def test_the_maintenance_flow_publishes_the_overview(prefect_api: str, tmp_path: Path, db_path: Path) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from flows.cli import main
    from flows.prefect_flows import maintenance_flow

    assert main(["ingest", "files", str(EXAMPLES), "--db", str(db_path)]) == 0
    result = maintenance_flow(db=str(db_path), snapshot_dir=str(tmp_path / "snapshots"))
    assert result.run.status == "completed" and (tmp_path / "snapshots" / "articles").is_dir()

    async def overview() -> str:
        async with get_client() as client:
            (artifact,) = await client.read_artifacts(
                artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["newsflow-overview"])), limit=1)
            return str(artifact.data)

    markdown = asyncio.run(overview())
    # Two Reuters articles (the first copy and its UPDATE 1), each datelined and credited: counted once each.
    assert "| REUTERS | supplied | 2 |" in markdown and "| AFP | supplied |" not in markdown
    assert "| AFP | cited | 1 |" in markdown
    assert "| empty_file | 1 |" in markdown


def test_a_scheduled_feeds_run_whose_list_is_gone_fails_with_the_reason_and_a_runs_row(
    prefect_api: str, db_path: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    from flows.prefect_flows import ingest_feeds_flow

    config = tmp_path / "feeds.toml"  # deleted after `newsflow serve` started with it
    state = ingest_feeds_flow(config=str(config), db=str(db_path), return_state=True)

    assert state.is_failed() and state.message == f"feeds config {config} does not exist"
    assert "Traceback" not in capfd.readouterr().err
    ((prefect_id, status, error),) = Database(db_path).query("SELECT prefect_flow_run_id, status, error FROM runs").rows
    assert (status, error) == ("failed", f"feeds config {config} does not exist")
    assert _flow_run_state(str(prefect_id)) == ("ingest-feeds", "FAILED")
