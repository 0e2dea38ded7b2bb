"""Prepare N Reuters-21578 files in this process: run under callgrind to count what a change costs.

Wall-clock time on the shared 2-core machines drifts by a third within minutes; instruction counts
do not. Count the start-up (N=1) and a batch (N=300), before and after a change, with a fixed hash
seed, and compare the differences:

    PYTHONHASHSEED=0 valgrind --tool=callgrind --callgrind-out-file=/dev/null .venv/bin/python bench/prepare_cost.py 300
"""

from __future__ import annotations

import sys

from _common import REPO
from reuters_corpus import write_corpus

sys.path.insert(0, str(REPO))
from ingest.batch import prepare_batch  # noqa: E402
from ingest.files import iter_file_paths, read_file  # noqa: E402

FIRST = 2000  # skip the first files, which the start-up batch below would otherwise warm


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    corpus, _ = write_corpus(scale=1)
    files = sorted(iter_file_paths([corpus]))[FIRST : FIRST + count]
    items = [read_file(path) for path in files]
    prepare_batch(items[:1])  # loads the registries, patterns and word frequencies
    prepare_batch(items)


if __name__ == "__main__":
    main()
