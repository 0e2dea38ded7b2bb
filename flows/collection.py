"""How often Python's cyclic garbage collector runs in the processes of a run.

Preparing and storing a batch allocate many short-lived containers (records, tuples, lists, dicts)
and almost no reference cycles, and every young collection at CPython's default threshold (700 net
allocations) walks them for nothing: on Reuters-21578, collections took 0.28 s of the storing
process's CPU and 6% of preparing. A higher young threshold keeps the same collector, run less
often; the memory a cycle holds waits a little longer (docs/benchmarks.md, issue 17).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

YOUNG_THRESHOLD = 10_000  # net allocations between young collections (CPython's default: 700)


def collect_less() -> None:
    """For a process that exists only to run batches (a worker): for the rest of its life."""
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)


@contextmanager
def collecting_less() -> Iterator[None]:
    """For the length of a run in a process that outlives it (the CLI, a Prefect worker)."""
    before = gc.get_threshold()
    collect_less()
    try:
        yield
    finally:
        gc.set_threshold(*before)
