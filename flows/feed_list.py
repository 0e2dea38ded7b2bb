"""The feed list a user manages: `newsflow feeds list | add | remove | pause | resume | import | export`.

Each command changes the TOML feeds config (the file users keep in git) and the `feeds` table
together. When they disagree the config wins: every run registers the config's feeds and settings
in the table (a feed paused there is paused here), because the config is what is reviewed and what
every worker and deployment reads. The table keeps what only the database can know: validators,
health, how many documents a feed brought, and when a feed was removed. A removed feed leaves the
config, so no run polls it again; its row and its documents stay.

The config is edited with tomlkit, which keeps the user's comments and layout; OPML is read with
listparser (flat and nested outlines; the folders of a nested outline become tags) and written as
flat outlines whose `category` attribute carries the tags, so export then import gives the same list.
"""

from __future__ import annotations

import re
import tomllib
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import AoT, Table

from flows.feeds import FeedsConfigError, load_feeds_config
from flows.settings import Settings
from ingest.records import FeedConfig

_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)


@dataclass(frozen=True)
class FeedListing:
    """One line of `newsflow feeds list`: a configured feed (or a removed one) and how it is doing."""

    url: str
    name: str | None
    tags: tuple[str, ...]
    state: str  # new, ok, paused, failing, removed, or "not in the config" (given with --feed only)
    last_fetched_at: datetime | None
    documents: int  # stored from this feed
    last_error: str | None


def list_feeds(config: Path, settings: Settings) -> list[FeedListing]:
    """The config's feeds with their health from the database, then feeds the database knows that the
    config no longer lists (removed ones, and ones given with --feed alone)."""
    configured = _configured(config)
    rows = {row.url: row for row in settings.database().feed_rows()}
    listing = []
    for feed in configured:
        row = rows.pop(feed.url, None)
        if feed.paused:
            state = "paused"
        elif row is None or row.last_fetched_at is None:
            state = "new"
        else:
            state = "ok" if row.consecutive_failures == 0 else f"failing ({row.consecutive_failures})"
        listing.append(FeedListing(feed.url, feed.name or (row.name if row else None), feed.tags, state,
                                   row.last_fetched_at if row else None, row.documents if row else 0,
                                   row.last_error if row else None))
    for row in rows.values():
        state = f"removed {row.removed_at:%Y-%m-%d}" if row.removed_at else "not in the config"
        listing.append(FeedListing(row.url, row.name, row.tags, state, row.last_fetched_at, row.documents, None))
    return listing


def add_feed(config: Path, feed: FeedConfig, settings: Settings) -> None:
    """Append a feed to the config and register it (due at once)."""
    document, feeds = _edit(config)
    if _find(feeds, feed.url) is not None:
        raise FeedsConfigError(f"{feed.url} is already in {config}")
    feeds.append(_table(feed))
    _write(config, document)
    settings.database().register_feeds([feed])


def remove_feed(config: Path, url: str, settings: Settings) -> None:
    """Take a feed out of the config and mark it removed in the table; its documents stay."""
    document, feeds = _edit(config)
    index = _index(config, feeds, url)
    del feeds[index]
    _write(config, document)
    settings.database().remove_feed(url)


def pause_feed(config: Path, url: str, settings: Settings, *, paused: bool) -> None:
    """Pause a feed (kept in the list, not polled) or resume it (due at its next fetch time)."""
    document, feeds = _edit(config)
    table = feeds[_index(config, feeds, url)]
    if paused:
        table["paused"] = True
    elif "paused" in table:
        del table["paused"]
    _write(config, document)
    settings.database().set_feed_paused(url, paused=paused)


def import_opml(config: Path, opml: Path, settings: Settings) -> tuple[int, int]:
    """Add the OPML file's feeds that the config lacks; returns (added, already listed)."""
    found = read_opml(opml)
    document, feeds = _edit(config)
    new = [feed for feed in found if _find(feeds, feed.url) is None]
    for feed in new:
        feeds.append(_table(feed))
    _write(config, document)
    settings.database().register_feeds(new)
    return len(new), len(found) - len(new)


