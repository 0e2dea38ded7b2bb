"""Name repair scored on the labelled development set (tests/corpus/name_pairs.tsv), issue 13.

The set holds candidate pairs of spellings found in one article of Reuters-21578, the BBC corpus or the
real feeds, each labelled by reading the article: `typo` (one name or word misspelt, variant -> canonical),
`different` (two names or words) or `unsure`. This script reads every article of the three corpora
the way the pipeline does (parse, then `ingest.names.read_names`) and reports:

- recall: real typos found at all (applied or proposed, either direction);
- applied: real typos repaired in the right direction;
- applied precision: applied repairs that rewrite a labelled typo into its canonical form;
- proposal precision: proposals whose pair is a labelled typo.

A pair the code finds that the set does not hold counts as wrong, and `--candidates` lists such pairs
(and those a deliberately looser matcher finds) with their context, for labelling by reading.

    python bench/name_eval.py [--labels TSV] [--candidates OUT.tsv] [--corpus bbc|reuters|feeds]
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from rapidfuzz.distance import OSA, JaroWinkler
from wordfreq import zipf_frequency

try:  # run as a script (bench/ on sys.path, like the other benchmarks) or imported as bench.name_eval
    from _common import CORPORA, REPO
    from reuters_corpus import read_stories, story_text
except ImportError:
    from bench._common import CORPORA, REPO  # type: ignore[no-redef]
    from bench.reuters_corpus import read_stories, story_text  # type: ignore[no-redef]

sys.path.insert(0, str(REPO))

from ingest.batch import article_language, names_language  # noqa: E402
from ingest.feeds import parse_feed  # noqa: E402
from ingest.fingerprint import words  # noqa: E402
from ingest.names import read_names  # noqa: E402
from ingest.parse import ParsedItem, parse_item  # noqa: E402
from ingest.records import NameVariant, RawItem  # noqa: E402

LABELS = REPO / "tests" / "corpus" / "name_pairs.tsv"
FIELDS = ("corpus", "file", "variant", "canonical", "label", "context")
_WORD = re.compile(r"(?<![\w'’-])[^\W\d_a-z][^\W\d_]*(?:[-'’][^\W\d_]+)*")


@dataclass(frozen=True)
class Text:
    corpus: str  # bbc, reuters, feeds
    file: str  # where in the corpus: "sport/486.txt", "reut2-000/5", "rss-parser__guardian.rss#3"
    texts: tuple[str, ...]  # title, then paragraphs
    language: str | None  # the language its names are judged by, as the pipeline has it


@dataclass(frozen=True)
class Label:
    variant: str
    canonical: str
    label: str  # typo, different, unsure


@dataclass
class Score:
    typos: int = 0
    found: int = 0
    applied_right: int = 0
    applied: int = 0
    applied_ok: int = 0
    proposals: int = 0
    proposals_ok: int = 0
    unsure: int = 0

    def lines(self) -> list[str]:
        def ratio(a: int, b: int) -> str:
            return f"{a / b:.3f} ({a}/{b})" if b else "n/a (0/0)"

        return [
            f"real typos labelled: {self.typos}",
            f"recall (applied or proposed): {ratio(self.found, self.typos)}",
            f"typos applied in the right direction: {ratio(self.applied_right, self.typos)}",
            f"applied repairs right: {ratio(self.applied_ok, self.applied)}",
            f"proposals right: {ratio(self.proposals_ok, self.proposals)}",
            f"findings on pairs labelled unsure (not scored): {self.unsure}",
        ]


def bbc_texts() -> Iterator[Text]:
    root = CORPORA / "bbc" / "bbc"
    for path in sorted(root.rglob("*.txt")):
        yield from _parsed("bbc", path.relative_to(root).as_posix(), path.read_bytes(), ".txt")


def reuters_texts() -> Iterator[Text]:
    for story in read_stories():
        yield from _parsed("reuters", f"{story.source}/{story.newid}", story_text(story).encode(), ".txt")


def feed_texts() -> Iterator[Text]:
    received = datetime(2026, 1, 1, tzinfo=UTC)
    for path in sorted((CORPORA / "real-feeds").iterdir()):
        if path.suffix not in (".xml", ".rss", ".atom"):
            continue
        raw = RawItem("feed", f"file://{path}", path.name, path.read_bytes(), "feed")
        _, items = parse_feed(raw, received_at=received)
        for n, item in enumerate(items):
            if isinstance(item, ParsedItem):
                yield _text("feeds", f"{path.name}#{n}", item)


def _parsed(corpus: str, file: str, data: bytes, suffix: str) -> Iterator[Text]:
    raw = RawItem("file", file, file, data, suffix)
    for item in parse_item(raw):
        if isinstance(item, ParsedItem):
            yield _text(corpus, file, item)


def _text(corpus: str, file: str, item: ParsedItem) -> Text:
    """The article's texts and the language its names are judged by, as `ingest.batch.build_articles` has them."""
    texts = (item.article.title, *item.article.paragraphs)
    return Text(corpus, file, texts, names_language(*article_language(item.article, words(item.article.paragraphs))))


