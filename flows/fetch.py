"""Polite, bounded HTTP fetching of feeds and article pages (httpx).

Every request has connect/read/total timeouts, a body cap that also holds after decompression (the
body is decompressed here, in bounded steps, so a gzip bomb stops at the cap), a redirect limit,
bounded concurrency overall and per host, and retries with exponential backoff and jitter for
timeouts, connection errors, 5xx and 429 (honouring Retry-After), never for other 4xx. A failure is
returned as a result with an error a person can act on; nothing here raises for one bad URL.
"""

from __future__ import annotations

import asyncio
import email.utils
import heapq
import ipaddress
import random
import socket
import time
import zlib
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from importlib.metadata import version
from urllib.parse import urlsplit

import httpx

from flows.settings import FetchPolicy
from storage import clock

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class FetchRequest:
    url: str
    etag: str | None = None
    last_modified: str | None = None
    allow_private: bool = True  # False for links taken from feed content (full text)


@dataclass(frozen=True)
class FetchResult:
    url: str
    fetched_at: datetime
    status: int | None  # HTTP status of the last attempt; None when no response arrived
    body: bytes | None  # decompressed body of a 200; None otherwise
    headers: tuple[tuple[str, str], ...]
    error: str | None  # why the fetch failed, in words; None on 200 and 304
    attempts: int
    retry_after: float | None  # seconds the server asked us to wait, if it did
    final_url: str | None  # after redirects
    seconds: float = 0.0  # the last attempt, from its request to its last byte


class _Refused(Exception):
    """A response that will not be read (too large, bad encoding, refused address)."""


def fetch_all(requests: Sequence[FetchRequest], /, *, policy: FetchPolicy) -> list[FetchResult]:
    """Fetch every request concurrently within the policy's limits; results keep the input order."""
    results: list[FetchResult | None] = [None] * len(requests)

    async def keep(index: int, result: FetchResult) -> None:
        results[index] = result

    asyncio.run(stream_fetches(requests, policy=policy, emit=keep))
    return [result for result in results if result is not None]


async def stream_fetches(
    requests: Sequence[FetchRequest], /, *, policy: FetchPolicy, emit: Callable[[int, FetchResult], Awaitable[None]]
) -> None:
    """Fetch every request and `emit(index, result)` as each one is final, in whatever order they finish.

    At most `policy.concurrency` requests are in flight, and `policy.per_host` per host; the next
    request goes to the next host in turn that has room, so one slow host never holds the others up.
    A retryable failure gives its slot back while it waits for its retry (backoff, or Retry-After),
    so a failing feed costs the others nothing. `emit` may wait (a full queue downstream): no new
    request starts meanwhile, which keeps memory bounded however many requests there are.
    """
    loop = asyncio.get_running_loop()
    waiting: dict[str, deque[_Job]] = {}
    for index, request in enumerate(requests):
        waiting.setdefault(_host(request.url), deque()).append(_Job(index, request, 1))
    queued = len(requests)
    turns = deque(waiting)  # hosts with queued requests, in turn
    taking_turns = set(turns)
    in_flight: dict[str, int] = dict.fromkeys(waiting, 0)
    retries: list[tuple[float, int, _Job]] = []  # (when, index, job): a heap of failed attempts to repeat
    running: set[asyncio.Task[tuple[_Job, FetchResult, float | None]]] = set()

    def next_job() -> _Job | None:
        for _ in range(len(turns)):
            host = turns.popleft()
            if not waiting[host]:
                taking_turns.discard(host)
                continue
            turns.append(host)
            if in_flight[host] < policy.per_host:
                return waiting[host].popleft()
        return None

    async with _client(policy) as client:
        while running or retries or queued:
            while retries and retries[0][0] <= loop.time():
                retry = heapq.heappop(retries)[2]
                host = _host(retry.request.url)
                if host not in taking_turns:
                    turns.append(host)
                    taking_turns.add(host)
                waiting[host].appendleft(retry)
                queued += 1
            while len(running) < policy.concurrency and (job := next_job()) is not None:
                queued -= 1
                in_flight[_host(job.request.url)] += 1
                running.add(asyncio.create_task(_attempt_job(client, job, policy)))
            timeout = max(0.0, retries[0][0] - loop.time()) if retries else None
            if not running:
                await asyncio.sleep(timeout or 0.0)
                continue
            done, running = await asyncio.wait(running, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                job, result, wait = task.result()
                in_flight[_host(job.request.url)] -= 1
                if wait is None:
                    await emit(job.index, result)
                else:
                    heapq.heappush(retries, (loop.time() + wait, job.index, _Job(job.index, job.request, job.attempt + 1)))


@dataclass(frozen=True)
class _Job:
    index: int  # of the request, in the caller's list
    request: FetchRequest
    attempt: int  # 1 for the first


def _host(url: str) -> str:
    return urlsplit(url).hostname or ""


def _client(policy: FetchPolicy) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        limits=httpx.Limits(max_connections=policy.concurrency, max_keepalive_connections=policy.concurrency),
        timeout=httpx.Timeout(policy.read_timeout, connect=policy.connect_timeout),
        follow_redirects=True,
        max_redirects=policy.max_redirects,
        headers={"User-Agent": policy.user_agent or _user_agent(), "Accept-Encoding": "gzip, deflate"},
        trust_env=False,
    )


