"""How long a user waits for `newsflow ingest files ONE_FILE` with no Prefect server configured.

Issue 2 budget: <= 3 s median. Each run writes into a fresh database (the worst case: schema created).
With --prefect-api URL (a running `prefect server start`), the same command is also timed as a real
Prefect flow run reporting to that server.

    python bench/cli_overhead.py [--runs 7] [--prefect-api http://127.0.0.1:4200/api]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile

from _common import REPO, machine, newsflow, summary, time_command

ONE_FILE = REPO / "examples" / "articles" / "2026-03-04-geneva-water-talks.md"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--prefect-api", metavar="URL", help="also time runs reporting to this Prefect API")
    args = parser.parse_args()
    fresh, existing, prefect = [], [], []
    with tempfile.TemporaryDirectory() as folder:
        for run in range(args.runs):
            fresh.append(time_command(newsflow("ingest", "files", str(ONE_FILE), "--db", f"{folder}/fresh-{run}.duckdb")))
            existing.append(time_command(newsflow("ingest", "files", str(ONE_FILE), "--db", f"{folder}/same.duckdb")))
            if args.prefect_api:
                command = newsflow("ingest", "files", str(ONE_FILE), "--db", f"{folder}/prefect-{run}.duckdb")
                prefect.append(time_command(command, env={"PREFECT_API_URL": args.prefect_api}))
    print(f"machine: {machine()}")
    print(f"one file, new database:      {summary(fresh)}")
    print(f"one file, existing database: {summary(existing)}")
    print(f"budget 3 s: {'met' if statistics.median(fresh) <= 3 else 'MISSED'}")
    if prefect:
        print(f"one file, as a Prefect flow run on {args.prefect_api}: {summary(prefect)}")


if __name__ == "__main__":
    main()
