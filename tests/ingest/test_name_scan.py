"""The compiled capitalised-word scan (ingest/_name_scan.c) reads every text as the Python scan does.

Name repair runs the compiled scan where the install built it and the Python one elsewhere, so any
difference between them would make the same article's names depend on the machine it was ingested on.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import OSA

from ingest import names
from ingest.names import _close_pairs, _Occurrence, _scan_occurrences

compiled = pytest.importorskip("ingest._name_scan", reason="built without a C compiler: the Python scan runs alone")

# Characters every rule of the scan looks at: ASCII and other capitals, lower case, title case,
# apostrophes and joiners, quotes and brackets before a word, sentence ends, digits of other
# scripts, figures and line breaks (table rows), and letters without case.
_ALPHABET = st.sampled_from(
    list("AaBbMmrRsSZz'’-_ .,!?\n\"“‘(0123456789")
    + ["Mr", "Dr", "’s", "'s", "Ǆ", "ǅ", "ß", "É", "é", "Ω", "ω", "٣", "²", "Ⅻ", "中", "ا", "\u00a0", "-4"]
    + [" " * 10, " (“‘'\"", ". " + " " * 9, "\n" + " " * 10]  # near the 12 characters looked back for a sentence end
)


def _compiled_scan(text: str) -> list[_Occurrence]:
    return compiled.occurrences(text, names._honorifics(), _Occurrence)


@given(st.lists(_ALPHABET, max_size=80).map("".join))
@settings(max_examples=2000, deadline=None)
def test_the_compiled_scan_finds_what_the_python_scan_finds(text: str) -> None:
    assert _compiled_scan(text) == _scan_occurrences(text)


@given(st.lists(_ALPHABET, max_size=80).map("".join))
@settings(max_examples=1000, deadline=None)
def test_the_compiled_tallies_count_what_python_counts(text: str) -> None:
    occurrences = _scan_occurrences(text)
    counts, named = compiled.tallies(occurrences, Counter)
    assert type(counts) is Counter
    assert list(counts.items()) == list(Counter(occ.form for occ in occurrences if not occ.table).items())
    assert named == {occ.form for occ in occurrences if not occ.sentence_start}


def test_name_repair_uses_the_compiled_scan_where_it_was_built() -> None:
    assert names._compiled_scan is compiled.occurrences
    assert names._compiled_close_pairs is compiled.close_pairs
    assert names._compiled_tallies is compiled.tallies


# Forms of few letters, with letters outside the BMP and the Latin-1 range and code points 64 apart
# (one bit apart in the search's letter filter), and each with variants a few edits away: swapped
# neighbours, a letter dropped, doubled or replaced.
_LETTERS = st.sampled_from(list("abcAB") + ["é", "ß", "𝔄", "\x01", "\x41", "\u0141"])
_EDITS = st.lists(st.tuples(st.sampled_from(["swap", "drop", "double", "replace"]), st.integers(0, 9), _LETTERS), max_size=3)


def _edited(form: str, edits: list[tuple[str, int, str]]) -> str:
    for edit, at, letter in edits:
        if not form:
            return letter
        at %= len(form)
        if edit == "swap" and at + 1 < len(form):
            form = form[:at] + form[at + 1] + form[at] + form[at + 2 :]
        elif edit == "drop":
            form = form[:at] + form[at + 1 :]
        elif edit == "double":
            form = form[: at + 1] + form[at:]
        elif edit == "replace":
            form = form[:at] + letter + form[at + 1 :]
    return form


_FORMS = st.lists(st.tuples(st.lists(_LETTERS, max_size=9).map("".join), st.lists(_EDITS, max_size=3)), max_size=5).map(
    lambda bases: [variant for base, edits in bases for variant in (base, *(_edited(base, e) for e in edits))]
)


def _osa_pairs(forms: list[str], most: int) -> list[tuple[int, int, int]]:
    """The pairs by rapidfuzz's OSA distance, one pair at a time."""
    pairs = [(i, j) for i in range(len(forms)) for j in range(i + 1, len(forms))]
    distances = [(i, j, OSA.distance(forms[i], forms[j])) for i, j in pairs]
    return [(i, j, d) for i, j, d in distances if d <= most]


@given(_FORMS, st.integers(0, 3))
@settings(max_examples=1500, deadline=None)
def test_the_compiled_close_pairs_are_rapidfuzz_osa_pairs(forms: list[str], most: int) -> None:
    assert compiled.close_pairs(forms, most) == _osa_pairs(forms, most)


def test_without_the_compiled_search_close_pairs_come_from_rapidfuzz(monkeypatch: pytest.MonkeyPatch) -> None:
    forms = ["Blinke", "Blinken", "Bliken", "Blnkien", "Egypt", "Eqypt", "Geypt", "Łódź", "Lodz"]
    monkeypatch.setattr(names, "_compiled_close_pairs", None)
    assert sorted(_close_pairs(forms, 2)) == _osa_pairs(forms, 2)
    assert sorted(_close_pairs(forms, 1)) == _osa_pairs(forms, 1)
    assert _close_pairs([], 2) == _close_pairs(["Egypt"], 1) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mr Rodick met Andy Roddick's lawyers.",
         [("Mr", None, False), ("Rodick", None, False), ("Andy", None, False), ("Roddick", "Andy", False)]),
        ("Start Stcks 1,905 1,905 1,425", [("Start", None, True), ("Stcks", "Start", True)]),
        ("the Khark-5 and NASA", [("Khark", None, True)]),
        ("Ab Cd ef gh ij kl mn 1 2 3", [("Ab", None, True), ("Cd", "Ab", True)]),  # 3 figures in 10 words: a row
        ("Ab Cd ef gh ij kl mn op 1 2 3", [("Ab", None, False), ("Cd", "Ab", False)]),  # in 11: prose
    ],
)
def test_the_compiled_scan_reads_names_titles_possessives_and_tables(
    text: str, expected: list[tuple[str, str | None, bool]]
) -> None:
    found = _compiled_scan(text)
    assert [(occurrence.form, occurrence.given, occurrence.table) for occurrence in found] == expected
    assert all(isinstance(occurrence, _Occurrence) for occurrence in found)


@pytest.mark.corpus
def test_the_compiled_scan_reads_the_bbc_corpus_and_the_real_feeds_as_the_python_scan(corpora: Path) -> None:
    paths = [*sorted((corpora / "bbc" / "bbc").rglob("*.txt")), *sorted((corpora / "real-feeds").iterdir())]
    texts = [path.read_text(encoding="utf-8", errors="replace") for path in paths if path.is_file()]
    assert len(texts) > 2000
    assert [text for text in texts if _compiled_scan(text) != _scan_occurrences(text)] == []
