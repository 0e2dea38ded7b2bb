"""How common a word is in a language (wordfreq's Zipf scale), and which other languages a word is
clearly from: the evidence that tells a name's slip from a real word (ingest/names.py).

Every article with a candidate name pair needs the English table, so it is read straight from
wordfreq's data file: importing wordfreq (0.2 s, most of it langcodes compiling patterns) is left to
the other languages. The foreign-word table is derived from twelve of wordfreq's lists and the
English one; deriving it takes 0.7 s and 50 MiB per process, so it ships ready-made in
`ingest/data/foreign_words.txt.gz` (`make derived-data` writes it; a test checks it still matches).
"""

from __future__ import annotations

import gzip
import importlib.util
import itertools
import math
import unicodedata
from array import array
from bisect import bisect_left
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

import msgpack
import numpy as np
import numpy.typing as npt
import xxhash

from ingest.datafiles import shipped_path

_compiled_hashes: Callable[[list[str]], bytes] | None
_compiled_position: Callable[[array[int], str], int] | None
try:
    from ingest._word_hashes import hashes as _compiled_hashes
    from ingest._word_hashes import position as _compiled_position
except ImportError:  # built without a C compiler: xxhash and bisect give the same hashes and places
    _compiled_hashes = _compiled_position = None

# A word of a language news names often come from (this common there, and clearly more common there
# than in English: "graan" 3.7 in Dutch, "compagnia" 5.0 in Italian, "petroleos" once its accent is
# dropped) is foreign: see ingest/names.py, _in_foreign_name.
FOREIGN_ZIPF = 3.0
FOREIGN_MARGIN = 1.5  # Zipf points above the English frequency
FOREIGN_LANGUAGES = ("de", "fr", "es", "it", "pt", "nl", "sv", "da", "nb", "pl", "cs", "sl")
FOREIGN_WORDS_FILE = "foreign_words.txt.gz"
UNSEEN_FREQUENCY = 1e-9  # Zipf 0: what wordfreq gives a word it has never seen


@lru_cache(maxsize=65536)
def zipf(form: str, language: str = "en") -> float:
    """Zipf frequency of the form in the language (0 = never seen; English "bidet" 2.58, "life" 5.89).

    An English form of ASCII letters, hyphens and apostrophes ("Blinken", "France-Presse",
    "O'Brien") is looked up in the English table here. That gives `zipf_frequency`'s figure without
    its per-call tokeniser (person names made that lookup a tenth of the ingest time) and without
    importing wordfreq, whose own copy of the table would cost the time and memory again.
    """
    word = form.lower()
    tokens = _english_tokens(word) if language == "en" else None
    if tokens is not None:
        return _english_zipf(tokens)
    from wordfreq import zipf_frequency

    return float(zipf_frequency(word, language))


@lru_cache(maxsize=65536)
def foreign_languages(word: str) -> frozenset[str]:
    """The languages of FOREIGN_LANGUAGES the word is clearly a word of, accents or not ("petroleos")."""
    plain = without_accents(word.lower())
    return frozenset(language for language, words in _foreign_words().items() if plain in words)


@lru_cache(maxsize=1)
def wordfreq_languages() -> frozenset[str]:
    from wordfreq import available_languages

    return frozenset(available_languages())


def load() -> None:
    """Read the English table and the foreign words now rather than at the first name checked, so
    that processes forked afterwards share them."""
    _english()
    _foreign_words()


def without_accents(word: str) -> str:
    return unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode("ascii") if not word.isascii() else word


def derive_foreign_words() -> dict[str, list[str]]:
    """Language -> its plain (unaccented, lower-case ASCII) words of Zipf FOREIGN_ZIPF and up that
    are FOREIGN_MARGIN above their English frequency, sorted: what the shipped file holds."""
    cut = round((9 - FOREIGN_ZIPF) * 100) + 1
    derived = {}
    for language in FOREIGN_LANGUAGES:
        ranks = {word: rank for rank, bucket in enumerate(_buckets(f"small_{language}")[:cut]) for word in bucket}
        for word in [word for word in ranks if not word.isascii()]:
            ranks.setdefault(without_accents(word), ranks[word])
        derived[language] = sorted(
            word for word, rank in ranks.items()
            if word.isascii() and 9 - rank / 100 - zipf(word) >= FOREIGN_MARGIN
        )
    return derived


def write_foreign_words(path: Path) -> None:
    """Write `derive_foreign_words()` in the shipped file's shape: one line per language."""
    header = (
        "# Derived from wordfreq's small word lists by ingest/word_frequencies.py (`make derived-data`):\n"
        f"# per language, its words of Zipf {FOREIGN_ZIPF} and up, {FOREIGN_MARGIN} above English, unaccented.\n"
    )
    lines = [f"{language}\t{' '.join(words)}\n" for language, words in derive_foreign_words().items()]
    path.write_bytes(gzip.compress((header + "".join(lines)).encode("utf-8"), compresslevel=9, mtime=0))


