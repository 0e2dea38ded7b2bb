"""Near-duplicate stories, the third level of "the same" (DESIGN §2): sketches, candidates, verdicts.

An article's shingles are its word 3-grams after number normalisation ("2,000" = "2000"), hashed to
64 bits with xxh3, so the sketches stored in the database are the same in every process and on every
machine (Python's own `hash` is salted per process). Two kinds of candidate keys are stored:

- LSH bands of a 128-permutation MinHash: 20 bands of 6 rows. A pair at Jaccard 0.8 shares a band with
  probability 0.998 (0.62 at 0.6, 0.015 at 0.3); the signature's estimate then sets aside candidates
  far below both thresholds, so a low band threshold costs only microseconds per extra candidate. (9 bands of 13 rows, datasketch's choice for 0.8, catch a
  pair at exactly 0.8 with probability 0.40.)
- A consistent sample of the shingles (those whose top three bits are zero, one in eight). An earlier
  version contained in its update shares most of its sample with the update's whatever their sizes,
  which bands cannot see: a short story inside a long one can have Jaccard 0.36.

Verdicts come from exact Jaccard and containment of the shingle sets, never from the sketches, and
two articles whose numbers conflict (each has a number the other lacks: the same template on another
day) are never the same story.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Literal

import numpy as np
import numpy.typing as npt
import xxhash

from ingest.patterns import TextPattern
from ingest.records import StorySketch

_compiled_shingle_sets: Callable[[list[str], bytes], tuple[bytes, bytes]] | None
_compiled_signatures: Callable[[bytes, bytes, bytes, bytes], bytes] | None
try:
    from ingest._shingles import shingle_sets as _compiled_shingle_sets
    from ingest._shingles import signatures as _compiled_signatures
except ImportError:  # built without a C compiler: the NumPy steps below give the same sets and signatures
    _compiled_shingle_sets = _compiled_signatures = None

SKETCH_VERSION = 1  # stored with each article's sketch rows: a change of any constant below needs a new one
PERMUTATIONS = 128
BANDS = 20
ROWS = 6
SHINGLE_WORDS = 3
SAMPLE_SHIFT = 61  # a shingle is sampled when its hash shifted right by this is zero: 1 in 8

# Candidate rules, applied by the store's queries (storage/stories.py) to stored sketches.
# A sampled shingle stored for more articles than this is boilerplate ("the company said"), not
# evidence that one article contains another; ignoring it keeps the candidate join linear.
MAX_SAMPLE_ARTICLES = 100
# Containment candidates: at least this many shared samples and this share of the smaller sample.
MIN_SHARED_SAMPLES = 2
MIN_SHARED_SAMPLE_SHARE = 0.5
# Candidates are verified when their MinHash estimate comes this close to a threshold: over five
# standard errors of a 128-value Jaccard estimate. On Reuters-21578 no pair at 0.8 or more had an
# estimate even 0.2 below it (526 of 526 kept); 4,796 of 5,578 pairs below both thresholds were skipped.
ESTIMATE_MARGIN = 0.25

StoryVerdict = Literal["same_story", "update", "numbers_differ", "different"]
MERGING_VERDICTS: frozenset[str] = frozenset({"same_story", "update"})

# Numbers whole, with a unit written onto them ("2,000", "1.5", "1.4m", "1990s"), else words.
_TOKEN = TextPattern(r"\d+(?:[.,]\d+)*[^\W\d_]*|\w+")
_THOUSANDS_GROUP = re.compile(r"\d{3}")
# The number a token starts with ("1.4" of "1.4m"), found in the tokens joined by spaces: one scan
# of the text rather than a match per token (verification does this for every body it reads).
_LEADING_NUMBER = re.compile(r"(?<!\S)\d+(?:[.,]\d+)*")
_SHINGLES_PER_CHUNK = 2_048  # a (permutations x shingles) matrix of 2 MiB stays in cache


def _constants(label: str, count: int, *, odd: bool) -> npt.NDArray[np.uint64]:
    """Fixed 64-bit constants derived from xxh3 of a label: unlike a NumPy random stream, xxh3's
    output is specified and cannot change with a library upgrade (stored sketches depend on them)."""
    values = [xxhash.xxh3_64_intdigest(f"newsflow/{label}/{i}") for i in range(count)]
    return np.array([v | 1 if odd else v for v in values], dtype=np.uint64)


_PERM_A = _constants("minhash-a", PERMUTATIONS, odd=True)
_PERM_B = _constants("minhash-b", PERMUTATIONS, odd=False)
_SHINGLE_MULTIPLIERS = _constants("shingle", SHINGLE_WORDS, odd=True)
_BAND_MULTIPLIERS = _constants("band", ROWS, odd=True)

UInt64Array = npt.NDArray[np.uint64]


@dataclass(frozen=True)
class StoryThresholds:
    """When a verified pair is one story; configuration (NEWSFLOW_STORY_JACCARD / _CONTAINMENT)."""

    jaccard: float = 0.8  # this similar: the same story
    containment: float = 0.8  # this much of the shorter inside the longer: an update of the story


@dataclass(frozen=True)
class StoryText:
    """What a verdict is computed from: an article's body and dateline."""

    body: str
    dateline: str | None = None


