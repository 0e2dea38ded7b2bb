"""RSS/Atom feed bodies to parsed items, and when to fetch a feed next.

feedparser gets the raw bytes and the response headers, so HTTP charset rules apply (decoded text
would break them). Each entry becomes one item; a feed-level problem becomes an outcome with an
error in words, never an exception. The fetching itself is in `flows/fetch.py`: this module does no
I/O and reads no clock; "now" is passed in.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import re
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

from ingest.errors import ParseError
from ingest.html_text import paragraphs_from_html, text_from_html
from ingest.parse import ParsedItem, article_from_lines, reject
from ingest.records import ParsedArticle, RawItem, Rejection

FUTURE_TOLERANCE = timedelta(hours=1)  # clock skew allowed before a publication date is distrusted
_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
_SAX_POSITION = re.compile(r"^<unknown>:(\d+):(\d+): (.*)$")
_TITLE_FROM_BODY_CHARS = 120


@dataclass(frozen=True)
class FeedOutcome:
    """What parsing one feed body found, for the `feeds` table and the run summary."""

    url: str
    title: str | None
    entries: int  # entries found in the body
    error: str | None  # why no entry could be read; None when the feed parsed (possibly with warnings)
    warning: str | None  # a parse problem that still left entries, in words
    ttl_minutes: int | None  # the feed's own <ttl>, if any


def parse_feed(
    raw: RawItem, /, *, received_at: datetime, base_url: str | None = None
) -> tuple[FeedOutcome, list[ParsedItem | Rejection]]:
    """Parse a fetched feed body into items.

    `received_at` is when the bytes arrived (UTC); `base_url` is where they came from after redirects
    (the feed URL when None), against which relative links are resolved.
    """
    if _ENTITY_DECLARATION.search(raw.data[:65536]):
        error = "refused: the feed declares XML entities (<!ENTITY>), the shape of an entity-expansion bomb"
        return FeedOutcome(raw.source_uri, None, 0, error, None, None), []
    import feedparser  # 65 ms to import, which a files run (and its worker processes) never needs

    headers = {key.lower(): value for key, value in raw.headers}
    headers["content-location"] = _base(base_url or raw.source_uri, headers.get("content-location"))
    parsed = feedparser.parse(raw.data, response_headers=headers, resolve_relative_uris=True, sanitize_html=True)
    problem = _describe_bozo(parsed) if parsed.get("bozo") else None
    language = _short_language(parsed.feed.get("language"))
    items = list(_items(raw, parsed.entries, language=language, received_at=received_at))
    outcome = FeedOutcome(
        url=raw.source_uri,
        title=text_from_html(parsed.feed.get("title", "")) or None,
        entries=len(parsed.entries),
        error=problem if problem and not parsed.entries else None,
        warning=problem if problem and parsed.entries else None,
        ttl_minutes=_ttl(parsed.feed.get("ttl")),
    )
    return outcome, items


def next_fetch_at(
    now: datetime,
    /,
    *,
    interval: timedelta,
    failures: int,
    max_backoff: timedelta,
    retry_after: timedelta | None = None,
    max_age: timedelta | None = None,
    ttl_minutes: int | None = None,
) -> datetime:
    """When a feed is due again: its interval (stretched by max-age or <ttl>), or a capped backoff.

    A failing feed is never disabled: its wait doubles per consecutive failure up to `max_backoff`,
    and a server's Retry-After is honoured when it asks for longer.
    """
    if failures:
        wait = min(interval * (2 ** (failures - 1)), max_backoff)
    else:
        hints: list[timedelta] = [h for h in (max_age, timedelta(minutes=ttl_minutes) if ttl_minutes else None) if h]
        wait = min(max([interval, *hints]), max_backoff)
    if retry_after is not None:
        wait = max(wait, min(retry_after, max_backoff))
    due: datetime = now + wait
    return due


def _items(
    raw: RawItem, entries: list[Any], *, language: str | None, received_at: datetime
) -> Iterator[ParsedItem | Rejection]:
    for index, entry in enumerate(entries):
        raw_text = json.dumps(_entry_record(entry), ensure_ascii=False, sort_keys=True, default=str)
        data = raw_text.encode("utf-8")
        key = entry.get("id") or entry.get("link") or f"{raw.source_uri}#sha256:{hashlib.sha256(data).hexdigest()[:16]}"
        try:
            article = _article(entry, language=language, received_at=received_at)
        except ParseError as exc:
            yield reject(raw, exc.reason, f"entry {index + 1}: {exc.detail}", item_key=key, data=data)
            continue
        yield ParsedItem(key, raw_text, hashlib.sha256(data).hexdigest(), "utf-8", article)


def _article(entry: Any, *, language: str | None, received_at: datetime) -> ParsedArticle:
    body_html = entry["content"][0].get("value", "") if entry.get("content") else entry.get("summary", "")
    paragraphs = paragraphs_from_html(body_html or "")
    title = text_from_html(entry.get("title", "") or "")
    if not title and not paragraphs:
        raise ParseError("no_body", "the entry has neither a title nor any text")
    if not title:
        title = _title_from(paragraphs[0])
    if not paragraphs:
        paragraphs = [title]  # a headline-only entry is still an item: its headline is its text
    lines = [line for paragraph in paragraphs for line in (paragraph, "")]
    return article_from_lines(
        title,
        lines,
        url=entry.get("link") or None,
        published_at=_published(entry, received_at),
        language=language,
    )


def _published(entry: Any, received_at: datetime) -> datetime | None:
    """UTC publication time, or None when absent or in the future (a wrong date is worse than none)."""
    # dict.get, not entry.get: feedparser's own get() maps "updated" to "published" with a warning.
    parsed: time.struct_time | None = dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed")
    if parsed is None:
        return None
    moment = datetime.fromtimestamp(calendar.timegm(parsed), UTC)
    return None if moment > received_at + FUTURE_TOLERANCE else moment


def _entry_record(entry: Any) -> dict[str, Any]:
    """The entry's own fields, as stored in documents.raw_text."""
    fields = ("id", "link", "title", "author", "published", "updated", "summary")
    record = {name: dict.get(entry, name) for name in fields if dict.get(entry, name)}
    if entry.get("content"):
        record["content"] = [part.get("value", "") for part in entry["content"]]
    if entry.get("tags"):
        record["tags"] = [tag.get("term") for tag in entry["tags"] if tag.get("term")]
    return record


