"""Entity-name typo variants inside one article: detection, evidence, repair (DESIGN §3).

String similarity alone cannot tell a typo (Blinke/Blinken) from two people (Lavrov/Lavrova): both
score Jaro-Winkler 0.97. So a pair of similar surname forms is only a candidate; guards remove pairs
that real text shows are different (gendered forms, plurals, places and their demonyms, common
words, different first names, Korean given-name syllables), and the remaining pairs are graded by
evidence. Only strong evidence with a clear majority form rewrites the text; the rest are proposals.
"""

from __future__ import annotations

import bisect
import math
import os
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import numpy as np
from rapidfuzz.distance import OSA, JaroWinkler
from rapidfuzz.process import cdist

from ingest.datafiles import read_lines, read_tsv, shipped_path
from ingest.name_aliases import NameAliases, load_name_aliases
from ingest.normalize import starts_sentence
from ingest.patterns import TextPattern
from ingest.records import LinkEvidence, NameEvidence, NameLink, NameVariant, PersonName
from ingest.word_frequencies import foreign_languages, wordfreq_languages, zipf

# The capitalised-word scan and the close-pair search compiled, when the install had a C compiler
# (pyproject.toml).
_compiled_scan: Callable[[str, frozenset[str], type[_Occurrence]], list[_Occurrence]] | None
_compiled_close_pairs: Callable[[list[str], int], list[tuple[int, int, int]]] | None
_compiled_tallies: Callable[[list[_Occurrence], type[Counter[str]]], tuple[Counter[str], set[str]]] | None
try:
    from ingest._name_scan import close_pairs as _compiled_close_pairs
    from ingest._name_scan import occurrences as _compiled_scan
    from ingest._name_scan import tallies as _compiled_tallies
except ImportError:
    _compiled_scan = _compiled_close_pairs = _compiled_tallies = None

MIN_SIMILARITY = 0.9  # Jaro-Winkler floor for a candidate pair
# One edit near the start of a short name scores lower ("Eqypt"/"Egypt" 0.88, "Jabobs"/"Jacobs" 0.86).
MIN_SIMILARITY_ONE_EDIT = 0.85
MIN_FORM_LENGTH = 4  # shorter capitalised words are initials, titles or acronyms
LONG_FORM_LENGTH = 8  # from this length LONG_FORM_EDITS are allowed instead of SHORT_FORM_EDITS
SHORT_FORM_EDITS = 1
LONG_FORM_EDITS = 2
# Without a shared first name, a pair is proposed only when the variant is this rare in English:
# typos are ("blinke" 0, "rodick" 0), while real words and real surnames are not ("bidet" 2.58,
# "horan" 2.79, "browne" 3.42).
RARE_ZIPF = 1.5
# Two forms that are both this common are words, even after the same capitalised word ("Interior
# Minister" / "Interior Ministry", "Alcan Aluminium" / "Alcan Aluminum": "minister" is 5.0, "aluminium"
# 3.8), unless that word is a person's first name ("Charles Clark" / "Charles Clarke", "clark" 4.4).
COMMON_WORD_ZIPF = 3.5
# A first name or surname this common in English is more likely a word ("Federal", "Commission").
PERSON_WORD_ZIPF = 4.5
# Two surnames both this common are two people, even beside a title ("President Reagan", "Donald Regan").
NAME_ZIPF = 3.0
# A listed word this much rarer than the word one edit away is that word's misspelling.
MISSPELLING_GAP = 2.5
MISSPELLING_ZIPF = 2.0  # ... provided it is rarer than this ("feburary" 1.88, "gurantee" 1.57)
# A word this common ("aviation" 3.6, "august" 5.1) is what a once-written non-word one edit away meant.
COMMON_CANONICAL_ZIPF = 3.0
MAJORITY = 2  # the canonical form must occur at least this many times as often as the variant
# Across articles: a spelling this many stored articles write is the corpus's spelling, and one that
# at most CORPUS_LONE_ARTICLES write (the article at hand) is a slip for it, when it is no word.
CORPUS_ARTICLES = 5
CORPUS_LONE_ARTICLES = 1
# A word of a language news names often come from (word_frequencies.foreign_languages), written
# beside another word of that language ("Graan Elevator Mij", "Petroleos de Venezuela"), is part of a
# foreign name, not a slip for the English word one edit away ("Grain"). Alone among English words it
# may well be a slip ("Japanse" is Dutch, and a typo for "Japanese").
FOREIGN_WINDOW = 2  # words either side of the form
# Outside English, forms that differ only in this many last letters are inflections of one word or
# name (German "Grüne"/"Grünen", Russian "Таволга"/"Таволгу"), not slips. English inflections are
# in derived_word_endings.txt.
INFLECTION_LENGTH = 2
ROLE_WORDS = 4  # words looked at before a name for a role ("Chancellor of the Exchequer Nigel Lawson")
ROLE_REACH = 60  # characters that hold them
# A part after a hyphen this short is a given-name syllable ("Dae-jung", "Dae-joong"), not a surname.
SYLLABLE_LENGTH = 4

