"""News agency tagging: which agencies supplied a story or are cited in it, and in which role.

The role comes from where a name occurs (DESIGN §4): the dateline, the trailing credit line, next to a
citation cue ("according to", "told"), in a photo credit, or anywhere else ("mention"). Short forms
that often mean something else (AP, AFP, PA, TT) count only in a dateline's agency slot ("(AP)",
"/TASS/", never a state's "PA." after a town), a credit or beside a cue, and never in a document that
defines the acronym as something else. Roles are never added up: "told Reuters" is a quote's source,
not the story's; a story datelined by one agency that quotes another gets both tags.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, NamedTuple

from ingest.datafiles import read_patterns, read_tsv, shipped_path
from ingest.errors import RegistryError
from ingest.normalize import starts_sentence
from ingest.patterns import TextPattern
from ingest.records import AgencyRole, AgencyTag

_compiled_hits: Callable[[list[str], dict[str, str], frozenset[str]], tuple[set[str], set[str]]] | None
try:
    from ingest._word_tokens import vocabulary_hits as _compiled_hits
except ImportError:  # built without a C compiler: the sets are built in Python
    _compiled_hits = None

UNNAMED_AGENCIES = "AGENCIES"
_CONTEXT = 200  # at most this many characters on each side of a match in matched_text (its sentence)
_SENTENCE_END = re.compile(r"[.!?][\"”’']?\s+(?=[\"“‘'(]?[A-Z0-9])")
_CUE_WINDOW = 120  # characters on each side of a match searched for a cue
_CODE = re.compile(r"[A-Z][A-Z0-9_]*\Z")
_TOKEN = TextPattern(r"[^\W_]+")
_AGENCIES_WORD = re.compile(r"\bagencies\b", re.IGNORECASE)
# A long form that starts with a generic word is part of another name when a capitalised word precedes
# it: "Hollywood Foreign Press Association" is not the Press Association.
_GENERIC_FIRST_WORDS = frozenset({"press", "news", "central", "national", "united", "associated", "islamic", "middle"})
_CAPITALISED_BEFORE = re.compile(r"([A-Z][\w'-]*) $")
_DEFINITION_AFTER = re.compile(r" \(([A-Z][a-z][^()]{2,60})\)")  # "AFP (Australian Federal Police)"
_JOINED = re.compile(r"(?:,| and| or|, and)(?: the)? ")  # "told Reuters and the AFP": the cue covers both
_APPOSITION = re.compile(r"(?: |, | \()([A-Za-z]{2,8})\b\)?,?")  # "Agency SPA", "Agency, WAM,", "Agency (KNA)"
_DEFINITION_BEFORE = re.compile(r"((?:[A-Z][\w'-]*|of|for|and|the) ){1,8}\($")  # "Australian Federal Police ("


@dataclass(frozen=True)
class Agency:
    code: str
    name: str
    long_forms: tuple[str, ...]
    short_forms: tuple[str, ...]
    ambiguous: bool


class _Match(NamedTuple):  # a tuple: built for every match, and a frozen dataclass is slow to build
    code: str
    text: str
    start: int
    end: int
    short: bool  # matched a case-sensitive short form


_Patterns = tuple[re.Pattern[str] | None, re.Pattern[str] | None]
_Role = AgencyRole | Literal["cited_after"]  # "cited_after": cited only by a verb after the name


@dataclass(frozen=True)
class _Registry:
    agencies: dict[str, Agency]
    code_of_long: dict[str, str]  # lower-cased long form -> code
    code_of_short: dict[str, str]
    # lower-cased first word -> (long form, the lower-cased words it is made of) for forms starting with it
    long_by_first_word: dict[str, tuple[tuple[str, frozenset[str]], ...]]
    long_words: frozenset[str]  # every lower-cased word of a long form

    def patterns(self, text: str) -> _Patterns:
        """Patterns for the long and the short forms that can occur in `text` (None: none can).

        Matching all ~170 forms as one alternation at every position was most of the tagging time;
        almost every text holds none of them, so a word-set look-up decides first: a long form is
        tried only in a text that holds all of its words ("New China News Agency" not wherever "new" is).
        """
        tokens = set(_TOKEN.findall(text))
        return self.patterns_for(tokens, set(map(str.lower, tokens)))

    def patterns_for(self, tokens: set[str], lowered: set[str]) -> _Patterns:
        """`patterns` of a text given as its set of tokens and the set of their lower-case forms, or only
        those tokens that are short forms and those lower-case forms that are words of long forms."""
        long_forms = tuple(sorted(form for word in lowered & self.long_by_first_word.keys()
                                  for form, words in self.long_by_first_word[word] if words <= lowered))
        short_forms = tuple(sorted(tokens & self.code_of_short.keys()))
        return (
            _alternation(long_forms, re.IGNORECASE) if long_forms else None,
            _alternation(short_forms, 0) if short_forms else None,
        )


def tag_agencies(
    paragraphs: Sequence[str],
    /,
    *,
    title: str = "",
    dateline: str | None = None,
    credit: str | None = None,
    words: Sequence[str] | None = None,
) -> tuple[AgencyTag, ...]:
    """Tag every agency in an article once per role, keeping the first evidence for each.

    `words`: the `\\w+` tokens of the title and paragraphs, when the caller has them (the article
    key needs them too), which spares a scan of the whole text.
    """
    registry = load_registry()
    tags = [*(_dateline_tags(dateline) if dateline else ()), *(_credit_tags(credit) if credit else ())]
    full_text = "\n".join([title, *paragraphs])
    patterns = registry.patterns(full_text) if words is None else registry.patterns_for(*_vocabulary_hits(words, registry))
    if patterns != (None, None):
        document = _Document(registry, full_text, patterns, _redefined_short_forms(registry, full_text, patterns[1]))
        for text in (title, *paragraphs):
            tags += _running_text_tags(document, text)
    return _first_per_role(tags)


# A feed's datelines and credit lines repeat ("Reuter" ends 14,000 Reuters-21578 stories, "WASHINGTON,
# April 9 -" opens 115; 7,500 datelines for 21,000 stories with BBC's), and their tags depend on the
# line alone: each distinct line is tagged once per process.
_EDGE_LINES_KEPT = 4096


@lru_cache(maxsize=_EDGE_LINES_KEPT)
def _dateline_tags(dateline: str) -> tuple[AgencyTag, ...]:
    registry = load_registry()
    return tuple(AgencyTag(m.code, "dateline", dateline) for m in _matches(registry, dateline)
                 if not m.short or _in_agency_slot(dateline, m))


@lru_cache(maxsize=_EDGE_LINES_KEPT)
def _credit_tags(credit: str) -> tuple[AgencyTag, ...]:
    tags = [AgencyTag(m.code, "credit", credit) for m in _matches(load_registry(), credit)]
    if _AGENCIES_WORD.search(credit):
        tags.append(AgencyTag(UNNAMED_AGENCIES, "credit", credit))
    return tuple(tags)


def _in_agency_slot(dateline: str, match: _Match) -> bool:
    """Whether a short form sits where the dateline's shape says "agency" ("(AP)", "/TASS/"), the only
    place it counts: "PITTSBURGH, PA., April 2 -" (Pennsylvania) is no Press Association dateline."""
    slots = (found.span("agency") for pattern in _dateline_slot_patterns() for found in pattern.finditer(dateline))
    return any(start <= match.start and match.end <= end for start, end in slots)


@dataclass
class _Document:
    """What running-text tagging needs to know about the whole article."""

    registry: _Registry
    text: str
    patterns: _Patterns
    redefined: set[str]  # ambiguous short forms this document spells out as something else
    _long_forms: dict[str, list[int]] | None = None  # code -> where its long forms end, found on first need

    def speaks_of_agency(self, code: str) -> bool:
        """Whether the document names this agency by a long form or speaks of news agencies at all.

        Asked only for an ambiguous short form followed by a reporting verb.
        """
        return code in self.long_forms() or any(p.search(self.text) for p in _cue_patterns().document)

    def shows_as_company(self, code: str) -> bool:
        """Whether the document names this agency as a company ("Reuters Holdings Plc <RTRS.L>")."""
        company = _cue_patterns().company
        return any(p.match(self.text, end) for end in self.long_forms().get(code, ()) for p in company)

    def long_forms(self) -> dict[str, list[int]]:
        """Where each agency's long forms end in the document, by code."""
        if self._long_forms is None:
            self._long_forms = {}
            for found in self.patterns[0].finditer(self.text) if self.patterns[0] else ():
                self._long_forms.setdefault(self.registry.code_of_long[found.group(0).lower()], []).append(found.end())
        return self._long_forms


