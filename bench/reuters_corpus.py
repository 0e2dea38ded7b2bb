"""Reuters-21578 as one text file per article: the input of bench/reuters_speed.py.

Each <REUTERS> document with a <BODY> (19,043 of 21,578) becomes `reut2-NNN-<NEWID>.txt` in the
format `newsflow ingest files` reads: the headline on the first line, a blank line, then the dateline
and the body ("SALVADOR, Feb 26 - Showers continued ..."), the body's line breaks and indented
paragraph starts kept as the wire sent them. Files go into one subfolder per source file
(`copy-00/reut2-000/`), so no folder holds more than 1,000.

`--scale N` adds N-1 altered copies, so a 10x run reads 190,430 distinct articles rather than the
same bytes ten times (which the pipeline would fold into one article each). `--headline-suffix`
changes every headline and nothing else: the "same stories again under new headlines" load.

A folder is reused when its `.complete` marker (written last, hidden from the ingest walk) holds the
same parameters, so repeated benchmark runs pay for writing 190k files once.

    python bench/reuters_corpus.py [OUT] [--scale N] [--headline-suffix TEXT]
"""

from __future__ import annotations

import argparse
import bisect
import hashlib
import itertools
import json
import os
import random
import re
import shutil
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

try:  # run as a script (bench/ on sys.path, like the other benchmarks) or imported as bench.reuters_corpus
    from _common import CORPORA
except ImportError:
    from bench._common import CORPORA  # type: ignore[no-redef]

SOURCE = CORPORA / "reuters21578"
DOCUMENTS = 19043  # <REUTERS> documents with a <BODY>, per ORIGIN.md
MARKER = ".complete"
FORMAT_VERSION = 1  # bump when the file layout or text changes, so stale caches are rewritten
REPLACE_PROBABILITY = 0.3
TITLE_WORDS = 8  # headline made from the body when a story has none