# Words that start with anything but an ASCII lower-case letter: the only ones that can be names.
# The look-behind (no word character, apostrophe or hyphen before the word) comes after the first
# letter, so that the scan skips to candidate letters without trying it at every position.
_CAPITALISED_WORD = TextPattern(r"[^\W\d_a-z](?<![\w'’-].)[^\W\d_]*(?:[-'’][^\W\d_]+)*")
_POSSESSIVE = re.compile(r"['’]s?$")
_HEADLINE_WORD = re.compile(r"\b[A-Z][A-Z]{3,}\b")  # the words of an all-caps wire headline
_DIGIT = re.compile(r"\d")
_FIGURE = re.compile(r"\d[\d,.]*")  # an amount, a date, a code
_DESIGNATION = re.compile(r"-\d")  # "Khark-5", "Rafale-2": a model or a ship, named on purpose
_TICKER = re.compile(r"<[^>]*>|\([^)]*\)")
_VOWEL = re.compile(r"[aeiouyAEIOUY]|[^\x00-\x7f]")  # "Stcks", "Ttl": abbreviations, not names
# English is told by its commonest words: at least this share of a text's words (news copy: 20-30%).
_ENGLISH_FUNCTION_WORDS = re.compile(r"\b(?:the|of|and|to|for|is|on|that|said|with)\b")
_ENGLISH_SHARE = 0.02
_ENGLISH_SAMPLE = 800  # characters: the first paragraphs tell the language
_ENGLISH_CHECK_WORDS = 20  # shorter texts are taken as English: too few words to tell
_WORD = re.compile(r"[^\W\d_]+")
_LEADING_CAPITALS = re.compile(r"^[A-Z]+(?=[A-Z][a-z])")  # the "M" of "MCorp", the "LD" of "LDBrinkman"


class _Occurrence(NamedTuple):  # a tuple: an article has dozens, and a frozen dataclass is slow to build
    form: str  # the capitalised token, possessive stripped
    given: str | None  # the capitalised word right before it, when adjacent and not a title
    sentence_start: bool  # only worked out for a word without `given`: a name part is a name anyway
    honorific: bool = False  # right after a title ("Mr Rodick")
    possessive: bool = False  # written "Ebber's" or "Ebbers'"
    table: bool = False  # on a line of figures (a commodity table), where short forms are abbreviations


@dataclass(frozen=True)
class NameReading:
    """What one pass over an article's names finds."""

    variants: tuple[NameVariant, ...]
    persons: tuple[PersonName, ...]  # as they read once the applied variants are repaired
    failures: int = 0  # judgments that failed (a bug to report): those pairs, or the article, stay unjudged


@dataclass
class _Article:
    """What the judgment of one pair may look at: how each form is written in the article."""

    text: str
    counts: Counter[str]  # occurrences of each form outside tables, the all-caps headline included
    givens: dict[str, Counter[str]]  # form -> capitalised words written right before it
    following: dict[str, Counter[str]]  # form -> capitalised words written right after it
    honorific: Counter[str]  # form -> occurrences right after a title
    possessive_only: set[str]  # forms written only as possessives
    headline_only: set[str]  # forms only in an all-caps headline: evidence for a spelling, never rewritten
    aliases: NameAliases
    language: str = "en"  # whose word frequencies tell words from names


def read_names(
    texts: Sequence[str], /, *, aliases: NameAliases | None = None, language: str | None = None
) -> NameReading:
    """Variants and person names of an article (title, then paragraphs), from one scan of its words.

    The texts are scanned joined by blank lines: a word after a line break opens a sentence and has
    no name part before it, exactly as at the start of a text of its own. Never raises: a name
    judgment is worth less than the article, so a failure costs that judgment and is counted.

    `language` (ISO 639-1) is the article's: its word frequencies tell words from names ("Grünen" is
    a German word, not a slip for "Grüne"). A language without word frequencies gets no variants;
    unknown (None), the text is judged as English when it reads as English. Scripts without capital
    letters (Arabic, Chinese, Thai, Hebrew) have no capitalised words, so no names are read at all.
    """
    try:
        text = "\n\n".join(texts)
        occurrences = _occurrences(text)
        table = aliases if aliases is not None else load_name_aliases()
        variants: tuple[NameVariant, ...] = ()
        failures = 0
        lexicon = _lexicon(language, text)
        if lexicon is not None and occurrences:
            # A wire headline in capitals ("HAWKEYE BANCORP EXCHANGE OFFER EXPIRES") spells the names
            # too; its ticker symbols ("<HWKB>") are not words.
            headline = texts[0] if texts and texts[0].isupper() else ""
            headline_forms = [word.capitalize() for word in _HEADLINE_WORD.findall(_TICKER.sub(" ", headline))]
            counts, named = _tallies(occurrences)
            if headline_forms:
                counts.update(headline_forms)
                named.update(headline_forms)
            pairs = _candidate_pairs(counts, named, table, lexicon)
            if pairs:  # most articles have none: the context of each form is gathered only for those that do
                article = _article(text, occurrences, counts, headline_forms, table, lexicon)
                variants, failures = _variants(article, pairs)
        repaired = {variant.variant: variant.canonical for variant in variants if variant.applied}
        people_language = lexicon if lexicon is not None else "en"  # no frequencies of its own: English still tells words
        return NameReading(variants, _persons(occurrences, repaired, people_language, text), failures)
    except Exception:  # noqa: BLE001 - DESIGN §3: a failed name judgment never costs the article
        return NameReading((), (), failures=1)


def find_name_variants(texts: Sequence[str], /, *, aliases: NameAliases | None = None) -> tuple[NameVariant, ...]:
    """Find variant pairs in an article given as its texts (title, then paragraphs)."""
    return read_names(texts, aliases=aliases).variants


def _lexicon(language: str | None, text: str) -> str | None:
    """The language whose word frequencies judge the article's names, or None when there is none."""
    if language is None:
        return "en" if _looks_english(text) else None
    return language if language == "en" or language in wordfreq_languages() else None


def _article(
    text: str,
    occurrences: list[_Occurrence],
    counts: Counter[str],
    headline_forms: list[str],
    aliases: NameAliases,
    language: str,
) -> _Article:
    givens: dict[str, Counter[str]] = defaultdict(Counter)
    after: dict[str, Counter[str]] = defaultdict(Counter)
    honorific: Counter[str] = Counter()
    possessive: Counter[str] = Counter()
    # An occurrence with a `given` or a title was written right after the one before it.
    following = [nxt.form if nxt.given or nxt.honorific else None for nxt in occurrences[1:]] + [None]
    for occ, next_form in zip(occurrences, following):
        if occ.table:
            continue
        if occ.given:
            givens[occ.form][occ.given] += 1
        if next_form:
            after[occ.form][next_form] += 1
        honorific[occ.form] += occ.honorific and not next_form  # "Minister Kiichi Miyazawa": a first name
        possessive[occ.form] += occ.possessive
    headline_only = {form for form in headline_forms if counts[form] == headline_forms.count(form)}
    possessive_only = {form for form, n in possessive.items() if n and n == counts[form]}
    return _Article(text, counts, givens, after, honorific, possessive_only, headline_only, aliases, language)


