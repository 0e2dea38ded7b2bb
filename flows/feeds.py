"""The ingest-feeds pipeline as plain functions, shared by the Prefect flow and the fast CLI path.

The due feeds stream through the poller (flows/poller.py): fetched as fast as politeness allows,
and gathered into groups by size and time. Per group, the three steps of a `FeedSteps`: parse
(ingest), fetch full text for new items of feeds that ask for it (HTTP), store items and feed state
(one transaction); a group is parsed while the one before it is stored. The plain steps are
`PLAIN_FEED_STEPS`; the Prefect flow runs the same functions as tasks, one task run per group and
step. A feed that fails is recorded with its error and scheduled with backoff; it never stops the run.
"""

from __future__ import annotations

import contextvars
import hashlib
import re
import tomllib
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from flows.ahead import store_in_order
from flows.batching import chunks
from flows.fetch import FetchRequest, FetchResult, fetch_all, is_private_url
from flows.poller import Fetched, stream_groups
from flows.runs import recorded_run
from flows.settings import Settings
from flows.workers import Workers
from ingest.batch import prepare_feed, with_full_text
from ingest.errors import NewsflowError
from ingest.feeds import FeedOutcome, next_fetch_at
from ingest.name_aliases import NameAliases
from ingest.records import Batch, FeedConfig, FeedState, FeedUpdate, RawItem
from ingest.shards import Shard
from storage import BatchCounts, RunSummary

FLOW_NAME = "ingest-feeds"
# Runs with at least this many due feeds parse in worker processes (NEWSFLOW_WORKERS), so parsing
# takes the cores that fetching and storing leave idle; smaller runs parse in this process.
PARSE_IN_WORKERS = 200
# Feeds per parse step: a store group is parsed in parts this size, so both workers share every group.
PARSE_PART = 20
# A part with fewer bodies to parse is parsed here: sending it to a worker would cost more than it saves.
BODIES_FOR_A_WORKER = 5
_MAX_AGE = re.compile(r"max-age=(\d+)")


