"""Text repair: mojibake, Unicode form and whitespace.

Applied to decoded text before its structure is read; paragraph breaks survive, runs of spaces and
single line wraps inside a paragraph do not.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

_compiled_collapse: Callable[[str], str] | None
try:
    from ingest._whitespace import collapse as _compiled_collapse
except ImportError:  # built without a C compiler: the regular expressions give the same text
    _compiled_collapse = None

# Runs of horizontal white space that are not already one plain space: replacing only those gives
# the same text as replacing every run with one space, with far fewer matches (most gaps are one).
_SPACE = r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]"
_OTHER_SPACE = r"[\t\u00a0\u2000-\u200a\u202f\u205f\u3000]"
_SPACES = re.compile(rf" {_SPACE}+|{_OTHER_SPACE}{_SPACE}*")
_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")


def repair_text(text: str, /) -> str:
    """Fix mojibake and odd characters (ftfy), then compose to NFC; line structure is kept.

    Pure ASCII text cannot hold mojibake or decomposed characters, so it skips ftfy (a third of the
    parse time on the BBC corpus) and only has its line breaks unified. ftfy is imported at the first
    text that needs it: its import (55 ms, with wcwidth) is a twentieth of a one-file run, and an
    ASCII corpus such as wire copy never needs it.
    """
    if text.isascii():
        return text.replace("\r\n", "\n").replace("\r", "\n")
    import ftfy

    fixed = ftfy.fix_text(text, normalization="NFC", uncurl_quotes=False, fix_line_breaks=True)
    return unicodedata.normalize("NFC", fixed)


def collapse_whitespace(text: str, /) -> str:
    """One space between words, none at either end; zero-width characters removed (never ASCII).

    Compiled where the install built ingest/_whitespace.c: every line of every article comes here.
    """
    if _compiled_collapse is not None:
        return _compiled_collapse(text)
    visible = text if text.isascii() else _ZERO_WIDTH.sub("", text)
    return _SPACES.sub(" ", visible).strip()


def starts_sentence(text: str, start: int, /) -> bool:
    """Whether the word at `start` opens a sentence (capitalised for grammar, not for being a name)."""
    before = text[max(0, start - 12) : start].rstrip(" \"“‘'(")
    return (not before and start < 12) or (bool(before) and before[-1] in ".!?\n")