def _user_agent() -> str:
    return f"newsflow/{version('newsflow')} (news feed ingestion; python-httpx)"


async def _attempt_job(client: httpx.AsyncClient, job: _Job, policy: FetchPolicy) -> tuple[_Job, FetchResult, float | None]:
    """One attempt: its result, and how long to wait before the next one (None: the result is final)."""
    try:
        return job, await _attempt(client, job.request, policy, job.attempt), None
    except _Retryable as retry:
        return job, retry.result, _retry_wait(retry.result, job.attempt, policy)


def _retry_wait(result: FetchResult, attempt: int, policy: FetchPolicy) -> float | None:
    """Exponential backoff with jitter, or the server's Retry-After if longer; None when attempts are over
    or the server asks for a longer wait than a run should spend (the feed is scheduled after it)."""
    if attempt > policy.retries:
        return None
    wait: float = policy.backoff * 2 ** (attempt - 1) * random.uniform(0.5, 1.5)
    if result.retry_after is not None:
        if result.retry_after > policy.max_retry_wait:
            return None
        wait = max(wait, result.retry_after)
    return wait


class _Retryable(Exception):
    """A failed attempt that another attempt may fix: timeouts, connection errors, 5xx, 429."""

    def __init__(self, result: FetchResult) -> None:
        super().__init__(result.error)
        self.result = result


async def _attempt(client: httpx.AsyncClient, request: FetchRequest, policy: FetchPolicy, attempt: int) -> FetchResult:
    """One GET, timed; returns a final result, or raises _Retryable carrying the failed one."""
    started = time.monotonic()
    try:
        return replace(await _get(client, request, policy, attempt), seconds=time.monotonic() - started)
    except _Retryable as retry:
        retry.result = replace(retry.result, seconds=time.monotonic() - started)
        raise


async def _get(client: httpx.AsyncClient, request: FetchRequest, policy: FetchPolicy, attempt: int) -> FetchResult:
    fetched_at = clock.utc_now()
    headers = {}
    if request.etag:
        headers["If-None-Match"] = request.etag
    if request.last_modified:
        headers["If-Modified-Since"] = request.last_modified

    def failed(error: str, status: int | None = None, retry_after: float | None = None,
               response_headers: tuple[tuple[str, str], ...] = (), final_url: str | None = None) -> FetchResult:
        return FetchResult(request.url, fetched_at, status, None, response_headers, error, attempt, retry_after, final_url)

    try:
        if not request.allow_private:
            await _refuse_private_address(request.url)
        async with asyncio.timeout(policy.total_timeout):
            async with client.stream("GET", request.url, headers=headers) as response:
                response_headers = tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in response.headers.raw)
                final_url = str(response.url)
                if response.status_code == 304:
                    return FetchResult(request.url, fetched_at, 304, None, response_headers, None, attempt, None, final_url)
                if response.status_code != 200:
                    retry_after = _retry_after(response.headers.get("Retry-After"), fetched_at)
                    result = failed(_status_error(response, retry_after, attempt), response.status_code, retry_after,
                                    response_headers, final_url)
                    if response.status_code in RETRYABLE_STATUS:
                        raise _Retryable(result)
                    return result
                try:
                    body = await _read_body(response, policy.max_bytes)
                except _Refused as exc:
                    return failed(str(exc), 200, None, response_headers, final_url)
                return FetchResult(request.url, fetched_at, 200, body, _decoded_headers(response_headers), None,
                                   attempt, None, final_url)
    except TimeoutError:
        raise _Retryable(failed(f"no complete response within {policy.total_timeout:g} s (the server is too slow or hangs)")) from None
    except httpx.TimeoutException as exc:
        raise _Retryable(failed(f"timed out ({type(exc).__name__}: no data for {policy.read_timeout:g} s); the server may be down")) from None
    except httpx.TooManyRedirects:
        return failed(f"too many redirects (more than {policy.max_redirects}): probably a redirect loop")
    except httpx.UnsupportedProtocol as exc:
        return failed(f"refused: not an http(s) URL ({exc})")
    except httpx.TransportError as exc:
        raise _Retryable(failed(f"could not connect: {exc or type(exc).__name__}")) from None
    except _Refused as exc:
        return failed(str(exc))
    except httpx.InvalidURL as exc:
        return failed(f"refused: invalid URL ({exc})")


