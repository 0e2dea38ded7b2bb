"""The word frequencies name repair judges by must be wordfreq's own, however they are read."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import pytest
from wordfreq import zipf_frequency

from ingest import word_frequencies
from ingest.datafiles import shipped_path
from ingest.word_frequencies import WordTable

FORMS = [
    "Blinken", "Blinke", "Roddick", "Rodick", "Minister", "France-Presse", "Al-Assad", "Jean-Pierre",
    "O'Brien", "O\u2019Brien", "D'Estaing", "D\u2019Arcy", "I've", "L'Oreal", "Murphy-O'Connor", "Can't",
    "Rock'n'roll", "U.S", "F-16", "MAR-1987", "-Abc", "A--B", "Müller", "Petróleos", "Zelenskyy",
]


@pytest.mark.parametrize("form", FORMS)
def test_a_form_has_the_frequency_wordfreq_gives_it(form: str) -> None:
    assert word_frequencies.zipf(form) == zipf_frequency(form.lower(), "en")


def test_words_of_the_english_list_and_their_hyphenated_pairs_have_wordfreqs_frequency() -> None:
    words = sorted(word for bucket in word_frequencies._buckets("large_en") for word in bucket)
    sample = random.Random(7).sample(words, 3000)
    pairs = [f"{a}-{b}" for a, b in zip(sample, reversed(sample), strict=True)]
    elided = [f"{a[:2]}'{b}" for a, b in zip(sample, reversed(sample), strict=True)]
    wrong = [w for w in sample + pairs + elided if word_frequencies.zipf(w) != zipf_frequency(w, "en")]
    assert wrong == []


def test_other_languages_are_wordfreqs_own() -> None:
    assert word_frequencies.zipf("Compagnia", "it") == zipf_frequency("compagnia", "it") > 4


def test_the_shipped_foreign_words_are_what_wordfreq_gives_now(tmp_path: Path) -> None:
    """`make derived-data` rewrites the file when the rule or wordfreq changes."""
    word_frequencies.write_foreign_words(tmp_path / "derived.txt.gz")
    shipped = shipped_path(word_frequencies.FOREIGN_WORDS_FILE)
    assert shipped.read_bytes() == (tmp_path / "derived.txt.gz").read_bytes()
    assert shipped.stat().st_size < 2_000_000


def test_a_foreign_word_is_known_with_or_without_its_accents() -> None:
    assert "es" in word_frequencies.foreign_languages("Petróleos")
    assert "es" in word_frequencies.foreign_languages("Petroleos")
    assert "nl" in word_frequencies.foreign_languages("Graan")
    assert word_frequencies.foreign_languages("Grain") == frozenset()


def test_a_table_gives_each_word_its_bucket_and_none_to_others() -> None:
    buckets = [["the", "of"], ["naïve", "straße"], ["blinken"]]
    table = WordTable(buckets)
    assert [table.rank(word) for word in itertools.chain.from_iterable(buckets)] == [0, 0, 1, 1, 2]
    assert table.rank("blinke") is None
    assert "straße" in WordTable([buckets[1]]) and "the" not in WordTable([buckets[1]])
