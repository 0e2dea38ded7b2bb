"""Throughput of `newsflow ingest files` on the BBC corpus (2,225 articles) into an empty database.

    python bench/bbc_ingest.py [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile

from _common import CORPORA, machine, newsflow, summary, time_command

DOCUMENTS = 2225


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    corpus = CORPORA / "bbc" / "bbc"
    if not corpus.is_dir():
        sys.exit(f"BBC corpus not found at {corpus}")
    seconds = []
    with tempfile.TemporaryDirectory() as folder:
        for run in range(args.runs):
            seconds.append(time_command(newsflow("ingest", "files", str(corpus), "--db", f"{folder}/bbc-{run}.duckdb")))
    rates = [DOCUMENTS / s for s in seconds]
    print(f"machine: {machine()}")
    print(f"BBC, {DOCUMENTS} files, empty database: {summary(seconds)}")
    print(f"articles/s: median {statistics.median(rates):.0f} (min {min(rates):.0f}, max {max(rates):.0f})")


if __name__ == "__main__":
    main()
