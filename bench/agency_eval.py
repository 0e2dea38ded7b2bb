"""Agency tags scored against a labelled sample of real wire text (issue 18).

Runs the pipeline's own pure path (`ingest.batch.prepare_batch` for files, `prepare_feed` for feeds)
over Reuters-21578, the BBC corpus and the real feeds in ../shared/corpora, then:

    python bench/agency_eval.py score            # precision and recall per role on the labels
    python bench/agency_eval.py counts           # tags per corpus and role (what there is to sample)
    python bench/agency_eval.py draw             # the seeded sample, as rows to label by reading
    python bench/agency_eval.py show FILE...     # the text and tags of these articles

The labels are `tests/corpus/agency_labels.tsv`: one row per piece of evidence the tagger gave or
should have given, with the right agency and role read from the text ("none" when it is not an
agency). An article's truth is the set of (agency, role) of its rows; precision and recall compare
it with what the tagger gives that article now, so the labels stay valid as the tagger changes.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

try:  # run as a script (bench/ on sys.path, like the other benchmarks) or imported as bench.agency_eval
    from _common import CORPORA, REPO
    from reuters_corpus import Story, read_stories, story_text
except ImportError:
    from bench._common import CORPORA, REPO  # type: ignore[no-redef]
    from bench.reuters_corpus import Story, read_stories, story_text  # type: ignore[no-redef]

sys.path.insert(0, str(REPO))
from ingest.agencies import load_registry  # noqa: E402
from ingest.batch import prepare_batch, prepare_feed  # noqa: E402
from ingest.records import AgencyTag, Article, RawItem  # noqa: E402

LABELS = REPO / "tests" / "corpus" / "agency_labels.tsv"
ROLES = ("dateline", "credit", "cited", "image_credit", "mention")
SEED = 18
BATCH = 1000
FEED_SUFFIXES = (".xml", ".rss", ".atom")
RECEIVED_AT = datetime(2026, 12, 1, tzinfo=UTC)  # feeds need a receiving time; tags do not depend on it


@dataclass(frozen=True)
class Label:
    file: str  # corpus-relative article name, e.g. reuters21578/reut2-003/3412
    tagged: str  # "AGENCY role" the tagger gave when the row was drawn, or "-" for a miss added by hand
    context: str  # the evidence, as matched_text shows it (or the sentence, for a miss)
    agency: str  # the right agency code, or "none": not an agency
    role: str  # the right role, or "none"


def iter_articles(only: set[str] | None = None) -> Iterator[tuple[str, Article]]:
    """(name, article) for every article of the three corpora (or those named in `only`), through the
    pipeline's pure steps."""
    yield from _reuters_articles(only)
    yield from _file_articles(CORPORA / "bbc" / "bbc", "bbc", only)
    yield from _feed_articles(CORPORA / "real-feeds", only)


def _reuters_articles(only: set[str] | None) -> Iterator[tuple[str, Article]]:
    stories = [s for s in read_stories() if only is None or _reuters_name(s) in only]
    for start in range(0, len(stories), BATCH):
        part = stories[start : start + BATCH]
        items = [RawItem("file", _reuters_name(s), _reuters_name(s), story_text(s).encode(), ".txt") for s in part]
        for document in prepare_batch(items).documents:
            yield document.source_uri, document.article


def _reuters_name(story: Story) -> str:
    return f"reuters21578/{story.source}/{story.newid}"


def _file_articles(folder: Path, prefix: str, only: set[str] | None) -> Iterator[tuple[str, Article]]:
    paths = [p for p in sorted(folder.rglob("*.txt")) if only is None or f"{prefix}/{p.relative_to(folder)}" in only]
    for start in range(0, len(paths), BATCH):
        items = []
        for path in paths[start : start + BATCH]:
            name = f"{prefix}/{path.relative_to(folder)}"
            items.append(RawItem("file", name, name, path.read_bytes(), path.suffix))
        for document in prepare_batch(items).documents:
            yield document.source_uri, document.article


