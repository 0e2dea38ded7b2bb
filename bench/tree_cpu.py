"""The CPU time (user + system) of a command's whole process tree, split by process role.

`/usr/bin/time` counts only the processes the command waited for; the workers of `newsflow ingest
files` are children of the multiprocessing forkserver, which nobody waits for, so their CPU is lost
there. This samples the tree every 50 ms and keeps each process's last reading (a process that lives
under 50 ms may be missed):

    python bench/tree_cpu.py -- .venv/bin/newsflow ingest files CORPUS --db /tmp/x.duckdb

Roles: the command's own process (`main`: for the CLI, the storing), the `forkserver`, the processes
forked from it (`workers`: preparing), and `other` (the resource tracker).
"""

from __future__ import annotations

import subprocess
import sys
import time

import psutil

SAMPLE_SECONDS = 0.05


def main() -> None:
    if "--" not in sys.argv:
        sys.exit(__doc__)
    command = sys.argv[sys.argv.index("--") + 1 :]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    root = psutil.Process(process.pid)
    readings: dict[int, tuple[str, float]] = {}  # pid -> (role, CPU seconds when last seen)
    while process.poll() is None:
        try:
            tree = [root, *root.children(recursive=True)]
        except psutil.Error:
            tree = []
        for member in tree:
            try:
                times = member.cpu_times()
                role = readings[member.pid][0] if member.pid in readings else _role(member, process.pid)
            except psutil.Error:
                continue
            readings[member.pid] = (role, times.user + times.system)
        time.sleep(SAMPLE_SECONDS)
    totals: dict[str, float] = {}
    for role, seconds in readings.values():
        totals[role] = totals.get(role, 0.0) + seconds
    parts = ", ".join(f"{role} {seconds:.2f} s" for role, seconds in sorted(totals.items()))
    print(f"wall {time.perf_counter() - started:.2f} s; CPU {parts}; total {sum(totals.values()):.2f} s; "
          f"exit status {process.returncode}")


def _role(member: psutil.Process, root_pid: int) -> str:
    if member.pid == root_pid:
        return "main"
    command = " ".join(member.cmdline())
    if "forkserver" in command and member.ppid() == root_pid:
        return "forkserver"
    if "resource_tracker" in command or member.ppid() == root_pid:
        return "other"
    return "workers"


if __name__ == "__main__":
    main()
