"""Exact-decode rate of `ingest.decode.decode_text` on legacy-encoded news text (issue 16).

Texts: `bench/data/fidelity/<language>.txt`, written for this benchmark (a headline and three
paragraphs in each of 31 languages), and `encodings.tsv`, the legacy encodings each is saved in.
Every text is encoded, without BOM or declaration, as:

- the headline alone, and each sentence with a non-ASCII letter alone (the hardest: a few words),
- each paragraph alone (short: 30-70 words, some with a single non-ASCII letter),
- the whole text (headline and paragraphs),
- for Western languages, the first paragraph after an English BBC article (when the corpus is there),
  the case of a foreign quote inside English text.

A text counts as exact when the decoded string equals the original. Also counted: texts read as an
encoding of another script (Japanese read as cp1252), and texts refused as undecodable.

    python bench/encoding_fidelity.py [--show-misses]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import defaultdict
from dataclasses import dataclass

from _common import CORPORA, REPO, machine

sys.path.insert(0, str(REPO))

from ingest.decode import decode_text  # noqa: E402
from ingest.errors import ParseError  # noqa: E402

DATA = REPO / "bench" / "data" / "fidelity"
BBC_ARTICLE = CORPORA / "bbc" / "bbc" / "business" / "001.txt"
# Which script family each codec belongs to: a text decoded with a codec of another family is a
# cross-script error, the worst kind (CJK stored as cp1252 mojibake).
FAMILIES = {
    "Latin": {"cp1252", "iso8859_15", "cp1250", "iso8859_2", "cp1254", "cp1257", "iso8859_13", "cp1258", "mac_roman",
              "cp852", "mac_latin2", "iso8859_14", "iso8859_4", "latin_1", "iso8859_9"},
    "Cyrillic": {"cp1251", "koi8_r", "koi8_u", "iso8859_5", "cp866", "mac_cyrillic"},
    "Greek": {"cp1253", "iso8859_7"},
    "Hebrew": {"cp1255", "iso8859_8"},
    "Arabic": {"cp1256", "iso8859_6"},
    "Thai": {"cp874", "tis_620"},
    "CJK": {"cp932", "shift_jis", "euc_jp", "iso2022_jp", "iso2022_jp_2", "gb18030", "gbk", "big5", "big5hkscs",
            "cp949", "euc_kr", "iso2022_kr"},
}
FAMILY_OF = {codec: family for family, codecs in FAMILIES.items() for codec in codecs}


@dataclass(frozen=True)
class Case:
    language: str
    family: str  # as in encodings.tsv
    encoding: str
    shape: str  # headline | sentence | paragraph | long | beside English
    text: str


def cases() -> list[Case]:
    english = BBC_ARTICLE.read_text(encoding="utf-8") if BBC_ARTICLE.exists() else None
    found = []
    for line in (DATA / "encodings.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        language, family, encodings = line.split("\t")
        text = (DATA / f"{language}.txt").read_text(encoding="utf-8").strip()
        headline, *paragraphs = text.split("\n\n")
        sentences = [s for p in paragraphs for s in re.split(r"(?<=[.!?。])\s*", p) if s.strip() and not s.isascii()]
        shapes = [("headline", headline)] + [("sentence", s) for s in sentences]
        shapes += [("paragraph", p) for p in paragraphs] + [("long", text)]
        if family == "Western" and english:
            shapes.append(("beside English", english.strip() + "\n\n" + paragraphs[0]))
        for encoding in encodings.split():
            found.extend(Case(language, family, encoding, shape, sample) for shape, sample in shapes)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--show-misses", action="store_true", help="print every text not decoded exactly")
    args = parser.parse_args()
    all_cases = cases()
    exact: dict[str, list[bool]] = defaultdict(list)
    cross_script = refused = 0
    started = time.perf_counter()
    for case in all_cases:
        try:
            decoded = decode_text(case.text.encode(case.encoding))
        except ParseError as exc:
            refused += 1
            exact[case.encoding].append(False)
            if args.show_misses:
                print(f"REFUSED {case.language} {case.encoding} {case.shape}: {exc.detail}")
            continue
        ok = decoded.text == case.text
        exact[case.encoding].append(ok)
        expected_family = FAMILY_OF[case.encoding]
        if FAMILY_OF.get(decoded.encoding.replace("-", "_"), "?") != expected_family and decoded.encoding != "utf-8":
            cross_script += 1
        if not ok and args.show_misses:
            print(f"MISS {case.language} {case.encoding} {case.shape}: read as {decoded.encoding} "
                  f"({decoded.confidence}): {_first_difference(case.text, decoded.text)}")
    elapsed = time.perf_counter() - started
    total = sum(len(v) for v in exact.values())
    right = sum(sum(v) for v in exact.values())
    print(f"# encoding fidelity: {machine()}")
    print(f"texts: {total}, exact: {right} ({right / total:.1%}), read as another script: {cross_script}, "
          f"refused: {refused}, {elapsed:.1f} s in all")
    print("| encoding | texts | exact |")
    print("|---|---|---|")
    for encoding, results in sorted(exact.items()):
        print(f"| {encoding} | {len(results)} | {sum(results) / len(results):.1%} |")


def _first_difference(expected: str, got: str) -> str:
    index = next((i for i, (a, b) in enumerate(zip(expected, got)) if a != b), min(len(expected), len(got)))
    return f"{expected[max(0, index - 15):index + 15]!r} -> {got[max(0, index - 15):index + 15]!r}"


if __name__ == "__main__":
    main()
