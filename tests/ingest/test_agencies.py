from __future__ import annotations

import pytest

from ingest.agencies import agencies, tag_agencies
from ingest.parse import article_from_text


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


# Issue 18: classes of error found by reading a labelled sample of Reuters-21578, BBC and real feeds.


@pytest.mark.parametrize(
    "dateline",
    ["PITTSBURGH, PA., April 2 -", "ERIE, PA, March 19 -", "VALLEY FORGE, PA, March 19 -", "HYDERABAD, AP, March 3 -"],
)
def test_a_state_abbreviation_in_a_dateline_is_not_an_agency(dateline: str) -> None:
    assert _tags(["Body."], dateline=dateline) == set()


@pytest.mark.parametrize(
    ("dateline", "agency"),
    [("WASHINGTON (AP) —", "AP"), ("HARRISBURG, Pa. (AP) —", "AP"), ("KABUL — AFP —", "AFP"),
     ("MOSCOW, January 21. /TASS/.", "TASS"), ("WASHINGTON, March 12, Reuter -", "REUTERS")],
)
def test_a_short_form_counts_in_a_dateline_only_where_its_shape_says_agency(dateline: str, agency: str) -> None:
    assert _tags(["Body."], dateline=dateline) == {(agency, "dateline")}


def test_an_agency_dateline_with_a_dot_before_the_dash_is_a_dateline() -> None:
    article = article_from_text("Dow Jones fecha em baixa\n\nNova York, 24 set (EFE).- O índice Dow Jones caiu.\n")
    assert article.dateline == "Nova York, 24 set (EFE).-"
    assert _tags(list(article.paragraphs), dateline=article.dateline or "") == {("EFE", "dateline")}


def test_a_story_supplied_by_one_agency_that_quotes_another_gets_both_tags() -> None:
    tags = _tags(["Troops advanced, the New China News Agency said."], dateline="BEIJING (Reuters) -")
    assert tags == {("REUTERS", "dateline"), ("XINHUA", "cited")}


@pytest.mark.parametrize(
    ("sentence", "agency"),
    [
        ("Prices will hold, the official Saudi Press Agency SPA said.", "SPA"),
        ("Talks began, the official Emirates news agency, WAM, reported.", "WAM"),
        ("Income will rise, the Kuwait News Agency Kuna quoted him as saying.", "KUNA"),
        ("Sudan rejected the demand, the official Sudan News Agency (SUNA) reported.", "SUNA"),
        ("Output was below the ceiling, the OPEC news agency Opecna quoted an official as saying.", "OPECNA"),
    ],
)
def test_an_agency_followed_by_its_own_short_form_is_cited_by_the_verb_after_both(sentence: str, agency: str) -> None:
    assert _tags([sentence]) == {(agency, "cited")}


@pytest.mark.parametrize(
    ("sentence", "agency"),
    [
        ("IRNA, monitored by the BBC in London, said Iran had seized several posts.", "IRNA"),
        ("IRNA, quoting figures supplied by the head of the Majlis, put the budget at 30 billion.", "IRNA"),
        ("South Korea's national news agency, Yonhap, said the surplus will near 10 billion.", "YONHAP"),
        ("KUNA also said the envoy had discussed the deployment.", "KUNA"),
        ("He made the recommendation at a meeting with Nakasone, Kyodo News Service said.", "KYODO"),
        ("The semi-official Anatolian Agency recently quoted the minister as saying exports would rise.", "ANADOLU"),
        ("Tass commentator Mikhail Krutikhin said the administration had embarked on an adventurist path.", "TASS"),
    ],
)
def test_words_between_an_agency_and_its_reporting_verb_keep_it_cited(sentence: str, agency: str) -> None:
    assert _tags([sentence]) == {(agency, "cited")}


