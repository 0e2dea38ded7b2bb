"""Ingest speed and memory on Reuters-21578 (19,043 articles) next to a datasketch MinHash-LSH baseline.

Per repetition, each step a fresh process:
  1. peer: datasketch 2.0 near-duplicate detection over the same files (read, word 3-gram shingles,
     MinHash.bulk with xxh32, MinHashLSH insert and query), timed inside its own process from the
     first file read to the last query, so interpreter start-up and imports are reported apart;
  2. ours: `newsflow ingest files` into an empty database, wall time including process start;
  3. second load: the same stories under changed headlines into the now-full database;
  4. with --scale 10: 190,430 altered articles into an empty database.
Peak memory is the resident set summed over the process and all its children, sampled every 50 ms,
because a pipeline that hands work to worker processes would otherwise look smaller than it is.

    python bench/reuters_speed.py [--runs 3] [--scale 10] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

# Only light imports at the top: the peer process runs this file too, and its memory is measured.
from _common import REPO, machine, newsflow

PEER_NUM_PERM = 128
PEER_THRESHOLD = 0.8
HEADLINE_SUFFIX = " (UPDATE 1)"
SAMPLE_SECONDS = 0.05
MIB = 1024 * 1024


@dataclass(frozen=True)
class Measured:
    seconds: float  # wall clock, process start to exit
    peak_mib: float  # largest sampled RSS of the process tree


# --- the peer, run in its own process ---------------------------------------------------------


def peer(folder: Path) -> dict[str, float | int]:
    """The datasketch baseline over every file under `folder`; figures as a dict for the parent."""
    import resource

    started = time.perf_counter()
    import xxhash
    from datasketch import MinHash, MinHashLSH

    imported = time.perf_counter()
    word = re.compile(r"\w+")
    shingle_sets: list[set[bytes]] = []
    for path in _files(folder):
        tokens = word.findall(path.read_text(encoding="utf-8").lower())
        shingle_sets.append({" ".join(tokens[i : i + 3]).encode("utf-8") for i in range(len(tokens) - 2)})
    read = time.perf_counter()
    minhashes = MinHash.bulk(shingle_sets, num_perm=PEER_NUM_PERM, hashfunc=xxhash.xxh32_intdigest)
    hashed = time.perf_counter()
    lsh = MinHashLSH(threshold=PEER_THRESHOLD, num_perm=PEER_NUM_PERM)
    for key, minhash in enumerate(minhashes):
        lsh.insert(key, minhash)
    with_neighbours = pairs = 0
    for key, minhash in enumerate(minhashes):
        others = [other for other in lsh.query(minhash) if other != key]
        with_neighbours += bool(others)
        pairs += len(others)
    finished = time.perf_counter()
    return {
        "docs": len(shingle_sets),
        "import_seconds": imported - started,
        "read_seconds": read - imported,
        "minhash_seconds": hashed - read,
        "lsh_seconds": finished - hashed,
        "seconds": finished - imported,
        "empty_shingle_sets": sum(not shingles for shingles in shingle_sets),
        "docs_with_candidates": with_neighbours,
        "candidate_pairs": pairs // 2,
        "max_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _files(folder: Path) -> list[Path]:
    """Every non-hidden file, in the order `newsflow ingest files` walks them."""
    found: list[Path] = []
    for parent, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(Path(parent) / name for name in sorted(names) if not name.startswith("."))
    return found


# --- measuring a process tree ------------------------------------------------------------------


def run_measured(args: Sequence[str], *, env: dict[str, str] | None = None) -> tuple[Measured, str]:
    """Wall time and peak tree RSS of one command, plus its stdout; fails loudly if it fails.

    RSS is summed over the process and its children, found again at every sample, so workers that
    start late or come and go are counted while they live (a 50 ms sample can miss a short spike).
    """
    import psutil

    environment = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    environment.update(env or {})
    peak = 0
    done = threading.Event()

    def sample(process: psutil.Process) -> None:
        nonlocal peak
        while not done.is_set():
            total = 0
            try:
                tree = [process, *process.children(recursive=True)]
            except psutil.NoSuchProcess:
                break
            for member in tree:
                try:
                    total += member.memory_info().rss
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    pass
            peak = max(peak, total)
            done.wait(SAMPLE_SECONDS)

    started = time.perf_counter()
    child = subprocess.Popen(args, env=environment, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = threading.Thread(target=sample, args=(psutil.Process(child.pid),), daemon=True)
    sampler.start()
    out, err = child.communicate()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    if child.returncode != 0:
        sys.exit(f"command failed ({child.returncode}): {' '.join(args)}\n{err[-2000:]}")
    return Measured(seconds, peak / MIB), out


def count_rows(db: Path, table: str) -> int:
    """Rows in a table, read after the writing process has exited (DuckDB allows one writer)."""
    import duckdb

    with duckdb.connect(str(db), read_only=True) as connection:
        row = connection.execute(f"SELECT count(*) FROM {table}").fetchone()
    return int(row[0]) if row else 0


# --- the benchmark ---------------------------------------------------------------------------


def spread(values: Sequence[float], unit: str = "", digits: int = 2) -> str:
    return (f"median {statistics.median(values):,.{digits}f}{unit} (min {min(values):,.{digits}f}, "
            f"max {max(values):,.{digits}f}, n={len(values)})")


def figures(values: Sequence[float]) -> dict[str, float | int | list[float]]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values),
            "values": list(values)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scale", type=int, choices=(1, 10), default=1,
                        help="10: also ingest 190,430 altered articles once per run (takes minutes)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures here")
    parser.add_argument("--peer", type=Path, metavar="DIR", help=argparse.SUPPRESS)  # the peer's own process
    args = parser.parse_args()
    if args.peer:
        print(json.dumps(peer(args.peer)))
        return
    from reuters_corpus import DOCUMENTS, write_corpus

    command = " ".join(["python", *sys.argv])
    prepared = time.perf_counter()
    corpus, documents = write_corpus(scale=1)
    retitled, _ = write_corpus(scale=1, headline_suffix=HEADLINE_SUFFIX)
    large, large_documents = write_corpus(scale=10) if args.scale == 10 else (None, 0)
    prepared = time.perf_counter() - prepared
    if documents != DOCUMENTS:
        print(f"warning: the corpus has {documents:,} files, not {DOCUMENTS:,}", file=sys.stderr)

    results: dict[str, list[float]] = {key: [] for key in (
        "peer_seconds", "peer_docs_per_s", "peer_import_seconds", "peer_wall_seconds", "peer_peak_mib",
        "ours_seconds", "ours_docs_per_s", "ours_peak_mib", "ratio_ours_to_peer_docs_per_s",
        "second_seconds", "second_peak_mib", "ratio_second_to_first", "articles_first", "articles_added",
        "documents_added", "x10_seconds", "x10_docs_per_s", "x10_peak_mib", "ratio_x10_to_x1_peak")}
    peer_facts: dict[str, float | int] = {}
    with tempfile.TemporaryDirectory(prefix="reuters-speed-") as scratch:
        for run in range(args.runs):
            measured, out = run_measured([sys.executable, str(Path(__file__).resolve()), "--peer", str(corpus)])
            peer_facts = json.loads(out)
            results["peer_seconds"].append(peer_facts["seconds"])
            results["peer_docs_per_s"].append(peer_facts["docs"] / peer_facts["seconds"])
            results["peer_import_seconds"].append(peer_facts["import_seconds"])
            results["peer_wall_seconds"].append(measured.seconds)
            results["peer_peak_mib"].append(measured.peak_mib)

            db = Path(scratch) / f"run-{run}" / "news.duckdb"
            db.parent.mkdir()
            first, _ = run_measured(newsflow("ingest", "files", str(corpus), "--db", str(db)))
            articles, stored = count_rows(db, "articles"), count_rows(db, "documents")
            second, _ = run_measured(newsflow("ingest", "files", str(retitled), "--db", str(db)))
            results["ours_seconds"].append(first.seconds)
            results["ours_docs_per_s"].append(documents / first.seconds)
            results["ours_peak_mib"].append(first.peak_mib)
            results["ratio_ours_to_peer_docs_per_s"].append((documents / first.seconds) / results["peer_docs_per_s"][-1])
            results["second_seconds"].append(second.seconds)
            results["second_peak_mib"].append(second.peak_mib)
            results["ratio_second_to_first"].append(second.seconds / first.seconds)
            results["articles_first"].append(articles)
            results["articles_added"].append(count_rows(db, "articles") - articles)
            results["documents_added"].append(count_rows(db, "documents") - stored)

            if large is not None:
                large_db = db.with_name("x10.duckdb")
                tenfold, _ = run_measured(newsflow("ingest", "files", str(large), "--db", str(large_db)))
                results["x10_seconds"].append(tenfold.seconds)
                results["x10_docs_per_s"].append(large_documents / tenfold.seconds)
                results["x10_peak_mib"].append(tenfold.peak_mib)
                results["ratio_x10_to_x1_peak"].append(tenfold.peak_mib / first.peak_mib)
            shutil.rmtree(db.parent)  # keep at most one run's databases on disk

    lines = [
        f"machine: {machine()}",
        f"corpus: Reuters-21578, {documents:,} files in {corpus}; headline variant (suffix {HEADLINE_SUFFIX!r}) in {retitled}"
        + (f"; 10x: {large_documents:,} files in {large}" if large else "")
        + f" (prepared or reused in {prepared:.1f} s, not counted)",
        f"peer: datasketch MinHash.bulk(num_perm={PEER_NUM_PERM}, xxh32) + MinHashLSH(threshold={PEER_THRESHOLD}), "
        "own process, first read to last query",
        f"  seconds:  {spread(results['peer_seconds'], ' s')}",
        f"  docs/s:   {spread(results['peer_docs_per_s'], '', 0)}",
        f"  imports:  {spread(results['peer_import_seconds'], ' s')}; whole process {spread(results['peer_wall_seconds'], ' s')}",
        f"  peak RSS: {spread(results['peer_peak_mib'], ' MiB', 0)}",
        f"  (last run: read+shingle {peer_facts['read_seconds']:.2f} s, MinHash {peer_facts['minhash_seconds']:.2f} s, "
        f"LSH {peer_facts['lsh_seconds']:.2f} s; {peer_facts['docs_with_candidates']:,} docs with candidates, "
        f"{peer_facts['candidate_pairs']:,} pairs, {peer_facts['empty_shingle_sets']} empty shingle sets)",
        "ours: newsflow ingest files, empty database, wall time including process start",
        f"  seconds:  {spread(results['ours_seconds'], ' s')}",
        f"  docs/s:   {spread(results['ours_docs_per_s'], '', 0)}",
        f"  peak RSS (process tree): {spread(results['ours_peak_mib'], ' MiB', 0)}",
        f"  articles stored: {spread(results['articles_first'], '', 0)}",
        f"  ours/peer docs/s: {spread(results['ratio_ours_to_peer_docs_per_s'], 'x')}",
        "second load: same stories, changed headlines, into the full database",
        f"  seconds:  {spread(results['second_seconds'], ' s')}",
        f"  second/first: {spread(results['ratio_second_to_first'], 'x')}",
        f"  articles added: {spread(results['articles_added'], '', 0)}; documents added: {spread(results['documents_added'], '', 0)}",
        f"  peak RSS (process tree): {spread(results['second_peak_mib'], ' MiB', 0)}",
    ]
    if large is not None:
        lines += [
            f"10x: {large_documents:,} altered articles, empty database",
            f"  seconds:  {spread(results['x10_seconds'], ' s')}",
            f"  docs/s:   {spread(results['x10_docs_per_s'], '', 0)}",
            f"  peak RSS (process tree): {spread(results['x10_peak_mib'], ' MiB', 0)}",
            f"  10x/1x peak: {spread(results['ratio_x10_to_x1_peak'], 'x')}",
        ]
    lines.append(f"command: {command}")
    print("\n".join(lines))
    if args.json:
        report = {"machine": machine(), "command": command, "documents": documents, "x10_documents": large_documents,
                  "corpus": str(corpus), "headline_suffix": HEADLINE_SUFFIX, "peer_last_run": peer_facts,
                  "figures": {key: figures(values) for key, values in results.items() if values}}
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