SOURCES = {"bbc": bbc_texts, "reuters": reuters_texts, "feeds": feed_texts}


def distinct(texts: Iterator[Text]) -> Iterator[Text]:
    """Each text once: byte-identical copies (98 BBC pairs, Reuters repeats) would count a pair twice."""
    seen: set[tuple[str, ...]] = set()  # the texts: one article read twice is one article
    for text in texts:
        if text.texts not in seen:
            seen.add(text.texts)
            yield text


def read_labels(path: Path) -> dict[tuple[str, str, frozenset[str]], Label]:
    with path.open(encoding="utf-8") as handle:
        rows = csv.DictReader((line for line in handle if not line.startswith("#")), delimiter="\t")
        return {
            (row["corpus"], row["file"], frozenset((row["variant"], row["canonical"]))): Label(
                row["variant"], row["canonical"], row["label"]
            )
            for row in rows
        }


@dataclass
class Errors:
    """What to read when the figures fall short: typos not found, and findings that are wrong."""

    missed: list[tuple[str, str, Label]]  # (corpus, file, label) of real typos found neither way
    wrong: list[tuple[Text, NameVariant, str]]  # (text, finding, its label) of wrong repairs and proposals


def score(
    texts: Iterator[Text], labels: dict[tuple[str, str, frozenset[str]], Label], errors: Errors | None = None
) -> tuple[Score, list[tuple[Text, NameVariant]]]:
    """The scores, and the findings the labelled set does not hold (to be labelled).

    With `errors`, the missed typos and the wrong findings are listed in it too.
    """
    result = Score()
    found_pairs: dict[tuple[str, str, frozenset[str]], NameVariant] = {}
    unlabelled: list[tuple[Text, NameVariant]] = []
    corpora = set()
    for text in texts:
        corpora.add(text.corpus)
        for variant in read_names(text.texts, language=text.language).variants:
            key = (text.corpus, text.file, frozenset((variant.variant, variant.canonical)))
            label = labels.get(key)
            if label is None:
                unlabelled.append((text, variant))
            elif label.label == "unsure":
                result.unsure += 1
                continue
            right = label is not None and label.label == "typo"
            if errors is not None and (not right or variant.applied and label is not None and label.variant != variant.variant):
                errors.wrong.append((text, variant, label.label if label else "unlabelled"))
            if variant.applied:
                result.applied += 1
                result.applied_ok += right and label is not None and label.variant == variant.variant
            else:
                result.proposals += 1
                result.proposals_ok += right
            if right:
                previous = found_pairs.get(key)
                if previous is None or variant.applied:
                    found_pairs[key] = variant
    for key, label in labels.items():
        if label.label != "typo" or key[0] not in corpora:
            continue
        result.typos += 1
        variant = found_pairs.get(key)
        if variant is not None:
            result.found += 1
            result.applied_right += variant.applied and variant.variant == label.variant
        elif errors is not None:
            errors.missed.append((key[0], key[1], label))
    return result, unlabelled