def _vocabulary_hits(words: Sequence[str], registry: _Registry) -> tuple[set[str], set[str]]:
    """Of a text's `_TOKEN` tokens, given as its `\\w+` tokens (the same runs, split at underscores),
    the short forms of the registry, and the lower-case forms that are words of its long forms: all
    `patterns_for` looks at. Compiled where the install built ingest/_word_tokens.c, which looks each
    token up rather than building the text's whole token sets (7.5-9 us a Reuters story)."""
    if _compiled_hits is not None:
        return _compiled_hits(words if isinstance(words, list) else list(words), registry.code_of_short, registry.long_words)
    tokens = set(words)
    if "_" in "".join(tokens):  # one scan in C: a generator over the words cost 1% of preparing an article
        tokens = {part for word in tokens for part in word.split("_") if part}
    return tokens & registry.code_of_short.keys(), set(map(str.lower, tokens)) & registry.long_words


def agencies() -> dict[str, Agency]:
    """The registry by code."""
    return load_registry().agencies


def _running_text_tags(document: _Document, text: str) -> Iterator[AgencyTag]:
    previous: tuple[int, _Role] | None = None  # end and role of the last match, for "told Reuters and AFP"
    for match in sorted(_matches(document.registry, text, document.patterns), key=lambda m: m.start):
        agency = document.registry.agencies[match.code]
        if match.short and match.text in document.redefined:
            continue
        role = _role_in_running_text(text, match)
        joined = previous is not None and _JOINED.fullmatch(text, previous[0], match.start) is not None
        if role == "mention" and previous and joined:
            role = previous[1]
        previous = (match.end, role)
        if role == "cited_after" and match.short and agency.ambiguous and not document.speaks_of_agency(match.code):
            continue  # "airline TAP has confirmed", "Fiat SPA said": a reporting verb alone is not enough
        if role == "cited_after" and document.shows_as_company(match.code):
            role = "mention"  # "Reuters Holdings Plc said ... Reuters said it would buy": the company speaking
        if role == "mention" and match.short and agency.ambiguous:
            continue
        if role == "mention" and not match.short and _inside_other_name(text, match):
            continue
        yield AgencyTag(match.code, "cited" if role == "cited_after" else role, _context(text, match))