@lru_cache(maxsize=1)
def _foreign_words() -> dict[str, WordTable]:
    tables = {}
    with gzip.open(shipped_path(FOREIGN_WORDS_FILE), "rt", encoding="utf-8") as handle:
        for line in handle:
            if not line.startswith("#"):
                language, words = line.rstrip("\n").split("\t")
                tables[language] = WordTable([words.split(" ")])
    return tables


def _english_tokens(word: str) -> list[str] | None:
    """wordfreq's tokens of a lower-case word of ASCII letters, hyphens and apostrophes, or None for
    any other word. Hyphens split. A straight apostrophe splits after one or two letters and before
    a vowel or h ("d'estaing"; not "o'brien", "can't"), as wordfreq splits elided articles; a curly
    one never splits ("d\u2019arcy") and reads as a straight one."""
    tokens = []
    for part in word.split("-"):
        head, apostrophe, tail = part.replace("\u2019", "'").partition("'")
        if not _letters(head) or (apostrophe and not _letters(tail)):
            return None
        elided = apostrophe and "\u2019" not in part and len(head) <= 2 and tail[0] in "aehiouy"
        tokens += [head, tail] if elided else [head + apostrophe + tail]
    return tokens


def _letters(text: str) -> bool:
    return text.isascii() and text.isalpha()


def _english_zipf(tokens: list[str]) -> float:
    """wordfreq's `zipf_frequency` of a word that it splits into these tokens: the frequencies of
    several tokens combine as 1/f = 1/f1 + 1/f2 + ..., rounded to 3 significant digits; a token
    missing from the table makes the word unseen."""
    frequencies = []
    for token in tokens:
        rank = _english().rank(token)
        if rank is None:
            return 0.0
        frequencies.append(10 ** (-rank / 100))  # wordfreq's cB_to_freq
    if len(frequencies) == 1:
        return round(math.log10(frequencies[0]) + 9, 2)
    frequency = max(1.0 / sum(1.0 / f for f in frequencies), UNSEEN_FREQUENCY)
    rounded = round(frequency, math.floor(-math.log(frequency, 10)) + 3)
    return round(math.log(rounded, 10) + 9, 2)


@lru_cache(maxsize=1)
def _english() -> WordTable:
    """wordfreq's best English list, each word with its bucket (frequency 10**(-bucket/100))."""
    return WordTable(_buckets("large_en"))


class WordTable:
    """Words grouped in ranked buckets, kept as the sorted 64-bit hashes (xxh64) of the words with
    each one's rank. A dict of wordfreq's 321,000 English words held 33 MiB in every process that
    prepares articles, and the foreign words 39 MiB more; this holds about a tenth. Two words of a
    table with one hash would share a rank: about one chance in 10^8 for these sizes."""

    def __init__(self, buckets: Sequence[Sequence[str]]) -> None:
        hashes = _hashes(list(itertools.chain.from_iterable(buckets)))
        ranks = np.repeat(np.arange(len(buckets), dtype=np.uint16), [len(bucket) for bucket in buckets])
        if len(buckets) > 1:
            order = np.argsort(hashes)  # not stable: only words of one hash are ever in a different order
            hashes, ranks = hashes[order], ranks[order]
        else:  # one rank (a foreign word list): sorting the hashes is enough, and a third of the time
            hashes = np.sort(hashes)
        self._hashes = array("Q", hashes.tobytes())
        self._ranks = array("H", ranks.tobytes())

    def rank(self, word: str) -> int | None:
        """The bucket the word is in, or None when it is in none."""
        if _compiled_position is not None:
            found = _compiled_position(self._hashes, word)
            return self._ranks[found] if found >= 0 else None
        key = xxhash.xxh64_intdigest(word)
        i = bisect_left(self._hashes, key)
        return self._ranks[i] if i < len(self._hashes) and self._hashes[i] == key else None

    def __contains__(self, word: str) -> bool:
        return self.rank(word) is not None


def _hashes(words: list[str]) -> npt.NDArray[np.uint64]:
    """xxh64 of each word, in one call where the install built ingest/_word_hashes.c."""
    if _compiled_hashes is not None:
        return np.frombuffer(_compiled_hashes(words), dtype=np.uint64)
    return np.fromiter(map(xxhash.xxh64_intdigest, words), dtype=np.uint64, count=len(words))


def _buckets(name: str) -> list[list[str]]:
    """A wordfreq list: words grouped by frequency, bucket i holding frequency 10**(-i/100).

    Read from the data file as wordfreq's `read_cBpack` reads it, without importing wordfreq."""
    spec = importlib.util.find_spec("wordfreq")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("wordfreq is not installed; newsflow reads its word lists")
    path = Path(spec.submodule_search_locations[0]) / "data" / f"{name}.msgpack.gz"
    with gzip.open(path, "rb") as handle:
        header, *buckets = msgpack.unpackb(handle.read(), raw=False)
    if header != {"format": "cB", "version": 1}:
        raise ValueError(f"{path}: not a wordfreq cB list ({header!r})")
    words: list[list[str]] = buckets
    return words