class FeedsConfigError(NewsflowError, ValueError):
    """The feeds config cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class FeedResult:
    """One feed between the steps of a batch: its state, what the fetch returned, what it held."""

    state: FeedState
    fetch: FetchResult
    outcome: FeedOutcome | None  # None when the body was not parsed (failure, 304, unchanged body)
    batch: Batch
    body_sha256: str | None


@dataclass(frozen=True)
class FeedsRunSummary:
    run: RunSummary
    due: int  # feeds fetched this run
    failures: list[tuple[str, str]]  # (url, error) of feeds that failed


@dataclass(frozen=True)
class FeedsBatch:
    """What one store step loads, in one transaction."""

    settings: Settings  # the database, the rules it links articles by, the feeds' schedule
    results: list[FeedResult]
    run_id: str


@dataclass(frozen=True)
class FeedsPart:
    """What one parse step reads: a group of fetched feeds."""

    fetched: list[Fetched]
    aliases: NameAliases  # the run's name alias table


@dataclass(frozen=True)
class FeedSteps:
    """The steps of the feeds pipeline per group of fetched feeds: built here (plain) and in
    flows/prefect_flows.py (tasks). Fetching streams ahead of them (flows/poller.py)."""

    parse: Callable[[Workers, FeedsPart], list[FeedResult]]  # runs the part in one of the workers
    full_text: Callable[[Settings, list[FeedResult]], list[FeedResult]]
    store: Callable[[FeedsBatch], BatchCounts]


def load_feeds_config(path: Path, /) -> list[FeedConfig]:
    """Read a TOML feeds config: `[[feeds]]` tables with url, and optional name, tags, full_text,
    allow_private_links and paused."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FeedsConfigError(f"feeds config {path} does not exist") from None
    except OSError as exc:
        raise FeedsConfigError(f"cannot read feeds config {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise FeedsConfigError(f"feeds config {path} is not UTF-8 text (byte {exc.start}): TOML files are UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise FeedsConfigError(f"feeds config {path} is not valid TOML: {exc}") from exc
    tables = document.get("feeds")
    if not isinstance(tables, list) or not tables:
        raise FeedsConfigError(f"feeds config {path} has no [[feeds]] tables")
    return [_feed_config(path, index, table) for index, table in enumerate(tables, start=1)]


def feeds_from(config: str | Path | None, urls: Sequence[str], /) -> list[FeedConfig]:
    """The feeds of a config file (if any) plus feeds given by URL alone."""
    feeds = load_feeds_config(Path(config)) if config else []
    return feeds + [FeedConfig(url) for url in urls]


def _feed_config(path: Path, index: int, table: Any) -> FeedConfig:
    where = f"{path}, feed {index}"
    if not isinstance(table, dict):
        raise FeedsConfigError(f"{where}: expected a [[feeds]] table")
    unknown = set(table) - {"url", "name", "tags", "full_text", "allow_private_links", "paused"}
    if unknown:
        raise FeedsConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    url = table.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise FeedsConfigError(f"{where}: url must be an http:// or https:// URL, not {url!r}")
    tags = table.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise FeedsConfigError(f"{where}: tags must be a list of strings")
    for flag in ("full_text", "allow_private_links", "paused"):
        if not isinstance(table.get(flag, False), bool):
            raise FeedsConfigError(f"{where}: {flag} must be true or false")
    name = table.get("name")
    return FeedConfig(url, name if isinstance(name, str) else None, tuple(tags),
                      table.get("full_text", False), table.get("allow_private_links", False), table.get("paused", False))


def parse_feeds(workers: Workers, part: FeedsPart) -> list[FeedResult]:
    """Parse one group of fetched feeds in a worker process."""
    return workers.call(parse_part, part)


def parse_part(part: FeedsPart) -> list[FeedResult]:
    """Parse every fetched body that is new; unchanged bodies (same hash) are not parsed again."""
    parsed = []
    for state, fetch in ((f.state, f.result) for f in part.fetched):
        if fetch.body is None:
            parsed.append(FeedResult(state, fetch, None, Batch(), None))
            continue
        digest = hashlib.sha256(fetch.body).hexdigest()
        if digest == state.body_sha256:
            parsed.append(FeedResult(state, fetch, None, Batch(), digest))
            continue
        raw = RawItem("feed", state.url, state.url, fetch.body, "feed", fetch.headers)
        outcome, batch = prepare_feed(raw, received_at=fetch.fetched_at, base_url=fetch.final_url,
                                      aliases=part.aliases)
        parsed.append(FeedResult(state, fetch, outcome, batch, digest))
    return parsed


def add_full_text(settings: Settings, results: list[FeedResult]) -> list[FeedResult]:
    """For feeds with full_text, fetch the pages of items not stored before and extract their text.

    Links come from untrusted feed content, so they may not point at private addresses unless the feed
    itself is served from one or the feed allows it (`allow_private_links`).
    """
    database = settings.database()
    wanted: list[tuple[int, int, FetchRequest]] = []
    for i, result in enumerate(results):
        if not result.state.full_text or not result.batch.documents:
            continue
        keys = [d.item_key for d in result.batch.documents]
        stored = database.stored_item_keys(result.state.url, keys) if database.exists() else set()
        allow_private = result.state.allow_private_links or is_private_url(result.state.url)
        for j, document in enumerate(result.batch.documents):
            if document.item_key not in stored and document.article.url:
                wanted.append((i, j, FetchRequest(document.article.url, allow_private=allow_private)))
    if not wanted:
        return results
    pages = fetch_all([request for _, _, request in wanted], policy=settings.fetch)
    aliases = settings.aliases()
    documents = {i: list(results[i].batch.documents) for i, _, _ in wanted}
    for (i, j, _), page in zip(wanted, pages, strict=True):
        document = documents[i][j]
        documents[i][j] = (
            with_full_text(document, page.body, headers=page.headers, aliases=aliases) if page.body is not None
            else replace(document, full_text_status=f"kept the feed summary: {page.error or 'no page'}")
        )
    return [
        replace(result, batch=replace(result.batch, documents=tuple(documents[i]))) if i in documents else result
        for i, result in enumerate(results)
    ]


def store_feeds(feeds: FeedsBatch) -> BatchCounts:
    """Store the batch's items and every feed's new state in one transaction."""
    batch = Batch(
        tuple(d for r in feeds.results for d in r.batch.documents),
        tuple(x for r in feeds.results for x in r.batch.rejections),
    )
    updates = [_feed_update(result, feeds.settings) for result in feeds.results]
    return feeds.settings.database().add_feed_batch(batch, updates, run_id=feeds.run_id)


PLAIN_FEED_STEPS = FeedSteps(parse=parse_feeds, full_text=add_full_text, store=store_feeds)


def _feed_update(result: FeedResult, settings: Settings) -> FeedUpdate:
    fetch, outcome, state = result.fetch, result.outcome, result.state
    error = fetch.error or (outcome.error if outcome else None)
    ok = error is None
    headers = {k.lower(): v for k, v in fetch.headers}
    due = next_fetch_at(
        fetch.fetched_at,
        interval=settings.feed_interval,
        failures=0 if ok else state.consecutive_failures + 1,
        max_backoff=settings.feed_max_backoff,
        retry_after=timedelta(seconds=fetch.retry_after) if fetch.retry_after is not None else None,
        max_age=_max_age(headers.get("cache-control")),
        ttl_minutes=outcome.ttl_minutes if outcome else None,
    )
    return FeedUpdate(
        url=state.url,
        fetched_at=fetch.fetched_at,
        status=fetch.status,
        ok=ok,
        etag=headers.get("etag"),
        last_modified=headers.get("last-modified") if _valid_http_date(headers.get("last-modified")) else None,
        body_sha256=result.body_sha256 if ok else None,
        next_fetch_at=due,
        error=error,
        warning=outcome.warning if outcome else None,
        title=outcome.title if outcome else None,
        entries=outcome.entries if outcome else None,
        fetch_seconds=fetch.seconds,
    )


def run_ingest_feeds(
    feeds: Sequence[FeedConfig],
    /,
    *,
    settings: Settings,
    force: bool = False,
    shard: Shard | None = None,
    run_id: str | None = None,
    prefect_flow_run_id: str | None = None,
    steps: FeedSteps = PLAIN_FEED_STEPS,
    progress: Callable[[int, int], None] | None = None,
) -> FeedsRunSummary:
    """Fetch the due feeds (all with `force`) into the database; the `runs` row records the outcome.

    With `shard`, only the feeds of that shard are registered and fetched (several workers polling
    one feed list). `progress(done, total)` is called after each stored group with the number of due
    feeds handled so far.
    """
    database = settings.database()
    if shard is not None:
        feeds = [feed for feed in feeds if shard.holds(feed.url)]
    parameters = {"feeds": [f.url for f in feeds], "db": database.name, "force": force,
                  "shard": str(shard) if shard else None}
    with recorded_run(database, flow=FLOW_NAME, parameters=parameters, run_id=run_id,
                      prefect_flow_run_id=prefect_flow_run_id) as run_id:
        due = database.prepare_feeds(feeds, force=force)
        stored = _GroupStorer(steps, settings, run_id, len(due), progress)
        workers = settings.workers if len(due) >= PARSE_IN_WORKERS else 1
        with (
            database.holding_writes(threads=1 if workers > 1 else None),
            Workers(workers, niceness=0) as pool,
            ThreadPoolExecutor(max_workers=workers + 1, thread_name_prefix="newsflow-feed-parser") as threads,
        ):
            parse = _GroupParser(steps.parse, pool, threads, settings.aliases())
            groups = stream_groups(due, policy=settings.fetch, size=settings.feed_batch_size)
            store_in_order(groups, start=parse, finish=stored, ahead=workers)
        status = "failed" if due and len(stored.failures) == len(due) else "completed"
        error = "no feed could be fetched" if status == "failed" else None
        return FeedsRunSummary(database.finish_run(run_id, status=status, error=error), len(due), stored.failures)


class _GroupParser:
    """Starts parsing each group, in parts of `PARSE_PART` feeds: in the worker processes when a part
    has bodies to parse (`BODIES_FOR_A_WORKER`), here otherwise (a part of 304s and failures costs
    less than sending it to a worker). Parts keep both workers busy and the last group's parse short."""

    def __init__(self, parse: Callable[[Workers, FeedsPart], list[FeedResult]], pool: Workers,
                 threads: ThreadPoolExecutor, aliases: NameAliases) -> None:
        self._parse, self._pool, self._threads, self._aliases = parse, pool, threads, aliases
        self._here = Workers(1)

    def __call__(self, group: list[Fetched]) -> list[Future[list[FeedResult]]]:
        return [self._start(part) for part in chunks(group, PARSE_PART)]

    def _start(self, part: list[Fetched]) -> Future[list[FeedResult]]:
        bodies = sum(1 for fetched in part if fetched.result.body is not None)
        where = self._pool if bodies >= BODIES_FOR_A_WORKER else self._here
        # in the caller's context, so that a Prefect task links to its flow run
        return self._threads.submit(contextvars.copy_context().run, self._parse, where, FeedsPart(part, self._aliases))


class _GroupStorer:
    """Stores each parsed group in one transaction (after its full text, if any feed asks for it)."""

    def __init__(self, steps: FeedSteps, settings: Settings, run_id: str, total: int,
                 progress: Callable[[int, int], None] | None) -> None:
        self._steps, self._settings, self._run_id = steps, settings, run_id
        self._total, self._progress, self._done = total, progress, 0
        self.failures: list[tuple[str, str]] = []

    def __call__(self, parsing: list[Future[list[FeedResult]]]) -> None:
        results = [result for part in parsing for result in part.result()]
        if any(r.state.full_text for r in results):
            results = self._steps.full_text(self._settings, results)
        self._steps.store(FeedsBatch(self._settings, results, self._run_id))
        self.failures += [(r.state.url, _error_of(r)) for r in results if _error_of(r)]
        self._done += len(results)
        if self._progress is not None:
            self._progress(self._done, self._total)


def _error_of(result: FeedResult) -> str:
    return result.fetch.error or (result.outcome.error if result.outcome and result.outcome.error else "")


def _max_age(cache_control: str | None) -> timedelta | None:
    found = _MAX_AGE.search(cache_control or "")
    return timedelta(seconds=int(found.group(1))) if found else None


def _valid_http_date(value: str | None) -> bool:
    """Servers that lie send garbage Last-Modified values; sending them back would only confuse them."""
    if not value:
        return False
    try:
        parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return False
    return True
