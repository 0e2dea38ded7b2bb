from __future__ import annotations

from ingest.normalize import collapse_whitespace, repair_text


def test_mojibake_is_repaired() -> None:
    assert repair_text("The mayorâ€™s office said cafÃ© prices rose") == "The mayor’s office said café prices rose"


def test_text_is_composed_to_nfc() -> None:
    decomposed = "Zu\u0308rich"
    assert repair_text(decomposed) == "Z\u00fcrich"


def test_line_structure_survives_repair() -> None:
    assert repair_text("Headline\r\n\r\nFirst paragraph.\r\nSecond line.") == "Headline\n\nFirst paragraph.\nSecond line."


def test_whitespace_collapses_inside_a_paragraph_and_zero_width_characters_go() -> None:
    assert collapse_whitespace("  Prices\u00a0 rose\t5%\u200b in  March. ") == "Prices rose 5% in March."
