"""The compiled word tokens (ingest/_word_tokens.c) are the regular expression's, token for token:
an article keyed where the install built the C module and its copy keyed where it did not must get
one article key, or the same article is stored twice. Its vocabulary hits are the ones the agency look-up
builds in Python, and its cue counts the language cues', or an agency or a language would be found on
one machine and not on another."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest import agencies, fingerprint, language
from ingest.fingerprint import article_key

compiled = pytest.importorskip("ingest._word_tokens", reason="built without a C compiler: the regular expression runs alone")

# What \w looks at: ASCII letters, digits and the underscore, letters and digits of other scripts,
# numerals that are no decimal digits (², Ⅻ), combining marks (which are no word characters), a lone
# surrogate, punctuation and white space of both kinds.
_ALPHABET = st.sampled_from(
    list("aZ09_ ,.'-\n\t") + ["ß", "İ", "é", "e\u0301", "Σ", "١٢", "²", "Ⅻ", "中文", "ภาษา", "\u00a0", "\u2019", "\ud800", "😀"]
)


@given(st.lists(_ALPHABET, max_size=80).map("".join))
@settings(max_examples=1500, deadline=None)
def test_the_compiled_tokens_are_the_regular_expressions(text: str) -> None:
    assert compiled.word_tokens(text) == re.findall(r"\w+", text)


@given(st.text(max_size=200))
@settings(max_examples=500, deadline=None)
def test_any_text_gives_the_regular_expressions_tokens(text: str) -> None:
    assert compiled.word_tokens(text) == re.findall(r"\w+", text)


def test_article_keys_use_the_compiled_tokens_where_they_were_built() -> None:
    assert fingerprint._compiled_words is compiled.word_tokens


def test_an_article_key_does_not_depend_on_the_build(monkeypatch: pytest.MonkeyPatch) -> None:
    paragraphs = ["Antony Blinken said on Tuesday", "Prices rose 2,5% — “un café”, naïve coöperation_x 42."]
    with_c = article_key(paragraphs)
    monkeypatch.setattr(fingerprint, "_compiled_words", None)
    assert article_key(paragraphs) == with_c


@given(st.lists(_ALPHABET, max_size=80).map("".join))
@settings(max_examples=1000, deadline=None)
def test_the_compiled_vocabulary_hits_are_the_agency_look_ups(text: str) -> None:
    words = re.findall(r"\w+", text + " Reuters AFP_Agence _x_ x__y AGENCE France-Presse")
    tokens = set(re.findall(r"[^\W_]+", " ".join(words)))
    shorts = {"AFP": "AFP", "x": "X", "ΣΊΣΥΦΟΣ": "S"}
    longs = frozenset({"agence", "france", "presse", "reuters", "σίσυφος", "y"})
    expected = (tokens & shorts.keys(), {token.lower() for token in tokens} & longs)
    assert compiled.vocabulary_hits(words, shorts, longs) == expected


def test_agencies_use_the_compiled_vocabulary_hits_where_they_were_built(monkeypatch: pytest.MonkeyPatch) -> None:
    assert agencies._compiled_hits is compiled.vocabulary_hits
    registry = agencies.load_registry()
    words = ["Agence", "France", "Presse", "AFP_Reuters", "ΣΊΣΥΦΟΣ", "x", "XINHUA", "Xinhua"]
    with_c = agencies._vocabulary_hits(words, registry)
    monkeypatch.setattr(agencies, "_compiled_hits", None)
    assert agencies._vocabulary_hits(words, registry) == with_c
    assert registry.patterns_for(*with_c) == registry.patterns(" ".join(words))


_CUES = st.sampled_from(
    ["the", "The", "THE", "der", "Der", "straße", "STRASSE", "ΚΑΙ", "και", "İş", "xyz", "de", "DE", "D", "ǅe", "12", "ª"]
)


@given(st.lists(_CUES | st.lists(_ALPHABET, max_size=6).map("".join), max_size=150))
@settings(max_examples=1000, deadline=None)
def test_the_compiled_cue_counts_are_the_language_cues(pieces: list[str]) -> None:
    words = re.findall(r"\w+", " ".join(pieces))  # what the cues are given: the \w+ tokens of a text
    cues = {"the": "en", "der": "de", "strasse": "de", "και": "el", "de": "es", "i̇ş": "tr"}
    first = words[:100]
    capitals = [len(word) > 1 and word.isupper() for word in first]
    cased = sum(not capital and any(c.islower() or c.isupper() or c.istitle() for c in word)
                for word, capital in zip(first, capitals))
    kept = [word for word, capital in zip(first, capitals) if not (capital and sum(capitals) < cased)]
    folded = " ".join(kept).casefold().split()
    expected: dict[str, int] = {}
    for word in folded:
        if word in cues:
            expected[cues[word]] = expected.get(cues[word], 0) + 1
    counts = compiled.cue_counts(words, cues, 100)
    assert counts == expected and list(counts) == list(expected)  # in the order first met: ties go to it


def test_language_cues_use_the_compiled_counts_where_they_were_built(monkeypatch: pytest.MonkeyPatch) -> None:
    assert language._compiled_cue_counts is compiled.cue_counts
    words = re.findall(r"\w+", "Der Minister sagte am Montag, dass die Regierung über den Plan der Partei beraten werde")
    with_c = language.detect_language(" ".join(words), words=words)
    monkeypatch.setattr(language, "_compiled_cue_counts", None)
    assert language.detect_language(" ".join(words), words=words) == with_c == ("de", with_c[1])
