from __future__ import annotations

from pathlib import Path

import pytest

from ingest.name_aliases import load_name_aliases
from ingest.names import apply_name_repairs, find_name_variants
from ingest.records import NameVariant


def _variants(*texts: str) -> dict[tuple[str, str], NameVariant]:
    return {(v.variant, v.canonical): v for v in find_name_variants(texts)}


def test_a_misspelt_surname_beside_its_full_form_is_repaired() -> None:
    found = _variants(
        "Blinken meets Lavrov",
        "US Secretary of State Antony Blinke has promised a response.",
        "Seated across from Lavrov, Antony Blinken promised a united response. Blinken later spoke.",
    )
    assert list(found) == [("Blinke", "Blinken")]
    repair = found[("Blinke", "Blinken")]
    assert repair.applied and repair.evidence == "same_first_name" and repair.occurrences == 1
    assert "Antony" in repair.detail


def test_repairs_rewrite_whole_words_and_possessives_only() -> None:
    repair = NameVariant("Blinke", "Blinken", "same_first_name", True, 1, "")
    assert apply_name_repairs("Blinke's aide met Blinken and Blinkers.", [repair]) == "Blinken's aide met Blinken and Blinkers."


def test_a_proposal_does_not_rewrite_text() -> None:
    proposal = NameVariant("Rodick", "Roddick", "similar_spelling", False, 1, "")
    assert apply_name_repairs("Rodick served.", [proposal]) == "Rodick served."


@pytest.mark.parametrize(
    ("scenario", "texts"),
    [
        ("gendered surname forms are two people", ["Sergei Lavrov met Maria Lavrova.", "Lavrov spoke; Lavrova wrote. Lavrov left."]),
        ("father and son with hyphenated given names", ["Kim Jong-il died; Kim Jong-un succeeded him.", "Kim Jong-un spoke."]),
        ("different first names on each form", ["Joe Biden met Hunter Bidens.", "Joe Biden left."]),
        ("place and demonym", ["South Africa said South African troops would stay.", "South Africa agreed."]),
        ("plural of a name", ["The Kennedy family, the Kennedys, met.", "Kennedy spoke."]),
        ("a derived word", ["The Commission said the Commissioner would decide.", "The Commission agreed."]),
        ("a word in another case", ["WorldCom and Worldcom shares fell.", "WorldCom said."]),
        ("two real surnames that are one letter apart", ["Gordon Brown met Des Browne.", "Mr Brown and Mr Browne spoke."]),
        ("two real surnames without a shared first name", ["Marcus Horan and Shane Horgan scored.", "Horan ran; Horgan kicked."]),
        ("acronyms", ["ADSL and ADSL2 speeds differ.", "ADSL is older."]),
        ("a title and a word after one capitalised word", ["Interior Minister Wolfgang Peschorn said so.",
                                                           "The Interior Ministry agreed with the Interior Minister."]),
    ],
)
def test_different_names_are_never_merged(scenario: str, texts: list[str]) -> None:
    assert not [v for v in find_name_variants(texts) if v.applied], scenario
    assert not _variants(*texts), scenario


def test_a_title_is_not_a_first_name() -> None:
    found = _variants("Mr Barrioneuvo said rates would rise.", "Mr Barrionuevo, the minister, agreed. Barrionuevo left.")
    variant = found[("Barrioneuvo", "Barrionuevo")]
    assert variant.evidence == "lone_slip" and "Mr Barrioneuvo and Mr" not in variant.detail


def test_a_tie_is_a_proposal_not_a_repair() -> None:
    found = _variants("David Monteith spoke.", "David Montieth replied.")
    (variant,) = found.values()
    assert variant.evidence == "same_first_name" and not variant.applied
    assert "no clear majority" in variant.detail


def test_a_typo_with_no_context_is_proposed() -> None:
    found = _variants("Andy Roddick won.", "Later Rodick lost a set.")
    variant = found[("Rodick", "Roddick")]
    assert variant.evidence == "similar_spelling" and not variant.applied


def test_a_lone_slip_beside_a_name_written_several_times_is_repaired() -> None:
    found = _variants("Andy Roddick won.", "Roddick served well; Rodick then lost a set.", "Roddick won.")
    variant = found[("Rodick", "Roddick")]
    assert variant.evidence == "lone_slip" and variant.applied


def test_alias_table_links_transliterations_and_decides_ties() -> None:
    found = _variants("Volodymyr Zelensky spoke.", "Volodymyr Zelenskyy replied.")
    variant = found[("Zelenskyy", "Zelensky")]
    assert variant.applied and variant.evidence == "same_first_name"


