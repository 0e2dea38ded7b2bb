"""Prepare ahead, store in order: the loop every batched pipeline runs.

Preparing a batch (parsing, names, sketches) is CPU work that can run in other processes; storing it
is one database transaction, in batch order, in this process. While batch N is stored, batch N+1 is
already being prepared, and never more than that, so memory stays flat however long the run.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")
P = TypeVar("P")


def store_in_order(items: Iterable[T], /, *, start: Callable[[T], P], finish: Callable[[P], None], ahead: int = 1) -> None:
    """Call `start` on each item and `finish` on what it returned, in item order, with `ahead` items
    started beyond the one being finished. `start` should return at once (a future, say); `finish`
    waits for it."""
    pending: deque[P] = deque()
    for item in items:
        pending.append(start(item))
        if len(pending) > ahead:
            finish(pending.popleft())
    while pending:
        finish(pending.popleft())