def _feed_articles(folder: Path, only: set[str] | None) -> Iterator[tuple[str, Article]]:
    for path in sorted(p for p in folder.iterdir() if p.suffix in FEED_SUFFIXES):
        name = f"real-feeds/{path.name}"
        if only is not None and not any(file.startswith(f"{name}#") for file in only):
            continue
        _, batch = prepare_feed(RawItem("feed", name, name, path.read_bytes(), ""), received_at=RECEIVED_AT)
        for document in batch.documents:
            if only is None or f"{name}#{document.item_key}" in only:
                yield f"{name}#{document.item_key}", document.article


def article_text(article: Article) -> str:
    return "\n".join(filter(None, [article.title, article.dateline, article.body, article.credit]))


def read_labels(path: Path = LABELS) -> list[Label]:
    labels = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip() or line.startswith("file\t"):
            continue
        file, tagged, context, agency, role = line.split("\t")
        labels.append(Label(file, tagged, context, agency, role))
    return labels


@dataclass(frozen=True)
class Score:
    role: str
    true_positives: int
    tagged: int  # tags the tagger gives in this role on labelled articles
    truth: int  # true tags in this role on labelled articles

    @property
    def precision(self) -> float:
        return self.true_positives / self.tagged if self.tagged else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.truth if self.truth else 1.0


def score(labels: list[Label], tags_of: dict[str, tuple[AgencyTag, ...]]) -> tuple[dict[str, Score], list[str]]:
    """Per-role scores over the labelled articles, and a line for every disagreement."""
    truth: dict[str, set[tuple[str, str]]] = {file: set() for file in {label.file for label in labels}}
    for label in labels:
        if label.agency != "none":
            truth[label.file].add((label.agency, label.role))
    counts = {role: [0, 0, 0] for role in ROLES}
    errors = []
    for file, true_tags in sorted(truth.items()):
        given = {(tag.agency, tag.role) for tag in tags_of[file]}
        for agency, role in given | true_tags:
            counts[role][0] += (agency, role) in given and (agency, role) in true_tags
            counts[role][1] += (agency, role) in given
            counts[role][2] += (agency, role) in true_tags
            if ((agency, role) in given) != ((agency, role) in true_tags):
                kind = "wrong" if (agency, role) in given else "missed"
                evidence = next((t.matched_text for t in tags_of[file] if (t.agency, t.role) == (agency, role)), "")
                errors.append(f"{kind}\t{file}\t{agency} {role}\t{evidence}")
    return {role: Score(role, *counts[role]) for role in ROLES}, errors


def tags_by_file(files: set[str]) -> dict[str, tuple[AgencyTag, ...]]:
    """The tagger's tags, now, for each of these articles."""
    return {name: article.agency_tags for name, article in iter_articles(files)}


def _score_command() -> None:
    labels = read_labels()
    files = {label.file for label in labels}
    scores, errors = score(labels, tags_by_file(files))
    print(f"{len(files)} labelled articles, {sum(label.tagged != '-' for label in labels)} labelled tags, "
          f"{sum(label.tagged == '-' and label.agency != 'none' for label in labels)} tags the tagger missed, added by hand")
    print("role          precision  recall   (right / tagged / true)")
    for s in scores.values():
        print(f"{s.role:<13} {s.precision:9.3f} {s.recall:7.3f}   ({s.true_positives} / {s.tagged} / {s.truth})")
    for line in errors:
        print(line)


def _counts_command() -> None:
    counts: Counter[tuple[str, str]] = Counter()
    untagged: Counter[str] = Counter()
    for name, article in iter_articles():
        corpus = name.split("/")[0]
        for tag in article.agency_tags:
            counts[(corpus, tag.role)] += 1
        untagged[corpus] += not article.agency_tags
    for (corpus, role), n in sorted(counts.items()):
        print(f"{corpus}\t{role}\t{n}")
    for corpus, n in sorted(untagged.items()):
        print(f"{corpus}\tuntagged articles\t{n}")


