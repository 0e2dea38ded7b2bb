"""HTML fragments (feed summaries and content) to plain paragraphs.

Feed fragments are short and already the article's own text, so they need no boilerplate removal
(trafilatura would drop many of them as too short); they need block elements turned into paragraph
breaks, scripts and styles removed, and entities decoded. Whole pages go through trafilatura in
`parse.py` instead.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING

from ingest.normalize import collapse_whitespace

if TYPE_CHECKING:
    from lxml import etree

_BLOCKS = frozenset(
    {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "tr",
     "table", "section", "article", "figure", "figcaption", "header", "footer", "dd", "dt", "hr"}
)
_DROPPED = frozenset({"script", "style", "noscript", "iframe", "object", "embed", "template"})
_BREAK = "\u2029"  # paragraph separator: marks block boundaries while text is collected
_TAG = re.compile(r"<[a-zA-Z!/?]")


def paragraphs_from_html(fragment: str, /) -> list[str]:
    """Paragraphs of text in an HTML fragment; plain text passes through split on blank lines."""
    if not _TAG.search(fragment):
        return [p for p in (collapse_whitespace(part) for part in re.split(r"\n\s*\n", html.unescape(fragment))) if p]
    from lxml import etree  # at the first fragment with markup: a run of text files never needs lxml (25 ms)
    from lxml import html as lxml_html

    try:
        root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return [p for p in (collapse_whitespace(part) for part in html.unescape(fragment).split("\n\n")) if p]
    pieces: list[str] = []
    _collect(root, pieces)
    return [p for p in (collapse_whitespace(part) for part in "".join(pieces).split(_BREAK)) if p]


def text_from_html(fragment: str, /) -> str:
    """One line of text (for titles that carry markup or entities)."""
    return " ".join(paragraphs_from_html(fragment))


def _collect(element: etree._Element, pieces: list[str]) -> None:
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag in _DROPPED:
        if element.tail:
            pieces.append(element.tail)
        return
    block = tag in _BLOCKS
    if block:
        pieces.append(_BREAK)
    if element.text and isinstance(element.tag, str):
        pieces.append(element.text)
    for child in element:
        _collect(child, pieces)
    if block:
        pieces.append(_BREAK)
    if element.tail:
        pieces.append(element.tail)
