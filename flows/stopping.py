"""Stopping a run on request: Ctrl-C (SIGINT) and `kill` (SIGTERM, what systemd and Prefect send).

Within `stoppable()`, the first of these signals raises `Stopped` in the main thread, so every `with`
block unwinds as for any error: the worker pool is shut down and joined, the run's row is marked
`interrupted`, the command line prints one line. A signal that arrives while DuckDB runs a query
comes out as DuckDB's own "Query interrupted" error instead; the request is remembered here, so the
run is recorded as stopped all the same. While the database is being opened or closed, the request
waits until that is done (storage/shield.py): an exception inside DuckDB's open or close could leave
the run unable to open the file again to record itself. Later signals are ignored while the run
winds down, which takes at most one part of a batch.
"""

from __future__ import annotations

import functools
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from storage.shield import defer

_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_requested: list[str] = []  # the name of the signal that asked to stop, once one has


class Stopped(KeyboardInterrupt):
    """A signal asked the process to stop. A KeyboardInterrupt, so that what lets Ctrl-C through does the same."""

    def __init__(self, signal_name: str) -> None:
        super().__init__(f"stopped by {signal_name}")
        self.signal_name = signal_name


def stop_requested() -> str | None:
    """The signal that asked this process to stop (SIGINT, SIGTERM), if one has."""
    return _requested[0] if _requested else None


@contextmanager
def stoppable() -> Iterator[None]:
    """SIGINT and SIGTERM raise `Stopped` within the block; the previous handlers come back after it."""
    previous = {number: signal.signal(number, _stop) for number in _SIGNALS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        _requested.clear()


def _stop(number: int, _frame: FrameType | None) -> None:
    if _requested:
        return
    name = signal.Signals(number).name
    _requested.append(name)
    stop = functools.partial(_raise_stopped, name)
    if not defer(stop):  # opening or closing the database: stop as soon as that is done
        stop()


def _raise_stopped(signal_name: str) -> None:
    raise Stopped(signal_name)
