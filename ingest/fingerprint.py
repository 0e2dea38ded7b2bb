"""Fingerprints that decide when two items are the same article.

The article key hashes the body's word tokens, case-folded: republished copies that differ only in
whitespace, punctuation, case or headline get one key. It hashes canonical JSON with a version byte,
so a change of algorithm is visible in the key and needs a migration.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence

from ingest.patterns import TextPattern

_compiled_words: Callable[[str], list[str]] | None
try:
    from ingest._word_tokens import word_tokens as _compiled_words
except ImportError:  # built without a C compiler: the regular expression finds the same tokens
    _compiled_words = None

FINGERPRINT_VERSION = 1
_WORD = TextPattern(r"\w+")


def article_key(paragraphs: Sequence[str], /) -> str:
    """Hex SHA-256 over the versioned canonical JSON of the body's word tokens, case-folded."""
    return key_of_words(words(paragraphs))


def words(texts: Sequence[str], /) -> list[str]:
    """The word tokens (`\\w+`) of the texts, in order.

    No token spans a line break, so one scan of the texts joined by one gives the same tokens as a
    scan of each. Compiled where the install built ingest/_word_tokens.c.
    """
    text = "\n".join(texts)
    return _compiled_words(text) if _compiled_words is not None else _WORD.findall(text)


def key_of_words(body_words: Sequence[str], /) -> str:
    """The article key of a body given as its word tokens (for callers that need the tokens too).

    Case folding maps each character on its own, so folding the joined tokens once gives the same
    string as folding each token, at a fraction of the cost.
    """
    joined = " ".join(body_words).casefold()
    # The canonical JSON of {"body": joined}, built around json's string encoder: json.dumps of the
    # dict walked, sorted and separated one key (1.4% of preparing a Reuters article).
    canonical = '{"body":' + json.dumps(joined) + "}"
    return hashlib.sha256(bytes([FINGERPRINT_VERSION]) + canonical.encode("utf-8")).hexdigest()
