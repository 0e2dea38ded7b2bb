"""The streaming feed poller: fetch, parse and store as overlapping stages with bounded queues.

A thread fetches the due feeds (flows/fetch.py: at most `concurrency` requests in flight, `per_host`
per host, a failing feed's retry waits outside its slot) and hands each fetched feed on as soon as
it is final. This thread gathers them into store groups, closed when a group holds
`feed_batch_size` feeds or its first feed has waited `STORE_WITHIN` seconds, whichever comes first;
each group is parsed (in a worker process when the run is large enough for that to pay) while the
group before it is stored in one transaction. So a slow feed holds one fetch slot and no group, and
the queues between the stages are bounded: memory does not grow with the number of feeds.

Each group is one call of each `FeedSteps` step: one Prefect task each in the Prefect flow, never one
per feed.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from flows.fetch import FetchRequest, FetchResult, stream_fetches
from flows.settings import FetchPolicy
from ingest.records import FeedState

# A fetched feed waits at most this long for its group to close; a group then waits for its parse
# and for the store before it. Short enough that a feed is stored within seconds of arriving, long
# enough that a store transaction (tens of milliseconds) carries many feeds.
STORE_WITHIN = 1.0
# Fetched bodies waiting for the parser, at most: beyond this the fetcher starts no new request.
FETCHED_QUEUE = 200


@dataclass(frozen=True)
class Fetched:
    """One feed whose fetch is final (read, 304, or failed after its attempts)."""

    state: FeedState
    result: FetchResult


def stream_groups(
    due: Sequence[FeedState], /, *, policy: FetchPolicy, size: int, within: float = STORE_WITHIN
) -> Iterator[list[Fetched]]:
    """The due feeds as they are fetched, in groups of at most `size` feeds, each closed at the latest
    `within` seconds after its first feed arrived. Fetching runs in a thread of its own, ahead of the
    caller by at most `FETCHED_QUEUE` feeds; it stops when the caller stops iterating."""
    fetcher = _Fetcher(due, policy)
    fetcher.start()
    try:
        group: list[Fetched] = []
        deadline = 0.0
        while True:
            wait = deadline - time.monotonic() if group else _POLL
            try:
                item = fetcher.fetched.get(timeout=max(0.0, min(wait, _POLL)))
            except queue.Empty:
                if group and time.monotonic() >= deadline:
                    yield group
                    group = []
                continue
            if item is None:
                break
            group.append(item)
            if len(group) == 1:
                deadline = time.monotonic() + within
            if len(group) >= size:
                yield group
                group = []
        if group:
            yield group
        fetcher.raise_failure()
    finally:
        fetcher.stop()


_POLL = 0.2  # seconds between checks of a stop request while the queue is empty


class _Fetcher(threading.Thread):
    """Fetches in an event loop of its own and puts each `Fetched` on a bounded queue, then None."""

    def __init__(self, due: Sequence[FeedState], policy: FetchPolicy) -> None:
        super().__init__(name="newsflow-feed-fetcher", daemon=True)
        self.fetched: queue.Queue[Fetched | None] = queue.Queue(maxsize=FETCHED_QUEUE)
        self._due, self._policy = due, policy
        self._stopping = threading.Event()
        self._failure: BaseException | None = None

    def run(self) -> None:
        try:
            asyncio.run(self._fetch())
        except _Stopping:
            pass
        except BaseException as exc:  # handed to the caller's thread, which raises it
            self._failure = exc
        self._put(None)

    async def _fetch(self) -> None:
        requests = [FetchRequest(s.url, s.etag, s.last_modified) for s in self._due]
        await stream_fetches(requests, policy=self._policy, emit=self._emit)

    async def _emit(self, index: int, result: FetchResult) -> None:
        item = Fetched(self._due[index], result)
        while True:
            if self._stopping.is_set():
                raise _Stopping
            try:
                self.fetched.put_nowait(item)
                return
            except queue.Full:
                await asyncio.sleep(0.01)

    def _put(self, item: Fetched | None) -> None:
        while not self._stopping.is_set():
            try:
                self.fetched.put(item, timeout=_POLL)
                return
            except queue.Full:
                continue

    def raise_failure(self) -> None:
        if self._failure is not None:
            raise self._failure

    def stop(self) -> None:
        """Leave the requests in flight (the thread is a daemon: it ends with the process at the latest)."""
        self._stopping.set()
        self.join(timeout=_POLL * 5)


class _Stopping(Exception):
    """The consumer stopped reading: fetch no more."""