async def _read_body(response: httpx.Response, max_bytes: int) -> bytes:
    """Read and decompress the body, stopping as soon as it passes `max_bytes`."""
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise _Refused(f"the body is {int(declared):,} bytes, over the {max_bytes:,}-byte cap (NEWSFLOW_HTTP_MAX_BYTES)")
    encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
    decoder = _decoder(encoding)
    body = bytearray()
    async for chunk in response.aiter_raw():
        body += decoder(chunk, max_bytes + 1 - len(body))
        if len(body) > max_bytes:
            what = "after decompression " if encoding != "identity" else ""
            raise _Refused(f"the body {what}is over the {max_bytes:,}-byte cap (NEWSFLOW_HTTP_MAX_BYTES)")
    return bytes(body)


def _decoder(encoding: str) -> Callable[[bytes, int], bytes]:
    if encoding in ("identity", ""):
        return lambda chunk, limit: chunk
    if encoding in ("gzip", "x-gzip", "deflate"):
        return _BoundedInflater(31 if encoding != "deflate" else 15)
    raise _Refused(f"the body uses Content-Encoding {encoding!r}, which newsflow does not read")


class _BoundedInflater:
    """zlib decompression that never produces more than it is asked for in one call."""

    def __init__(self, wbits: int) -> None:
        self._wbits = wbits
        self._inflater = zlib.decompressobj(wbits)
        self._started = False

    def __call__(self, chunk: bytes, limit: int) -> bytes:
        try:
            out = self._inflater.decompress(chunk, max(limit, 1))
        except zlib.error as exc:
            if self._wbits == 15 and not self._started:  # "deflate" sent without its zlib header
                self._wbits, self._inflater = -15, zlib.decompressobj(-15)
                return self(chunk, limit)
            raise _Refused(f"the body is not valid compressed data ({exc})") from exc
        self._started = True
        return out


def _decoded_headers(headers: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """The body handed on is decompressed, so its Content-Encoding and Content-Length no longer apply."""
    return tuple((k, v) for k, v in headers if k.lower() not in ("content-encoding", "content-length"))


def _status_error(response: httpx.Response, retry_after: float | None, attempts: int) -> str:
    status = f"HTTP {response.status_code} {response.reason_phrase}".strip()
    tries = f" after {attempts} attempts" if attempts > 1 else ""
    if response.status_code == 429:
        wait = f"; the server asked to wait {retry_after:.0f} s" if retry_after is not None else ""
        return f"{status}{tries}: the server is rate-limiting newsflow{wait}"
    if response.status_code >= 500:
        return f"{status}{tries}: a server-side problem; it will be retried at the next due time"
    if response.status_code in (401, 403):
        return f"{status}: the server refuses access; check whether the feed needs credentials or blocks crawlers"
    if response.status_code in (404, 410):
        return f"{status}: the feed is not at this URL (moved or removed); check the URL in the feeds config"
    return f"{status}: the server would not return the feed"


def _retry_after(value: str | None, now: datetime) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


async def _refuse_private_address(url: str) -> None:
    """Refuse URLs whose host resolves to loopback, private, link-local, multicast or reserved space.

    Links in feed content are untrusted: without this, a feed could make newsflow fetch internal
    services. (The address is checked before connecting; a host that re-resolves differently between
    the check and the connection is not caught.)
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _Refused(f"refused: {url!r} is not an http(s) URL")
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise _Refused(f"could not resolve {parts.hostname}: {exc.strerror or exc}") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global or address.is_multicast:
            raise _Refused(f"refused: {parts.hostname} resolves to {address}, a non-public address")


def is_private_url(url: str) -> bool:
    """Whether a URL's host is a literal non-public address or resolves to one (for feed hosts)."""
    host = urlsplit(url).hostname or ""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)}
    except OSError:
        return False
    return any(not ipaddress.ip_address(a).is_global or ipaddress.ip_address(a).is_multicast for a in addresses)
