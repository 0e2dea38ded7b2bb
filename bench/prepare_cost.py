"""Prepare N Reuters-21578 files in this process: run under callgrind to count what a change costs.

Wall-clock time on the shared 2-core machines drifts by a third within minutes; instruction counts
do not. Count the start-up (N=1) and a batch (N=300), before and after a change, with a fixed hash
seed, and compare the differences:

    PYTHONHASHSEED=0 valgrind --tool=callgrind --callgrind-out-file=/dev/null .venv/bin/python bench/prepare_cost.py 300

What language detection costs: with `--load-model` the language model is loaded at start-up (as
the workers' forkserver does), and with `--no-detection` too, detection is replaced by a constant;
detection's instructions are (N=300 minus N=1) of the first less that of the second.
"""

from __future__ import annotations

import argparse
import sys

from _common import REPO
from reuters_corpus import write_corpus

sys.path.insert(0, str(REPO))
import ingest.batch  # noqa: E402
from ingest.batch import prepare_batch  # noqa: E402
from ingest.files import iter_file_paths, read_file  # noqa: E402
from ingest.language import load_language_model  # noqa: E402

FIRST = 2000  # skip the first files, which the start-up batch below would otherwise warm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("count", nargs="?", type=int, default=300)
    parser.add_argument("--load-model", action="store_true", help="load the language model at start-up")
    parser.add_argument("--no-detection", action="store_true", help="with --load-model: detection returns a constant")
    args = parser.parse_args()
    corpus, _ = write_corpus(scale=1)
    files = sorted(iter_file_paths([corpus]))[FIRST : FIRST + args.count]
    items = [read_file(path) for path in files]
    if args.load_model:
        load_language_model()
    if args.no_detection:
        ingest.batch.detect_language = lambda text, words=(): ("en", 1.0)
    prepare_batch(items[:1])  # loads the registries, patterns and word frequencies
    prepare_batch(items)


if __name__ == "__main__":
    main()