@dataclass(frozen=True)
class Comparison:
    """One verified candidate pair."""

    jaccard: float
    containment: float  # share of the shorter article's shingles found in the longer one
    numbers_differ: bool
    verdict: StoryVerdict


def story_tokens(text: str, /) -> list[str]:
    """Case-folded word tokens; a number is one token without thousands separators ("2,000" = "2000")."""
    tokens: list[str] = _TOKEN.findall(text.casefold())
    if "," not in " ".join(tokens):  # one C-level scan: most texts have no comma inside a number
        return tokens
    return [_without_thousands(token) if "," in token else token for token in tokens]


def shingles(text: str, /) -> UInt64Array:
    """Sorted distinct 64-bit hashes of the word 3-grams of `text`."""
    values, offsets = shingle_sets([text])
    return values[offsets[0] : offsets[1]]


def shingle_sets(texts: Sequence[str], /) -> tuple[UInt64Array, npt.NDArray[np.int64]]:
    """The shingle sets of many texts as one array: set i is `values[offsets[i]:offsets[i + 1]]`.

    Compiled (ingest/_shingles.c) where the install built it; else every step after tokenising is
    one NumPy operation over the whole batch rather than a few per text: a Reuters story has 130
    words, and per-text NumPy calls cost more than its hashing.
    """
    if _compiled_shingle_sets is not None:
        values, offsets = _compiled_shingle_sets(list(texts), _SHINGLE_MULTIPLIERS.tobytes())
        return np.frombuffer(values, dtype=np.uint64), np.frombuffer(offsets, dtype=np.int64)
    return _sets_of_tokens([story_tokens(text) for text in texts])


def _sets_of_tokens(token_lists: Sequence[list[str]]) -> tuple[UInt64Array, npt.NDArray[np.int64]]:
    token_lists = [_padded(tokens) for tokens in token_lists]
    lengths = np.fromiter(map(len, token_lists), dtype=np.int64, count=len(token_lists))
    flat = list(chain.from_iterable(token_lists))
    codes = {token: xxhash.xxh3_64_intdigest(token) for token in set(flat)}
    hashed = np.fromiter(map(codes.__getitem__, flat), dtype=np.uint64, count=len(flat))
    width = len(hashed) - SHINGLE_WORDS + 1
    combined = np.zeros(max(width, 0), dtype=np.uint64)
    for offset, multiplier in enumerate(_SHINGLE_MULTIPLIERS):
        combined += hashed[offset : offset + width] * multiplier
    # A 3-gram starting in the last two words of a text runs into the next text: drop those.
    text_of = np.repeat(np.arange(len(token_lists), dtype=np.int64), lengths)[: max(width, 0)]
    ends = np.cumsum(lengths)
    starts_ok = np.ones(max(width, 0), dtype=bool)
    for back in range(1, SHINGLE_WORDS):
        tail = ends - back
        starts_ok[tail[(tail >= 0) & (tail < width)]] = False
    text_of, values = text_of[starts_ok], _mix(combined[starts_ok])
    order = np.lexsort((values, text_of))
    text_of, values = text_of[order], values[order]
    distinct = np.ones(len(values), dtype=bool)
    distinct[1:] = (values[1:] != values[:-1]) | (text_of[1:] != text_of[:-1])
    text_of, values = text_of[distinct], values[distinct]
    offsets = np.zeros(len(token_lists) + 1, dtype=np.int64)
    np.cumsum(np.bincount(text_of, minlength=len(token_lists)), out=offsets[1:])
    return values, offsets


