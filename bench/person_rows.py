"""Person rows scored on a labelled sample (tests/corpus/person_rows.tsv), issue 13 item 5.

The sample holds (article, first name, surname) rows that `ingest.names` reads as people in the
distinct BBC and Reuters-21578 articles, each labelled `person` or `other` (an organisation, a
place, a product, a title) by reading the sentence. This script reports the precision of the rows
the code still reads as people, sample by sample (a sample of an earlier output, filtered by
rules that only narrow it, is a random sample of today's output), and with `--sample N OUT` draws a fresh random sample of the current
output (seed 2026), carrying over the labels of rows already read and marking the rest `?` to read.

    python bench/person_rows.py [--sample 200 OUT.tsv]
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from collections.abc import Sequence
from pathlib import Path

from name_eval import REPO, SOURCES, context, distinct

sys.path.insert(0, str(REPO))
from ingest.names import read_names  # noqa: E402

ROWS = REPO / "tests" / "corpus" / "person_rows.tsv"
SEED = 2026


def read_samples(path: Path) -> dict[str, list[tuple[tuple[str, str, str, str], str]]]:
    """Sample name (its "# ... sample" comment line) -> its rows, (corpus, file, given, surname) and label."""
    samples: dict[str, list[tuple[tuple[str, str, str, str], str]]] = {}
    current = "unnamed"
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            fields = line.rstrip("\n").split("\t")
            if line.startswith("#"):
                if " sample" in line and ":" in line:
                    current = line.lstrip("# ").split(",")[0].split(":")[0]
            elif fields[0] != "corpus" and len(fields) >= 5:
                samples.setdefault(current, []).append(((fields[0], fields[1], fields[2], fields[3]), fields[4]))
    return samples


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample", nargs=2, metavar=("N", "OUT"), help="draw N rows of the current output into OUT")
    args = parser.parse_args(argv)
    samples = read_samples(ROWS)
    labels = {key: label for rows in samples.values() for key, label in rows}
    found: list[tuple[str, str, str, str, str]] = []
    for text in distinct(t for name in ("bbc", "reuters") for t in SOURCES[name]()):
        for person in read_names(text.texts, language=text.language).persons:
            snippet = context(text.texts, f"{person.given} {person.surname}", f"{person.given} {person.surname}")
            found.append((text.corpus, text.file, person.given, person.surname, snippet.split(" … ")[0]))
    if args.sample:
        count, out = int(args.sample[0]), Path(args.sample[1])
        chosen = random.Random(SEED).sample(found, count)
        with out.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
            writer.writerow(("corpus", "file", "given", "surname", "label", "context"))
            for corpus, file, given, surname, snippet in chosen:
                writer.writerow((corpus, file, given, surname, labels.get((corpus, file, given, surname), "?"), snippet))
        print(f"{count} of {len(found)} person rows written to {out}")
        return 0
    current = {row[:4] for row in found}
    print(f"person rows read now: {len(found)}")
    for name, rows in samples.items():
        kept = [label for key, label in rows if key in current]
        people = sum(label == "person" for label in kept)
        all_people = sum(label == "person" for _, label in rows)
        print(f"{name}: {len(kept)} of {len(rows)} rows still read, precision {people / len(kept):.3f} "
              f"({people}/{len(kept)}); {people} of its {all_people} people still read")
    return 0


if __name__ == "__main__":
    sys.exit(main())
