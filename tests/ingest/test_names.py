from __future__ import annotations

from pathlib import Path

import pytest

from ingest import names
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


def test_alias_table_links_transliterations_and_decides_ties(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    found = _variants("Volodymyr Zelensky spoke.", "Volodymyr Zelenskyy replied.")
    variant = found[("Zelenskyy", "Zelensky")]
    assert variant.applied and variant.evidence == "same_first_name"


def test_users_can_extend_the_alias_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    extra = tmp_path / "aliases.tsv"
    extra.write_text("canonical\tvariants\tsource\nAl-Sisi\tEl-Sisi|Sisy\tour style guide\n", encoding="utf-8")
    monkeypatch.setenv(names.ALIASES_ENV, str(extra))
    found = _variants("Abdel Fattah Al-Sisi spoke.", "El-Sisi met officials later.")
    variant = found[("El-Sisi", "Al-Sisi")]
    assert variant.evidence == "alias" and not variant.applied
