"""Feed polling against what users pick instead (issue 15), and memory as the feed list grows.

    python bench/feed_peers.py --reader-python ../reader-peer/bin/python [--rounds 3]
    python bench/feed_peers.py --memory [--feeds 1000 10000]

The comparison runs ../shared/tools/feed_polling_peer.py (whole processes, in one run: newsflow's
CLI, lemon24/reader's `update_feeds(workers=20)` and a bare httpx loop, cold then warm) on the two
feed mixes of the issue: 1,000 feeds on 50 loopback hosts, 85% healthy / 5% slow (2 s) / 5% HTTP 500
/ 5% HTTP 404, and all healthy. reader is installed in a venv of its own, never in newsflow's:

    python3 -m venv ../reader-peer && ../reader-peer/bin/pip install "reader>=3.24" sgmllib3k

`--memory` runs `newsflow ingest feeds` cold on N healthy feeds of 10 items (the peer tool's server,
50 loopback hosts) and samples the resident memory of the CLI process and its workers together.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
from _common import REPO, machine, newsflow

PEER_TOOL = REPO.parent / "shared" / "tools" / "feed_polling_peer.py"
MIXES = ("85,5,5,5", "100,0,0,0")
HOSTS = 50


def compare(reader_python: str, rounds: int) -> None:
    if not PEER_TOOL.exists():
        sys.exit(f"{PEER_TOOL} is not here: the comparison needs the shared tools next to the checkout")
    for mix in MIXES:
        subprocess.run([sys.executable, str(PEER_TOOL), "--newsflow", str(REPO / ".venv" / "bin" / "newsflow"),
                        "--reader-python", reader_python, "--feeds", "1000", "--hosts", str(HOSTS),
                        "--rounds", str(rounds), "--mix", mix], check=True)


def peak_memory(count: int) -> tuple[float, float]:
    """Seconds and peak resident MiB (the CLI process and its workers, summed) of one cold run over
    `count` healthy feeds of 10 items, served by the peer tool's server on 50 loopback hosts."""
    sys.path.insert(0, str(PEER_TOOL.parent))
    import feed_polling_peer as peer

    with tempfile.TemporaryDirectory() as folder:
        port_file = Path(folder) / "port"
        server = subprocess.Popen([sys.executable, str(PEER_TOOL), "--serve", str(count), str(HOSTS), str(port_file)])
        try:
            while not (port_file.exists() and port_file.read_text()):
                time.sleep(0.1)
            urls = peer.feed_urls(count, HOSTS, int(port_file.read_text()), [100, 0, 0, 0])
            config = Path(folder) / "feeds.toml"
            config.write_text("".join(f'[[feeds]]\nurl = "{url}"\n' for url in urls))
            env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
            started = time.perf_counter()
            process = psutil.Popen(newsflow("ingest", "feeds", "--config", str(config), "--db", f"{folder}/feeds.duckdb"),
                                   env=env, stdout=subprocess.DEVNULL)
            peak = 0
            while process.poll() is None:
                with contextlib.suppress(psutil.Error):
                    tree = [process, *process.children(recursive=True)]
                    peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
                time.sleep(0.2)
            return time.perf_counter() - started, peak / 2**20
        finally:
            server.terminate()
            server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reader-python", help="a python with reader installed (the comparison)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--memory", action="store_true", help="peak memory at each --feeds count instead")
    parser.add_argument("--feeds", type=int, nargs="+", default=[1000, 10000])
    args = parser.parse_args()
    print(f"machine: {machine()}", flush=True)
    if args.memory:
        for count in args.feeds:
            seconds, peak = peak_memory(count)
            print(f"{count:,} feeds cold: {seconds:.1f} s, peak resident memory (CLI and workers) {peak:.0f} MiB", flush=True)
    elif args.reader_python:
        compare(args.reader_python, args.rounds)
    else:
        parser.error("pass --reader-python PATH (the comparison) or --memory")


if __name__ == "__main__":
    main()
