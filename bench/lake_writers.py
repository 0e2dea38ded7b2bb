"""Throughput of 1, 2 and 4 writers ingesting Reuters-21578 into one DuckLake at the same time.

The corpus (19,043 files in 22 folders, one per SGML file) is split into N shards of whole folders;
N `newsflow ingest files` processes start together, one shard each, into a new DuckLake whose
catalog is a PostgreSQL server on 127.0.0.1 (started here with .ci/postgres, fsync on, unless
--postgres gives one). Each writer prepares its batches in its own process (NEWSFLOW_WORKERS=1), as
one worker per shard would. The figure is files per second from the first start to the last exit.
For reference, one run into a DuckDB file with the default worker processes.

    python bench/lake_writers.py [--runs 3] [--writers 1 2 4] [--postgres "host=... port=... user=..."]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from _common import REPO, machine, newsflow

PORT = 54390


def shards(corpus: Path, count: int) -> list[list[str]]:
    folders = sorted(str(folder) for folder in corpus.glob("copy-*/*") if folder.is_dir())
    return [folders[k::count] for k in range(count)]


def create_lake(postgres: str, scratch: Path) -> str:
    name = f"bench_{uuid.uuid4().hex[:8]}"
    settings = dict(item.split("=", 1) for item in postgres.split())
    createdb = next(Path("/usr/lib/postgresql").glob("*/bin/createdb"))
    subprocess.run([str(createdb), "-h", settings["host"], "-p", settings["port"], "-U", settings["user"], name],
                   check=True)
    return f"ducklake:postgres:dbname={name} {postgres} data_path={scratch / name}"


def run_writers(db: str, parts: list[list[str]], workers: str) -> float:
    environment = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "NEWSFLOW_DB")}
    environment["NEWSFLOW_WORKERS"] = workers
    started = time.perf_counter()
    processes = [subprocess.Popen(newsflow("ingest", "files", *part, "--db", db), cwd=REPO, env=environment,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for part in parts]
    for process in processes:
        _, stderr = process.communicate()
        if process.returncode:
            raise SystemExit(f"a writer failed: {stderr.strip()}")
    return time.perf_counter() - started


def count(db: str, table: str) -> int:
    done = subprocess.run(newsflow("sql", "--db", db, f"SELECT count(*) FROM {table}"), cwd=REPO,
                          capture_output=True, text=True, check=True)
    return int(done.stdout.split()[-3].replace(",", ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--writers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--postgres", help="libpq settings of a server to use instead of starting one")
    args = parser.parse_args()
    from reuters_corpus import write_corpus

    corpus, files = write_corpus(scale=1)
    with tempfile.TemporaryDirectory(prefix="lake-writers-") as scratch_name:
        scratch = Path(scratch_name)
        server = Path(tempfile.mkdtemp(prefix="lake-writers-postgres-"))
        postgres = args.postgres or subprocess.run(
            [str(REPO / ".ci" / "postgres"), "start", str(server), str(PORT)], capture_output=True, text=True,
            check=True).stdout.strip()
        try:
            print(f"machine: {machine()}\ncorpus: Reuters-21578, {files:,} files\n")
            file_db = scratch / "reference.duckdb"
            seconds = run_writers(str(file_db), shards(corpus, 1), str(os.cpu_count() or 1))
            print(f"DuckDB file, 1 writer with worker processes: {seconds:.1f} s = {files / seconds:,.0f} files/s")
            for writers in args.writers:
                timings = []
                for _ in range(args.runs):
                    lake = create_lake(postgres, scratch)
                    timings.append(run_writers(lake, shards(corpus, writers), "1"))
                    articles, documents = count(lake, "articles"), count(lake, "documents")
                rates = sorted(files / t for t in timings)
                print(f"DuckLake, {writers} writer(s): median {statistics.median(timings):.1f} s = "
                      f"{statistics.median(rates):,.0f} files/s (min {rates[0]:,.0f}, max {rates[-1]:,.0f}, "
                      f"n={len(timings)}); last run stored {articles:,} articles, {documents:,} documents")
        finally:
            if not args.postgres:
                subprocess.run([str(REPO / ".ci" / "postgres"), "stop", str(server)], check=False)
    print(f"\ncommand: python {' '.join(sys.argv)}")


if __name__ == "__main__":
    main()