def loose_pairs(texts: Sequence[str]) -> set[tuple[str, str]]:
    """Deliberately looser than `ingest.names`: any two capitalised words (sentence starts too) of 4+
    letters within two edits (a transposition is one) and Jaro-Winkler 0.85, none of its guards; only
    plurals and pairs of two everyday words (Zipf 3.5 and up: Tony/Tory, There/Three) are left out,
    since there are thousands of them and none is a typo."""
    forms = sorted({w.rstrip("'’").removesuffix("'s").removesuffix("’s") for t in texts for w in _WORD.findall(t)})
    forms = [f for f in forms if len(f) >= 4]
    pairs = set()
    for i, a in enumerate(forms):
        for b in forms[i + 1 :]:
            if a.lower() == b.lower() or abs(len(a) - len(b)) > 2 or b in (a + "s", a + "es") or a in (b + "s", b + "es"):
                continue
            if min(zipf_frequency(a, "en"), zipf_frequency(b, "en")) >= 3.5:
                continue
            allowed = 2 if min(len(a), len(b)) >= 7 else 1
            if OSA.distance(a, b, score_cutoff=allowed) <= allowed and JaroWinkler.similarity(a, b) >= 0.85:
                pairs.add((a, b))
    return pairs


def context(texts: Sequence[str], a: str, b: str, width: int = 70) -> str:
    joined = " ¶ ".join(texts)
    parts = []
    for form in (a, b):
        match = re.search(rf"(?<!\w){re.escape(form)}(?!\w)", joined)
        if match:
            start, end = max(0, match.start() - width), min(len(joined), match.end() + width)
            parts.append(joined[start:end].replace("\t", " ").replace("\n", " "))
    return " … ".join(parts)


def write_candidates(path: Path, texts: Iterator[Text], labels: dict[tuple[str, str, frozenset[str]], Label]) -> int:
    """Pairs the code or the looser matcher finds that the set does not label yet, with context."""
    rows = []
    for text in texts:
        found = {(v.variant, v.canonical): v for v in read_names(text.texts, language=text.language).variants}
        pairs = set(found) | loose_pairs(text.texts)
        for a, b in sorted(pairs):
            if (text.corpus, text.file, frozenset((a, b))) in labels or (b, a) in found and (a, b) not in found:
                continue
            how = f"{found[(a, b)].evidence}{' applied' if found[(a, b)].applied else ''}" if (a, b) in found else "loose"
            rows.append((text.corpus, text.file, a, b, how, context(text.texts, a, b)))
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(("corpus", "file", "variant", "canonical", "found_by", "context"))
        writer.writerows(rows)
    return len(rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--candidates", type=Path, help="write unlabelled candidate pairs here instead of scoring")
    parser.add_argument("--corpus", choices=sorted(SOURCES), action="append", help="default: all three")
    parser.add_argument("--errors", action="store_true", help="list the missed typos and the wrong findings too")
    args = parser.parse_args(argv)
    labels = read_labels(args.labels) if args.labels.exists() else {}
    chosen = args.corpus or sorted(SOURCES)
    texts = distinct(text for name in chosen for text in SOURCES[name]())
    if args.candidates:
        print(f"{write_candidates(args.candidates, texts, labels)} candidate pairs written to {args.candidates}")
        return 0
    errors = Errors([], []) if args.errors else None
    result, unlabelled = score(texts, labels, errors)
    print("\n".join(result.lines()))
    if errors is not None:
        print(f"missed typos: {len(errors.missed)}")
        for corpus, file, label in errors.missed:
            print(f"  {corpus} {file}: {label.variant} -> {label.canonical}")
        print(f"wrong findings: {len(errors.wrong)}")
        for text, variant, label_name in errors.wrong:
            how = "applied" if variant.applied else "proposal"
            print(f"  {text.corpus} {text.file}: {variant.variant} -> {variant.canonical} ({how}, labelled {label_name}): {variant.detail}")
    print(f"findings not in the labelled set (counted wrong): {len(unlabelled)}")
    for text, variant in unlabelled[:20]:
        print(f"  {text.corpus} {text.file}: {variant.variant} -> {variant.canonical} ({'applied' if variant.applied else 'proposal'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
