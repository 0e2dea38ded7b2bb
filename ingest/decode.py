"""Bytes to text: what the bytes declare, else UTF-8, else the legacy encoding whose text reads best.

Order (issue 16): a byte-order mark; the charset an HTTP header, an XML declaration or an HTML
`<meta>` declares (labels read as the WHATWG encoding standard reads them, so ISO-8859-1 is
windows-1252); ISO-2022 escape sequences; strict UTF-8. Bytes that are none of these are decoded
with every encoding of `data/legacy_encodings.tsv`, and each decoding is judged by how its words read
in that encoding's languages (wordfreq's word lists): known words count for it, letters that no
such language uses count against it, and rarer encodings start behind the web's common ones. When
no decoding reads as text the bytes are refused, never stored as mojibake.

Binary input is refused here too, so later steps only ever see text. The decoded text is what
`documents.raw_text` keeps; mojibake inside valid text is repaired later (see `normalize.py`).
"""

from __future__ import annotations

import codecs
import gzip
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING

import msgpack
import webencodings

from ingest.datafiles import read_lines, read_tsv, shipped_path
from ingest.errors import ParseError
from ingest.records import DecodedText

if TYPE_CHECKING:
    import regex

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Control characters that never occur in text files; a few of them mean the bytes are not text.
_BINARY_BYTES = bytes((*range(0, 9), *range(14, 27), *range(28, 32)))
_SNIFF_BYTES = 8192
_DECLARATION_BYTES = 4096  # how far into a page a <meta charset> or an XML declaration is looked for
_XML_DECLARATION = re.compile(rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9._:-]+)""")
_META_CHARSET = re.compile(rb"""<meta[^>]{0,500}?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_ISO2022 = re.compile(rb"\x1b(?:\$[@AB(]|\$\)C|\(J|\(I)")
_ASCII_RUN = re.compile(r"[A-Za-z]+")
_UNSPACED_SCRIPTS = frozenset({"CJK", "HANGUL", "THAI"})
_ALIEN_MARK, _FOREIGN_MARK = "\x00", "\x01"  # prefixes of judged words that no language can know
_MARKS = (_ALIEN_MARK, _FOREIGN_MARK)
_SCORED_TOKENS = 3000  # distinct non-ASCII words judged per decoding: plenty for any verdict
# A language's letters: those with at least this share of its text. Web text has mojibake too: "ã"
# has 4.5e-5 of Romanian ("sã" for "să"), "ï" 6e-5 of French.
_LETTER_SHARE = 5e-5
# Legacy Romanian text has s and t with cedilla (cp1250 has no comma-below letters); wordfreq has commas.
_ROMANIAN_FOLDING: dict[int, str] = {ord(a): b for a, b in zip("şţŞŢ", "șțȘȚ")}
_KNOWN, _UNKNOWN, _ALIEN = 1.0, 0.0, -2.0  # what a word adds: in the word list, plausible, impossible
_ODD_SYMBOL = -1.0


@dataclass(frozen=True)
class _Legacy:
    codec: str
    prior: float  # added to the score: rarer encodings start behind
    languages: tuple[str, ...]