def _variants(article: _Article, pairs: set[tuple[str, str]]) -> tuple[tuple[NameVariant, ...], int]:
    """The article's variants, one per (variant, canonical), and how many pair judgments failed."""
    found: dict[tuple[str, str], NameVariant] = {}
    failures = 0
    for a, b in sorted(pairs):
        try:
            judged = _judge(a, b, article)
        except Exception:  # noqa: BLE001 - one pair's failure leaves only that pair unjudged
            failures += 1
            continue
        for variant in judged:
            key = (variant.variant, variant.canonical)
            if key not in found or _strength(variant) > _strength(found[key]):
                found[key] = variant
    return _closest(found.values(), article.counts, article.language), failures


def _closest(variants: Iterable[NameVariant], counts: Counter[str], language: str) -> tuple[NameVariant, ...]:
    """One canonical form per variant: "Venezulean" is Venezuelan, not Venezuela, though both are near.

    The strongest judgment wins, then the nearer spelling, then a common word over a name ("Portuguse"
    is Portuguese, not the "Portugues" of "Banco Portugues"), then the more frequent form.
    """
    def rank(variant: NameVariant) -> tuple[tuple[bool, int], int, bool, int]:
        common = zipf(variant.canonical, language) >= COMMON_CANONICAL_ZIPF
        return _strength(variant), -OSA.distance(variant.variant, variant.canonical), common, counts[variant.canonical]

    best: dict[str, NameVariant] = {}
    for variant in variants:
        kept = best.get(variant.variant)
        if kept is None or rank(variant) > rank(kept):
            best[variant.variant] = variant
    return tuple(sorted(best.values(), key=lambda v: (v.variant, v.canonical)))


def _strength(variant: NameVariant) -> tuple[bool, int]:
    """Which of two judgments of one (variant, canonical) to keep: an applied one, then stronger evidence."""
    return variant.applied, -_EVIDENCE_ORDER.index(variant.evidence)


_EVIDENCE_ORDER: tuple[NameEvidence, ...] = (
    "same_first_name", "alias", "same_neighbour", "honorific_full_name", "lone_slip", "truncation", "similar_spelling"
)


def person_names(texts: Sequence[str], /) -> tuple[PersonName, ...]:
    """Surnames written right after a first name, with how often: what cross-article links compare."""
    text = "\n\n".join(texts)
    return _persons(_occurrences(text), {}, "en", text)


def _persons(
    occurrences: list[_Occurrence], repaired: Mapping[str, str], language: str, text: str
) -> tuple[PersonName, ...]:
    """First name and surname pairs that name people.

    Left out: organisations ("Turner Broadcasting", "Amoco Corp"), pairs followed by a further
    capitalised word ("Gulf Cooperation Council"), and pairs written after "the" ("the Louvre
    Accord", "the Curzon Mayfair cinema"). A pair is a person when its first name is a known given
    name, or when the first name is no common word and the person is written as people are in news:
    after a title ("President Kenneth Kaunda") or by the surname alone elsewhere ("Mr Androsch",
    "Androsch said"). Companies and places are seldom either ("Wells Fargo", "Porto Cervo").
    """
    organisations = _organisation_words()
    counts: dict[tuple[str, str], int] = {}
    titled: set[tuple[str, str]] = set()
    companies: set[tuple[str, str]] = set()  # pairs written before an organisation word somewhere
    for i, occ in enumerate(occurrences):
        if (
            not occ.given or occ.table or len(occ.form) < MIN_FORM_LENGTH
            or occ.form in organisations or occ.given in organisations
        ):
            continue
        following = occurrences[i + 1] if i + 1 < len(occurrences) else None
        pair = (repaired.get(occ.given, occ.given), repaired.get(occ.form, occ.form))
        if following is not None and following.given == occ.form:
            if following.form in organisations:
                companies.add(pair)  # "Merrill Lynch Canada Inc" makes "Merrill Lynch" a company everywhere
            continue  # a longer run ("Drexel Burnham Lambert", "Karl Otto Poehl"): its last two words name a person
        counts[pair] = counts.get(pair, 0) + 1
        if i and occurrences[i - 1].honorific:
            titled.add(pair)
    if not counts:
        return ()
    alone = {occ.form for occ in occurrences if occ.given is None}
    people = []
    for (given, surname), n in sorted(counts.items()):
        if (given, surname) in companies or not _looks_like_a_person(given, surname, language):
            continue
        # A surname alone elsewhere ("Androsch said") tells a person, unless it is a common word or place
        # on its own ("Plunging Tokyo" beside "Tokyo").
        alone_as_surname = surname in alone and zipf(surname, language) < COMMON_WORD_ZIPF
        introduced = (given, surname) in titled or alone_as_surname or _after_a_role(given, surname, text)
        known = given in _given_names() or given in _common_given_names()
        if not introduced and (not known or n > 1):
            continue  # a name repeated in full and never shortened is a company's or a title's ("Merrill Lynch")
        if _named_as_an_organisation(given, surname, text):
            continue
        people.append(PersonName(given, surname, n))
    return tuple(people)