_DOCUMENT = re.compile(r'<REUTERS\b[^>]*\bNEWID="(\d+)"[^>]*>(.*?)</REUTERS>', re.DOTALL)
_TITLE = re.compile(r"<TITLE>(.*?)</TITLE>", re.DOTALL)
_DATELINE = re.compile(r"<DATELINE>(.*?)</DATELINE>", re.DOTALL)
_BODY = re.compile(r"<BODY>(.*?)</BODY>", re.DOTALL)
_ENTITY = re.compile(r"&(#\d+|lt|gt|amp|quot|apos);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # keeps \t and \n
_WORD = re.compile(r"\w+")
_SIGN_OFF = re.compile(r"\s*reuter\W*\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Story:
    source: str  # the .sgm file's stem, "reut2-000"
    newid: int
    title: str  # the <TITLE>, or the body's first words when it had none
    dateline: str | None  # "SALVADOR, Feb 26 -"
    body: str
    titled: bool  # False when the title was made from the body


@dataclass(frozen=True)
class Vocabulary:
    """Body words with cumulative counts: replacement words are drawn as often as the corpus uses them,
    so altered copies keep the word lengths (and so roughly the byte size) of the real text."""

    words: tuple[str, ...]
    cumulative: tuple[int, ...]

    def draw(self, rng: random.Random, k: int) -> list[str]:
        total = self.cumulative[-1]
        return [self.words[bisect.bisect_right(self.cumulative, rng.random() * total)] for _ in range(k)]


def clean(text: str) -> str:
    """SGML entities decoded (&lt; &amp; &#3;), then control characters (the wire's framing) dropped."""
    decoded = _ENTITY.sub(lambda m: chr(int(m.group(1)[1:])) if m.group(1)[0] == "#" else _NAMED[m.group(1)], text)
    return _CONTROL.sub("", decoded.replace("\r", ""))


def read_stories(source: Path = SOURCE) -> list[Story]:
    """Every document with a <BODY>, in file and document order (read as latin-1, as the files are)."""
    files = sorted(source.glob("reut2-0*.sgm"))
    if not files:
        raise FileNotFoundError(f"no reut2-0*.sgm files in {source}")
    stories = []
    for path in files:
        for match in _DOCUMENT.finditer(path.read_text(encoding="latin-1")):
            story = _story(path.stem, int(match.group(1)), match.group(2))
            if story is not None:
                stories.append(story)
    return stories


def _story(source: str, newid: int, sgml: str) -> Story | None:
    body_match = _BODY.search(sgml)
    if body_match is None:
        return None
    body = clean(body_match.group(1)).strip()
    title_match, dateline_match = _TITLE.search(sgml), _DATELINE.search(sgml)
    title = " ".join(clean(title_match.group(1)).split()) if title_match else ""
    dateline = " ".join(clean(dateline_match.group(1)).split()) if dateline_match else ""
    titled = bool(title)
    if not titled:
        title = " ".join(body.split()[:TITLE_WORDS])
    return Story(source, newid, title, dateline or None, body, titled)


def story_text(story: Story, *, body: str | None = None, headline_suffix: str = "") -> str:
    """The file's text: headline, blank line, dateline and body opening the same paragraph."""
    body = story.body if body is None else body
    lede = f"{story.dateline} {body}" if story.dateline else body
    return f"{story.title}{headline_suffix}\n\n{lede}\n"


def vocabulary(stories: Sequence[Story]) -> Vocabulary:
    """Word counts over all bodies, in first-seen order so draws are the same on every machine."""
    counts = Counter(word for story in stories for word in _WORD.findall(story.body))
    words = tuple(counts)
    return Vocabulary(words, tuple(itertools.accumulate(counts[word] for word in words)))


def vary_body(body: str, rng: random.Random, words: Vocabulary, probability: float = REPLACE_PROBABILITY) -> str:
    """Each word replaced with `probability` by a corpus word; punctuation, line breaks and the
    closing "Reuter" kept, so the copy still parses like wire copy but is a different article."""
    sign_off = _SIGN_OFF.search(body)
    text, tail = (body[: sign_off.start()], body[sign_off.start() :]) if sign_off else (body, "")
    swaps = [rng.random() < probability for _ in _WORD.finditer(text)]
    picks, swap = iter(words.draw(rng, sum(swaps))), iter(swaps)
    return _WORD.sub(lambda m: next(picks) if next(swap) else m.group(0), text) + tail


def copy_seed(copy: int, newid: int) -> str:
    """A seed string per (copy, story): str seeds hash the same in every process, unlike hash()."""
    return f"reuters21578:{copy}:{newid}"


def file_name(copy: int, story: Story) -> str:
    return f"copy-{copy:02d}/{story.source}/{story.source}-{story.newid}.txt"


def cache_root() -> Path:
    return Path(os.environ.get("NEWSFLOW_BENCH_CACHE") or "/tmp/newsflow-bench")


def default_folder(scale: int = 1, headline_suffix: str = "") -> Path:
    name = f"reuters21578-x{scale}"
    if headline_suffix:
        name += "-headlines-" + hashlib.sha256(headline_suffix.encode("utf-8")).hexdigest()[:8]
    return cache_root() / name


def parameters(scale: int, headline_suffix: str) -> dict[str, object]:
    return {
        "format": FORMAT_VERSION,
        "source": str(SOURCE),
        "scale": scale,
        "headline_suffix": headline_suffix,
        "replace_probability": REPLACE_PROBABILITY,
    }


def completed(folder: Path, scale: int = 1, headline_suffix: str = "") -> int | None:
    """The number of files when `folder` holds a finished corpus with these parameters, else None."""
    try:
        marker = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if marker.get("parameters") != parameters(scale, headline_suffix):
        return None
    return int(marker["files"])


def iter_texts(stories: Sequence[Story], scale: int, headline_suffix: str = "") -> Iterator[tuple[str, str]]:
    """(relative file name, text) for every copy; copy 0 is the real corpus."""
    words = vocabulary(stories) if scale > 1 else None
    for copy in range(scale):
        for story in stories:
            body = None
            if copy and words is not None:
                body = vary_body(story.body, random.Random(copy_seed(copy, story.newid)), words)
            yield file_name(copy, story), story_text(story, body=body, headline_suffix=headline_suffix)


def write_corpus(folder: Path | None = None, *, scale: int = 1, headline_suffix: str = "") -> tuple[Path, int]:
    """Write the corpus unless `folder` already holds it; returns the folder and its file count.

    Writes into a sibling temporary folder and renames it into place, so an interrupted run never
    leaves a folder that looks complete. An existing folder is replaced only when it is one of ours
    (has a marker) or empty: a mistyped OUT must not delete someone's files.
    """
    if scale < 1:
        raise ValueError(f"scale must be at least 1, not {scale}")
    folder = (folder or default_folder(scale, headline_suffix)).expanduser().absolute()
    files = completed(folder, scale, headline_suffix)
    if files is not None:
        return folder, files
    if folder.exists() and not (folder / MARKER).exists() and any(folder.iterdir()):
        raise FileExistsError(f"{folder} exists and is not a corpus written by this script; pick another folder")
    partial = folder.with_name(f"{folder.name}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    stories = read_stories()
    count = 0
    made: set[Path] = set()
    for name, text in iter_texts(stories, scale, headline_suffix):
        path = partial / name
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        path.write_text(text, encoding="utf-8", newline="\n")
        count += 1
    marker = {"parameters": parameters(scale, headline_suffix), "files": count,
              "untitled": sum(not story.titled for story in stories)}
    (partial / MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    if folder.exists():
        shutil.rmtree(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    partial.rename(folder)
    return folder, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path,
                        help="output folder (default: $NEWSFLOW_BENCH_CACHE or /tmp/newsflow-bench, "
                             "then reuters21578-xN[-headlines-HASH])")
    parser.add_argument("--scale", type=int, default=1, metavar="N", help="copies to write; copies after the first are altered")
    parser.add_argument("--headline-suffix", default="", metavar="TEXT", help='appended to every headline, e.g. " (UPDATE 1)"')
    args = parser.parse_args()
    if args.scale < 1:
        parser.error("--scale must be at least 1")
    started = time.perf_counter()
    reused = completed((args.out or default_folder(args.scale, args.headline_suffix)).absolute(),
                       args.scale, args.headline_suffix) is not None
    folder, files = write_corpus(args.out, scale=args.scale, headline_suffix=args.headline_suffix)
    marker = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    print(f"{'reused' if reused else 'wrote'} {files:,} files in {folder} ({time.perf_counter() - started:.1f} s; "
          f"{marker.get('untitled', '?')} stories had no <TITLE> and got their body's first {TITLE_WORDS} words)")


if __name__ == "__main__":
    main()