def _title_from(paragraph: str) -> str:
    sentence = re.split(r"(?<=[.!?])\s", paragraph, maxsplit=1)[0]
    return sentence if len(sentence) <= _TITLE_FROM_BODY_CHARS else sentence[: _TITLE_FROM_BODY_CHARS - 1] + "…"


def _describe_bozo(parsed: Mapping[str, Any]) -> str:
    exc = parsed.get("bozo_exception")
    name = type(exc).__name__
    message = str(exc)
    position = _SAX_POSITION.match(message)
    if position:
        line, column, what = position.groups()
        return f"the feed is not well-formed XML (line {line}, column {column}: {what})"
    if name == "CharacterEncodingOverride":
        return f"the declared encoding was wrong; read as {parsed.get('encoding')}"
    if name == "NonXMLContentType":
        return f"the server did not call it XML ({message}); parsed anyway"
    return f"{name}: {message}" if message else name


def _base(url: str, content_location: str | None) -> str:
    """The base URL for relative links: a Content-Location header resolved against the URL, if it is http(s).

    feedparser takes Content-Location as the base as it is; a relative one ("/feed/pg.cgi") or an unsafe
    one ("javascript:...") would leave every relative link unresolved or worse.
    """
    if not content_location:
        return url
    joined = urljoin(url, content_location.strip())
    return joined if urlsplit(joined).scheme in ("http", "https") else url


def _ttl(value: Any) -> int | None:
    try:
        minutes = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return minutes if 0 < minutes <= 7 * 24 * 60 else None


def _short_language(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip().split("-")[0].split("_")[0].lower()[:8] or None
