"""A write connection held across the batches of one run, handed back at intervals.

Closing a DuckDB connection checkpoints it, and a checkpoint rewrites every row group that changed:
while a table is smaller than one row group (122,880 rows) that is the whole table. A connection per
batch therefore makes a large run quadratic (Reuters-21578 in 500-article batches spent 23 s of 50 s
closing connections). A run that holds its connection instead checkpoints once per hold, and every
`HOLD_SECONDS` it closes, pauses so a waiting writer or reader can take the lock, and takes it again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import duckdb

HOLD_SECONDS = 15.0  # how long other writers and readers may wait for a held database, plus one batch
YIELD_SECONDS = 0.25  # the pause after handing the lock back: longer than a waiter's poll interval
# Checkpoints within a hold: rarer than DuckDB's 16 MB default, yet bounding the memory that
# committed but not yet checkpointed rows occupy.
HOLD_CHECKPOINT_THRESHOLD = "256MB"

Opener = Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection]]

_held: dict[Path, HeldWriter] = {}


class HeldWriter:
    """The held connection of one database in this process; opened on first use."""

    def __init__(self, open_writer: Opener, threads: int | None) -> None:
        self._open_writer = open_writer
        self._threads = threads
        self._context: AbstractContextManager[duckdb.DuckDBPyConnection] | None = None
        self._connection: duckdb.DuckDBPyConnection | None = None
        self._since = 0.0

    def connection(self) -> duckdb.DuckDBPyConnection:
        if self._connection is not None and time.monotonic() - self._since > HOLD_SECONDS:
            self.close()
            time.sleep(YIELD_SECONDS)
        if self._connection is None:
            self._context = self._open_writer()
            self._connection = self._context.__enter__()
            self._connection.execute(f"SET checkpoint_threshold = '{HOLD_CHECKPOINT_THRESHOLD}'")
            if self._threads is not None:
                self._connection.execute(f"SET threads = {int(self._threads)}")
            self._since = time.monotonic()
        return self._connection

    def close(self) -> None:
        context, self._context, self._connection = self._context, None, None
        if context is not None:
            context.__exit__(None, None, None)


def held_connection(path: Path) -> duckdb.DuckDBPyConnection | None:
    """The connection this process holds for `path`, if a `holding` block is open for it."""
    writer = _held.get(path)
    return writer.connection() if writer is not None else None


@contextmanager
def holding(path: Path, open_writer: Opener, threads: int | None = None) -> Iterator[None]:
    """Keep one write connection to `path` for the block (nested blocks share the outer one).

    `threads` caps DuckDB's own threads on it, for runs whose worker processes already take every core.
    """
    if path in _held:
        yield
        return
    writer = _held[path] = HeldWriter(open_writer, threads)
    try:
        yield
    finally:
        del _held[path]
        writer.close()
