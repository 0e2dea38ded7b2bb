"""A write connection held across the batches of one run, handed back when somebody waits for it.

Closing a DuckDB connection checkpoints it, and a checkpoint rewrites every row group that changed:
while a table is smaller than one row group (122,880 rows) that is the whole table. A connection per
batch therefore makes a large run quadratic (Reuters-21578 in 500-article batches spent 23 s of 50 s
closing connections). A run that holds its connection instead checkpoints once per hold. When another
newsflow process waits for the database (`storage.lock.someone_waits`) and the hold is older than
`HOLD_SECONDS`, it closes, pauses so the waiter can take the lock, and takes it again; when nobody
waits it keeps it, since every handover costs a checkpoint (1-1.5 s on Reuters-21578).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import duckdb

from storage.lock import someone_waits

HOLD_SECONDS = 15.0  # how long another writer or reader may wait for a held database, plus one batch
YIELD_SECONDS = 0.25  # the pause after handing the lock back: longer than a waiter's poll interval
# Checkpoints within a hold: rarer than DuckDB's 16 MB default, yet bounding the memory that
# committed but not yet checkpointed rows occupy. A hold nobody waits for has no other checkpoint
# until it ends: at 256 MB a 10x Reuters run peaked at 1.46x the 1x run, at 128 MB 1.41x (one run each).
HOLD_CHECKPOINT_THRESHOLD = "128MB"
# The held connection's memory limit. Its buffer pool caches every table block its queries read back
# (the candidate and anti-join queries scan whole columns), and at DuckDB's default limit, 80% of RAM,
# it only grows: on 190,430 Reuters files the storing process reached 1,060 MiB, 644 MiB with this
# cap, and no slower (docs/benchmarks.md, issue 17). The limit must also hold what DuckDB cannot evict:
# the primary-key indexes (70 MiB there, 6% of the file) and the rows not yet checkpointed (up to
# 220 MiB there). A quarter of the file's size, and at least the floor, leaves room for both; should
# a batch still run out of memory, the limit is lifted for the rest of the hold and the batch tried
# again (`lift_memory_limit`).
HOLD_MEMORY_FLOOR = 320 * 2**20
HOLD_MEMORY_SHARE = 0.25

Opener = Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection]]

_held: dict[Path, HeldWriter] = {}


class HeldWriter:
    """The held connection of one database in this process; opened on first use."""

    def __init__(self, path: Path, open_writer: Opener, threads: int | None) -> None:
        self._path = path
        self._open_writer = open_writer
        self._threads = threads
        self._context: AbstractContextManager[duckdb.DuckDBPyConnection] | None = None
        self._connection: duckdb.DuckDBPyConnection | None = None
        self._since = 0.0
        self._default_memory_limit: str | None = None  # DuckDB's own, read before the cap is set
        self._memory_limited = True

    def connection(self) -> duckdb.DuckDBPyConnection:
        if self._connection is not None and time.monotonic() - self._since > HOLD_SECONDS and someone_waits(self._path):
            self.close()
            time.sleep(YIELD_SECONDS)
        if self._connection is None:
            self._context = self._open_writer()
            self._connection = self._context.__enter__()
            self._connection.execute(f"SET checkpoint_threshold = '{HOLD_CHECKPOINT_THRESHOLD}'")
            if self._threads is not None:
                self._connection.execute(f"SET threads = {int(self._threads)}")
            if self._default_memory_limit is None:
                self._default_memory_limit = self._setting("memory_limit")
            if self._memory_limited:
                self._connection.execute(f"SET memory_limit = '{self._memory_limit()}B'")
            self._since = time.monotonic()
        return self._connection

    def lift_memory_limit(self) -> bool:
        """Back to DuckDB's default limit for the rest of the hold; False if it was not limited.

        Set, not RESET: DuckDB 1.5.5 shows the default after `RESET memory_limit` but its buffer
        manager keeps the lower limit."""
        if not self._memory_limited or self._connection is None:
            return False
        self._memory_limited = False
        self._connection.execute(f"SET memory_limit = '{self._default_memory_limit}'")
        return True

    def _setting(self, name: str) -> str:
        assert self._connection is not None
        row = self._connection.execute("SELECT current_setting($name)", {"name": name}).fetchone()
        return str(row[0]) if row else ""

    def _memory_limit(self) -> int:
        size = self._path.stat().st_size if self._path.exists() else 0
        return max(HOLD_MEMORY_FLOOR, int(size * HOLD_MEMORY_SHARE))

    def close(self) -> None:
        context, self._context, self._connection = self._context, None, None
        if context is not None:
            context.__exit__(None, None, None)


def held_connection(path: Path) -> duckdb.DuckDBPyConnection | None:
    """The connection this process holds for `path`, if a `holding` block is open for it."""
    writer = _held.get(path)
    return writer.connection() if writer is not None else None


def lift_memory_limit(path: Path) -> bool:
    """Lift the held connection's memory limit after a batch ran out of memory under it; False when
    there was none to lift (no connection held, or already lifted), so the error stands."""
    writer = _held.get(path)
    return writer is not None and writer.lift_memory_limit()


@contextmanager
def holding(path: Path, open_writer: Opener, threads: int | None = None) -> Iterator[None]:
    """Keep one write connection to `path` for the block (nested blocks share the outer one).

    `threads` caps DuckDB's own threads on it, for runs whose worker processes already take every core.
    """
    if path in _held:
        yield
        return
    writer = _held[path] = HeldWriter(path, open_writer, threads)
    try:
        yield
    finally:
        del _held[path]
        writer.close()
