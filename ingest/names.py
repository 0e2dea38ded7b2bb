"""Entity-name typo variants inside one article: detection, evidence, repair (DESIGN §3).

String similarity alone cannot tell a typo (Blinke/Blinken) from two people (Lavrov/Lavrova): both
score Jaro-Winkler 0.97. So a pair of similar surname forms is only a candidate; guards remove pairs
that real text shows are different (gendered forms, plurals, places and their demonyms, common
words, different first names, Korean given-name syllables), and the remaining pairs are graded by
evidence. Only strong evidence with a clear majority form rewrites the text; the rest are proposals.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import numpy as np
from rapidfuzz.distance import JaroWinkler, Levenshtein
from rapidfuzz.process import cdist

from ingest.datafiles import read_lines, read_tsv, shipped_path
from ingest.errors import RegistryError
from ingest.normalize import starts_sentence
from ingest.patterns import TextPattern
from ingest.records import LinkEvidence, NameEvidence, NameLink, NameVariant, PersonName

MIN_SIMILARITY = 0.9  # Jaro-Winkler floor for a candidate pair
MIN_FORM_LENGTH = 4  # shorter capitalised words are initials, titles or acronyms
LONG_FORM_LENGTH = 8  # from this length LONG_FORM_EDITS are allowed instead of SHORT_FORM_EDITS
SHORT_FORM_EDITS = 1
LONG_FORM_EDITS = 2
# Without a shared first name, a pair is proposed only when the variant is this rare in English:
# typos are ("blinke" 0, "rodick" 0), while real words and real surnames are not ("bidet" 2.58,
# "horan" 2.79, "browne" 3.42).
RARE_ZIPF = 1.5
# Two forms that are both this common are words, even after the same capitalised word ("Interior
# Minister" / "Interior Ministry"): "minister" is 5.0, while real surname pairs seen with one first name
# have at least one rarer form ("andersen" 3.27, "macdonald" 3.69).
COMMON_WORD_ZIPF = 4.0
# A first name or surname this common in English is more likely a word ("Federal", "Commission").
PERSON_WORD_ZIPF = 4.5
MAJORITY = 2  # the canonical form must occur at least this many times as often as the variant

# Words that start with anything but an ASCII lower-case letter: the only ones that can be names.
_CAPITALISED_WORD = TextPattern(r"(?<![\w'’-])[^\W\d_a-z][^\W\d_]*(?:[-'’][^\W\d_]+)*")
_POSSESSIVE = re.compile(r"['’]s?$")


class _Occurrence(NamedTuple):  # a tuple: an article has dozens, and a frozen dataclass is slow to build
    form: str  # the capitalised token, possessive stripped
    given: str | None  # the capitalised token right before it, when it is part of a name span
    sentence_start: bool  # only worked out for a word without `given`: a name part is a name anyway


@dataclass(frozen=True)
class NameAliases:
    """The alias table: spellings of one name that are known to be the same (Zelenskiy, Zelenskyy)."""

    canonical_of: Mapping[str, str]  # variant or canonical form -> canonical form


@dataclass(frozen=True)
class NameReading:
    """What one pass over an article's names finds."""

    variants: tuple[NameVariant, ...]
    persons: tuple[PersonName, ...]  # as they read once the applied variants are repaired
    failures: int = 0  # judgments that failed (a bug to report): those pairs, or the article, stay unjudged


def read_names(texts: Sequence[str], /, *, aliases: NameAliases | None = None) -> NameReading:
    """Variants and person names of an article (title, then paragraphs), from one scan of its words.

    The texts are scanned joined by blank lines: a word after a line break opens a sentence and has
    no name part before it, exactly as at the start of a text of its own. Never raises: a name
    judgment is worth less than the article, so a failure costs that judgment and is counted.
    """
    try:
        occurrences = _occurrences("\n\n".join(texts))
        variants, failures = _variants(occurrences, aliases if aliases is not None else load_name_aliases())
        repaired = {variant.variant: variant.canonical for variant in variants if variant.applied}
        return NameReading(variants, _persons(occurrences, repaired), failures)
    except Exception:  # noqa: BLE001 - DESIGN §3: a failed name judgment never costs the article
        return NameReading((), (), failures=1)


