"""Helpers shared by the benchmark scripts: machine facts and timing a command."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPORA = Path(os.environ.get("NEWSFLOW_CORPORA", REPO.parent / "shared" / "corpora"))


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}"


def time_command(args: Sequence[str], *, env: dict[str, str] | None = None) -> float:
    """Wall-clock seconds for one run of a command; fails loudly if the command fails."""
    environment = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    environment.update(env or {})
    started = time.perf_counter()
    subprocess.run(args, check=True, env=environment, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def newsflow(*args: str) -> list[str]:
    return [sys.executable, "-m", "flows.cli", *args]


def summary(values: Sequence[float]) -> str:
    return f"median {statistics.median(values):.2f} s (min {min(values):.2f}, max {max(values):.2f}, n={len(values)})"
