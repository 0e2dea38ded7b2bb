"""Raw items to parsed articles: text, Markdown, HTML and JSON.

Each format ends in the same structure step (`article_from_lines`): headline, paragraphs, dateline,
trailing credit line and page boilerplate. Names and agencies are left to later steps; this module
only finds where things are.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from ingest.datafiles import any_of, read_patterns, shipped_path
from ingest.decode import decode_text
from ingest.errors import ParseError
from ingest.normalize import collapse_whitespace, repair_text
from ingest.records import SAMPLE_BYTES, DecodedText, EncodingSource, ParsedArticle, RawItem, Rejection

_compiled_paragraphs: Callable[[list[str]], list[str]] | None
try:
    from ingest._whitespace import paragraphs as _compiled_paragraphs
except ImportError:  # built without a C compiler: the loop below gives the same paragraphs
    _compiled_paragraphs = None

TEXT_SUFFIXES = frozenset({".txt", ".md", ".text", ".markdown"})
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
JSON_SUFFIXES = frozenset({".json", ".jsonl", ".ndjson"})
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSON_SUFFIXES

_TRAILER_LINES = 8  # how many lines from the end may be credit or boilerplate
_MAX_HEADLINE_CHARS = 400
_INDENT = re.compile(r"^(?: {2,}|\t)")
_MARKDOWN_HEADING = re.compile(r"^#{1,6}\s+")
_WEAK_WORDS = 150  # an extraction this short may have cut the article off ...
_FALLBACK_FACTOR = 5  # ... when the default extraction finds this many times as many words


@dataclass(frozen=True)
class ParsedItem:
    """One item cut from a raw input, with its parsed article."""

    item_key: str
    raw_text: str  # the decoded text of this item alone (one JSON object, one file)
    raw_sha256: str
    encoding: str
    article: ParsedArticle
    encoding_source: EncodingSource = "detected"  # declared (BOM, header, XML declaration, <meta>) or detected
    encoding_confidence: float = 1.0


def parse_item(raw: RawItem, /) -> Iterator[ParsedItem | Rejection]:
    """Parse one raw input into items; a JSON file may hold many, each parsed or rejected alone."""
    try:
        if not raw.data.strip():
            raise ParseError("empty_file", "the file is empty or holds only whitespace")
        suffix = raw.media_hint.lower()
        if suffix not in SUPPORTED_SUFFIXES:
            raise ParseError(
                "unsupported_type",
                f"files ending in {suffix or '(no suffix)'!r} are not read; "
                f"supported: {', '.join(sorted(SUPPORTED_SUFFIXES))}",
            )
        decoded = decode_text(raw.data, headers=raw.headers, markup=suffix in HTML_SUFFIXES)
        if suffix in JSON_SUFFIXES:
            yield from _parse_json_items(raw, decoded, lines=suffix != ".json")
            return
        parse = article_from_html if suffix in HTML_SUFFIXES else article_from_text
        article = parse(decoded.text)
    except ParseError as exc:
        yield reject(raw, exc.reason, exc.detail)
        return
    yield ParsedItem(raw.item_key, decoded.text, _sha256(raw.data), decoded.encoding, article, decoded.source,
                     decoded.confidence)


def reject(raw: RawItem, reason: str, detail: str, *, item_key: str | None = None, data: bytes | None = None) -> Rejection:
    """Build the quarantine record for a raw input (or one item cut from it)."""
    payload = raw.data if data is None else data
    return Rejection(
        source_kind=raw.source_kind,
        source_uri=raw.source_uri,
        item_key=item_key or raw.item_key,
        reason=reason,
        detail=detail,
        sample=payload[:SAMPLE_BYTES],
        size_bytes=len(payload),
    )


def article_from_text(text: str, /) -> ParsedArticle:
    """Plain text or Markdown: headline on the first line, then paragraphs."""
    lines = repair_text(text).split("\n")
    title_index = next((i for i, line in enumerate(lines) if line.strip()), None)
    if title_index is None:
        raise ParseError("empty_file", "the file holds no text after decoding")
    title = _MARKDOWN_HEADING.sub("", lines[title_index]).strip()
    return article_from_lines(title, lines[title_index + 1 :])


def article_from_lines(title: str, lines: Sequence[str], **metadata: Any) -> ParsedArticle:
    """The structure step shared by every format: trailers, paragraphs, dateline."""
    title = collapse_whitespace(title)
    if not title:
        raise ParseError("missing_title", "the item has no headline; put the headline on its first line")
    if len(title) > _MAX_HEADLINE_CHARS:
        raise ParseError(
            "missing_title",
            f"the first line is {len(title)} characters long, too long for a headline; "
            "put the headline on its own first line, followed by a blank line",
        )
    body_lines, credit = _strip_trailers(list(lines))
    paragraphs = _paragraphs(body_lines)
    dateline = None
    if paragraphs:
        dateline, first = _split_dateline(paragraphs[0])
        paragraphs = ([first] if first else []) + paragraphs[1:]
    if not paragraphs:
        raise ParseError("no_body", "the item has a headline but no body text")
    return ParsedArticle(title=title, paragraphs=tuple(paragraphs), dateline=dateline, credit=credit, **metadata)


def _strip_trailers(lines: list[str]) -> tuple[list[str], str | None]:
    """Drop page boilerplate and one credit line from the end; return the rest and the credit."""
    credit = None
    checked = 0
    while lines and checked < _TRAILER_LINES:
        line = lines[-1].strip()
        if not line:
            lines.pop()
            continue
        checked += 1
        if _is_boilerplate(line):
            lines.pop()
        elif credit is None and _is_credit(line):
            credit = collapse_whitespace(line)
            lines.pop()
        else:
            break
    return lines, credit


def _paragraphs(lines: Sequence[str]) -> list[str]:
    """Blank lines separate paragraphs; inside a block, an indented line starts a new one (Reuters).

    Compiled where the install built ingest/_whitespace.c.
    """
    if _compiled_paragraphs is not None:
        return _compiled_paragraphs(list(lines))
    paragraphs: list[str] = []
    current: list[str] = []
    for line in lines:
        if not line.strip() or (current and _INDENT.match(line)):
            _flush(current, paragraphs)
        if line.strip():
            current.append(line)
    _flush(current, paragraphs)
    return paragraphs


def _flush(current: list[str], paragraphs: list[str]) -> None:
    text = collapse_whitespace(" ".join(current))
    if text:
        paragraphs.append(text)
    current.clear()


def _split_dateline(paragraph: str) -> tuple[str | None, str]:
    for pattern in _dateline_patterns():
        match = pattern.match(paragraph)
        if match:
            return match.group(0).strip(), paragraph[match.end() :].strip()
    return None, paragraph


def _is_boilerplate(line: str) -> bool:
    return _boilerplate_pattern().match(line) is not None


def _is_credit(line: str) -> bool:
    return _credit_pattern().match(line) is not None


@lru_cache(maxsize=1)
def _boilerplate_pattern() -> re.Pattern[str]:
    return any_of(read_patterns(shipped_path("boilerplate.txt"), flags=re.IGNORECASE))


@lru_cache(maxsize=1)
def _credit_pattern() -> re.Pattern[str]:
    return any_of(read_patterns(shipped_path("credit_lines.txt")))


@lru_cache(maxsize=1)
def _dateline_patterns() -> tuple[re.Pattern[str], ...]:
    return read_patterns(shipped_path("datelines.txt"), whole_line=False)


def article_from_html(text: str, /) -> ParsedArticle:
    """HTML page: trafilatura finds the main text and the metadata.

    Extraction favours precision (on the 181-page benchmark, bench/extraction_f1.py: precision
    0.948 -> 0.966 for recall 0.977 -> 0.975, F1 0.962 -> 0.970). Where that keeps only a scrap
    of a page (under `_WEAK_WORDS` words) and the
    default extraction finds many times more, the page is one whose article precision mode cuts
    off, and the default's text is taken.
    """
    document = _extracted(text, favor_precision=True)
    words_found = len((document.get("text") or "").split())
    if words_found < _WEAK_WORDS:
        fuller = _extracted(text, favor_precision=False)
        if len((fuller.get("text") or "").split()) >= _FALLBACK_FACTOR * max(words_found, 1):
            document = fuller
    text_found = document.get("text") or ""
    if not text_found.strip():
        raise ParseError(
            "no_article_text",
            "no article text was found in the HTML page (it may be an index page, a paywall or a script-only page)",
        )
    paragraphs = [p for p in repair_text(text_found).split("\n") if p.strip()]
    title = repair_text(document.get("title") or "").strip()
    if not title:
        title, paragraphs = paragraphs[0], paragraphs[1:]
    if paragraphs and collapse_whitespace(paragraphs[0]) == collapse_whitespace(title):
        paragraphs = paragraphs[1:]  # the page's own <h1>
    if not any(paragraph.strip() for paragraph in paragraphs):
        raise ParseError("no_article_text", f"the HTML page holds only a title ({title[:80]!r}) and no article text")
    lines = [line for paragraph in paragraphs for line in (paragraph, "")]
    return article_from_lines(
        title,
        lines,
        url=document.get("url") or None,
        published_at=parse_timestamp(document.get("date")),
        language=document.get("language") or None,
    )


def _extracted(html: str, *, favor_precision: bool) -> dict[str, Any]:
    import trafilatura  # imported here: it costs ~0.3 s and most runs read no HTML

    extracted = trafilatura.bare_extraction(
        html,
        with_metadata=True,
        include_comments=False,
        include_tables=True,  # tables are content in news (standings, results): +0.003 F1 on the benchmark
        deduplicate=False,
        favor_precision=favor_precision,
        # Only dates the page states: the default extensive search reads "Copyright 2026" as a date.
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    return {} if extracted is None else extracted if isinstance(extracted, dict) else extracted.as_dict()


def _parse_json_items(raw: RawItem, decoded: DecodedText, *, lines: bool) -> Iterator[ParsedItem | Rejection]:
    found = False
    for key, item_text, obj in _json_objects(raw, decoded.text, lines=lines):
        found = True
        data = item_text.encode("utf-8")
        if isinstance(obj, Rejection):
            yield obj
            continue
        try:
            article = _article_from_json(obj)
        except ParseError as exc:
            yield reject(raw, exc.reason, exc.detail, item_key=key, data=data)
            continue
        yield ParsedItem(key, item_text, _sha256(data), decoded.encoding, article, decoded.source, decoded.confidence)
    if not found:
        yield reject(raw, "empty_file", "the JSON file holds no objects")


def _json_objects(raw: RawItem, text: str, *, lines: bool) -> Iterator[tuple[str, str, Any]]:
    """Yield `(item_key, item_text, object)`; a line that is not JSON yields a Rejection as object."""
    if lines:
        for number, line in enumerate(text.split("\n"), start=1):
            if not line.strip():
                continue
            key = f"{raw.item_key}#L{number}"
            try:
                yield key, line, json.loads(line)
            except json.JSONDecodeError as exc:
                detail = f"line {number} is not valid JSON ({exc.msg} at column {exc.colno})"
                yield key, line, reject(raw, "invalid_json", detail, item_key=key, data=line.encode("utf-8"))
        return
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError("invalid_json", f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from exc
    if isinstance(document, list):
        for index, obj in enumerate(document):
            yield f"{raw.item_key}#{index}", json.dumps(obj, ensure_ascii=False), obj
    else:
        yield raw.item_key, text, document


def _article_from_json(obj: Any) -> ParsedArticle:
    if not isinstance(obj, dict):
        raise ParseError("invalid_json", f"expected a JSON object with title and body, got {type(obj).__name__}")
    title = obj.get("title")
    body = obj.get("body", obj.get("text"))
    if not isinstance(title, str) or not title.strip():
        raise ParseError("missing_title", 'the object has no "title" string')
    if not isinstance(body, str) or not body.strip():
        raise ParseError("no_body", 'the object has no "body" (or "text") string')
    return article_from_lines(
        repair_text(title),
        repair_text(body).split("\n"),
        url=_optional_str(obj, "url"),
        published_at=parse_timestamp(_optional_str(obj, "published")),
        source_name=_optional_str(obj, "source"),
        language=_optional_str(obj, "language"),
    )


def _optional_str(obj: dict[str, Any], key: str) -> str | None:
    value = obj.get(key)
    return value.strip() or None if isinstance(value, str) else None


def parse_timestamp(value: str | None, /) -> datetime | None:
    """ISO 8601 to an aware UTC datetime; naive values are taken as UTC; anything else is None."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
