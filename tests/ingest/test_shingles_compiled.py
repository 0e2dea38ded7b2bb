"""The compiled shingle sets and signatures (ingest/_shingles.c) are the NumPy steps', hash for hash.

Story sketches are stored and compared across runs and machines: an article sketched where the
install built the C module and its update sketched where it did not must still meet in a band.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest import stories
from ingest.stories import _numpy_signatures, _sets_of_tokens, minhash_signatures, shingle_sets, story_tokens

compiled = pytest.importorskip("ingest._shingles", reason="built without a C compiler: the NumPy steps run alone")

# What the tokeniser looks at: letters, case folding that changes length (ß, İ), digits of other
# scripts, numerals that are no decimal digits (², Ⅻ), thousands and decimal separators, underscores,
# scripts without spaces, a lone surrogate, and runs of spaces.
_ALPHABET = st.sampled_from(
    list("aAbZ019_ ,.\n-'") + ["1,234", ",567", ".5", "2,5", "ß", "İ", "Σ", "١٢٣", "٤٥٦", "²", "Ⅻ", "中文", "\ud800", "x" * 40]
)


def _python_sets(texts: list[str]) -> list[list[int]]:
    values, offsets = _sets_of_tokens([story_tokens(text) for text in texts])
    return [values[offsets[i] : offsets[i + 1]].tolist() for i in range(len(texts))]


def _compiled_sets(texts: list[str]) -> list[list[int]]:
    values, offsets = compiled.shingle_sets(texts, stories._SHINGLE_MULTIPLIERS.tobytes())
    flat, bounds = np.frombuffer(values, dtype=np.uint64), np.frombuffer(offsets, dtype=np.int64)
    return [flat[bounds[i] : bounds[i + 1]].tolist() for i in range(len(texts))]


@given(st.lists(st.lists(_ALPHABET, max_size=60).map("".join), max_size=5))
@settings(max_examples=1500, deadline=None)
def test_the_compiled_sets_are_the_python_sets(texts: list[str]) -> None:
    assert _compiled_sets(texts) == _python_sets(texts)
    values, offsets = shingle_sets(texts)
    assert np.array_equal(minhash_signatures(values, offsets), _numpy_signatures(values, offsets))


@given(st.lists(st.sampled_from(["oil", "prices", "rose", "1,5", "Opec"]), min_size=200, max_size=1500).map(" ".join))
@settings(max_examples=60, deadline=None)
def test_long_repetitive_texts_give_the_python_sets(text: str) -> None:
    """Long sets are radix-sorted and short ones quicksorted: both keep order and drop repeats."""
    assert _compiled_sets([text, text[: len(text) // 3]]) == _python_sets([text, text[: len(text) // 3]])


def test_sketches_use_the_compiled_sets_where_they_were_built() -> None:
    assert stories._compiled_shingle_sets is compiled.shingle_sets
    assert stories._compiled_signatures is compiled.signatures


@given(st.lists(st.lists(st.integers(0, 2**64 - 1), max_size=40, unique=True).map(sorted), max_size=6))
@settings(max_examples=300, deadline=None)
def test_the_compiled_signatures_are_the_numpy_signatures(sets: list[list[int]]) -> None:
    values = np.array([value for values in sets for value in values], dtype=np.uint64)
    offsets = np.cumsum([0] + [len(values) for values in sets], dtype=np.int64)
    assert np.array_equal(minhash_signatures(values, offsets), _numpy_signatures(values, offsets))


@pytest.mark.parametrize(
    ("text", "same_as"),
    [
        ("Sales rose 2,000 tonnes", "sales rose 2000 tonnes"),  # thousands separators go, case folds
        ("It cost 1,234.5m dlrs", "it cost 1234.5m dlrs"),
        ("STRASSE und Straße", "strasse und strasse"),  # case folding that lengthens a word
        ("a b", "A  B"),  # two words pad to one shingle
    ],
)
def test_the_compiled_sets_normalise_numbers_and_case(text: str, same_as: str) -> None:
    first, second = _compiled_sets([text, same_as])
    assert first == second and first


def test_a_decimal_comma_keeps_the_number_apart() -> None:
    decimal, thousands = _compiled_sets(["rate 2,5 pct", "rate 25 pct"])
    assert decimal != thousands


def test_a_text_without_words_has_no_shingles() -> None:
    assert _compiled_sets(["", " ,. ", "a b c"])[:2] == [[], []]


@pytest.mark.corpus
def test_the_compiled_sets_of_the_bbc_corpus_and_the_real_feeds_are_the_python_sets(corpora: Path) -> None:
    paths = [*sorted((corpora / "bbc" / "bbc").rglob("*.txt")), *sorted((corpora / "real-feeds").iterdir())]
    texts = [path.read_text(encoding="utf-8", errors="replace") for path in paths if path.is_file()]
    assert len(texts) > 2000
    assert _compiled_sets(texts) == _python_sets(texts)
    values, offsets = shingle_sets(texts)
    assert np.array_equal(minhash_signatures(values, offsets), _numpy_signatures(values, offsets))