def numbers(story: StoryText, /) -> frozenset[str]:
    """The numbers an article states, dateline included (the day is what tells templated reports apart)."""
    return _numbers(story_tokens(story.body), story.dateline)


def verification_inputs(stories: Sequence[StoryText], /) -> list[tuple[UInt64Array, frozenset[str]]]:
    """Shingle set and numbers of each article."""
    values, offsets = shingle_sets([story.body for story in stories])
    return [
        (values[offsets[i] : offsets[i + 1]], numbers(story))
        for i, story in enumerate(stories)
    ]


def _numbers(body_tokens: list[str], dateline: str | None) -> frozenset[str]:
    tokens = body_tokens + story_tokens(dateline) if dateline else body_tokens
    return frozenset(_LEADING_NUMBER.findall(" ".join(tokens)))


def sketch_texts(texts: Sequence[str], /) -> list[StorySketch]:
    """Sketches for many bodies at once: the MinHash of a whole batch is one call, and each article's
    fields are slices of a few byte strings made for the whole batch."""
    values, offsets = shingle_sets(texts)
    signatures = minhash_signatures(values, offsets)
    bands = _band_keys(signatures).astype("<u8").tobytes()
    signature_bytes = signatures.astype("<u4").tobytes()
    sampled = (values >> np.uint64(SAMPLE_SHIFT)) == 0
    samples = values[sampled].astype("<u8").tobytes()
    sample_ends = (np.concatenate(([0], np.cumsum(sampled)))[offsets] * 8).tolist()
    counts = np.diff(offsets).tolist()
    band_size, signature_size = BANDS * 8, PERMUTATIONS * 4
    return [
        StorySketch(
            bands=bands[i * band_size : (i + 1) * band_size] if count else b"",
            samples=samples[sample_ends[i] : sample_ends[i + 1]],
            shingle_count=count,
            signature=signature_bytes[i * signature_size : (i + 1) * signature_size],
        )
        for i, count in enumerate(counts)
    ]


def minhash_signatures(values: UInt64Array, offsets: npt.NDArray[np.int64], /) -> npt.NDArray[np.uint32]:
    """128 MinHash values per shingle set (set i is `values[offsets[i]:offsets[i + 1]]`), by
    multiply-shift permutations; an empty set gets all ones. Compiled where the install built
    ingest/_shingles.c, else in NumPy."""
    if _compiled_signatures is not None:
        computed = _compiled_signatures(values.tobytes(), offsets.tobytes(), _PERM_A.tobytes(), _PERM_B.tobytes())
        return np.frombuffer(computed, dtype=np.uint32).reshape(len(offsets) - 1, PERMUTATIONS)
    return _numpy_signatures(values, offsets)


def _numpy_signatures(values: UInt64Array, offsets: npt.NDArray[np.int64]) -> npt.NDArray[np.uint32]:
    """Shingles are concatenated in chunks of whole sets; each chunk is one (128 x shingles) matrix,
    small enough to stay in cache, reduced per set with `minimum.reduceat`. The top 32 bits of the
    minimum are the minimum of the top 32 bits, so the shift is done once per value kept."""
    sizes = np.diff(offsets)
    signatures = np.full((len(sizes), PERMUTATIONS), np.iinfo(np.uint32).max, dtype=np.uint32)
    for start, stop in _chunks_of_sets(sizes.tolist()):
        members = [i for i in range(start, stop) if sizes[i]]
        if not members:
            continue
        chunk = values[offsets[start] : offsets[stop]]
        starts = offsets[members] - offsets[start]
        hashed = np.multiply(_PERM_A[:, None], chunk[None, :])
        hashed += _PERM_B[:, None]
        minima = np.minimum.reduceat(hashed, starts, axis=1)
        signatures[members] = (minima >> np.uint64(32)).astype(np.uint32).T
    return signatures


def estimated_similarity(
    signature_a: bytes, signature_b: bytes, shingles_a: int, shingles_b: int, /
) -> tuple[float, float]:
    """Jaccard and containment as the MinHash signatures estimate them (standard error <= 0.045 for Jaccard)."""
    a = np.frombuffer(signature_a, dtype="<u4")
    b = np.frombuffer(signature_b, dtype="<u4")
    jaccard = float(np.count_nonzero(a == b)) / PERMUTATIONS
    shared = jaccard / (1 + jaccard) * (shingles_a + shingles_b)
    shorter = min(shingles_a, shingles_b)
    return jaccard, min(1.0, shared / shorter) if shorter else 0.0