def find_name_variants(texts: Sequence[str], /, *, aliases: NameAliases | None = None) -> tuple[NameVariant, ...]:
    """Find variant pairs in an article given as its texts (title, then paragraphs)."""
    return read_names(texts, aliases=aliases).variants


def _variants(occurrences: list[_Occurrence], aliases: NameAliases) -> tuple[tuple[NameVariant, ...], int]:
    """The article's variants, one per (variant, canonical), and how many pair judgments failed."""
    counts = Counter(occ.form for occ in occurrences)
    givens: dict[str, Counter[str]] = defaultdict(Counter)
    for occ in occurrences:
        if occ.given:
            givens[occ.form][occ.given] += 1
    names = {occ.form for occ in occurrences if occ.given or not occ.sentence_start or occ.form in aliases.canonical_of}
    found: dict[tuple[str, str], NameVariant] = {}
    failures = 0
    for a, b in sorted(_candidate_pairs(names, aliases)):
        try:
            judged = _judge(a, b, counts, givens, aliases)
        except Exception:  # noqa: BLE001 - one pair's failure leaves only that pair unjudged
            failures += 1
            continue
        for variant in judged:
            key = (variant.variant, variant.canonical)
            if key not in found or _strength(variant) > _strength(found[key]):
                found[key] = variant
    return tuple(found[key] for key in sorted(found)), failures


def _strength(variant: NameVariant) -> tuple[bool, int]:
    """Which of two judgments of one (variant, canonical) to keep: an applied one, then stronger evidence."""
    return variant.applied, -_EVIDENCE_ORDER.index(variant.evidence)


_EVIDENCE_ORDER: tuple[NameEvidence, ...] = ("same_first_name", "alias", "truncation", "similar_spelling")


def person_names(texts: Sequence[str], /) -> tuple[PersonName, ...]:
    """Surnames written right after a first name, with how often: what cross-article links compare."""
    return _persons(_occurrences("\n\n".join(texts)), {})


def _persons(occurrences: list[_Occurrence], repaired: Mapping[str, str]) -> tuple[PersonName, ...]:
    counts = Counter(
        (repaired.get(occ.given, occ.given), repaired.get(occ.form, occ.form))
        for occ in occurrences
        if occ.given and len(occ.form) >= MIN_FORM_LENGTH
    )
    return tuple(
        PersonName(given, surname, n)
        for (given, surname), n in sorted(counts.items())
        if _looks_like_a_person(given, surname)
    )


def _looks_like_a_person(given: str, surname: str) -> bool:
    """A rare word or a known first name before a surname that is not a common word.

    "Economic Commission" and "Australian Federal" are capitalised pairs too: common English words on
    either side are organisations and places far more often than people.
    """
    if surname in _honorifics() or _word_frequency(surname) >= PERSON_WORD_ZIPF:
        return False
    return given in _common_given_names() or _word_frequency(given) < PERSON_WORD_ZIPF


def judge_link(
    given: str, a: str, b: str, /, *, articles: Mapping[str, int], same_story: bool, aliases: NameAliases | None = None
) -> tuple[NameLink, ...]:
    """Grade two surnames written after one first name in different articles (DESIGN §3, across articles).

    Precision first, since a wrong link merges two people in every count: the within-article guards
    apply, a pair with no alias entry is linked only when both spellings appear in articles of one
    story (one outlet's copy of another's text) and one spelling is in clearly more articles;
    everything else is a proposal, and a pair whose rarer spelling is a real word or a common name
    (Horan/Horgan) is not even that. An alias pair whose canonical form neither article writes
    (Zelenskiy, Zelenskyy; the table says Zelensky) links both spellings to it.
    """
    if a == b:
        return ()
    table = aliases if aliases is not None else load_name_aliases()
    alias_canonical = _alias_pair(a, b, table)
    if alias_canonical is None and (_guard(a, b, {}) is not None or not _similar(a, b, Levenshtein.distance(a, b))):
        return ()
    counts = Counter(articles)
    if alias_canonical is not None and alias_canonical not in (a, b):
        return tuple(_link(given, form, alias_canonical, "alias", True, counts) for form in (a, b))
    canonical, variant, majority = _choose_canonical(a, b, counts, alias_canonical)
    evidence: LinkEvidence = "alias" if alias_canonical else "same_story" if same_story else "similar_spelling"
    if evidence == "similar_spelling" and _word_frequency(variant) >= RARE_ZIPF:
        return ()
    linked = evidence == "alias" or (evidence == "same_story" and majority)
    return (_link(given, variant, canonical, evidence, linked, counts, majority=majority),)


