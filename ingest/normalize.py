"""Text repair: mojibake, Unicode form and whitespace.

Applied to decoded text before its structure is read; paragraph breaks survive, runs of spaces and
single line wraps inside a paragraph do not.
"""

from __future__ import annotations

import re
import unicodedata

import ftfy

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")


def repair_text(text: str, /) -> str:
    """Fix mojibake and odd characters (ftfy), then compose to NFC; line structure is kept."""
    fixed = ftfy.fix_text(text, normalization="NFC", uncurl_quotes=False, fix_line_breaks=True)
    return unicodedata.normalize("NFC", fixed)


def collapse_whitespace(text: str, /) -> str:
    """One space between words, none at either end; zero-width characters removed."""
    return _SPACES.sub(" ", _ZERO_WIDTH.sub("", text)).strip()
