"""How long a user waits for `newsflow ingest files ONE_FILE` with no Prefect server configured.

Issue 2 budget: <= 3 s median. Each run writes into a fresh database (the worst case: schema created).

    python bench/cli_overhead.py [--runs 7]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from _common import REPO, machine, newsflow, summary, time_command

ONE_FILE = REPO / "examples" / "articles" / "2026-03-04-geneva-water-talks.md"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    fresh, existing = [], []
    with tempfile.TemporaryDirectory() as folder:
        for run in range(args.runs):
            fresh.append(time_command(newsflow("ingest", "files", str(ONE_FILE), "--db", f"{folder}/fresh-{run}.duckdb")))
            existing.append(time_command(newsflow("ingest", "files", str(ONE_FILE), "--db", f"{folder}/same.duckdb")))
    print(f"machine: {machine()}")
    print(f"one file, new database:      {summary(fresh)}")
    print(f"one file, existing database: {summary(existing)}")
    print(f"budget 3 s: {'met' if statistics.median(fresh) <= 3 else 'MISSED'}")


if __name__ == "__main__":
    main()