def _role_in_running_text(text: str, match: _Match) -> _Role:
    """The role the words around a match give it; "cited_after" when only a following verb cites it."""
    before, after = text[max(0, match.start - _CUE_WINDOW) : match.start], text[match.end : match.end + _CUE_WINDOW]
    cues = _cue_patterns()
    if any(p.search(before) for p in cues.image_before) or any(p.match(after) for p in cues.image_after):
        return "image_credit"
    if any(p.search(before) for p in cues.before):
        return "cited"
    if any(p.match(after) for p in cues.after):
        return "cited_after"
    return "mention"


def _inside_other_name(text: str, match: _Match) -> bool:
    if match.text.split()[0].lower() not in _GENERIC_FIRST_WORDS:
        return False
    found = _CAPITALISED_BEFORE.search(text[: match.start])
    return found is not None and not starts_sentence(text, found.start()) and found.group(1).lower() != "the"


def _redefined_short_forms(registry: _Registry, text: str, pattern: re.Pattern[str] | None) -> set[str]:
    """Ambiguous short forms that this document spells out as something other than the agency."""
    redefined: set[str] = set()
    if pattern is None:
        return redefined
    for match in pattern.finditer(text):
        short = match.group(0)
        agency = registry.agencies[registry.code_of_short[short]]
        if not agency.ambiguous:
            continue
        spelled = _spelled_out(text, match.start(), match.end())
        if spelled and not any(form.lower() in spelled.lower() for form in agency.long_forms):
            redefined.add(short)
    return redefined


def _spelled_out(text: str, start: int, end: int) -> str | None:
    """The words a parenthesised acronym stands for: "X Y Z (AFP)" or "AFP (X Y Z)"."""
    if text[start - 1 : start] == "(" and text[end : end + 1] == ")":
        found = _DEFINITION_BEFORE.search(text[: start - 1].rstrip() + " (")
        return found.group(0) if found else None
    found = _DEFINITION_AFTER.match(text, end)
    return found.group(1) if found else None


def _matches(registry: _Registry, text: str, patterns: _Patterns | None = None) -> Iterator[_Match]:
    """Registry names in `text`, long forms first; `patterns` may come from a text that contains it."""
    long_pattern, short_pattern = patterns or registry.patterns(text)
    taken: list[tuple[int, int]] = []
    for pattern, short in ((long_pattern, False), (short_pattern, True)):
        if pattern is None:
            continue
        for found in pattern.finditer(text):
            start, end = found.span()
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            code = registry.code_of_short[found.group(0)] if short else registry.code_of_long[found.group(0).lower()]
            if not short:
                end = _own_short_form_end(registry.agencies[code], text, end)
            taken.append((start, end))
            yield _Match(code, text[start:end], start, end, short)


def _own_short_form_end(agency: Agency, text: str, end: int) -> int:
    """Where a long form ends once another of its own names in apposition is included: "Saudi Press
    Agency SPA said", "Kuwait News Agency Kuna quoted", "Emirates news agency, WAM, reported", "OPEC
    news agency Opecna quoted" are one name, so the verb after the second name cues the first too."""
    found = _APPOSITION.match(text, end)
    if found and found.group(1).lower() in {form.lower() for form in (*agency.short_forms, *agency.long_forms)}:
        return found.end()
    return end


