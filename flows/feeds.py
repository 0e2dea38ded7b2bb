"""The ingest-feeds pipeline as plain functions, shared by the Prefect flow and the fast CLI path.

Per batch of due feeds, the four steps of a `FeedSteps`: fetch (HTTP, bounded), parse (ingest),
fetch full text for new items of feeds that ask for it (HTTP), store items and feed state (one
transaction). The plain steps are `PLAIN_FEED_STEPS`; the Prefect flow runs the same functions as
tasks. Each step takes the run's settings and one batch's feeds, so a poller that streams smaller
batches through them needs nothing else. A feed that fails is recorded with its error and
scheduled with backoff; it never stops the run.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flows.batching import chunks
from flows.fetch import FetchRequest, FetchResult, fetch_all, is_private_url
from flows.runs import recorded_run
from flows.settings import Settings
from ingest.batch import prepare_feed, with_full_text
from ingest.errors import NewsflowError
from ingest.feeds import FeedOutcome, next_fetch_at
from ingest.records import Batch, FeedConfig, FeedState, FeedUpdate, RawItem
from ingest.shards import Shard
from storage import BatchCounts, RunSummary

FLOW_NAME = "ingest-feeds"
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
class FeedSteps:
    """The four steps of the feeds pipeline: built here (plain) and in flows/prefect_flows.py (tasks)."""

    fetch: Callable[[Settings, list[FeedState]], list[FetchResult]]
    parse: Callable[[Settings, list[FeedState], list[FetchResult]], list[FeedResult]]
    full_text: Callable[[Settings, list[FeedResult]], list[FeedResult]]
    store: Callable[[FeedsBatch], BatchCounts]


def load_feeds_config(path: Path, /) -> list[FeedConfig]:
    """Read a TOML feeds config: `[[feeds]]` tables with url, and optional name, tags, full_text."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FeedsConfigError(f"feeds config {path} does not exist") from None
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
    unknown = set(table) - {"url", "name", "tags", "full_text", "allow_private_links"}
    if unknown:
        raise FeedsConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    url = table.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise FeedsConfigError(f"{where}: url must be an http:// or https:// URL, not {url!r}")
    tags = table.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise FeedsConfigError(f"{where}: tags must be a list of strings")
    for flag in ("full_text", "allow_private_links"):
        if not isinstance(table.get(flag, False), bool):
            raise FeedsConfigError(f"{where}: {flag} must be true or false")
    name = table.get("name")
    return FeedConfig(url, name if isinstance(name, str) else None, tuple(tags),
                      table.get("full_text", False), table.get("allow_private_links", False))


def fetch_feeds(settings: Settings, states: list[FeedState]) -> list[FetchResult]:
    """Fetch a batch of feeds, sending back their validators."""
    return fetch_all([FetchRequest(s.url, s.etag, s.last_modified) for s in states], policy=settings.fetch)


def parse_feeds(settings: Settings, states: list[FeedState], results: list[FetchResult]) -> list[FeedResult]:
    """Parse every fetched body that is new; unchanged bodies (same hash) are not parsed again."""
    parsed = []
    aliases = settings.aliases()
    for state, fetch in zip(states, results, strict=True):
        if fetch.body is None:
            parsed.append(FeedResult(state, fetch, None, Batch(), None))
            continue
        digest = hashlib.sha256(fetch.body).hexdigest()
        if digest == state.body_sha256:
            parsed.append(FeedResult(state, fetch, None, Batch(), digest))
            continue
        raw = RawItem("feed", state.url, state.url, fetch.body, "feed", fetch.headers)
        outcome, batch = prepare_feed(raw, received_at=fetch.fetched_at, base_url=fetch.final_url, aliases=aliases)
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
            with_full_text(document, page.body, aliases=aliases) if page.body is not None
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


PLAIN_FEED_STEPS = FeedSteps(fetch=fetch_feeds, parse=parse_feeds, full_text=add_full_text, store=store_feeds)


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
    one feed list). `progress(done, total)` is called after each batch with the number of due feeds
    handled so far.
    """
    database = settings.database()
    if shard is not None:
        feeds = [feed for feed in feeds if shard.holds(feed.url)]
    parameters = {"feeds": [f.url for f in feeds], "db": database.name, "force": force,
                  "shard": str(shard) if shard else None}
    failures: list[tuple[str, str]] = []
    with recorded_run(database, flow=FLOW_NAME, parameters=parameters, run_id=run_id,
                      prefect_flow_run_id=prefect_flow_run_id) as run_id:
        due = _interleave_hosts(database.prepare_feeds(feeds, force=force))
        due_count = len(due)
        done = 0
        for chunk in chunks(due, settings.feed_batch_size):
            results = steps.parse(settings, chunk, steps.fetch(settings, chunk))
            if any(r.state.full_text for r in results):
                results = steps.full_text(settings, results)
            steps.store(FeedsBatch(settings, results, run_id))
            failures += [(r.state.url, _error_of(r)) for r in results if _error_of(r)]
            done += len(chunk)
            if progress is not None:
                progress(done, due_count)
        status = "failed" if due_count and len(failures) == due_count else "completed"
        error = "no feed could be fetched" if status == "failed" else None
        return FeedsRunSummary(database.finish_run(run_id, status=status, error=error), due_count, failures)


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


def _interleave_hosts(states: Sequence[FeedState]) -> list[FeedState]:
    """Round-robin over hosts, so that a batch spreads over many hosts.

    Requests per host are limited (politeness); a batch holding many feeds of one host would wait on
    that host alone while the others sit idle. Order within a host is kept (most overdue first).
    """
    by_host: dict[str, list[FeedState]] = {}
    for state in states:
        by_host.setdefault(urlsplit(state.url).netloc, []).append(state)
    queues = list(by_host.values())
    return [queue[i] for i in range(max(map(len, queues), default=0)) for queue in queues if i < len(queue)]
