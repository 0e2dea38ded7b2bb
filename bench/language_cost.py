"""What language detection costs on Reuters-21578 (or BBC), as a share of preparing the same articles.

Prepares N Reuters files (`prepare_batch`: parse, names, agencies, language, sketches), then runs
the language detection those articles went through again on its own, in the same process, and
reports the ratio (median of several passes). Preparing is the CPU-bound part of `newsflow ingest
files` (storing runs beside it in another process), so the share of a whole run is smaller still.
Also counts how many articles the cue words settled without the model.

    python bench/language_cost.py [N] [--passes 5] [--bbc]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from _common import CORPORA, REPO, machine
from reuters_corpus import write_corpus

sys.path.insert(0, str(REPO))
from ingest.batch import prepare_batch  # noqa: E402
from ingest.files import iter_file_paths, read_file  # noqa: E402
from ingest.fingerprint import words  # noqa: E402
from ingest.language import _language_from_cues, detect_language  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("count", nargs="?", type=int, default=3000)
    parser.add_argument("--passes", type=int, default=5)
    parser.add_argument("--bbc", action="store_true", help="the BBC corpus instead of Reuters-21578")
    args = parser.parse_args()
    corpus = CORPORA / "bbc" / "bbc" if args.bbc else write_corpus(scale=1)[0]
    items = [read_file(path) for path in sorted(iter_file_paths([corpus]))[: args.count]]
    batch = prepare_batch(items[:50])  # loads registries, word frequencies and the model
    ratios, prepares = [], []
    for _ in range(args.passes):
        started = time.perf_counter()
        batch = prepare_batch(items)
        prepared = time.perf_counter() - started
        articles = [d.article for d in batch.documents]
        inputs = [(a.title + "\n" + a.body, words(a.body.split("\n\n"))) for a in articles]
        started = time.perf_counter()
        for text, body_words in inputs:
            detect_language(text, words=body_words)
        detected = time.perf_counter() - started
        ratios.append(detected / prepared)
        prepares.append(prepared)
    cued = sum(_language_from_cues(body_words) is not None for _, body_words in inputs)
    print(f"# language detection cost: {machine()}")
    print(f"{len(inputs)} {'BBC' if args.bbc else 'Reuters'} articles; prepare median {statistics.median(prepares):.2f} s; detection "
          f"median {statistics.median(ratios):.1%} of it (min {min(ratios):.1%}, max {max(ratios):.1%}, "
          f"n={args.passes}); settled by cue words: {cued} ({cued / len(inputs):.0%})")


if __name__ == "__main__":
    main()
