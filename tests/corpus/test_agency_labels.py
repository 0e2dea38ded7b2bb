"""Agency roles scored on the labelled sample of real wire text (issue 18).

`agency_labels.tsv` was labelled by reading Reuters-21578, BBC and real-feed articles; each article's
truth is the set of (agency, role) its rows name. The tagger runs through the pipeline's pure path
(`prepare_batch`, `prepare_feed`) via bench/agency_eval.py, so a change to parsing or tagging shows
here as it would in a database.
"""

from __future__ import annotations

import re

import pytest

from bench.agency_eval import LABELS, Label, Score, read_labels, score, tags_by_file
from ingest.records import AgencyTag
from tests.conftest import CORPORA

pytestmark = pytest.mark.corpus
# "PITTSBURGH, PA., April 2 -", "ERIE, PA, March 19 -": a town, then a state's short form
_PLACE_DATELINE = re.compile(r"^[A-Z][A-Z .'-]+, [A-Z]{2}\.?, ")


@pytest.fixture(scope="module")
def labelled() -> tuple[list[Label], dict[str, tuple[AgencyTag, ...]]]:
    if not CORPORA.is_dir():
        pytest.skip(f"shared corpora not found at {CORPORA}")
    labels = read_labels(LABELS)
    return labels, tags_by_file({label.file for label in labels})


@pytest.fixture(scope="module")
def scores(labelled: tuple[list[Label], dict[str, tuple[AgencyTag, ...]]]) -> dict[str, Score]:
    return score(*labelled)[0]


def test_the_sample_holds_four_hundred_tags_and_a_hundred_untagged_articles(
    labelled: tuple[list[Label], dict[str, tuple[AgencyTag, ...]]],
) -> None:
    labels, _ = labelled
    assert sum(label.tagged != "-" for label in labels) >= 400
    assert sum(label.context == "(no tag)" for label in labels) >= 100


@pytest.mark.parametrize(("role", "precision"), [("dateline", 0.98), ("credit", 0.98), ("cited", 0.95)])
def test_supplying_and_quoting_roles_are_precise(scores: dict[str, Score], role: str, precision: float) -> None:
    assert scores[role].precision >= precision, scores[role]


def test_almost_every_quoted_agency_is_found(scores: dict[str, Score]) -> None:
    assert scores["cited"].recall >= 0.95, scores["cited"]


def test_no_state_abbreviation_in_a_dateline_is_tagged_as_an_agency(
    labelled: tuple[list[Label], dict[str, tuple[AgencyTag, ...]]],
) -> None:
    labels, tags = labelled
    places = {label.file for label in labels if label.agency == "none" and _PLACE_DATELINE.match(label.context)}
    assert len(places) >= 10
    assert [(file, tag) for file in sorted(places) for tag in tags[file] if tag.role == "dateline"] == []
