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


def chunks(items: Iterable[T], size: int, /) -> Iterator[list[T]]:
    """Consecutive lists of at most `size` items."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk
