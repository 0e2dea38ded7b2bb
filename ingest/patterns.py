"""Regular expressions with an ASCII twin, for the scans every article goes through.

Python's `re` tests Unicode classes (`\\w`, `\\d`, `[^\\W\\d_]`) against the Unicode database; the same
pattern compiled with `re.ASCII` tests character ranges. On text that is pure ASCII (all of
Reuters-21578, most English wire copy) both find exactly the same matches, and the twin is 15–30%
faster, so it is used whenever `str.isascii()` (a flag CPython keeps: no scan) says so. Only for
patterns without IGNORECASE, whose case folding differs between the two modes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator


class TextPattern:
    def __init__(self, pattern: str, /) -> None:
        self._unicode = re.compile(pattern)
        self._ascii = re.compile(pattern, re.ASCII)

    def findall(self, text: str, /) -> list[str]:
        return (self._ascii if text.isascii() else self._unicode).findall(text)

    def finditer(self, text: str, /) -> Iterator[re.Match[str]]:
        return (self._ascii if text.isascii() else self._unicode).finditer(text)
