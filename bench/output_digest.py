"""One digest of everything the pure pipeline produces for Reuters-21578 and BBC.

A change meant only to make ingest faster must leave this digest as it was: it covers every
article's title, body, article key, name variants, person names, agency tags, story sketch and word
count, and every rejection's reason. A second digest adds what issue 16 put on every document (its
encoding and how it was found, the article's language, its source and confidence), so the first
stays comparable with figures recorded before. Run it before and after the change:

    python bench/output_digest.py
"""

from __future__ import annotations

import hashlib
import sys

from _common import CORPORA, REPO
from reuters_corpus import write_corpus

sys.path.insert(0, str(REPO))
from ingest.batch import prepare_batch  # noqa: E402
from ingest.files import iter_file_paths, read_file  # noqa: E402

BATCH = 1000


def main() -> None:
    corpus, _ = write_corpus(scale=1)
    files = sorted(iter_file_paths([corpus, CORPORA / "bbc"]))
    digest, fidelity = hashlib.sha256(), hashlib.sha256()
    for start in range(0, len(files), BATCH):
        batch = prepare_batch([read_file(path) for path in files[start : start + BATCH]])
        for document in batch.documents:
            a = document.article
            digest.update(repr((a.title, a.body, a.body_key, a.name_variants, a.person_names, a.agency_tags,
                                a.sketch, a.word_count)).encode())
            fidelity.update(repr((document.encoding, document.encoding_source, document.encoding_confidence,
                                  a.language, a.language_source, a.language_confidence)).encode())
        for rejection in batch.rejections:
            digest.update(repr((rejection.source_uri, rejection.reason)).encode())
    print(f"{len(files):,} files: {digest.hexdigest()}")
    print(f"encodings and languages: {fidelity.hexdigest()}")


if __name__ == "__main__":
    main()
