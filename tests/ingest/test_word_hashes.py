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

