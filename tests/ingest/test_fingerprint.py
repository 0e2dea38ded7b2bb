from __future__ import annotations

from ingest.fingerprint import article_key, body_tokens


def test_copies_differing_in_case_punctuation_and_spacing_share_a_key() -> None:
    a = ["Prices rose 5% in March, the ministry said.", "Analysts were surprised."]
    b = ["prices rose 5 %  in March the ministry said", "Analysts were surprised!"]
    assert article_key(a) == article_key(b)


def test_a_changed_number_changes_the_key() -> None:
    assert article_key(["Prices rose 5% in March."]) != article_key(["Prices rose 6% in March."])


def test_paragraph_breaks_do_not_change_the_key() -> None:
    assert article_key(["One two.", "Three four."]) == article_key(["One two. Three four."])


def test_tokens_are_casefolded_words() -> None:
    assert body_tokens(["Straße 5-Sterne!"]) == ["strasse", "5", "sterne"]
