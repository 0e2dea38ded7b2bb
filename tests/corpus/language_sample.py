"""The labelled language sample (`language_sample.tsv`): 300 articles of ../shared/corpora, read by a person.

Used by tests/corpus/test_language.py and bench/language_detectors.py. An article's text is what
newsflow's detector is given: its title and body (for the extraction benchmark, the ground-truth body).
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

from ingest.feeds import parse_feed
from ingest.parse import ParsedItem
from ingest.records import RawItem

SAMPLE = Path(__file__).with_name("language_sample.tsv")


def read_sample(corpora: Path, /) -> list[tuple[str, str, str]]:
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
