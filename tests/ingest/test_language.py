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
