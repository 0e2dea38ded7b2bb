"""What storing costs the main process of `newsflow ingest files` on Reuters-21578, step by step.

The main process stores batches in order while worker processes prepare the next ones (issue 17:
storing took about a quarter of a run's CPU). This runs the files pipeline on the 19,043 Reuters files
in this process, with the usual two workers, and reports the CPU time of this process's main thread
(where every batch is stored; DuckDB runs on it at one thread beside the workers) in each storage
step. CPU time, not wall time: on a shared 2-core machine the latter mostly measures the neighbours.
Closing the held connection (a checkpoint) happens once per 15 s held, so its share grows with a
slow run.

    python bench/store_cost.py

`--candidates DB K` instead runs the story candidate query K times on a database that already holds
the Reuters articles, with 2,000 of them taken as new, so that its instructions can be counted:

    valgrind --tool=callgrind --callgrind-out-file=/dev/null .venv/bin/python bench/store_cost.py --candidates DB 3
    (minus the same with 0)
"""

from __future__ import annotations

import argparse
import functools
import resource
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import REPO, machine
from reuters_corpus import write_corpus

sys.path.insert(0, str(REPO))

NEW_ARTICLES = 2000  # a database batch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--candidates", nargs=2, metavar=("DB", "K"), help="run the candidate query K times on DB")
    args = parser.parse_args()
    if args.candidates:
        candidate_query(Path(args.candidates[0]), int(args.candidates[1]))
    else:
        storing_steps()


def storing_steps() -> None:
    import flows.files
    import storage.database
    import storage.linking
    import storage.load
    import storage.session
    import storage.stories
    from flows.settings import Settings

    spent: Counter[str] = Counter()
    for owner, name in [
        (storage.database, "load_batch"), (storage.session.HeldWriter, "close"),
        (storage.stories, "_candidate_pairs"), (storage.stories, "_worth_verifying"), (storage.stories, "_verify"),
        (storage.stories, "_insert_decisions"), (storage.stories, "_merge_stories"),
        (storage.linking, "add_sketches"), (storage.linking, "add_person_names"), (storage.linking, "link_names"),
        (storage.load, "_arrow_tables"), (storage.load, "_stage_documents"), (storage.load, "_insert_articles"),
        (storage.load, "_insert_documents"), (storage.load, "_insert_evidence"),
    ]:
        setattr(owner, name, _timed(getattr(owner, name), name, spent))
    corpus, _ = write_corpus(scale=1)
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings.from_env(db=Path(folder) / "news.duckdb")
        wall, cpu = time.perf_counter(), time.thread_time()
        summary = flows.files.run_ingest_files([corpus], settings=settings)
        wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(f"# storing steps on Reuters-21578: {machine()}")
    print(f"{summary.new:,} articles; wall {wall:.1f} s; main thread CPU {cpu:.2f} s "
          f"(this process, all threads: {usage.ru_utime + usage.ru_stime:.2f} s)")
    for name, seconds in spent.most_common():
        print(f"  {seconds:6.2f} s  {name}")


def _timed(function: Callable[..., Any], name: str, spent: Counter[str]) -> Callable[..., Any]:
    """`function`, adding its CPU time on the main thread to `spent[name]`."""

    @functools.wraps(function)
    def timed(*args: Any, **kwargs: Any) -> Any:
        if threading.current_thread() is not threading.main_thread():
            return function(*args, **kwargs)
        started = time.thread_time()
        try:
            return function(*args, **kwargs)
        finally:
            spent[name] += time.thread_time() - started

    return timed


def candidate_query(db: Path, times: int) -> None:
    import duckdb
    import pyarrow as pa

    from storage.stories import _candidate_pairs

    con = duckdb.connect(str(db), read_only=True)
    con.execute("SET threads = 1")
    rows = con.execute("SELECT article_id FROM story_sketches ORDER BY hash(article_id) LIMIT $n", {"n": NEW_ARTICLES})
    con.register("story_new", pa.table({"article_id": pa.array([row[0] for row in rows.fetchall()], pa.string())}))
    for _ in range(times):
        pairs = _candidate_pairs(con)
    if times:
        print(f"{len(pairs):,} candidate pairs")


if __name__ == "__main__":
    main()