def _draw_command(per_stratum: int, untagged: int, hunted: int) -> None:
    """Rows to label, for whole articles: every tag the tagger gives them and every agency-like phrase
    it left untagged. Articles are drawn by tag (up to `per_stratum` per corpus, role and Reuters or
    not), among untagged articles, and among articles with an untagged agency-like phrase (the hunt)."""
    rng = random.Random(SEED)
    strata: dict[tuple[str, str, bool], list[str]] = {}
    bare: list[str] = []
    with_phrases: list[str] = []
    articles: dict[str, Article] = {}
    for name, article in iter_articles():
        articles[name] = article
        for tag in article.agency_tags:
            strata.setdefault((name.split("/")[0], tag.role, tag.agency == "REUTERS"), []).append(name)
        if not article.agency_tags:
            bare.append(name)
        elif any(True for _ in _untagged_phrases(article)):
            with_phrases.append(name)
    chosen: set[str] = set()
    for key in sorted(strata):
        chosen.update(rng.sample(sorted(set(strata[key])), min(per_stratum, len(set(strata[key])))))
    chosen.update(rng.sample(bare, untagged))
    chosen.update(rng.sample(sorted(set(with_phrases) - chosen), hunted))
    for name in sorted(chosen):
        article = articles[name]
        for tag in article.agency_tags:
            print(f"{name}\t{tag.agency} {tag.role}\t{tag.matched_text}\t?\t?")
        for phrase in _untagged_phrases(article):
            print(f"{name}\t-\t{phrase}\t?\t?")
        if not article.agency_tags:
            print(f"{name}\t-\t(no tag)\t?\t?")


_PHRASE = re.compile(r"news agency|press agency|news service|wire service|newswire", re.IGNORECASE)


def _untagged_phrases(article: Article) -> Iterator[str]:
    """Agency names (long forms in any case, short forms as written or in capitals) and agency words
    in the article that no tag's evidence covers: where the tagger may have missed one."""
    registry = load_registry()
    longs = "|".join(map(re.escape, sorted(registry.code_of_long, key=len, reverse=True)))
    shorts = "|".join(re.escape(f) for form in registry.code_of_short for f in {form, form.upper()})
    names = re.compile(rf"(?<![\w-])(?:(?i:{longs})|{shorts})(?![\w-])")
    evidence = [tag.matched_text for tag in article.agency_tags]
    for text in (article.title, *article.body.split("\n\n")):
        for pattern in (names, _PHRASE):
            for found in pattern.finditer(text):
                window = text[max(0, found.start() - 15) : found.end() + 15]
                if not any(window in seen for seen in evidence):
                    start, end = max(0, found.start() - 100), found.end() + 100
                    yield text[start:end].replace("\t", " ")


def _show_command(files: list[str]) -> None:
    wanted = set(files)
    for name, article in iter_articles():
        if name in wanted:
            print(f"== {name}\n{article_text(article)}\n-- tags: "
                  + "; ".join(f"{t.agency} {t.role}: {t.matched_text}" for t in article.agency_tags))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("score", help="precision and recall per role on the labelled sample")
    commands.add_parser("counts", help="tags per corpus and role")
    draw = commands.add_parser("draw", help="the seeded sample of tags and untagged articles, to label")
    draw.add_argument("--per-stratum", type=int, default=60)
    draw.add_argument("--untagged", type=int, default=100)
    draw.add_argument("--hunted", type=int, default=60)
    show = commands.add_parser("show", help="the text and tags of these articles")
    show.add_argument("files", nargs="+")
    args = parser.parse_args()
    if args.command == "score":
        _score_command()
    elif args.command == "counts":
        _counts_command()
    elif args.command == "draw":
        _draw_command(args.per_stratum, args.untagged, args.hunted)
    else:
        _show_command(args.files)


if __name__ == "__main__":
    main()
