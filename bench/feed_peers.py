"""Feed polling against what users pick instead (issue 15), and memory as the feed list grows.

    python bench/feed_peers.py --reader-python ../reader-peer/bin/python [--rounds 3]
    python bench/feed_peers.py --memory [--feeds 1000 10000] [--items 10]

The comparison runs ../shared/tools/feed_polling_peer.py (whole processes, in one run: newsflow's
CLI, lemon24/reader's `update_feeds(workers=20)` and a bare httpx loop, cold then warm) on the two
feed mixes of the issue: 1,000 feeds on 50 loopback hosts, 85% healthy / 5% slow (2 s) / 5% HTTP 500
/ 5% HTTP 404, and all healthy. reader is installed in a venv of its own, never in newsflow's:

    python3 -m venv ../reader-peer && ../reader-peer/bin/pip install "reader>=3.24" sgmllib3k

`--memory` runs `newsflow ingest feeds` cold on N healthy feeds of `--items` items (servers on 50 loopback
hosts, in this process) and samples the resident memory of the CLI process and its workers together.
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

sys.path.insert(0, str(REPO))
from tests.feedserver import FeedServer, conditional, rss  # noqa: E402

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


def peak_memory(count: int, items: int) -> tuple[float, float]:
    """Seconds and peak resident MiB (process tree) of one cold run over `count` healthy feeds."""
    servers = [FeedServer(f"127.0.0.{n}") for n in range(1, HOSTS + 1)]
    with contextlib.ExitStack() as stack, tempfile.TemporaryDirectory() as folder:
        for server in servers:
            stack.enter_context(server)
        urls = [servers[i % HOSTS].route(f"/feed-{i}.xml", conditional(lambda i=i: _body(i, items))) for i in range(count)]
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
            time.sleep(0.1)
        return time.perf_counter() - started, peak / 2**20


def _body(i: int, items: int) -> bytes:
    return rss(*[(f"feed{i}-item{j}", f"Headline {j} of feed {i}",
                  f"Body text {j} for feed {i}: the ministry said on Tuesday that talks would go on.")
                 for j in range(items)], title=f"Feed {i}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reader-python", help="a python with reader installed (the comparison)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--memory", action="store_true", help="peak memory at each --feeds count instead")
    parser.add_argument("--feeds", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--items", type=int, default=10, help="items per feed (--memory)")
    args = parser.parse_args()
    print(f"machine: {machine()}", flush=True)
    if args.memory:
        for count in args.feeds:
            seconds, peak = peak_memory(count, args.items)
            print(f"{count:,} feeds of {args.items} items cold: {seconds:.1f} s, peak resident memory (CLI and workers) {peak:.0f} MiB", flush=True)
    elif args.reader_python:
        compare(args.reader_python, args.rounds)
    else:
        parser.error("pass --reader-python PATH (the comparison) or --memory")


if __name__ == "__main__":
    main()