def _context(text: str, match: _Match) -> str:
    """The sentence around a match (at most `_CONTEXT` characters each side), so that an analyst can
    judge the tag from `matched_text` alone; "…" marks text left out."""
    start, end = max(0, match.start - _CONTEXT), min(len(text), match.end + _CONTEXT)
    ends_before = [found.end() for found in _SENTENCE_END.finditer(text, start, match.start)]
    start = ends_before[-1] if ends_before else start
    after = _SENTENCE_END.search(text, match.end, end)
    end = after.start() + 1 if after else end
    if end < len(text) and text[end : end + 1] in "\"”’'":
        end += 1
    return ("…" if start else "") + text[start:end].strip() + ("…" if end < len(text) else "")


def _first_per_role(tags: Iterable[AgencyTag]) -> tuple[AgencyTag, ...]:
    first: dict[tuple[str, str], AgencyTag] = {}
    for tag in tags:
        first.setdefault((tag.agency, tag.role), tag)
    return tuple(first.values())


@lru_cache(maxsize=1)
def load_registry() -> _Registry:
    """Read and validate `ingest/data/agencies.tsv` once per process."""
    path = shipped_path("agencies.tsv")
    agencies: dict[str, Agency] = {}
    code_of_long: dict[str, str] = {}
    code_of_short: dict[str, str] = {}
    for line, (code, name, longs, shorts, ambiguous, _) in read_tsv(path, columns=6):
        if not _CODE.match(code) or code in agencies:
            raise RegistryError(str(path), line, f"agency code {code!r} is not upper-case ASCII or is repeated")
        if ambiguous not in ("true", "false"):
            raise RegistryError(str(path), line, f"ambiguous must be true or false, not {ambiguous!r}")
        agency = Agency(code, name, _split(longs), _split(shorts), ambiguous == "true")
        agencies[code] = agency
        code_of_long.update((form.lower(), code) for form in agency.long_forms)
        code_of_short.update((form, code) for form in agency.short_forms)
    by_first_word: dict[str, list[tuple[str, frozenset[str]]]] = {}
    for form in code_of_long:
        form_words = _TOKEN.findall(form)
        by_first_word.setdefault(form_words[0], []).append((form, frozenset(form_words)))
    return _Registry(
        agencies=agencies,
        code_of_long=code_of_long,
        code_of_short=code_of_short,
        long_by_first_word={word: tuple(forms) for word, forms in by_first_word.items()},
        long_words=frozenset(word for forms in by_first_word.values() for _, form_words in forms for word in form_words),
    )


def _split(forms: str) -> tuple[str, ...]:
    return tuple(form.strip() for form in forms.split("|") if form.strip())


@lru_cache(maxsize=1024)
def _alternation(forms: tuple[str, ...], flags: int) -> re.Pattern[str]:
    ordered = sorted(forms, key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(form) for form in ordered) + r")(?![\w-])", flags)


class _Cues(NamedTuple):
    """The patterns of `image_credits.tsv` and `agency_cues.tsv`, by kind."""

    image_before: tuple[re.Pattern[str], ...]
    image_after: tuple[re.Pattern[str], ...]
    before: tuple[re.Pattern[str], ...]
    after: tuple[re.Pattern[str], ...]
    document: tuple[re.Pattern[str], ...]  # the document speaks of news agencies
    company: tuple[re.Pattern[str], ...]  # right after a name: the agency as a company


@lru_cache(maxsize=1)
def _cue_patterns() -> _Cues:
    image = _where_patterns("image_credits.tsv", ("before", "after"))
    cues = _where_patterns("agency_cues.tsv", ("before", "after", "document", "company"))
    return _Cues(image["before"], image["after"], cues["before"], cues["after"], cues["document"], cues["company"])


@lru_cache(maxsize=1)
def _dateline_slot_patterns() -> tuple[re.Pattern[str], ...]:
    path = shipped_path("dateline_agency_slots.txt")
    patterns = read_patterns(path, whole_line=False)
    for pattern in patterns:
        if "agency" not in pattern.groupindex:
            raise RegistryError(str(path), 0, f"pattern {pattern.pattern!r} has no group named 'agency'")
    return patterns


def _where_patterns(name: str, kinds: tuple[str, ...]) -> dict[str, tuple[re.Pattern[str], ...]]:
    path = shipped_path(name)
    patterns: dict[str, list[re.Pattern[str]]] = {kind: [] for kind in kinds}
    for line, (where, pattern, _) in read_tsv(path, columns=3):
        if where not in patterns:
            raise RegistryError(str(path), line, f"where must be one of {', '.join(kinds)}, not {where!r}")
        try:
            anchored = f"(?:{pattern})$" if where == "before" else pattern
            patterns[where].append(re.compile(anchored, re.IGNORECASE))
        except re.error as exc:
            raise RegistryError(str(path), line, f"bad regular expression: {exc}") from exc
    return {where: tuple(found) for where, found in patterns.items()}