def export_opml(config: Path, opml: Path) -> int:
    """Write the config's feeds as OPML 2.0 (flat outlines, tags in `category`); returns how many."""
    feeds = _configured(config)
    root = ET.Element("opml", version="2.0")
    ET.SubElement(ET.SubElement(root, "head"), "title").text = "newsflow feeds"
    body = ET.SubElement(root, "body")
    for feed in feeds:
        attributes = {"type": "rss", "text": feed.name or feed.url, "xmlUrl": feed.url}
        if feed.name:
            attributes["title"] = feed.name
        if feed.tags:
            attributes["category"] = ",".join(feed.tags)
        ET.SubElement(body, "outline", attributes)
    ET.indent(root)
    try:
        ET.ElementTree(root).write(opml, encoding="utf-8", xml_declaration=True)
    except OSError as exc:
        raise FeedsConfigError(f"cannot write {opml}: {exc.strerror or exc}") from None
    return len(feeds)


def read_opml(path: Path) -> list[FeedConfig]:
    """The feeds of an OPML file, flat or nested: the folders a feed sits in, and its `category`, are its tags."""
    import listparser

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FeedsConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    if _ENTITY_DECLARATION.search(data[:65536]):
        raise FeedsConfigError(f"{path}: refused: the file declares XML entities (<!ENTITY>)")
    parsed = listparser.parse(data)
    feeds = {}
    for entry in parsed.feeds:
        url = str(entry.url).strip()
        if not url.startswith(("http://", "https://")) or url in feeds:
            continue
        tags = tuple(dict.fromkeys(str(part) for category in entry.categories for part in category if part))
        title = str(entry.title).strip() if entry.get("title") else None
        feeds[url] = FeedConfig(url, title if title and title != url else None, tags)
    if not feeds:
        problem = f" ({parsed.bozo_exception})" if parsed.get("bozo") else ""
        raise FeedsConfigError(f"{path} holds no feed outlines (xmlUrl with an http:// or https:// URL){problem}")
    return list(feeds.values())


def _edit(config: Path) -> tuple[Any, AoT]:
    """The config as an editable document (a new one if the file does not exist) and its [[feeds]]."""
    if config.exists():
        _configured(config)  # a config that a run could not use is not edited either
        document = tomlkit.parse(config.read_text(encoding="utf-8"))
    else:
        document = tomlkit.document()
    if "feeds" not in document:
        document.append("feeds", tomlkit.aot())
    feeds = document["feeds"]
    if not isinstance(feeds, AoT):
        raise FeedsConfigError(f"feeds config {config}: feeds must be [[feeds]] tables")
    return document, feeds


def _configured(config: Path) -> list[FeedConfig]:
    """The config's feeds, validated; none when the file does not exist or lists none (all removed)."""
    if not config.exists():
        return []
    try:
        tables = tomllib.loads(config.read_text(encoding="utf-8")).get("feeds")
    except (OSError, tomllib.TOMLDecodeError):
        tables = None  # load_feeds_config says what is wrong
    return load_feeds_config(config) if tables != [] else []


def _find(feeds: AoT, url: str) -> int | None:
    return next((i for i, table in enumerate(feeds) if table.get("url") == url), None)


def _index(config: Path, feeds: AoT, url: str) -> int:
    index = _find(feeds, url)
    if index is None:
        raise FeedsConfigError(f"{url} is not in {config} (see: newsflow feeds list)")
    return index


def _table(feed: FeedConfig) -> Table:
    table = tomlkit.table()
    table["url"] = feed.url
    if feed.name:
        table["name"] = feed.name
    if feed.tags:
        table["tags"] = list(feed.tags)
    return table


def _write(config: Path, document: Any) -> None:
    try:
        config.write_text(tomlkit.dumps(document), encoding="utf-8")
    except OSError as exc:
        raise FeedsConfigError(f"cannot write {config}: {exc.strerror or exc}") from None
