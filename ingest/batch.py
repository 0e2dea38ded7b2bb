"""One batch of raw items through every pure step: parse, names, agencies, fingerprint.

This is the unit a Prefect task runs, and what worker processes run in parallel. A failure of one
item becomes a Rejection for that item; the rest of the batch goes on.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime

from ingest.agencies import tag_agencies
from ingest.decode import decode_text
from ingest.errors import NewsflowError, ParseError
from ingest.feeds import FeedOutcome, parse_feed
from ingest.fingerprint import key_of_words, words
from ingest.language import declared_language, detect_language
from ingest.name_aliases import NameAliases
from ingest.names import apply_name_repairs, read_names
from ingest.parse import ParsedItem, article_from_html, parse_item, reject
from ingest.records import Article, Batch, Document, LanguageSource, NameVariant, ParsedArticle, RawItem, Rejection
from ingest.stories import sketch_texts

# Errors a parser bug can raise on odd input; caught per item so that one item cannot sink a batch.
_ITEM_ERRORS = (NewsflowError, ValueError, LookupError, RecursionError)
# A detected language judges names by its word list only when the model is this sure of it; below,
# the text is judged as one of unknown language (as English when it reads as English). Short English
# wire items and tables of figures come out as Spanish or French at 0.1-0.45 (Reuters-21578: 189 of
# 18,684), and each such guess loaded that language's word list (0.3 s) in every process that met
# one; their names come out the same either way. Of the 300 labelled sample articles, all detected
# right, only a two-line Portuguese teaser scored below 0.6.
NAMES_LANGUAGE_CONFIDENCE = 0.5


def prepare_batch(items: Iterable[RawItem | Rejection], /, *, aliases: NameAliases | None = None) -> Batch:
    """Turn raw items into documents and rejections, never raising for one bad item.

    `aliases`: the name alias table of the run (the shipped one when None).
    """
    received: list[tuple[RawItem, ParsedItem]] = []
    rejections: list[Rejection] = []
    for item in items:
        if isinstance(item, Rejection):
            rejections.append(item)
            continue
        for parsed in _parse_safely(item):
            if isinstance(parsed, Rejection):
                rejections.append(parsed)
            else:
                received.append((item, parsed))
    articles = build_articles([parsed.article for _, parsed in received], aliases=aliases)
    documents = tuple(_document(item, parsed, article) for (item, parsed), article in zip(received, articles))
    return Batch(documents, tuple(rejections))


def join_batches(batches: Sequence[Batch], /) -> Batch:
    """One batch from parts prepared in parallel, to be stored in one transaction."""
    return Batch(
        tuple(document for batch in batches for document in batch.documents),
        tuple(rejection for batch in batches for rejection in batch.rejections),
        tuple(seen for batch in batches for seen in batch.seen_files),
    )


def _parse_safely(item: RawItem) -> list[ParsedItem | Rejection]:
    """A bug in a parser must cost one item, not the batch: it is quarantined as `parser_error`."""
    try:
        return list(parse_item(item))
    except _ITEM_ERRORS as exc:
        detail = f"the parser failed on this item ({type(exc).__name__}: {exc}); please report it with the sample"
        return [reject(item, "parser_error", detail)]


def prepare_feed(
    raw: RawItem, /, *, received_at: datetime, base_url: str | None = None, aliases: NameAliases | None = None
) -> tuple[FeedOutcome, Batch]:
    """Parse one fetched feed body into documents and rejections, with the feed-level outcome."""
    try:
        outcome, items = parse_feed(raw, received_at=received_at, base_url=base_url)
    except _ITEM_ERRORS as exc:
        error = f"the feed parser failed ({type(exc).__name__}: {exc}); please report it"
        return FeedOutcome(raw.source_uri, None, 0, error, None, None), Batch()
    parsed = [item for item in items if isinstance(item, ParsedItem)]
    articles = build_articles([item.article for item in parsed], aliases=aliases)
    documents = tuple(_document(raw, item, article) for item, article in zip(parsed, articles))
    return outcome, Batch(documents, tuple(item for item in items if isinstance(item, Rejection)))


def with_full_text(
    document: Document, page: bytes, /, *, headers: tuple[tuple[str, str], ...] = (), aliases: NameAliases | None = None
) -> Document:
    """The document with its body replaced by the article text extracted from its page.

    The feed's own title, link and date are kept (they are more reliable than a page's metadata).
    If nothing can be extracted, the feed's summary stays and `full_text_status` says why. `headers`
    are the page's HTTP response headers: their charset comes before the page's own `<meta>`.
    """
    try:
        extracted = article_from_html(decode_text(page, headers=headers, markup=True).text)
    except _ITEM_ERRORS as exc:
        detail = exc.detail if isinstance(exc, ParseError) else f"{type(exc).__name__}: {exc}"
        return replace(document, full_text_status=f"kept the feed summary: {detail}")
    feed_article = document.article
    combined = replace(
        extracted,
        title=feed_article.title,
        url=feed_article.url or extracted.url,
        published_at=feed_article.published_at or extracted.published_at,
        language=feed_article.language or extracted.language,
    )
    [article] = build_articles([combined], aliases=aliases)
    return replace(document, article=article, full_text_status="extracted")


def _document(raw: RawItem, parsed: ParsedItem, article: Article) -> Document:
    return Document(
        source_kind=raw.source_kind,
        source_uri=raw.source_uri,
        item_key=parsed.item_key,
        raw_sha256=parsed.raw_sha256,
        raw_text=parsed.raw_text,
        encoding=parsed.encoding,
        article=article,
        encoding_source=parsed.encoding_source,
        encoding_confidence=parsed.encoding_confidence,
    )


def build_articles(parsed: Sequence[ParsedArticle], /, *, aliases: NameAliases | None = None) -> list[Article]:
    """Repair names, tag agencies, fingerprint and sketch parsed articles.

    Each step runs over all the articles before the next begins, so that its code and tables (word
    frequencies, the language model, the agency registry) stay in the processor's caches: a Reuters
    story took 184-194 us to prepare so, 202-207 us one article through every step at a time.
    """
    # The language comes first: the name rules read its word frequencies. A name repair changes no
    # language, so the words are scanned again only when a repair changed them.
    body_words = [words(article.paragraphs) for article in parsed]
    languages = [article_language(article, tokens) for article, tokens in zip(parsed, body_words)]
    names = [
        read_names((article.title, *article.paragraphs), aliases=aliases, language=names_language(*language))
        for article, language in zip(parsed, languages)
    ]
    repaired = [_repaired(article, reading.variants, tokens) for article, reading, tokens in zip(parsed, names, body_words)]
    tags = [
        tag_agencies(paragraphs, title=title, dateline=article.dateline, credit=article.credit,
                     words=words((title,)) + tokens)
        for article, (title, paragraphs, tokens) in zip(parsed, repaired)
    ]
    bodies = ["\n\n".join(paragraphs) for _, paragraphs, _ in repaired]
    sketches = sketch_texts(bodies)
    return [
        Article(
            title=title,
            lede=paragraphs[0],
            body=body,
            dateline=article.dateline,
            credit=article.credit,
            url=article.url,
            published_at=article.published_at,
            language=language,
            source_name=article.source_name,
            word_count=len(body.split()),
            body_key=key_of_words(tokens),
            name_variants=reading.variants,
            agency_tags=article_tags,
            person_names=reading.persons,
            sketch=sketch,
            names_unjudged=reading.failures,
            language_source=language_source,
            language_confidence=language_confidence,
        )
        for article, (title, paragraphs, tokens), (language, language_source, language_confidence), reading,
        article_tags, body, sketch in zip(parsed, repaired, languages, names, tags, bodies, sketches)
    ]


def _repaired(
    article: ParsedArticle, variants: Sequence[NameVariant], body_words: list[str]
) -> tuple[str, tuple[str, ...], list[str]]:
    """Title, paragraphs and body words with the applied name variants repaired."""
    if not any(variant.applied for variant in variants):
        return article.title, article.paragraphs, body_words
    paragraphs = tuple(apply_name_repairs(paragraph, variants) for paragraph in article.paragraphs)
    return apply_name_repairs(article.title, variants), paragraphs, words(paragraphs)


def article_language(
    parsed: ParsedArticle, body_words: Sequence[str], /
) -> tuple[str | None, LanguageSource | None, float | None]:
    """The language the input declares (as ISO 639-1), else the one detected from the title and body
    (`body_words`: the body's word tokens); with how it was found and the detector's confidence."""
    declared = declared_language(parsed.language)
    if declared is not None:
        return declared, "declared", None
    detected = detect_language(parsed.title + "\n" + "\n".join(parsed.paragraphs), words=body_words)
    return (detected[0], "detected", detected[1]) if detected else (None, None, None)


def names_language(language: str | None, source: LanguageSource | None, confidence: float | None, /) -> str | None:
    """The language whose word list judges the article's names: a declared one, or a detected one the
    model is sure of (NAMES_LANGUAGE_CONFIDENCE); None leaves it to the text."""
    sure = source == "declared" or (confidence or 0.0) >= NAMES_LANGUAGE_CONFIDENCE
    return language if sure else None
