"""The compiled white-space collapse (ingest/_whitespace.c) gives the regular expressions' text: an
article read where the install built the C module and its copy read where it did not must have the
same paragraphs, or the same article gets two keys."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest import normalize
from ingest.normalize import collapse_whitespace

compiled = pytest.importorskip("ingest._whitespace", reason="built without a C compiler: the regular expressions run alone")

# Every class the collapse treats apart: plain and other horizontal spaces, zero-width characters,
# white space that is not horizontal (line breaks, separators, \x1c-\x1f, \x85), letters of one to
# four bytes, and a lone surrogate.
_ALPHABET = st.sampled_from(
    list("a Z.\t\n\r\x0b\x0c\x1c\x1f\x85\u00a0\u1680\u2000\u2005\u200a\u200b\u200c\u200d\u2028\u2029\u202f\u205f\u2060\u3000\ufeff")
    + ["é", "中", "😀", "\ud800", "  "]
)


def _python(text: str) -> str:
    return normalize._SPACES.sub(" ", normalize._ZERO_WIDTH.sub("", text)).strip()


@given(st.lists(_ALPHABET, max_size=60).map("".join))
@settings(max_examples=2000, deadline=None)
def test_the_compiled_collapse_is_the_regular_expressions(text: str) -> None:
    assert compiled.collapse(text) == _python(text)


@given(st.text(max_size=200))
@settings(max_examples=500, deadline=None)
def test_any_text_collapses_as_with_the_regular_expressions(text: str) -> None:
    assert compiled.collapse(text) == _python(text)


def test_the_fallback_gives_the_same_text(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "\u200b  Antony\u00a0\u00a0Blinken \t said\u3000 on  Tuesday \n"
    with_c = collapse_whitespace(text)
    monkeypatch.setattr(normalize, "_compiled_collapse", None)
    assert collapse_whitespace(text) == with_c == "Antony Blinken said on Tuesday"


def test_paragraphs_use_the_compiled_collapse_where_it_was_built() -> None:
    assert normalize._compiled_collapse is compiled.collapse