def test_users_can_extend_the_alias_table(tmp_path: Path) -> None:
    extra = tmp_path / "aliases.tsv"
    extra.write_text("canonical\tvariants\tsource\nAl-Sisi\tEl-Sisi|Sisy\tour style guide\n", encoding="utf-8")
    found = {(v.variant, v.canonical): v for v in find_name_variants(
        ["Abdel Fattah Al-Sisi spoke.", "El-Sisi met officials later."], aliases=load_name_aliases(extra))}
    variant = found[("El-Sisi", "Al-Sisi")]
    assert variant.evidence == "alias" and not variant.applied


def test_a_transposition_counts_as_one_edit() -> None:
    found = _variants("Jarek Kujda founded the project.", "Kujda plays live.", "Later Kudja said they improvise.")
    assert found[("Kudja", "Kujda")].applied


def test_a_title_and_surname_beside_the_full_name_written_more_often_is_repaired() -> None:
    found = _variants("Andy Roddick lost.", "Roddick served.", "A fan shouted during Mr Rodick's serve.", "Roddick won.")
    repair = found[("Rodick", "Roddick")]
    assert repair.applied and repair.evidence in ("honorific_full_name", "lone_slip")


def test_a_misplaced_possessive_apostrophe_is_linked_to_the_full_name() -> None:
    found = _variants("Bernie Ebbers denied fraud.", "Mr Ebber's lawyers said he was unaware.", "Mr Ebbers testified.")
    assert found[("Ebber", "Ebbers")].applied
    assert apply_name_repairs("Mr Ebber's lawyers", found.values()) == "Mr Ebbers's lawyers"


def test_the_majority_beats_a_misspelt_full_name() -> None:
    found = _variants(
        "The row followed a new book, Brown's Britain by Robert Preston.",
        "Mr Peston's book claimed a deal. Mr Peston said so. Critics of Mr Peston disagreed.",
    )
    repair = found[("Preston", "Peston")]
    assert repair.applied and repair.evidence == "honorific_full_name"


def test_a_tie_between_a_full_name_and_a_title_favours_the_full_name() -> None:
    found = _variants("Transport Commissioner Jacques Barrot wants speed.", "The plan is serious, said Mr Barot.")
    proposal = found[("Barot", "Barrot")]
    assert not proposal.applied and "no clear majority" in proposal.detail


def test_a_common_word_written_as_a_persons_name_is_judged_by_its_first_name() -> None:
    found = _variants(
        "Home Secretary Charles Clarke warned of danger.",
        "Charles Clarke spoke again. I oppose Charles Clark's proposals for house arrest.",
    )
    assert found[("Clark", "Clarke")].applied


def test_transliterated_first_names_are_one_first_name() -> None:
    found = _variants("Sergei Lavrov spoke.", "Sergei Lavrov met envoys.", "Sergey Lavrow replied.")
    repair = found[("Lavrow", "Lavrov")]
    assert repair.applied and repair.evidence == "same_first_name"


def test_abbreviations_in_a_commodity_table_are_not_rewritten() -> None:
    found = _variants(
        "CORN SUPPLY AND USE",
        "Start Stcks 1,905 1,905 1,425 1,425\nProduction 2,087 2,087 2,425\nTtl Domes 485 485 543 543",
        "End Stocks 610 635 536 536\nTtl Domest 5,680 5,450 5,221",
    )
    assert not found


def test_a_word_the_article_also_uses_as_a_word_is_never_rewritten() -> None:
    found = _variants(
        "The Diamant Boart board met on Friday.",
        "Diamant Boart said the venture was agreed. Diamant Board said the talks went well.",
        "Diamant Boart is owned by Sibeka.",
    )
    assert not [v for v in found.values() if v.applied]


def test_a_capitalised_wire_headline_spells_the_name_too() -> None:
    found = _variants("PIEDMONT AVIATION <PIE> BOARD TO MEET TODAY", "Piedmont Avaition Inc's board will meet today.")
    assert found[("Avaition", "Aviation")].applied


def test_a_surname_after_its_own_first_name_is_not_a_slip_for_a_brand() -> None:
    found = _variants("Google grew fast.", "Google hired staff.", "The board replaced chief executive Tim Koogle in May.")
    assert not [v for v in found.values() if v.applied]


def test_text_in_another_language_is_left_alone() -> None:
    found = _variants(
        "Grüne wollen Netzbetreiber zum Ausbau zwingen",
        "Die Grünen haben die Netzversorgung in Deutschland analysiert. Die Partei, die zurzeit in der"
        " Opposition ist, fordert einen Ausbau, der von den Netzbetreibern finanziert wird.",
    )
    assert not found
