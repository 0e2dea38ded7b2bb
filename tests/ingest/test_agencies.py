from __future__ import annotations

import pytest

from ingest.agencies import agencies, tag_agencies


def _tags(paragraphs: list[str], **kwargs: str) -> set[tuple[str, str]]:
    return {(t.agency, t.role) for t in tag_agencies(paragraphs, **kwargs)}


def test_the_registry_holds_at_least_sixty_agencies_with_design_codes() -> None:
    registry = agencies()
    assert len(registry) >= 60
    for code in ("AFP", "REUTERS", "AP", "EFE", "LUSA", "DPA", "TASS", "INTERFAX_UKRAINE", "PA_MEDIA", "AGENCIES"):
        assert code in registry


@pytest.mark.parametrize(
    ("dateline", "agency"),
    [("KYIV, March 3 (Reuters) -", "REUTERS"), ("WASHINGTON (AP) —", "AP"), ("BERLIN (dpa) -", "DPA"),
     ("MOSCOW, January 21. /TASS/.", "TASS")],
)
def test_dateline_agencies(dateline: str, agency: str) -> None:
    assert _tags(["Body."], dateline=dateline) == {(agency, "dateline")}


@pytest.mark.parametrize(
    ("credit", "expected"),
    [
        ("Source: with agencies", {("AGENCIES", "credit")}),
        ("Source: Lusa", {("LUSA", "credit")}),
        ("(EFE)", {("EFE", "credit")}),
        ("— AFP", {("AFP", "credit")}),
        ("(with AFP, Reuters)", {("AFP", "credit"), ("REUTERS", "credit")}),
        ("(Reporting by Anna Koval; Editing by Mark Dane)", set()),
    ],
)
def test_credit_line_agencies(credit: str, expected: set[tuple[str, str]]) -> None:
    assert _tags(["Body."], credit=credit) == expected


@pytest.mark.parametrize(
    ("sentence", "agency"),
    [
        ("Talks will last two hours, according to the France-Presse (AFP) news agency.", "AFP"),
        ("A spokesman told Reuters the plant would close.", "REUTERS"),
        ("He denied to Reuters that he had resigned.", "REUTERS"),
        ("She said in an email to the Associated Press that she would appeal.", "AP"),
        ("The state news agency TASS reported three arrests.", "TASS"),
        ("Interfax-Ukraine reported shelling overnight.", "INTERFAX_UKRAINE"),
        ("China's Xinhua news agency said growth slowed.", "XINHUA"),
    ],
)
def test_cited_agencies(sentence: str, agency: str) -> None:
    assert _tags([sentence]) == {(agency, "cited")}


def test_photo_credits_are_image_credits() -> None:
    assert _tags(["The minister arrives in Brussels. AFP via Getty Images"]) == {("AFP", "image_credit")}
    assert _tags(["Rescue workers in Izmir. Photograph: Reuters/Jane Doe"]) == {("REUTERS", "image_credit")}


def test_an_unambiguous_name_without_a_cue_is_a_mention() -> None:
    assert _tags(["Revenues at media group Reuters rose 4%."]) == {("REUTERS", "mention")}


@pytest.mark.parametrize(
    "sentence",
    [
        "The school map shows cheap flats; an update is due and the gap will close.",
        "Students who pass AP Biology get college credit.",
        "The Palestinian Authority (PA) said the PA would pay salaries.",
        "The Australian Federal Police (AFP) said the AFP had charged three men.",
        "Travel agencies and estate agencies reported a busy summer.",
        "The Hollywood Foreign Press Association announced the nominations.",
        "Petra Mandula won the first set.",
        "He won the Isle of Man TT for a third time.",
        "The AA Motoring Trust said petrol prices would rise.",
        "Interfax-Ukraine is not Interfax, and neither is in this sentence: interfaxes.",
    ],
)
def test_traps_produce_no_tags(sentence: str) -> None:
    tags = _tags([sentence])
    assert not (tags - {("INTERFAX_UKRAINE", "mention"), ("INTERFAX", "mention")}), tags


def test_interfax_ukraine_is_not_interfax() -> None:
    assert _tags(["Interfax-Ukraine reported shelling."]) == {("INTERFAX_UKRAINE", "cited")}


def test_an_acronym_defined_as_something_else_drops_even_a_cued_short_form() -> None:
    assert _tags(["The Australian Federal Police (AFP) said on Monday.", "A spokesman told AFP the case was closed."]) == set()


def test_each_agency_and_role_is_tagged_once_with_its_first_evidence() -> None:
    tags = tag_agencies(["A source told Reuters one thing.", "Another told Reuters more."])
    assert len(tags) == 1 and "one thing" in tags[0].matched_text