def _link(
    given: str, variant: str, canonical: str, evidence: LinkEvidence, linked: bool, articles: Counter[str],
    *, majority: bool = True,
) -> NameLink:
    tally = f"{given} {variant} in {articles[variant]} articles, {given} {canonical} in {articles[canonical]}"
    reason = {
        "alias": "the alias table lists both",
        "same_story": "both spellings appear in articles of one story",
        "similar_spelling": "similar spelling only",
    }[evidence]
    outcome = "linked" if linked else "proposal only" + ("" if majority else ": no clear majority")
    return NameLink(given, variant, canonical, evidence, linked, f"{tally}; {reason}; {outcome}")


def apply_name_repairs(text: str, variants: Iterable[NameVariant], /) -> str:
    """Rewrite every applied variant to its canonical form, as whole words (possessives follow)."""
    for variant in variants:
        if variant.applied:
            text = re.sub(rf"(?<![\w-]){re.escape(variant.variant)}(?![\w-])", variant.canonical, text)
    return text


def _occurrences(text: str) -> list[_Occurrence]:
    """Capitalised, not-all-caps words with the capitalised word before them, if adjacent."""
    found = []
    honorifics = _honorifics()
    previous_end = -10
    previous_form: str | None = None
    for match in _CAPITALISED_WORD.finditer(text):
        word = match.group(0)
        start, end = match.span()
        if len(word) > 1 and word[0].isupper() and not word.isupper():
            form = _POSSESSIVE.sub("", word) if "'" in word or "’" in word else word
            adjacent = previous_form is not None and start == previous_end + 1 and text[previous_end] == " "
            given = previous_form if adjacent and previous_form not in honorifics else None
            found.append(_Occurrence(form, given, given is None and starts_sentence(text, start)))
            previous_form = None if form != word else form
        else:
            previous_form = None
        previous_end = end
    return found


def _candidate_pairs(names: set[str], aliases: NameAliases) -> set[tuple[str, str]]:
    """Pairs of name-like forms (seen mid-sentence or after a first name) that may be one name.

    Edit distances of all pairs come from one vectorised rapidfuzz call; a Python loop over pairs
    was a third of the whole ingest time.
    """
    honorifics = _honorifics()
    forms = sorted(form for form in names if len(form) >= MIN_FORM_LENGTH and form not in honorifics)
    pairs = set()
    if len(forms) > 1:
        distances = cdist(forms, forms, scorer=Levenshtein.distance, score_cutoff=LONG_FORM_EDITS, dtype=np.int8)
        rows, columns = np.nonzero(distances <= LONG_FORM_EDITS)
        upper = rows < columns  # each pair once, and no form paired with itself
        for i, j in zip(rows[upper], columns[upper]):
            if _similar(forms[i], forms[j], int(distances[i, j])):
                pairs.add((forms[i], forms[j]))
    by_canonical: dict[str, list[str]] = defaultdict(list)
    for form in forms:
        if form in aliases.canonical_of:
            by_canonical[aliases.canonical_of[form]].append(form)
    pairs.update((a, b) for group in by_canonical.values() for i, a in enumerate(group) for b in group[i + 1 :])
    return pairs


def _similar(a: str, b: str, distance: int) -> bool:
    allowed = LONG_FORM_EDITS if min(len(a), len(b)) >= LONG_FORM_LENGTH else SHORT_FORM_EDITS
    return distance <= allowed and JaroWinkler.similarity(a, b) >= MIN_SIMILARITY


