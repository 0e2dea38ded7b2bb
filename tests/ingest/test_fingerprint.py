from __future__ import annotations

from ingest.fingerprint import article_key


def test_copies_differing_in_case_punctuation_and_spacing_share_a_key() -> None:
    a = ["Prices rose 5% in March, the ministry said.", "Analysts were surprised."]
    b = ["prices rose 5 %  in March the ministry said", "Analysts were surprised!"]
    assert article_key(a) == article_key(b)


def test_a_changed_number_changes_the_key() -> None:
    assert article_key(["Prices rose 5% in March."]) != article_key(["Prices rose 6% in March."])


def test_paragraph_breaks_do_not_change_the_key() -> None:
    assert article_key(["One two.", "Three four."]) == article_key(["One two. Three four."])


def test_tokens_are_casefolded_words() -> None:
    assert article_key(["Straße 5-Sterne!"]) == article_key(["strasse 5 sterne"])


def test_the_key_of_a_body_never_changes() -> None:
    """The key is the stored article id: a new key for the same body would duplicate every article."""
    assert article_key(["Straße 5-Sterne!"]) == "839b48565ff274b849dc9500ee870bc3b2fc7cd54f3794b50d1fb6fe8ca73f41"
    assert article_key(["İstanbul ΣΊΣΥΦΟΣ ﬁnal", "Ünïcödé — 2,000 words."]) == (
        "04c428011d979e68d8beb46b5584a30db37ca82bcdb5bc420e05fad6b1174e8a"
    )
