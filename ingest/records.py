"""Typed records that cross layer boundaries.

Every record is frozen: the ingest steps return new records instead of mutating old ones, so a batch
can be handed to storage (or to another process) without surprises. Nothing here knows about DuckDB or
Prefect.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

SourceKind = Literal["file", "feed"]
EncodingSource = Literal["declared", "detected"]
LanguageSource = Literal["declared", "detected"]
AgencyRole = Literal["dateline", "credit", "cited", "image_credit", "mention"]
NameEvidence = Literal[
    "same_first_name", "alias", "same_neighbour", "honorific_full_name", "lone_slip", "truncation", "similar_spelling"
]
LinkEvidence = Literal["alias", "same_story", "corpus", "similar_spelling"]


@dataclass(frozen=True)
class RawItem:
    """Bytes as received, before any decoding."""

    source_kind: SourceKind  # where the bytes came from: a local file or a feed
    source_uri: str  # absolute file path, or the feed URL
    item_key: str  # identity inside the source: the path, a GUID or a link
    data: bytes  # the bytes exactly as read
    media_hint: str  # what the source says the bytes are: a file suffix such as ".txt", or "feed"
    headers: tuple[tuple[str, str], ...] = ()  # HTTP response headers, for bytes that came over HTTP


@dataclass(frozen=True)
class DecodedText:
    """Text decoded from bytes, with how its encoding was found (ingest/decode.py)."""

    text: str
    encoding: str  # Python codec name, e.g. "utf-8", "cp1252", "cp932"
    source: EncodingSource  # declared: a BOM, HTTP header, XML declaration or <meta>; detected: judged
    confidence: float  # 1.0 when declared or UTF-8; else how far the reading beat the next best (0-1)


SAMPLE_BYTES = 1024  # how much of a rejected input is kept in quarantine (Rejection.sample)


@dataclass(frozen=True)
class Rejection:
    """An input that could not become a document; stored in `quarantine`."""

    source_kind: SourceKind
    source_uri: str
    item_key: str
    reason: str  # short machine-readable code, e.g. "empty_file", "binary_file"
    detail: str  # one sentence a person can act on
    sample: bytes  # the first bytes of the input, capped, for diagnosis
    size_bytes: int  # full size of the rejected input


@dataclass(frozen=True)
class ParsedArticle:
    """The structure of one article, normalised, before names and agencies are looked at."""

    title: str  # the headline, exactly one line
    paragraphs: tuple[str, ...]  # body paragraphs; the first is the lede; dateline prefix removed
    dateline: str | None  # "KYIV, March 3 (Reuters) -" when the body opened with one
    credit: str | None  # trailing credit line such as "Source: with agencies", kept as evidence
    url: str | None = None  # canonical link when the input names one
    published_at: datetime | None = None  # UTC; None rather than a guess
    source_name: str | None = None  # outlet named by the input (JSON "source")
    language: str | None = None  # ISO 639-1 code when the input declares one


@dataclass(frozen=True)
class NameVariant:
    """A spelling variant of a name found in one article: a repair or a proposal."""

    variant: str  # the form found in the text, e.g. "Antony Blinke"
    canonical: str  # the form it was (or would be) replaced by, e.g. "Antony Blinken"
    evidence: NameEvidence  # why the two are thought to be one name (DESIGN §3)
    applied: bool  # True when the stored text was rewritten
    occurrences: int  # how many times the variant occurred in the article
    detail: str  # the reasoning in words, including any guard that stopped a rewrite


@dataclass(frozen=True)
class PersonName:
    """A surname written after a first name in one article ("Antony" "Blinken"), after repairs."""

    given: str
    surname: str
    occurrences: int


@dataclass(frozen=True)
class NameLink:
    """Two spellings of one person's surname in different articles: a link or a proposal."""

    given: str
    variant: str
    canonical: str
    evidence: LinkEvidence  # alias table entry | both in one story's articles | the stored articles' spelling | similar spelling only
    linked: bool  # True: analysts' `person_mentions` counts the variant as the canonical form
    detail: str


@dataclass(frozen=True)
class AgencyTag:
    """One news agency linked to an article in one role."""

    agency: str  # registry code, e.g. "AFP"; "AGENCIES" for an unnamed "with agencies"
    role: AgencyRole
    matched_text: str  # the text that produced the tag, with a little context


