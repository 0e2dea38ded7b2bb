"""Feed polling throughput: `newsflow ingest feeds` against a local server with many feeds.

Servers on 50 loopback addresses (127.0.0.1-50, in this process; newsflow limits requests per host, so
one host for all feeds would measure that limit) serve N feeds: 70% healthy RSS with 10 items each (ETag and
Last-Modified, so a second poll gets 304s), 10% slow (1 s before answering), 10% failing with 500
(retried with backoff), 10% missing (404). A cold run fetches all into an empty database; a warm run
(--force) polls them again. Also times a one-feed CLI run (the start-up budget: <= 3 s median).

    python bench/feed_polling.py [--feeds 1000] [--runs 3]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import REPO, machine, newsflow, summary, time_command

sys.path.insert(0, str(REPO))
from tests.feedserver import FeedServer, Response, conditional, rss  # noqa: E402

HOSTS = 50


def serve(servers: list[FeedServer], count: int) -> list[str]:
    urls = []
    for i in range(count):
        server = servers[i % len(servers)]
        kind = (i // len(servers)) % 10
        if kind == 7:
            urls.append(server.route(f"/slow-{i}.xml", lambda r, i=i: Response(200, feed_body(i), delay=1.0)))
        elif kind == 8:
            urls.append(server.route(f"/error-{i}.xml", lambda r: Response(500, b"server error")))
        elif kind == 9:
            urls.append(server.url(f"/missing-{i}.xml"))
        else:
            urls.append(server.route(f"/feed-{i}.xml", conditional(lambda i=i: feed_body(i))))
    return urls


def feed_body(i: int) -> bytes:
    items = [(f"feed{i}-item{j}", f"Headline {j} of feed {i}", f"Body text {j} for feed {i}, with some words.")
             for j in range(10)]
    return rss(*items, title=f"Feed {i}")


def timed_run(config: Path, db: Path, env: dict[str, str]) -> tuple[float, float]:
    """Seconds and peak resident MiB of one CLI run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    subprocess.run(newsflow("ingest", "feeds", "--config", str(config), "--db", str(db), "--force"),
                   check=False, stdout=subprocess.DEVNULL, env=env)
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, max(peak, before) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["NEWSFLOW_HTTP_RETRIES"] = "2"
    cold, warm, peaks = [], [], []
    servers = [FeedServer(f"127.0.0.{n}") for n in range(1, HOSTS + 1)]
    with contextlib.ExitStack() as stack, tempfile.TemporaryDirectory() as folder:
        for server in servers:
            stack.enter_context(server)
        urls = serve(servers, args.feeds)
        config = Path(folder) / "feeds.toml"
        config.write_text("".join(f'[[feeds]]\nurl = "{url}"\n' for url in urls))
        for run in range(args.runs):
            db = Path(folder) / f"feeds-{run}.duckdb"
            seconds, peak = timed_run(config, db, env)
            cold.append(seconds)
            peaks.append(peak)
            seconds, peak = timed_run(config, db, env)
            warm.append(seconds)
            peaks.append(peak)
        one = [time_command(newsflow("ingest", "feeds", "--feed", urls[0], "--db", f"{folder}/one-{run}.duckdb"))
               for run in range(5)]
    print(f"machine: {machine()}")
    print(f"{args.feeds} feeds, cold (empty database): {summary(cold)}; "
          f"{args.feeds / statistics.median(cold):.0f} feeds/s")
    print(f"{args.feeds} feeds, warm (70% answer 304): {summary(warm)}; "
          f"{args.feeds / statistics.median(warm):.0f} feeds/s")
    print(f"peak resident memory of the CLI process (max over runs): {max(peaks):.0f} MiB")
    print(f"one feed through the CLI: {summary(one)}")


if __name__ == "__main__":
    main()