def _judge(
    a: str, b: str, counts: Counter[str], givens: dict[str, Counter[str]], aliases: NameAliases
) -> tuple[NameVariant, ...]:
    """Grade one candidate pair: a repair or a proposal, none when the pair is not one name.

    An alias pair whose canonical form the article never writes gives both forms as variants of it.
    """
    alias_canonical = _alias_pair(a, b, aliases)
    if alias_canonical is None and _guard(a, b, givens) is not None:
        return ()
    shared = set(givens.get(a, ())) & set(givens.get(b, ()))
    if alias_canonical is not None and alias_canonical not in (a, b):
        evidence: NameEvidence = "same_first_name" if shared else "alias"
        return tuple(_variant(form, alias_canonical, evidence, True, counts, shared) for form in (a, b))
    if shared:
        evidence = "same_first_name"
    elif alias_canonical:
        evidence = "alias"
    elif a.startswith(b) or b.startswith(a):
        evidence = "truncation"
    else:
        evidence = "similar_spelling"
    canonical, variant, majority = _choose_canonical(a, b, counts, alias_canonical)
    if evidence in ("truncation", "similar_spelling") and _word_frequency(variant) >= RARE_ZIPF:
        return ()  # both forms are real words or real names (Horan/Horgan, Brown/Browne): not a typo
    return (_variant(variant, canonical, evidence, majority, counts, shared),)


def _variant(
    variant: str, canonical: str, evidence: NameEvidence, majority: bool, counts: Counter[str], shared: set[str]
) -> NameVariant:
    blockers = []
    if evidence != "same_first_name":
        blockers.append(f"evidence is {evidence.replace('_', ' ')}, not one first name with both forms")
    if not majority:
        blockers.append(f"{variant} occurs {counts[variant]}× and {canonical} {counts[canonical]}×: no clear majority")
    return NameVariant(
        variant=variant,
        canonical=canonical,
        evidence=evidence,
        applied=not blockers,
        occurrences=counts[variant],
        detail=_describe(variant, canonical, counts, shared, blockers),
    )


def _guard(a: str, b: str, givens: dict[str, Counter[str]]) -> str | None:
    """Why two similar forms are known to be different names or words, or None."""
    short, long = sorted((a, b), key=len)
    if a.lower() == b.lower():
        return "same word in another case (house style, not a typo)"
    if min(_word_frequency(a), _word_frequency(b)) >= COMMON_WORD_ZIPF:
        return "two common words (Minister/Ministry), not a misspelt name"
    if long.startswith(short) and long[len(short) :] in _derived_endings():
        return "derived word or plural"
    for masculine, feminine in _gendered_endings():
        for m, f in ((a, b), (b, a)):
            if m.endswith(masculine) and f.endswith(feminine) and m[: len(m) - len(masculine)] == f[: len(f) - len(feminine)]:
                return "gendered surname forms"
    for place_end, demonym_end in _demonym_endings():
        for p, d in ((a, b), (b, a)):
            if p.endswith(place_end) and d == p[: len(p) - len(place_end)] + demonym_end:
                return "place and demonym"
    if "-" in a and "-" in b and a.rsplit("-", 1)[0] == b.rsplit("-", 1)[0]:
        return "different given-name syllables"
    given_a, given_b = set(givens.get(a, ())), set(givens.get(b, ()))
    if given_a and given_b and not given_a & given_b:
        return "different first names"
    return None


def _choose_canonical(a: str, b: str, counts: Counter[str], alias_canonical: str | None) -> tuple[str, str, bool]:
    """Return (canonical, variant, clear_majority).

    The alias table decides when it knows the pair. Otherwise the more frequent form is canonical; on a
    tie the form that is rarer in the language is taken as the variant (typos are rare words), and
    the missing majority keeps the pair a proposal.
    """
    if alias_canonical:
        other = b if alias_canonical == a else a
        return alias_canonical, other, True
    if counts[a] == counts[b]:
        canonical, variant = sorted((a, b), key=_word_frequency, reverse=True)
    else:
        canonical, variant = (a, b) if counts[a] > counts[b] else (b, a)
    return canonical, variant, counts[canonical] >= MAJORITY * counts[variant]