def decode_text(data: bytes, /, *, headers: Iterable[tuple[str, str]] = (), markup: bool = False) -> DecodedText:
    """Decode bytes that hold text, or raise ParseError ("binary_file" or "undecodable").

    `headers` are HTTP response headers (their Content-Type charset is a declaration); `markup` says
    the bytes are HTML or XML, whose `<meta charset>` and XML declaration count as declarations.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return DecodedText(_decode_with_bom(data, encoding), encoding, "declared", 1.0)
    if _looks_binary(data):
        raise ParseError(
            "binary_file",
            "the file holds binary data (control bytes such as NUL), not text; "
            "convert it to text, HTML or JSON first",
        )
    declared = _declared(data, headers=headers, markup=markup)
    if declared is not None:
        return declared
    if _ISO2022.search(data[:_SNIFF_BYTES]):
        for codec in ("iso2022_jp_2", "iso2022_kr"):
            try:
                return DecodedText(data.decode(codec), codec, "detected", 1.0)
            except UnicodeDecodeError:
                continue
    try:
        return DecodedText(data.decode("utf-8"), "utf-8", "detected", 1.0)
    except UnicodeDecodeError:
        return _detect_legacy(data)


def _decode_with_bom(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ParseError(
            "undecodable",
            f"the file starts with a {encoding} byte-order mark but is not valid {encoding} "
            f"(bad byte at offset {exc.start}); re-save it with one encoding",
        ) from exc


def _looks_binary(data: bytes) -> bool:
    sample = data[:_SNIFF_BYTES]
    if b"\x00" in sample:
        return True
    controls = len(sample) - len(sample.translate(None, _BINARY_BYTES))  # one pass deletes them all
    return controls > max(2, len(sample) // 100)


def _declared(data: bytes, *, headers: Iterable[tuple[str, str]], markup: bool) -> DecodedText | None:
    """The text in the charset the bytes declare, if they declare one and decode in it.

    A declaration that the bytes contradict is set aside: bytes that fail to decode in it, or that
    are valid UTF-8 with non-ASCII characters under a legacy label (a page saved as UTF-8 that kept
    its old `<meta charset=iso-8859-1>`), are decoded as if nothing had been declared.
    """
    for label in _declared_labels(data, headers=headers, markup=markup):
        found = webencodings.lookup(label)
        if found is None:
            continue
        codec = codecs.lookup(found.codec_info.name).name
        if codec.startswith("utf-16"):  # a page read as bytes cannot be UTF-16 without a BOM: WHATWG
            codec = "utf-8"
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if codec != "utf-8" and not data.isascii() and _is_utf8(data):
            return None
        return DecodedText(text, codec, "declared", 1.0)
    return None


def _declared_labels(data: bytes, *, headers: Iterable[tuple[str, str]], markup: bool) -> list[str]:
    labels = [
        match.group(1)
        for name, value in headers
        if name.lower() == "content-type" and (match := _HEADER_CHARSET.search(value))
    ]
    if markup:
        head = data[:_DECLARATION_BYTES]
        for pattern in (_XML_DECLARATION, _META_CHARSET):
            declared = pattern.search(head)
            if declared:
                labels.append(declared.group(1).decode("ascii"))
    return labels


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _detect_legacy(data: bytes) -> DecodedText:
    """The legacy decoding that reads best, or ParseError("undecodable") when none reads as text.

    Encodings are tried commonest first. One whose best possible score (every judged word known)
    cannot reach the best so far is not judged: its languages' word lists are not even loaded.
    """
    scored: dict[str, tuple[float, float, _Legacy]] = {}  # text -> (score, share of impossible words, encoding)
    best = -math.inf
    for legacy in sorted(_legacy_encodings(), key=lambda legacy: -legacy.prior):
        try:
            text = data.decode(legacy.codec)
        except UnicodeDecodeError:
            continue
        units, symbols = _units(text), _odd_symbols(text)
        ceiling = sum(n for unit, n in units.items() if not unit.startswith(_MARKS)) * _KNOWN + symbols * _ODD_SYMBOL
        if ceiling + legacy.prior < best:
            score, alien_share = ceiling + legacy.prior, 1.0
        else:
            evidence, alien_share = _reading_score(units, legacy.languages)
            score = evidence + symbols * _ODD_SYMBOL + legacy.prior
            best = max(best, score)
        if text not in scored or score > scored[text][0]:  # one text, read by two codecs
            scored[text] = (score, alien_share, legacy)
    ranked = sorted(scored.items(), key=lambda item: item[1][0], reverse=True)
    if not ranked or ranked[0][1][1] > 0.5:
        guess = f" (the best guess, {ranked[0][1][2].codec}, makes no sense of most words)" if ranked else ""
        raise ParseError(
            "undecodable",
            f"the bytes are not UTF-8 and no known encoding reads them as text{guess}; "
            "re-save the file as UTF-8",
        )
    text, (top, _, legacy) = ranked[0]
    margin = top - ranked[1][1][0] if len(ranked) > 1 else math.inf
    return DecodedText(text, legacy.codec, "detected", round(1 - math.exp(-margin / 2), 3))


def _reading_score(units: Counter[str], languages: tuple[str, ...]) -> tuple[float, float]:
    """How well a text's judged words read in the best of `languages`, and the impossible share.

    ASCII words are the same in every decoding, so only words with other characters are judged.
    Unspaced scripts (Chinese, Japanese, Korean syllables, Thai) are judged a character at a time.
    """
    if not units:
        return 0.0, 0.0
    best = (-math.inf, 1.0)
    for language in languages:
        values = [(_unit_value(unit, language), count) for unit, count in units.items()]
        total = sum(value * count for value, count in values)
        if total > best[0]:
            best = (total, sum(count for value, count in values if value <= _ALIEN) / sum(units.values()))
    return best


def _units(text: str) -> Counter[str]:
    """The distinct non-ASCII words of a text (a word per character in unspaced scripts), with counts.

    A word in another script than most of the text's letters is at best unknown, and impossible when
    it is one or two letters long: "Ј40m" in English text is a pound sign read as cp1251. A word
    glued to a number is at best unknown too.
    """
    units: Counter[str] = Counter()
    matches = list(_word_pattern().finditer(text))
    main = _main_script([match.group() for match in matches])
    for match in matches:
        word = match.group()
        if word.isascii():
            continue
        scripts = {_script_group(char) for char in word} - {"COMBINING"}
        if len(scripts) == 2 and "LATIN" in scripts and scripts & _UNSPACED_SCRIPTS and _ASCII_RUN.search(word):
            units.update(_unspaced_units(word))  # "JR東日本": Latin letters inside unspaced text
        elif len(scripts) > 1 or (scripts != {main} and len(word) <= 2):
            units[_ALIEN_MARK + word] += 1  # letters of two scripts in one word: a sure sign of a wrong decoding
        elif scripts != {main} or _touches_digit(text, match.start(), match.end()):
            units[_FOREIGN_MARK + _lower(word)] += 1
        elif scripts & _UNSPACED_SCRIPTS:
            units.update(word)
        else:
            units[_lower(word)] += 1
        if len(units) >= _SCORED_TOKENS:
            break
    return units


def _unspaced_units(word: str) -> list[str]:
    """The characters of a word that mixes ASCII letters and an unspaced script; a single CJK or
    Thai character between ASCII letters ("Fran鏰is") is what a wrong decoding makes, not text."""
    runs = _ASCII_RUN.split(word)  # the non-ASCII runs; the inner ones lie between ASCII letters
    units: list[str] = []
    for index, run in enumerate(runs):
        if len(run) == 1 and 0 < index < len(runs) - 1:
            units.append(_ALIEN_MARK + run)
        else:
            units.extend(run)
    return units


def _touches_digit(text: str, start: int, end: int) -> bool:
    """A word glued to a number ("Ł40m") is more often a currency sign read wrongly than a word."""
    return (start > 0 and text[start - 1].isdigit()) or (end < len(text) and text[end].isdigit())


def _main_script(words: list[str]) -> str:
    letters: Counter[str] = Counter()
    for word in words[:_SCORED_TOKENS]:
        letters["LATIN" if word.isascii() else _script_group(word[0])] += len(word)
    return letters.most_common(1)[0][0] if letters else "LATIN"


def _unit_value(unit: str, language: str) -> float:
    if unit.startswith(_ALIEN_MARK):
        return _ALIEN
    foreign = unit.startswith(_FOREIGN_MARK)
    words, letters, folding = _language_data(language)
    unit = unit.lstrip(_FOREIGN_MARK).translate(folding)
    if unit in words:
        return _UNKNOWN if foreign else _KNOWN
    if all(char in letters for char in unit):
        return _UNKNOWN
    return _ALIEN


def _odd_symbols(text: str) -> int:
    """Control characters, private-use code points and symbols that ordinary text does not use,
    and any non-ASCII symbol or space between two letters ("tra·e" is "traže" read as KOI8-R)."""
    allowed = _text_symbols()
    odd = sum(
        1
        for char in text
        if not char.isascii() and not char.isalnum() and not char.isspace() and char not in allowed
        and unicodedata.category(char)[0] != "M"
    )
    return odd + len(_inside_word_pattern().findall(text))


# Letter classes of any script need the `regex` module, imported at the first text that is not UTF-8:
# 20 ms that a run of UTF-8 or ASCII text never needs.
@cache
def _word_pattern() -> regex.Pattern[str]:
    import regex

    return regex.compile(r"[\p{L}\p{M}]+")


@cache
def _inside_word_pattern() -> regex.Pattern[str]:
    import regex

    return regex.compile(r"(?<=\p{L})[^\x00-\x7f\p{L}\p{M}\p{N}\u2019\u2010\u2011\u00ad](?=\p{L})")


def _lower(word: str) -> str:
    """Case-folded as wordfreq folds its words ("ς" is "σ"); Turkish "İ" folds to "i" and a combining dot."""
    return word.casefold().replace("i\u0307", "i")


@lru_cache(maxsize=4096)
def _script_group(char: str) -> str:
    """The script of a letter, from its Unicode name; Japanese kana count as CJK, as they mix with kanji."""
    script = unicodedata.name(char, "UNKNOWN").split(" ", 1)[0]
    return "CJK" if script in ("CJK", "HIRAGANA", "KATAKANA") else script


@cache
def _language_data(language: str) -> tuple[frozenset[str], frozenset[str], dict[int, str]]:
    """A language's known words, its letters (those common in its text) and a folding table.

    Chinese word lists are Simplified: Traditional characters are folded with wordfreq's own table
    before lookup. Thai has no word list and is judged by its script.
    """
    if language == "th":
        return frozenset(), frozenset(chr(code) for code in range(0x0E01, 0x0E5C)), {}
    import wordfreq  # loaded only when legacy bytes need judging

    buckets = wordfreq.get_frequency_list(language, wordlist="small")  # bucket i: frequency 10**(-i/100)
    weights: dict[str, float] = {}
    for index, bucket in enumerate(buckets):
        for char, count in Counter("".join(bucket)).items():  # counted in C, a bucket at a time
            weights[char] = weights.get(char, 0.0) + count * 10 ** (-index / 100)
    total = sum(weight for char, weight in weights.items() if char.isalpha())
    letters = frozenset(char for char, weight in weights.items() if char.isalpha() and weight >= total * _LETTER_SHARE)
    words = frozenset(word for bucket in buckets for word in bucket)
    folding: dict[int, str] = _chinese_folding() if language == "zh" else _ROMANIAN_FOLDING if language == "ro" else {}
    return words, letters, folding


@lru_cache(maxsize=1)
def _chinese_folding() -> dict[int, str]:
    """Traditional to Simplified characters: the table wordfreq itself uses (its module needs jieba)."""
    from wordfreq.util import data_path

    with gzip.open(data_path("_chinese_mapping.msgpack.gz")) as handle:
        table: dict[int, str] = msgpack.load(handle, raw=False, strict_map_key=False)
    return table


@lru_cache(maxsize=1)
def _legacy_encodings() -> tuple[_Legacy, ...]:
    path = shipped_path("legacy_encodings.tsv")
    return tuple(
        _Legacy(codec, float(prior), tuple(languages.split()))
        for _, (codec, prior, languages) in read_tsv(path, columns=3)
    )


@lru_cache(maxsize=1)
def _text_symbols() -> frozenset[str]:
    return frozenset(char for _, line in read_lines(shipped_path("text_symbols.txt")) for char in line)
