"""No judgment about names can raise, whatever the forms, counts and alias table (issue 13, DESIGN §3).

A name judgment is worth less than the article it is made on: a crash here once rolled back a whole
batch (two articles spelling Zelensky with two alias variants, neither with the canonical form).
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.name_aliases import NameAliases
from ingest.names import judge_link, read_names

# Name-like forms: capitalised, some with apostrophes, hyphens, accents or other scripts, most short
# enough to fall within an edit or two of each other so that pairs are actually judged.
_LETTERS = st.sampled_from(list("aeiklnorsyzé") + ["ij", "ow", "’s", "'", "-", "y", "ß", "ø"])
_FORMS = st.builds(
    lambda head, tail: head + "".join(tail),
    st.sampled_from(["Zelensk", "Blink", "Rod", "Kow", "Ebber", "Ka", "Łu", "Ва", "Ö", "Mc", "O'", "Al-"]),
    st.lists(_LETTERS, max_size=5),
)
_GIVEN = st.sampled_from(["Volodymyr", "Antony", "Andy", "Mr", "The", "Jong", "Anna"])


@st.composite
def _alias_tables(draw: st.DrawFn) -> NameAliases:
    """Tables whose canonical form may or may not occur in the text, with overlapping variant groups."""
    canonical_of: dict[str, str] = {}
    for canonical, variants in draw(st.lists(st.tuples(_FORMS, st.lists(_FORMS, max_size=4)), max_size=4)):
        canonical_of[canonical] = canonical
        canonical_of.update(dict.fromkeys(variants, canonical))
    return NameAliases(canonical_of)


@st.composite
def _articles(draw: st.DrawFn) -> list[str]:
    sentences = draw(st.lists(st.tuples(st.none() | _GIVEN, _FORMS, st.sampled_from([" said.", " met ", "'s aide ", ". "])),
                              min_size=1, max_size=12))
    text = "".join(f"{given + ' ' if given else ''}{form}{tail}" for given, form, tail in sentences)
    return [draw(_FORMS), text]


@settings(max_examples=300, deadline=None)
@given(texts=_articles(), aliases=_alias_tables())
def test_reading_names_never_fails_and_each_repair_is_recorded_once(texts: list[str], aliases: NameAliases) -> None:
    reading = read_names(texts, aliases=aliases)
    assert reading.failures == 0
    pairs = [(v.variant, v.canonical) for v in reading.variants]
    assert len(pairs) == len(set(pairs))  # name_variants' key: one row per (variant, canonical)
    for variant in reading.variants:
        assert variant.variant != variant.canonical


@settings(max_examples=300, deadline=None)
@given(
    given_name=_GIVEN, a=_FORMS, b=_FORMS, count_a=st.integers(0, 50), count_b=st.integers(0, 50),
    same_story=st.booleans(), aliases=_alias_tables(),
)
def test_judging_a_link_never_fails_and_links_only_the_two_forms(
    given_name: str, a: str, b: str, count_a: int, count_b: int, same_story: bool, aliases: NameAliases
) -> None:
    links = judge_link(given_name, a, b, articles={a: count_a, b: count_b}, same_story=same_story, aliases=aliases)
    for link in links:
        assert link.variant in (a, b) and link.variant != link.canonical
        assert link.canonical in (a, b) or link.canonical == aliases.canonical_of.get(link.variant)


def test_two_alias_variants_without_the_canonical_form_link_both_to_it() -> None:
    aliases = NameAliases({"Zelensky": "Zelensky", "Zelenskiy": "Zelensky", "Zelenskyy": "Zelensky"})
    links = judge_link("Volodymyr", "Zelenskiy", "Zelenskyy", articles={"Zelenskiy": 3, "Zelenskyy": 2},
                       same_story=False, aliases=aliases)
    assert {(link.variant, link.canonical, link.linked) for link in links} == {
        ("Zelenskiy", "Zelensky", True), ("Zelenskyy", "Zelensky", True)
    }
    assert "Volodymyr Zelenskiy in 3 articles" in links[0].detail


def test_one_article_with_two_alias_variants_repairs_both_to_the_canonical_form() -> None:
    aliases = NameAliases({"Zelensky": "Zelensky", "Zelenskiy": "Zelensky", "Zelenskyy": "Zelensky"})
    reading = read_names(["Talks", "President Volodymyr Zelenskiy spoke. Later Volodymyr Zelenskyy left."], aliases=aliases)
    assert {(v.variant, v.canonical, v.applied) for v in reading.variants} == {
        ("Zelenskiy", "Zelensky", True), ("Zelenskyy", "Zelensky", True)
    }
    assert [(p.given, p.surname, p.occurrences) for p in reading.persons] == [("Volodymyr", "Zelensky", 2)]
