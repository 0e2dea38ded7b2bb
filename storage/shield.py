"""Opening and closing a DuckDB file run to their end, whatever signal arrives meanwhile.

A request to stop (flows/stopping.py) raises an exception wherever the main thread is when the
signal comes. Raised inside `duckdb.connect` or a connection's `close`, it can leave DuckDB's
database for the file half opened or half closed, and a stopped run that then opens the file again
to record itself can spin inside `duckdb.connect` for good (docs/operations.md). This narrows that
window; an `ingest files` run also records a stop through the connection it holds (flows/files.py).
The stop handler asks `defer` first: within a `shielded` block the request waits and is acted on as
the block ends.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_state = threading.local()  # per thread: `depth` of shielded blocks, `deferred` action


@contextmanager
def shielded() -> Iterator[None]:
    """Run the block to its end; an action `defer`red meanwhile runs after it (unless the block raised)."""
    outer = getattr(_state, "depth", 0)
    _state.depth = outer + 1
    try:
        yield
    finally:
        _state.depth = outer
        deferred = _state.__dict__.pop("deferred", None) if outer == 0 else None
    if deferred is not None:
        deferred()


def defer(action: Callable[[], None]) -> bool:
    """Keep `action` for the end of the shielded block this thread is in; False when it is in none."""
    if getattr(_state, "depth", 0) == 0:
        return False
    _state.deferred = action
    return True