@dataclass(frozen=True)
class StorySketch:
    """The candidate keys of an article's near-duplicate search (ingest/stories.py)."""

    # Arrays as little-endian int64 bytes: a batch crosses from a worker process as a few buffers
    # rather than seventy Python ints per article.
    bands: bytes  # LSH band keys, one per band; empty for a body without words
    samples: bytes  # the consistently sampled shingle hashes, for containment candidates
    shingle_count: int
    signature: bytes  # the 128 MinHash values, little-endian uint32: estimates before exact verification


@dataclass(frozen=True)
class Article:
    """A parsed article after name repair and agency tagging, ready to store."""

    title: str
    lede: str
    body: str  # paragraphs joined by a blank line; lede included
    dateline: str | None
    credit: str | None
    url: str | None
    published_at: datetime | None
    language: str | None  # ISO 639-1: declared by the input, else detected; None for a text without letters
    source_name: str | None
    word_count: int
    body_key: str  # hex fingerprint of the normalised body: equal keys mean the same article
    sketch: StorySketch  # the body's story sketch, made for all the articles of a batch at once
    name_variants: tuple[NameVariant, ...] = ()
    agency_tags: tuple[AgencyTag, ...] = ()
    person_names: tuple[PersonName, ...] = ()
    names_unjudged: int = 0  # name judgments that failed on this article (a bug to report); counted per run
    language_source: LanguageSource | None = None  # declared | detected; None when there is no language
    language_confidence: float | None = None  # the detector's (0-1); None when declared


@dataclass(frozen=True)
class Document:
    """One received item that became an article."""

    source_kind: SourceKind
    source_uri: str
    item_key: str
    raw_sha256: str  # hex SHA-256 of the raw bytes of this item
    raw_text: str  # decoded text before any repair
    encoding: str  # the codec that decoded the bytes
    article: Article
    full_text_status: str | None = None  # None: not asked for; "extracted"; else why the summary was kept
    encoding_source: EncodingSource = "detected"  # how `encoding` was found: declared by the input, or detected
    encoding_confidence: float = 1.0  # 1.0 when declared or UTF-8; for a detected legacy encoding, 0-1


@dataclass(frozen=True)
class SeenFile:
    """A local file as it was when read, so an inbox run can skip it while it stays the same."""

    path: str
    size_bytes: int
    modified_at: datetime  # UTC modification time
    sha256: str  # hex SHA-256 of the whole file


@dataclass(frozen=True)
class Batch:
    """What one batch of raw items became: documents to store and rejections to quarantine."""

    documents: tuple[Document, ...] = field(default_factory=tuple)
    rejections: tuple[Rejection, ...] = field(default_factory=tuple)
    seen_files: tuple[SeenFile, ...] = field(default_factory=tuple)  # files read for this batch


@dataclass(frozen=True)
class FeedConfig:
    """One `[[feeds]]` table of the feeds config."""

    url: str
    name: str | None = None
    tags: tuple[str, ...] = ()
    full_text: bool = False  # also fetch each new item's page and extract the article text
    allow_private_links: bool = False  # let full-text links point at private addresses
    paused: bool = False  # registered but not polled (`newsflow feeds pause`)


@dataclass(frozen=True)
class FeedState:
    """What the database remembers about a feed between fetches."""

    url: str
    etag: str | None
    last_modified: str | None
    body_sha256: str | None
    consecutive_failures: int
    full_text: bool
    allow_private_links: bool


@dataclass(frozen=True)
class FeedUpdate:
    """The outcome of one fetch, written to `feeds` in the same transaction as its items."""

    url: str
    fetched_at: datetime
    status: int | None  # HTTP status; None when no response arrived
    ok: bool  # the feed was fetched and read (200 with entries or an empty feed, or 304)
    etag: str | None
    last_modified: str | None
    body_sha256: str | None
    next_fetch_at: datetime
    error: str | None  # why it failed, in words
    warning: str | None  # a problem that did not stop it (a parse error with entries left)
    title: str | None
    entries: int | None  # entries in the body; None when the body was not parsed (304, unchanged, failed)
    fetch_seconds: float  # the last attempt, from request to last byte
