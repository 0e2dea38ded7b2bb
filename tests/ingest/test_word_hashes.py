"""The compiled word hashes (ingest/_word_hashes.c) are xxhash's, so a word table built where the
install has a C compiler finds the same words as one built where it has none."""

from __future__ import annotations

import numpy as np
import pytest
import xxhash
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest import word_frequencies

compiled = pytest.importorskip("ingest._word_hashes", reason="built without a C compiler: xxhash hashes each word")


@given(st.lists(st.text(st.characters(exclude_categories=("Cs",)), max_size=30), max_size=50))
@settings(max_examples=500, deadline=None)
def test_the_compiled_hashes_are_xxhashs(words: list[str]) -> None:
    assert np.frombuffer(compiled.hashes(words), dtype=np.uint64).tolist() == [xxhash.xxh64_intdigest(w) for w in words]


def test_word_tables_use_the_compiled_hashes_where_they_were_built() -> None:
    assert word_frequencies._compiled_hashes is compiled.hashes



@given(st.lists(st.text(st.characters(exclude_categories=("Cs",)), max_size=12), max_size=40, unique=True),
       st.lists(st.text(st.characters(exclude_categories=("Cs",)), max_size=12), max_size=20))
@settings(max_examples=300, deadline=None)
def test_a_compiled_look_up_finds_what_bisect_finds(listed: list[str], asked: list[str]) -> None:
    table = word_frequencies.WordTable([listed[: len(listed) // 2], listed[len(listed) // 2 :]])
    for word in listed + asked:
        expected = 0 if word in listed[: len(listed) // 2] else 1 if word in listed else None
        assert table.rank(word) == expected


def test_word_tables_use_the_compiled_look_up_where_it_was_built(monkeypatch: pytest.MonkeyPatch) -> None:
    assert word_frequencies._compiled_position is compiled.position
    table = word_frequencies.WordTable([["the", "said"], ["blinken"]])
    with_c = [table.rank(word) for word in ("the", "blinken", "blinke", "")]
    monkeypatch.setattr(word_frequencies, "_compiled_position", None)
    assert [table.rank(word) for word in ("the", "blinken", "blinke", "")] == with_c == [0, 1, None, None]