@pytest.mark.parametrize(
    ("sentence", "agency"),
    [
        ("Rates will rise, the governor was quoted as saying by the official Antara news agency.", "ANTARA"),
        ("He was quoted by Indonesia's official Antara news agency as saying work would start.", "ANTARA"),
        ("Prince Abdullah, in an interview carried by the official Saudi Press Agency (SPA), said it was near.", "SPA"),
        ("Reserves fell, according to central bank figures published by the New China News Agency.", "XINHUA"),
        ("The spokesman, in response to questions from Reuters, said there was no comment.", "REUTERS"),
        ("The Exchange was replying to Reuters inquiries about the delay.", "REUTERS"),
        ("A Reuter survey estimates OPEC output at 14.7 mln bpd.", "REUTERS"),
        ("A commander told a correspondent of the official Iraqi news agency INA that four divisions fell.", "INA"),
        ("The ferry was sinking, the Dutch newsagency ANP reported today.", "ANP"),
        ("Special envoy Shintaro Abe said in a brief interview with Reuters that the mood was severe.", "REUTERS"),
    ],
)
def test_passive_interview_and_survey_cues_cite_the_agency(sentence: str, agency: str) -> None:
    assert _tags([sentence]) == {(agency, "cited")}


def test_a_cue_before_two_joined_agencies_cites_both() -> None:
    sentence = "Nazer, in an interview with Reuters and the television news agency Visnews, said output was low."
    assert _tags([sentence]) == {("REUTERS", "cited"), ("VISNEWS", "cited")}


@pytest.mark.parametrize(
    "sentence",
    [
        'Portugal\'s "flag carrier" airline TAP has confirmed an order for three Airbus aircraft.',
        "IAE's other owners include Fiat SPA, which said it would invest more.",
        "MTI said its products continue to gain market share.",
    ],
)
def test_an_ambiguous_short_form_followed_only_by_a_verb_needs_a_document_about_agencies(sentence: str) -> None:
    assert _tags([sentence]) == set()


def test_an_ambiguous_short_form_with_a_verb_counts_where_the_document_speaks_of_agencies() -> None:
    tags = _tags(["Oil output fell, the Algerian news agency APS said.", "APS said prices would rise."])
    assert tags == {("APS", "cited")}


def test_an_agency_shown_as_a_company_is_a_mention_when_it_speaks_for_itself() -> None:
    paragraphs = ["Reuters Holdings Plc <RTRS.L> said it agreed to buy I P Sharp Associates.",
                  "Reuters said it had been given options by shareholders.",
                  "A Sharp official told Reuters the price was fair."]
    assert _tags(paragraphs) == {("REUTERS", "mention"), ("REUTERS", "cited")}
    assert ("REUTERS", "cited") not in _tags(paragraphs[:2])


def test_a_credit_rating_after_a_slash_is_not_a_photo_credit() -> None:
    assert _tags(["Its debt was affirmed at AA/A-1-plus."]) == set()


@pytest.mark.parametrize(
    ("sentence", "agency"),
    [
        ("The attack was repelled, the official Iraqi news agency INA said.", "INA"),
        ("A research ship left for the Aegean, the semi-official Anatolian News Agency said.", "ANADOLU"),
        ("Bahrain has approved its first stock exchange, the Gulf News Agency reported.", "BNA"),
        ("Parliament passed the law, the official BSS news agency said.", "BSS"),
        ("The package is being prepared, the state news agency Venpres reported.", "VENPRES"),
    ],
)
def test_agencies_quoted_in_the_corpora_are_in_the_registry(sentence: str, agency: str) -> None:
    assert _tags([sentence]) == {(agency, "cited")}


def test_matched_text_keeps_the_sentence_of_the_evidence() -> None:
    paragraph = ("Exports rose sharply in March. Oil revenues of the six Gulf states fell 20 pct last year, "
                 "the Emirates news agency WAM said, citing a bank study. Prices recovered later.")
    (tag,) = tag_agencies([paragraph])
    assert tag.matched_text == ("…Oil revenues of the six Gulf states fell 20 pct last year, the Emirates news "
                                "agency WAM said, citing a bank study.…")