def _describe(variant: str, canonical: str, counts: Counter[str], shared: set[str], blockers: list[str]) -> str:
    if not counts[canonical]:
        found = f"the alias table spells {variant} as {canonical}"
    elif shared:
        given = sorted(shared)[0]
        found = f"{given} {variant!s} and {given} {canonical} both appear"
    else:
        found = f"{variant} looks like {canonical}"
    tally = f"{variant} {counts[variant]}×, {canonical} {counts[canonical]}×"
    outcome = "repaired" if not blockers else "proposal only: " + "; ".join(blockers)
    return f"{found} ({tally}); {outcome}"


def _alias_pair(a: str, b: str, aliases: NameAliases) -> str | None:
    canonical_a, canonical_b = aliases.canonical_of.get(a), aliases.canonical_of.get(b)
    if canonical_a and canonical_a == canonical_b:
        return canonical_a
    return None


@lru_cache(maxsize=65536)
def _word_frequency(form: str) -> float:
    """Zipf frequency of the form in English (0 = never seen; "bidet" 2.58; "life" 5.89).

    A plain ASCII word is looked up in wordfreq's table directly, which gives the same figure as
    `zipf_frequency` (checked on 3,000 random words) without its per-call tokeniser: person names
    made that lookup a tenth of the ingest time.
    """
    word = form.lower()
    if word.isascii() and word.isalpha():
        frequency = _english_frequencies().get(word, 0.0)
        return round(math.log10(frequency) + 9, 2) if frequency > 0 else 0.0
    from wordfreq import zipf_frequency

    return float(zipf_frequency(word, "en"))


def load_word_frequencies() -> None:
    """Load the English word frequencies now rather than at the first name checked (0.45 s of CPU),
    so that processes forked afterwards share them."""
    _english_frequencies()


@lru_cache(maxsize=1)
def _english_frequencies() -> dict[str, float]:
    from wordfreq import get_frequency_dict  # imported here: its tables load in ~0.2 s

    return dict(get_frequency_dict("en"))


@lru_cache(maxsize=1)
def _derived_endings() -> frozenset[str]:
    return frozenset(text.strip() for _, text in read_lines(shipped_path("derived_word_endings.txt")))


@lru_cache(maxsize=1)
def _common_given_names() -> frozenset[str]:
    return frozenset(text.strip() for _, text in read_lines(shipped_path("common_given_names.txt")))


@lru_cache(maxsize=1)
def _honorifics() -> frozenset[str]:
    return frozenset(text.strip() for _, text in read_lines(shipped_path("honorifics.txt")))


@lru_cache(maxsize=1)
def _gendered_endings() -> tuple[tuple[str, str], ...]:
    return tuple((m, f) for _, (m, f, _) in read_tsv(shipped_path("gendered_surnames.tsv"), columns=3))


@lru_cache(maxsize=1)
def _demonym_endings() -> tuple[tuple[str, str], ...]:
    return tuple((p, d) for _, (p, d, _) in read_tsv(shipped_path("demonym_endings.tsv"), columns=3))


def load_name_aliases(extra: Path | None = None, /) -> NameAliases:
    """The shipped alias table, plus a user's table of the same shape when given; read once per path."""
    return _aliases_from(extra)


@lru_cache(maxsize=4)
def _aliases_from(extra: Path | None) -> NameAliases:
    paths = [shipped_path("name_aliases.tsv")] + ([extra] if extra else [])
    canonical_of: dict[str, str] = {}
    for path in paths:
        if not path.is_file():
            raise RegistryError(str(path), 0, "no such alias table")
        for _, (canonical, variants, _) in read_tsv(path, columns=3):
            canonical_of[canonical] = canonical
            for variant in filter(None, variants.split("|")):
                canonical_of[variant] = canonical
    return NameAliases(canonical_of)
