"""The compiled white-space collapse and paragraph cut (ingest/_whitespace.c) give the Python steps'
text: an article read where the install built the C module and its copy read where it did not must
have the same paragraphs, or the same article gets two keys."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest import normalize, parse
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


# Lines as plain-text files have them: blank ones (of any white space), indented ones (two spaces or a
# tab start a Reuters paragraph; one space does not), and text with spaces and zero-width characters.
_LINE = st.lists(st.sampled_from(["", " ", "  ", "\t", "\u3000", "\u200b", "\x0c", "a", "Oil", "é", "😀", ".", "\u00a0"]),
                 max_size=8).map("".join)


@given(st.lists(_LINE, max_size=25))
@settings(max_examples=2000, deadline=None)
def test_the_compiled_paragraphs_are_the_python_loops(lines: list[str]) -> None:
    compiled_paragraphs = compiled.paragraphs(lines)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parse, "_compiled_paragraphs", None)
        assert compiled_paragraphs == parse._paragraphs(lines)


def test_plain_text_uses_the_compiled_paragraphs_where_they_were_built() -> None:
    assert parse._compiled_paragraphs is compiled.paragraphs
    lines = ["    Oil prices  rose", "on Monday.", "", "  Traders said\u200b so.", "\t", "Reuter"]
    assert parse._paragraphs(lines) == ["Oil prices rose on Monday.", "Traders said so.", "Reuter"]