def worth_verifying(
    signature_a: bytes, signature_b: bytes, shingles_a: int, shingles_b: int, thresholds: StoryThresholds, /
) -> bool:
    """Whether a candidate's MinHash estimate comes within `ESTIMATE_MARGIN` of a threshold.

    A band is shared by pairs down to Jaccard 0.3, and a few shared samples of two short texts are
    weak evidence: on Reuters-21578 nine in ten candidates are far from both thresholds (templated
    wire reports). The signature says so in microseconds, where exact verification reads and
    shingles two bodies.
    """
    jaccard, containment = estimated_similarity(signature_a, signature_b, shingles_a, shingles_b)
    return jaccard >= thresholds.jaccard - ESTIMATE_MARGIN or containment >= thresholds.containment - ESTIMATE_MARGIN


def merged_stories(story_pairs: Sequence[tuple[str, str]], /) -> dict[str, str]:
    """Union the stories of merging pairs: each retired story id -> the story it joins.

    Stories are connected components, and each keeps its smallest id, so the same articles give the
    same stories in any order of arrival.
    """
    parent: dict[str, str] = {}

    def root(story: str) -> str:
        while parent.get(story, story) != story:
            story = parent[story]
        return story

    for a, b in story_pairs:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {story: root(story) for story in parent}


def compare(a: StoryText, b: StoryText, /, thresholds: StoryThresholds = StoryThresholds()) -> Comparison:
    """Verify a candidate pair by exact Jaccard and containment of the shingle sets."""
    return compare_sets(shingles(a.body), numbers(a), shingles(b.body), numbers(b), thresholds)


def compare_sets(
    a: UInt64Array,
    numbers_a: frozenset[str],
    b: UInt64Array,
    numbers_b: frozenset[str],
    thresholds: StoryThresholds,
    /,
) -> Comparison:
    """`compare` for shingle sets and numbers already computed (a batch reuses them across pairs)."""
    shared = int(np.intersect1d(a, b, assume_unique=True).size)
    union = len(a) + len(b) - shared
    jaccard = shared / union if union else 0.0
    shorter = min(len(a), len(b))
    containment = shared / shorter if shorter else 0.0
    numbers_differ = bool(numbers_a - numbers_b) and bool(numbers_b - numbers_a)
    return Comparison(jaccard, containment, numbers_differ, _verdict(jaccard, containment, numbers_differ, thresholds))


def _verdict(jaccard: float, containment: float, numbers_differ: bool, thresholds: StoryThresholds) -> StoryVerdict:
    if jaccard < thresholds.jaccard and containment < thresholds.containment:
        return "different"
    if numbers_differ:
        return "numbers_differ"
    return "same_story" if jaccard >= thresholds.jaccard else "update"


def _without_thousands(number: str) -> str:
    """ "2,000" and "1,234.56" lose their separators; "2,5" (a decimal comma) keeps its comma."""
    groups = number.split(",")
    if all(_THOUSANDS_GROUP.fullmatch(group.split(".")[0]) for group in groups[1:]):
        return number.replace(",", "")
    return number


def _padded(tokens: list[str]) -> list[str]:
    """A text of one or two words still gets one shingle; the padding is not a possible token."""
    return tokens + [""] * (SHINGLE_WORDS - len(tokens)) if 0 < len(tokens) < SHINGLE_WORDS else tokens


def _mix(x: UInt64Array) -> UInt64Array:
    """The splitmix64 finaliser: every input bit affects every output bit, so top-bit sampling is fair."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def _band_keys(signatures: npt.NDArray[np.uint32]) -> UInt64Array:
    rows = signatures[:, : BANDS * ROWS].reshape(len(signatures), BANDS, ROWS).astype(np.uint64)
    combined = (rows * _BAND_MULTIPLIERS[None, None, :]).sum(axis=2, dtype=np.uint64)
    return _mix(combined)


def _chunks_of_sets(sizes: Sequence[int]) -> list[tuple[int, int]]:
    """Consecutive ranges of sets whose shingles together stay near `_SHINGLES_PER_CHUNK`."""
    ranges: list[tuple[int, int]] = []
    start = total = 0
    for index, size in enumerate(sizes):
        if total and total + size > _SHINGLES_PER_CHUNK:
            ranges.append((start, index))
            start, total = index, 0
        total += size
    if start < len(sizes):
        ranges.append((start, len(sizes)))
    return ranges
