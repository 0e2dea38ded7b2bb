"""Name repair scored on the labelled development set (tests/corpus/name_pairs.tsv): issue 13's bar.

The set holds every candidate pair that ingest.names and a looser matcher find in Reuters-21578, the
BBC corpus and the real feeds, each labelled by reading the article. bench/name_eval.py computes the
same figures for docs/benchmarks.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import name_eval

pytestmark = pytest.mark.corpus


@pytest.fixture(scope="module")
def score() -> name_eval.Score:
    from tests.conftest import CORPORA

    for folder in ("bbc", "reuters21578", "real-feeds"):
        if not (CORPORA / folder).is_dir():
            pytest.skip(f"{folder} corpus not found at {CORPORA}")
    labels = name_eval.read_labels(name_eval.LABELS)
    texts = name_eval.distinct(text for name in sorted(name_eval.SOURCES) for text in name_eval.SOURCES[name]())
    result, _ = name_eval.score(texts, labels)
    return result


def test_the_labelled_set_holds_at_least_150_real_typos() -> None:
    labels = name_eval.read_labels(Path(name_eval.LABELS))
    assert sum(label.label == "typo" for label in labels.values()) >= 150


def test_almost_every_applied_repair_is_right(score: name_eval.Score) -> None:
    assert score.applied_ok >= 0.98 * score.applied, score.lines()


def test_at_least_half_of_the_real_typos_are_repaired(score: name_eval.Score) -> None:
    assert score.applied_right >= 0.5 * score.typos, score.lines()


def test_nine_in_ten_real_typos_are_found(score: name_eval.Score) -> None:
    assert score.found >= 0.9 * score.typos, score.lines()


def test_four_in_five_proposals_are_right(score: name_eval.Score) -> None:
    assert score.proposals_ok >= 0.8 * score.proposals, score.lines()
