"""`newsflow serve`: every deployment served from one process, for a single machine.

With no Prefect API configured, a Prefect server is started on 127.0.0.1 as a child process (its
state kept under data/prefect, so run history survives restarts) and stopped on exit: there is no
server or worker to set up by hand. With PREFECT_API_URL set, the deployments are served against
that server instead. The deployments, with their schedules, parameters and concurrency limits, are
the ones prefect.yaml declares for workers (flows/deployments.py reads them); serve only points
their folders and database at its own options.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from flows.deployments import declared_deployments
from flows.settings import Settings, prefect_api_url
from ingest.errors import NewsflowError

SERVER_START_TIMEOUT = 120.0


class ServeError(NewsflowError):
    """The local Prefect server could not be started."""


def serve_deployments(*, settings: Settings, inbox: Path, config: Path, snapshot_dir: Path, prefect_home: Path) -> None:
    """Serve the inbox, feeds and maintenance deployments until interrupted."""
    with _prefect_api(prefect_home):
        from prefect import serve

        serve(*runner_deployments(settings=settings, inbox=inbox, config=config, snapshot_dir=snapshot_dir))


def runner_deployments(*, settings: Settings, inbox: Path, config: Path, snapshot_dir: Path) -> list[Any]:
    """prefect.yaml's deployments as Prefect runner deployments of this process (imports Prefect).

    Folder parameters that prefect.yaml names (`paths`, `config`, `snapshot_dir`) take serve's
    options, and every deployment writes to serve's database.
    """
    from prefect.client.schemas.objects import ConcurrencyLimitConfig
    from prefect.schedules import Cron, Interval

    from flows import prefect_flows

    folders: dict[str, Any] = {"paths": [str(inbox)], "config": str(config), "snapshot_dir": str(snapshot_dir)}
    deployments = []
    for declared in declared_deployments():
        parameters = {**declared.parameters, **{k: v for k, v in folders.items() if k in declared.parameters}}
        schedules = [
            Cron(s["cron"], timezone=s.get("timezone"), active=s.get("active", True)) if "cron" in s
            else Interval(s["interval"], timezone=s.get("timezone"), active=s.get("active", True))
            for s in declared.schedules
        ]
        # to_deployment returns a coroutine only when called from async code; here it is synchronous.
        deployments.append(getattr(prefect_flows, declared.flow).to_deployment(
            name=declared.name, description=declared.description, tags=declared.tags,
            parameters={**parameters, "db": str(settings.db)}, schedules=schedules,
            concurrency_limit=ConcurrencyLimitConfig(**declared.concurrency) if declared.concurrency else None,
        ))
    return deployments


@contextmanager
def _prefect_api(prefect_home: Path) -> Iterator[None]:
    """Use the configured Prefect API, or run a local server for the duration of the block."""
    if prefect_api_url():
        yield
        return
    port = _free_port()
    url = f"http://127.0.0.1:{port}/api"
    prefect_home.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PREFECT_HOME": str(prefect_home), "PREFECT_API_URL": url,
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    log = (prefect_home / "server.log").open("ab")
    server = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        _wait_healthy(url, server, prefect_home / "server.log")
        os.environ["PREFECT_HOME"] = str(prefect_home)
        os.environ["PREFECT_API_URL"] = url
        print(f"newsflow: local Prefect server at {url.removesuffix('/api')} (log: {prefect_home / 'server.log'})")
        print(f"newsflow: in another shell, `export PREFECT_API_URL={url}` to reach these deployments", flush=True)
        yield
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()


def _wait_healthy(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise ServeError(f"the local Prefect server exited with status {server.returncode}; see {log}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise ServeError(f"the local Prefect server did not answer within {SERVER_START_TIMEOUT:.0f} s; see {log}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
