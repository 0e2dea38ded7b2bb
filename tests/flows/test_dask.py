"""NEWSFLOW_TASK_RUNNER=dask: batches are prepared as Prefect tasks on a Dask cluster, stored as always."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.flows.conftest import REPO, run_newsflow
from tests.flows.test_parallel import _inputs, _snapshot

distributed = pytest.importorskip("distributed")


@pytest.mark.prefect
def test_batches_prepared_on_a_dask_cluster_store_what_worker_processes_store(
    prefect_api: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inputs = _inputs(tmp_path / "in")
    # The cluster's processes run Prefect task runs, which report to the API (inherited from here).
    monkeypatch.setenv("PREFECT_API_URL", prefect_api)
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                 dashboard_address="127.0.0.1:0") as cluster,
        distributed.Client(cluster) as client,
    ):
        done = run_newsflow(
            ["ingest", "files", str(inputs), "--db", str(tmp_path / "dask.duckdb")], cwd=REPO,
            env={"PREFECT_API_URL": prefect_api, "NEWSFLOW_BATCH_SIZE": "4", "NEWSFLOW_TASK_RUNNER": "dask",
                 "NEWSFLOW_DASK_ADDRESS": cluster.scheduler_address},
        )
        assert done.returncode == 0, done.stderr
        ran = client.run_on_scheduler(lambda dask_scheduler: sorted(dask_scheduler.task_prefixes))
    assert any("prepare" in name for name in ran), ran

    plain = run_newsflow(["ingest", "files", str(inputs), "--db", str(tmp_path / "plain.duckdb")], cwd=REPO,
                         env={"NEWSFLOW_BATCH_SIZE": "4"})
    assert plain.returncode == 0, plain.stderr
    assert _snapshot(tmp_path / "dask.duckdb") == _snapshot(tmp_path / "plain.duckdb")


def test_dask_without_a_prefect_api_is_a_one_line_error(tmp_path: Path) -> None:
    done = run_newsflow(["ingest", "files", str(tmp_path), "--db", str(tmp_path / "news.duckdb")], cwd=REPO,
                        env={"NEWSFLOW_TASK_RUNNER": "dask"})
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "needs a Prefect API" in done.stderr