def _named_as_an_organisation(given: str, surname: str, text: str) -> bool:
    """Written as organisations and places are: after "the" ("the Louvre Accord"), after an
    organisation word and "of" ("Bank of Nova Scotia"), or before an organisation word, perhaps after
    "and" ("Eli Lilly and Co", "Deutsche Babcock AG")."""
    name = f"{given} {surname}"
    organisations = _organisation_words()
    at = text.find(name)
    while at >= 0:
        before = text[max(0, at - ROLE_REACH) : at].split()
        if before and (before[-1] in ("the", "The") or len(before) > 1 and before[-1] == "of" and before[-2] in organisations):
            return True
        if _and_organisation().match(text, at + len(name)):
            return True
        at = text.find(name, at + len(name))
    return False


@lru_cache(maxsize=1)
def _and_organisation() -> re.Pattern[str]:
    return re.compile(rf",? (?:(?:and|&) )?(?:{'|'.join(map(re.escape, sorted(_organisation_words())))})\b")


def _after_a_role(given: str, surname: str, text: str) -> bool:
    """The name is written after a role or a title, perhaps with the organisation between: "analyst
    Fred Leiner", "Prudential Bache analyst Fred Leiner", "Secretary of State Antony Blinken"."""
    at = text.find(f"{given} {surname}")
    roles = _person_roles()
    for word in reversed(_WORD.findall(text, max(0, at - ROLE_REACH), at)[-ROLE_WORDS:]):
        if word.lower() in roles:
            return True
        if word.islower() and word not in ("of", "the"):
            return False
    return False


def _is_given_name(word: str, language: str = "en") -> bool:
    return word in _common_given_names() or zipf(word, language) < PERSON_WORD_ZIPF


@lru_cache(maxsize=65536)
def _looks_like_a_person(given: str, surname: str, language: str) -> bool:
    """A rare word or a known first name before a surname that is not a common word.

    "Economic Commission" and "Australian Federal" are capitalised pairs too: common English words on
    either side are organisations and places far more often than people.
    """
    # English too: short wire items are often detected as another language ("Record April Three").
    # Both look-ups name the language, so that for English the second is the first's cached answer.
    if surname in _honorifics() or max(zipf(surname, language), zipf(surname, "en")) >= PERSON_WORD_ZIPF:
        return False
    if any(part.islower() for part in given.split("-")[1:]):
        return False  # "Luxembourg-based Clearstream", "London-listed Amstrad": an adjective
    return _is_given_name(given, language)


def judge_link(
    given: str,
    a: str,
    b: str,
    /,
    *,
    articles: Mapping[str, int],
    same_story: bool,
    aliases: NameAliases | None = None,
    corpus: Mapping[str, int] | None = None,
) -> tuple[NameLink, ...]:
    """Grade two surnames written after one first name in different articles (DESIGN §3, across articles).

    Precision first, since a wrong link merges two people in every count: the within-article guards
    apply, a pair with no alias entry is linked only when both spellings appear in articles of one
    story (one outlet's copy of another's text) and one spelling is in clearly more articles;
    everything else is a proposal, and a pair whose rarer spelling is a real word or a common name
    (Horan/Horgan) is not even that. An alias pair whose canonical form neither article writes
    (Zelenskiy, Zelenskyy; the table says Zelensky) links both spellings to it.

    `corpus` counts the stored articles that write each surname, whatever the first name (the
    `name_forms` table): a spelling in no word list, written in at most one article, one edit from a
    spelling many articles write ("Blinke" here, "Blinken" in 31) is linked on that evidence alone.
    """
    if a == b:
        return ()
    table = aliases if aliases is not None else load_name_aliases()
    alias_canonical = _alias_pair(a, b, table)
    counts = Counter(articles)
    spellings = _Article("", counts, {}, {}, Counter(), set(), set(), table)
    if alias_canonical is None and (_guard(a, b, spellings) is not None or not _similar(a, b, OSA.distance(a, b))):
        return ()
    if alias_canonical is not None and alias_canonical not in (a, b):
        return tuple(_link(given, form, alias_canonical, "alias", True, counts) for form in (a, b))
    canonical, variant, majority = _choose_canonical(a, b, spellings, alias_canonical)
    evidence: LinkEvidence = "alias" if alias_canonical else "same_story" if same_story else "similar_spelling"
    if evidence == "similar_spelling" and zipf(variant) >= RARE_ZIPF:
        return ()
    if evidence == "similar_spelling" and _spelt_so_by_the_corpus(variant, canonical, corpus or {}):
        evidence = "corpus"
    linked = evidence in ("alias", "corpus") or (evidence == "same_story" and majority)
    return (_link(given, variant, canonical, evidence, linked, counts, majority=majority, corpus=corpus or {}),)


def _spelt_so_by_the_corpus(variant: str, canonical: str, corpus: Mapping[str, int]) -> bool:
    return (
        corpus.get(canonical, 0) >= CORPUS_ARTICLES
        and corpus.get(variant, 0) <= CORPUS_LONE_ARTICLES
        and OSA.distance(variant, canonical) == 1
        and zipf(variant) == 0
    )


