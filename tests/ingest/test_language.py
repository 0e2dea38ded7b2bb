from __future__ import annotations

from pathlib import Path

import pytest

from ingest.fingerprint import words
from ingest.language import declared_language, detect_language

FIDELITY = Path(__file__).resolve().parents[2] / "bench" / "data" / "fidelity"


@pytest.mark.parametrize(
    ("tag", "expected"),
    [("pt-BR", "pt"), ("en_GB", "en"), (" DE ", "de"), ("fil", None), ("", None), (None, None), ("x-klingon", None)],
)
def test_a_declared_language_tag_becomes_iso_639_1_or_nothing(tag: str | None, expected: str | None) -> None:
    assert declared_language(tag) == expected


@pytest.mark.parametrize("name", ["en", "fr", "de", "es", "pt", "pl", "ru", "el", "tr", "he", "ar", "ur", "th", "ja", "ko"])
def test_each_language_of_the_fidelity_texts_is_detected(name: str) -> None:
    text = (FIDELITY / f"{name}.txt").read_text(encoding="utf-8")
    language, confidence = detect_language(text, words=words([text])) or ("und", 0.0)
    assert language == name and 0 < confidence <= 1


def test_a_text_without_letters_has_no_language() -> None:
    assert detect_language("12,400 / 13,100 -- 5%") is None


@pytest.mark.parametrize(
    "item",
    [
        "NORTHERN GRAIN HOLDINGS <NGH> QUARTERLY DIVIDEND\n\nQtly div 12 cts vs 12 cts prior\n\nPay May 2\n\nRecord April 11",
        "ALDER MILLS INC <ALDM> 2ND QTR NET\n\nShr 31 cts vs 27 cts\n\nNet 2,104,000 vs 1,880,500\n\nRevs 41.2 mln vs 36.9 mln",
        "ACORN SHIPPING LTD 4TH QTR LOSS\n\nShr loss nine cts vs profit four cts\n\nNet loss 1.2 mln vs profit 406,000",
    ],
)
def test_a_wire_table_under_a_headline_in_capitals_is_english(item: str) -> None:
    paragraphs = item.split("\n\n")[1:]
    language, _ = detect_language(item, words=words(paragraphs)) or ("und", 0.0)
    assert language == "en"


def test_an_acronym_that_spells_a_foreign_cue_word_is_no_cue() -> None:
    # "wir" is a German cue word: written three times as a company's name in an English wire table,
    # it made the table German with confidence 1.0.
    item = "WIR BANK <WIR> SETS QUARTERLY\n\nQtly div 25 cts vs 25 cts prior\n\nPay June 1\n\nWIR Bank owns 12 pct, WIR Leasing 5 pct, WIR Trust 3 pct"
    paragraphs = item.split("\n\n")[1:]
    language, _ = detect_language(item, words=words(paragraphs)) or ("und", 0.0)
    assert language == "en"


def test_a_text_in_capitals_is_read_by_its_cue_words_all_the_same() -> None:
    item = (
        "CHICAGO SOYBEAN FUTURES 11:20 EDT\n\nMAY7 501 UP 2 JUL7 498 UP 1 1/2 AUG7 492 OFF 1/4\n\n"
        "TRADERS SAID THE MARKET WAS QUIET AND THAT EXPORT DEMAND WAS LIGHT WITH FEW BUYERS"
    )
    assert detect_language(item, words=words(item.split("\n\n")[1:])) == ("en", 1.0)
