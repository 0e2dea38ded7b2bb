"""Cutting a run's work into batches: one Prefect task and one database transaction each."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TypeVar

T = TypeVar("T")

# Files per prepare task: a database batch (NEWSFLOW_BATCH_SIZE) is prepared in parts this size, so
# every worker has work on mid-sized runs, and stored in one transaction. A run of more files than
# this prepares them in worker processes.
PREPARE_FILES = 500
# Input bytes per prepare part and per database batch, besides the counts: a batch of HTML pages
# (100-200 KB each) holds many times its input in memory while it is prepared and stored (4,163
# pages at 2,000 a batch peaked at 5.5 GiB across the processes, at 4,000 at 7.7 GiB). A batch cut
# by bytes holds at least four parts, so that both workers have work while it is stored.
PREPARE_BYTES = 8 * 2**20
BATCH_BYTES = 4 * PREPARE_BYTES


def chunks(items: Iterable[T], size: int, /) -> Iterator[list[T]]:
    """Consecutive lists of at most `size` items."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def cut(sized: Iterable[tuple[T, int]], /, *, most: int, most_bytes: int) -> Iterator[list[tuple[T, int]]]:
    """Consecutive lists of `(item, size)` with at most `most` items and `most_bytes` in all (an item
    larger than that alone)."""
    run: list[tuple[T, int]] = []
    total = 0
    for item, size in sized:
        if run and (len(run) == most or total + size > most_bytes):
            yield run
            run, total = [], 0
        run.append((item, size))
        total += size
    if run:
        yield run
