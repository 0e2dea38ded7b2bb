"""Issue 16: every article gets a language, and the detector is right on a sample read by a person."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.fingerprint import words
from ingest.language import detect_language
from tests.corpus.language_sample import read_sample

pytestmark = pytest.mark.corpus


def test_the_detector_is_right_on_at_least_98_percent_of_the_labelled_sample(corpora: Path) -> None:
    sample = read_sample(corpora)
    assert len(sample) == 300
    wrong = [
        (item, label, found)
        for item, text, label in sample
        if (found := (detect_language(text, words=words([text])) or ("und", 0.0))[0]) != label
    ]
    assert len(wrong) <= 6, wrong


def test_every_extraction_benchmark_page_gets_a_language(corpora: Path) -> None:
    import json

    truth = json.loads((corpora / "article-extraction-benchmark" / "ground-truth.json").read_text(encoding="utf-8"))
    missing = [page for page, entry in truth.items() if detect_language(entry["articleBody"]) is None]
    assert missing == []