def _link(
    given: str, variant: str, canonical: str, evidence: LinkEvidence, linked: bool, articles: Counter[str],
    *, majority: bool = True, corpus: Mapping[str, int] | None = None,
) -> NameLink:
    tally = f"{given} {variant} in {articles[variant]} articles, {given} {canonical} in {articles[canonical]}"
    if corpus:
        tally += f"; {variant} in {corpus.get(variant, 0)} stored articles, {canonical} in {corpus.get(canonical, 0)}"
    reason = {
        "alias": "the alias table lists both",
        "same_story": "both spellings appear in articles of one story",
        "corpus": f"{variant} is in no word list and the stored articles spell it {canonical}",
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
    if _compiled_scan is not None:
        return _compiled_scan(text, _honorifics(), _Occurrence)
    return _scan_occurrences(text)


def _tallies(occurrences: list[_Occurrence]) -> tuple[Counter[str], set[str]]:
    """How often each form is written outside tables, and the forms written other than where a
    sentence starts. Compiled where the install built ingest/_name_scan.c."""
    if _compiled_tallies is not None:
        return _compiled_tallies(occurrences, Counter)
    counts = Counter(occ.form for occ in occurrences if not occ.table)
    return counts, {occ.form for occ in occurrences if not occ.sentence_start}


def _scan_occurrences(text: str) -> list[_Occurrence]:
    """The scan in Python, for an install built without a C compiler: ingest/_name_scan.c does the
    same steps (a test holds them to the same output), at a tenth of the time."""
    found = []
    honorifics = _honorifics()
    tables = _table_lines(text)
    previous_end = -10
    previous_form: str | None = None
    for match in _CAPITALISED_WORD.finditer(text):
        word = match.group(0)
        start, end = match.span()
        if len(word) > 1 and word[0].isupper() and not word.isupper():
            form = _POSSESSIVE.sub("", word) if "'" in word or "’" in word else word
            adjacent = previous_form is not None and start == previous_end + 1 and text[previous_end] == " "
            titled = adjacent and previous_form in honorifics
            given = previous_form if adjacent and not titled else None
            in_table = bool(tables) and _inside(tables, start) or text.startswith("-", end) and bool(
                _DESIGNATION.match(text, end)
            )
            found.append(
                _Occurrence(form, given, given is None and starts_sentence(text, start), titled, form != word, in_table)
            )
            previous_form = None if form != word else form
        else:
            previous_form = None
        previous_end = end
    return found


def _table_lines(text: str) -> list[tuple[int, int]]:
    """Spans of lines that are mostly figures: the rows of a commodity or results table.

    "Start Stcks 1,905 1,905 1,425" and "Ttl Domes 485 485 543" are column labels cut short on
    purpose; rewriting them to the longer label of the next row is wrong, however similar they are.
    """
    spans = []
    position = 0
    for line in text.split("\n"):
        if _DIGIT.search(line):
            words = line.count(" ") + 1
            if words >= 3 and len(_FIGURE.findall(line)) * 10 >= 3 * words:
                spans.append((position, position + len(line)))
        position += len(line) + 1
    return spans


def _inside(spans: list[tuple[int, int]], position: int) -> bool:
    index = bisect.bisect_right(spans, (position, math.inf)) - 1
    return index >= 0 and spans[index][0] <= position < spans[index][1]


def _looks_english(text: str) -> bool:
    """Whether the text reads as English: the word-frequency evidence below is English word frequency."""
    sample = text[:_ENGLISH_SAMPLE]
    words = sample.count(" ") + 1
    return words < _ENGLISH_CHECK_WORDS or len(_ENGLISH_FUNCTION_WORDS.findall(sample)) >= _ENGLISH_SHARE * words


def _candidate_pairs(
    counts: Counter[str], named: set[str], aliases: NameAliases, language: str
) -> set[tuple[str, str]]:
    """Pairs of forms within one edit (two for long forms; a transposition is one) that may be one name.

    A common word written only where a sentence starts ("There", "Analysts") is a word, and is paired
    only with forms that are in no word list, one edit away: those are that word misspelt
    ("Offficials said", "Manufacturng output").

    The edit distances come first, over every form long enough, and each form's class only for the
    few forms near another: a Reuters story has a dozen forms and half a close pair, and classing
    every form (a word-frequency look-up and a vowel search each) took 60% of this step.
    """
    def named_or_rare(form: str) -> bool:
        return form in named or zipf(form, language) < PERSON_WORD_ZIPF

    forms = [form for form in sorted(counts) if len(form) >= MIN_FORM_LENGTH]
    pairs = set()
    for i, j, distance in _close_pairs(forms, LONG_FORM_EDITS):
        a, b = forms[i], forms[j]
        if not (_VOWEL.search(a) and _VOWEL.search(b)):
            continue
        a_is_name, b_is_name = named_or_rare(a), named_or_rare(b)
        if a_is_name and b_is_name:
            similar = _similar(a, b, distance)
        elif a_is_name != b_is_name and distance <= SHORT_FORM_EDITS:
            slip, word = (a, b) if a_is_name else (b, a)
            similar = zipf(slip, language) < RARE_ZIPF and _similar(slip, word, SHORT_FORM_EDITS)
        else:
            similar = False
        if similar:
            pairs.add((a, b))
    by_canonical: dict[str, list[str]] = defaultdict(list)
    for form in forms:
        if form in aliases.canonical_of and _VOWEL.search(form) and named_or_rare(form):
            by_canonical[aliases.canonical_of[form]].append(form)
    pairs.update((a, b) for group in by_canonical.values() for i, a in enumerate(group) for b in group[i + 1 :])
    return pairs


def _close_pairs(forms: list[str], most: int) -> list[tuple[int, int, int]]:
    """`(i, j, OSA distance)` of the pairs of forms (i < j) at most `most` edits apart.

    Compiled where the install built ingest/_name_scan.c: most articles have a dozen forms, and the
    set-up of the vectorised rapidfuzz call and its NumPy steps dominated (`_candidate_pairs` took
    85 us a Reuters article with them, 36 us with the compiled search, which skips pairs whose
    lengths or letters differ by more than `most` before it aligns any).
    """
    if _compiled_close_pairs is not None:
        return _compiled_close_pairs(forms, most)
    if not forms:
        return []
    distances = cdist(forms, forms, scorer=OSA.distance, score_cutoff=most, dtype=np.int8)
    rows, columns = np.nonzero(distances <= most)
    upper = rows < columns  # each pair once, and no form paired with itself
    return [(int(i), int(j), int(distances[i, j])) for i, j in zip(rows[upper], columns[upper])]


def _similar(a: str, b: str, distance: int) -> bool:
    allowed = LONG_FORM_EDITS if min(len(a), len(b)) >= LONG_FORM_LENGTH else SHORT_FORM_EDITS
    floor = MIN_SIMILARITY if distance > 1 else MIN_SIMILARITY_ONE_EDIT
    return distance <= allowed and JaroWinkler.similarity(a, b) >= floor


def _judge(a: str, b: str, article: _Article) -> tuple[NameVariant, ...]:
    """Grade one candidate pair: a repair or a proposal, none when the pair is not one name.

    An alias pair whose canonical form the article never writes gives both forms as variants of it.
    """
    counts = article.counts
    alias_canonical = _alias_pair(a, b, article.aliases)
    if alias_canonical is not None and alias_canonical not in (a, b):
        shared = _shared(article.givens, a, b, article.aliases)
        evidence: NameEvidence = "same_first_name" if shared else "alias"
        return tuple(_variant(form, alias_canonical, evidence, True, counts, shared) for form in (a, b))
    if alias_canonical is None and _guard(a, b, article) is not None:
        return ()
    canonical, variant, majority = _choose_canonical(a, b, article, alias_canonical)
    if variant in article.headline_only:
        return ()  # only the headline writes it, in capitals: nothing to rewrite, and one slip is no evidence
    shared = _shared(article.givens, a, b, article.aliases)
    if shared:
        evidence = "same_first_name"
    elif alias_canonical:
        evidence = "alias"
    elif _shared(article.following, a, b, article.aliases):
        evidence = "same_neighbour"
    elif _titled_beside_full_name(variant, canonical, article) and min(
        zipf(a, article.language), zipf(b, article.language)
    ) < NAME_ZIPF:
        evidence = "honorific_full_name"
    elif a.startswith(b) or b.startswith(a):
        evidence = "truncation"
    elif _lone_slip(variant, canonical, counts, article.language) and not _own_full_name(variant, canonical, article):
        evidence = "lone_slip"
    else:
        evidence = "similar_spelling"
    if alias_canonical is None and _misspelt_majority(variant, canonical, article):
        variant, canonical, majority = canonical, variant, False  # a proposal: which spelling is right is unclear
    elif alias_canonical is None and (
        _is_word(variant, canonical, article.language)
        or article.language == "en" and _in_foreign_name(variant, article.text)
    ):
        if evidence not in _CONTEXT and not _bare_beside_full_name(variant, canonical, article):
            return ()  # a real word or name (Horan/Horgan), and no first name, title or neighbour says it is this one
        if re.search(rf"(?<![\w-]){re.escape(variant.lower())}(?![\w-])", article.text):
            return ()  # the article writes the variant as a word of its own: rewriting it would change a word
    return (_variant(variant, canonical, evidence, majority, counts, shared),)


def _lone_slip(variant: str, canonical: str, counts: Counter[str], language: str) -> bool:
    """A form written once that is no English word, one edit from a form written more often or from a
    common English word the article also writes ("Treassury" beside "Treasury", "Avaition" beside the
    headline's "AVIATION").

    Brand names spelt with inner capitals (MCorp, PacifiCorp) are left to the proposals: their
    spelling is deliberate more often than a slip.
    """
    return (
        counts[variant] == 1
        and (counts[canonical] >= 2 or zipf(canonical, language) >= COMMON_CANONICAL_ZIPF)
        and OSA.distance(variant, canonical) == 1
        and not any(c.isupper() for c in variant[1:])
        and zipf(variant, language) == 0  # not even a listed misspelling: Liffe, Centraal and Nottm are
    )


def _is_word(variant: str, canonical: str, language: str) -> bool:
    """Whether the variant is a word of its own rather than a misspelling of the canonical form.

    Word lists hold common misspellings too ("febuary" 2.0, "intergrated" 1.9), far below the word
    they misspell ("february" 5.0): a form that rare beside its look-alike is a slip, not a word. In
    English news, a word common in a language names come from ("Graan", "Cereais") is a word too.
    """
    frequency = zipf(variant, language)
    if frequency >= MISSPELLING_ZIPF:
        return True  # listed misspellings stay rarer than this; foreign words in names do not ("Groupe" 2.5)
    return frequency >= RARE_ZIPF and zipf(canonical, language) - frequency < MISSPELLING_GAP


def _misspelt_majority(variant: str, canonical: str, article: _Article) -> bool:
    """The more frequent form is in no word list, and the other is a rare listed name one edit away:
    the article repeats a misspelling ("Predergast" twice, "Lawrence Prendergast" once; "Penzoil")."""
    rare_name = RARE_ZIPF <= zipf(variant, article.language) < NAME_ZIPF
    return rare_name and zipf(canonical, article.language) == 0 and OSA.distance(variant, canonical) == 1


def _bare_beside_full_name(variant: str, canonical: str, article: _Article) -> bool:
    """The variant is a surname written once on its own, one edit from a surname the article writes
    more often after a first name ("Schultz" beside "George Shultz"; "Hoffmann" beside "Dustin Hoffman").

    A common word ("Czech" beside "Petr Cech") is not a surname on its own; a surname after an
    initial ("M Horan" beside "Denis Horgan"), before another name part ("Upton Park") or in a list
    of names ("Sheahan, Horan, O'Callaghan", a team sheet) is someone else's name.
    """
    return (
        article.counts[variant] == 1
        and article.counts[canonical] >= MAJORITY
        and zipf(variant, article.language) < COMMON_WORD_ZIPF
        and variant not in article.givens
        and not article.honorific[variant]
        and not article.following.get(variant)
        and any(_is_given_name(g, article.language) for g in article.givens.get(canonical, ()))
        and OSA.distance(variant, canonical) == 1
        and not re.search(rf"(?<![\w.])[A-Z]\.? {re.escape(variant)}(?![\w-])|(?<![\w-]){re.escape(variant)}, [A-Z]", article.text)
    )


def _in_foreign_name(form: str, text: str) -> bool:
    """The form is a word of another language, written beside another word of that same language."""
    languages = foreign_languages(form)
    if not languages:
        return False
    for match in re.finditer(rf"(?<![\w-]){re.escape(form)}(?![\w-])", text):
        before = _WORD.findall(text, max(0, match.start() - 60), match.start())[-FOREIGN_WINDOW:]
        after = _WORD.findall(text, match.end(), match.end() + 60)[:FOREIGN_WINDOW]
        if any(languages & foreign_languages(word) for word in before + after):
            return True
    return False


def _own_full_name(variant: str, canonical: str, article: _Article) -> bool:
    """The variant is written after a first name the other form never has: someone else ("Tim Koogle")."""
    names = _common_given_names()
    return any(g in names for g in article.givens.get(variant, ())) and not article.givens.get(canonical)


def _shared(context: dict[str, Counter[str]], a: str, b: str, aliases: NameAliases) -> set[str]:
    """Words written next to both forms, transliterations of one first name counting as one (Sergey, Sergei)."""
    spelt = aliases.canonical_of
    return {spelt.get(w, w) for w in context.get(a, ())} & {spelt.get(w, w) for w in context.get(b, ())}


def _titled_beside_full_name(variant: str, canonical: str, article: _Article) -> bool:
    """One form follows a title ("Mr Rodick"), the other a first name ("Andy Roddick")."""
    titled, given = article.honorific, article.givens
    return bool((titled[variant] and given.get(canonical)) or (titled[canonical] and given.get(variant)))


# What makes a real word ("Clark", "Preston", "Sante") a slip for a name: it is written as a person's
# name, or beside the word the other spelling is written beside ("Sante Fe", "Santa Fe").
_CONTEXT: frozenset[NameEvidence] = frozenset({"same_first_name", "honorific_full_name", "same_neighbour"})
_APPLIED_WITH_MAJORITY: frozenset[NameEvidence] = frozenset(
    {"same_first_name", "same_neighbour", "honorific_full_name"}
)


def _variant(
    variant: str, canonical: str, evidence: NameEvidence, majority: bool, counts: Counter[str], shared: set[str]
) -> NameVariant:
    blockers = []
    if evidence not in _APPLIED_WITH_MAJORITY and evidence != "lone_slip":
        blockers.append(f"evidence is {evidence.replace('_', ' ')}, not one first name with both forms")
    if not majority and evidence != "lone_slip":
        blockers.append(f"{variant} occurs {counts[variant]}× and {canonical} {counts[canonical]}×: no clear majority")
    return NameVariant(
        variant=variant,
        canonical=canonical,
        evidence=evidence,
        applied=not blockers,
        occurrences=counts[variant],
        detail=_describe(variant, canonical, evidence, counts, shared, blockers),
    )


def _guard(a: str, b: str, article: _Article) -> str | None:
    """Why two similar forms are known to be different names or words, or None."""
    short, long = sorted((a, b), key=len)
    if a.lower() == b.lower() or a.replace("-", "") == b.replace("-", ""):
        return "same word in another case or hyphenation (house style, not a typo)"
    if _LEADING_CAPITALS.sub("", long) == short or long.startswith(short) and _inner_capital(short):
        return "a brand or a heading written with inner capitals (MCorp beside Corp, AvgPric), spelt on purpose"
    language = article.language
    given = _shared(article.givens, a, b, article.aliases)
    both_common = min(zipf(a, language), zipf(b, language)) >= COMMON_WORD_ZIPF
    if both_common and "-" not in a + b and not given & _common_given_names():
        return "two common words (Minister/Ministry), not a misspelt name"
    if long.startswith(short) and long[len(short) :] in _derived_endings():
        person = article.honorific[short] or any(_is_given_name(g, language) for g in article.givens.get(short, ()))
        misplaced_apostrophe = short in article.possessive_only and person
        if not (long == short + "s" and misplaced_apostrophe):  # "Mr Ebber's" for "Mr Ebbers'"
            return "derived word or plural"
    if language != "en" and _inflected(a, b):
        return "inflected forms of one word or name (Grüne/Grünen, Таволга/Таволгу)"
    for masculine, feminine in _gendered_endings():
        for m, f in ((a, b), (b, a)):
            if m.endswith(masculine) and f.endswith(feminine) and m[: len(m) - len(masculine)] == f[: len(f) - len(feminine)]:
                return "gendered surname forms"
    for place_end, demonym_end in _demonym_endings():
        for p, d in ((a, b), (b, a)):
            if p.endswith(place_end) and d == p[: len(p) - len(place_end)] + demonym_end:
                return "place and demonym"
    if "-" in a and "-" in b:
        (head_a, tail_a), (head_b, tail_b) = a.rsplit("-", 1), b.rsplit("-", 1)
        if head_a == head_b and max(len(tail_a), len(tail_b)) <= SYLLABLE_LENGTH:
            return "different given-name syllables"
    if a in article.givens.get(b, ()) or b in article.givens.get(a, ()):
        return "first name and surname of one person (Jumardi Jukardi)"
    if _first_name_only(a, article) and _surname_only(b, article) or _first_name_only(b, article) and _surname_only(a, article):
        return "a first name and another person's surname (Kiichi Miyazawa, Mr Kiuchi)"
    spelt = article.aliases.canonical_of
    given_a = {spelt.get(w, w) for w in article.givens.get(a, ()) if _is_given_name(w, language)}
    given_b = {spelt.get(w, w) for w in article.givens.get(b, ()) if _is_given_name(w, language)}
    if given_a and given_b and not given_a & given_b:
        return "different first names"
    return None


def _inflected(a: str, b: str) -> bool:
    """The forms differ only in their endings: "Grüne"/"Grünen", "Таволга"/"Таволгу", "Putin"/"Putina".

    A letter dropped before a shared last letter is a slip, not an ending ("Baerbok"/"Baerbock").
    """
    stem = len(os.path.commonprefix((a, b)))
    end_a, end_b = a[stem:], b[stem:]
    return max(len(end_a), len(end_b)) <= INFLECTION_LENGTH and (not end_a or not end_b or end_a[-1] != end_b[-1])


def _inner_capital(form: str) -> bool:
    """A capital inside a word ("MCorp", "AvgPric"), not one opening a hyphenated part ("Massy-Green")."""
    return any(c.isupper() and form[i - 1].isalpha() for i, c in enumerate(form) if i)


def _surname_only(form: str, article: _Article) -> bool:
    """The form is written after a first name and never before another capitalised word or name."""
    givens = article.givens.get(form, ())
    return any(_is_given_name(g, article.language) for g in givens) and not article.following.get(form)


def _first_name_only(form: str, article: _Article) -> bool:
    """The form is written only as the first name of a surname, never after a first name itself."""
    return form not in article.givens and any(
        form in before and _is_surname(surname, article.language) for surname, before in article.givens.items()
    )


def _is_surname(form: str, language: str) -> bool:
    return form not in _honorifics() and zipf(form, language) < PERSON_WORD_ZIPF


def _choose_canonical(a: str, b: str, article: _Article, alias_canonical: str | None) -> tuple[str, str, bool]:
    """Return (canonical, variant, clear_majority).

    The alias table decides when it knows the pair. Otherwise the clearly more frequent form is
    canonical ("Robert Preston" once, "Mr Peston" three times: Peston). Without a clear majority the
    full name wins over a title and surname ("Jacques Barrot" / "Mr Barot"), then the more frequent
    form, and on a tie the form that is rarer in the language is taken as the variant (typos are
    rare words); the missing majority keeps the pair a proposal.
    """
    if alias_canonical:
        other = b if alias_canonical == a else a
        return alias_canonical, other, True
    counts = article.counts
    if counts[a] >= MAJORITY * counts[b] or counts[b] >= MAJORITY * counts[a]:
        canonical, variant = (a, b) if counts[a] > counts[b] else (b, a)
        return canonical, variant, True
    frequency_a, frequency_b = zipf(a, article.language), zipf(b, article.language)
    if min(frequency_a, frequency_b) == 0 and max(frequency_a, frequency_b) >= RARE_ZIPF and OSA.distance(a, b) == 1:
        # One form is a word or a known name, the other is in no word list: "Servcice" and "Service"
        # tie once each, and the slip is plain.
        return (a, b, True) if frequency_a > frequency_b else (b, a, True)
    full_a = bool(article.givens.get(a)) and not article.honorific[a]
    full_b = bool(article.givens.get(b)) and not article.honorific[b]
    if full_a != full_b and (article.honorific[a] or article.honorific[b]):
        canonical, variant = (a, b) if full_a else (b, a)
    elif counts[a] != counts[b]:
        canonical, variant = (a, b) if counts[a] > counts[b] else (b, a)
    else:
        canonical, variant = sorted((a, b), key=lambda form: zipf(form, article.language), reverse=True)
    return canonical, variant, False


_FOUND = {
    "same_first_name": "{given} {variant} and {given} {canonical} both appear",
    "alias": "the alias table spells {variant} as {canonical}",
    "same_neighbour": "{variant} and {canonical} are written beside the same word",
    "honorific_full_name": "a title with one spelling, a first name with the other",
    "lone_slip": "{variant}, not an English word, is written once beside {canonical}",
}


def _describe(
    variant: str, canonical: str, evidence: NameEvidence, counts: Counter[str], shared: set[str], blockers: list[str]
) -> str:
    given = sorted(shared)[0] if shared else ""
    found = _FOUND.get(evidence, "{variant} looks like {canonical}").format(
        given=given, variant=variant, canonical=canonical
    )
    tally = f"{variant} {counts[variant]}×, {canonical} {counts[canonical]}×"
    outcome = "repaired" if not blockers else "proposal only: " + "; ".join(blockers)
    return f"{found} ({tally}); {outcome}"


def _alias_pair(a: str, b: str, aliases: NameAliases) -> str | None:
    canonical_a, canonical_b = aliases.canonical_of.get(a), aliases.canonical_of.get(b)
    if canonical_a and canonical_a == canonical_b:
        return canonical_a
    return None


@lru_cache(maxsize=1)
def _derived_endings() -> frozenset[str]:
    return frozenset(text.strip() for _, text in read_lines(shipped_path("derived_word_endings.txt")))


@lru_cache(maxsize=1)
def _common_given_names() -> frozenset[str]:
    return frozenset(text.strip() for _, text in read_lines(shipped_path("common_given_names.txt")))


@lru_cache(maxsize=1)
def _person_roles() -> frozenset[str]:
    roles = (text.strip() for _, text in read_lines(shipped_path("person_roles.txt")))
    return frozenset(roles).union(title.lower() for title in _honorifics())


@lru_cache(maxsize=1)
def _given_names() -> frozenset[str]:
    return frozenset(text.strip() for _, text in read_lines(shipped_path("given_names.txt")))


@lru_cache(maxsize=1)
def _organisation_words() -> frozenset[str]:
    return frozenset(text.strip() for _, text in read_lines(shipped_path("organisation_words.txt")))


@lru_cache(maxsize=1)
def _honorifics() -> frozenset[str]:
    return frozenset(text.strip() for _, text in read_lines(shipped_path("honorifics.txt")))


@lru_cache(maxsize=1)
def _gendered_endings() -> tuple[tuple[str, str], ...]:
    return tuple((m, f) for _, (m, f, _) in read_tsv(shipped_path("gendered_surnames.tsv"), columns=3))


@lru_cache(maxsize=1)
def _demonym_endings() -> tuple[tuple[str, str], ...]:
    return tuple((p, d) for _, (p, d, _) in read_tsv(shipped_path("demonym_endings.tsv"), columns=3))


