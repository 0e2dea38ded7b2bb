"""Story sketches and verdicts, without a database."""

from __future__ import annotations

import random
import subprocess
import sys

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from ingest.stories import (
    BANDS,
    PERMUTATIONS,
    StoryText,
    compare,
    estimated_similarity,
    numbers,
    shingle_sets,
    shingles,
    sketch_texts,
    story_tokens,
)

WORDS = ("grain ships port minister talks deal price harvest convoy inspectors insurers corridor farmers "
         "wheat traders freight storage autumn coast mines officials Geneva Istanbul signatories").split()


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) + str(rng.randrange(50)) for _ in range(words))


def test_numbers_are_tokens_whole_and_thousands_separators_do_not_matter() -> None:
    assert story_tokens("Up 2,000 to 1.5 mln; the U.S. rose 1,234.56") == [
        "up", "2000", "to", "1.5", "mln", "the", "u", "s", "rose", "1234.56"
    ]
    assert numbers(StoryText("Sales rose 2,000 units to $1.4m.", "LONDON, March 3 -")) == {"2000", "1.4", "3"}
    assert compare(StoryText("it rose 2,000 units in March"), StoryText("it rose 2000 units in March")).jaccard == 1.0


def test_conflicting_numbers_block_a_merge_but_added_numbers_do_not() -> None:
    base = "The central bank added reserves to the banking system through repurchase agreements on the day. " * 3
    monday = compare(StoryText(base + "It arranged 1.5 billion dlrs."), StoryText(base + "It arranged 2.5 billion dlrs."))
    assert monday.numbers_differ and monday.verdict == "numbers_differ"
    update = compare(StoryText(base), StoryText(base + "It arranged 2.5 billion dlrs."))
    assert not update.numbers_differ and update.verdict in {"same_story", "update"}


def test_a_short_text_inside_a_long_one_is_an_update_even_at_low_jaccard() -> None:
    rng = random.Random(7)
    early = _text(rng, 60)
    late = early + " " + _text(rng, 200)
    outcome = compare(StoryText(early), StoryText(late))
    assert outcome.jaccard < 0.4 and outcome.containment == 1.0 and outcome.verdict == "update"


def test_the_minhash_estimate_is_unbiased_within_its_standard_error() -> None:
    rng = random.Random(3)
    errors = []
    for _ in range(400):
        words = _text(rng, 300).split()
        edited = [w if rng.random() > rng.random() * 0.4 else "x" + w for w in words]
        a, b = sketch_texts([" ".join(words), " ".join(edited)])
        exact = compare(StoryText(" ".join(words)), StoryText(" ".join(edited))).jaccard
        estimate, _ = estimated_similarity(a.signature, b.signature, a.shingle_count, b.shingle_count)
        errors.append(estimate - exact)
    assert abs(float(np.mean(errors))) < 0.01  # five standard errors of the mean of 400
    assert float(np.std(errors)) < 0.5 / PERMUTATIONS**0.5 + 0.01


@given(st.lists(st.text(max_size=80), max_size=8))
def test_a_batch_gives_each_text_the_shingles_it_has_alone(texts: list[str]) -> None:
    values, offsets = shingle_sets(texts)
    for i, text in enumerate(texts):
        assert np.array_equal(values[offsets[i] : offsets[i + 1]], shingles(text))


def test_sketches_are_the_same_in_every_process() -> None:
    """Stored sketches are compared with ones computed in later runs: no per-process salt may leak in."""
    text = "Ministers from twelve countries met in Geneva on Tuesday to agree a grain plan."
    here = sketch_texts([text])[0]
    program = (
        "import sys; from ingest.stories import sketch_texts; s = sketch_texts([sys.argv[1]])[0]; "
        "print(s.signature.hex(), s.bands.hex(), s.samples.hex())"
    )
    there = subprocess.run([sys.executable, "-c", program, text], capture_output=True, text=True, check=True).stdout
    assert there.rstrip("\n").split(" ") == [here.signature.hex(), here.bands.hex(), here.samples.hex()]
    assert len(here.bands) == 8 * BANDS


def test_a_body_without_words_has_no_candidate_keys() -> None:
    sketch = sketch_texts(["—"])[0]
    assert sketch.bands == b"" and sketch.samples == b"" and sketch.shingle_count == 0
