"""Run the `newsflow` command line and kill it with SIGKILL at a chosen point (the crash drills).

    python -m tests.flows.crash_driver POINT N NEWSFLOW_ARGS...

POINT is where the Nth call dies: `parsing` (while preparing the Nth article), `loading` (inside the
Nth batch's transaction, its articles inserted and its documents not yet), `committing` (the same,
after every insert), `between` (right after the Nth batch of files committed) or `between-feeds`
(right after the Nth batch of feeds committed). Run with NEWSFLOW_WORKERS=1 so that parsing happens in this process.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from typing import Any

import ingest.batch
import storage.database
import storage.load
from flows.cli import main

POINTS: dict[str, tuple[Any, str, bool]] = {  # owner, attribute, die after the call instead of before
    "parsing": (ingest.batch, "_parse_safely", False),
    "loading": (storage.load, "_insert_documents", False),
    "committing": (storage.load, "record_files", False),  # the last statement of a batch transaction
    "between": (storage.database.Database, "add_batch", True),
    "between-feeds": (storage.database.Database, "add_feed_batch", True),
}


def die_at(owner: Any, name: str, n: int, *, after: bool) -> None:
    original: Callable[..., Any] = getattr(owner, name)
    calls = 0

    def dying(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == n and not after:
            os.kill(os.getpid(), signal.SIGKILL)
        result = original(*args, **kwargs)
        if calls == n and after:
            os.kill(os.getpid(), signal.SIGKILL)
        return result

    setattr(owner, name, dying)


if __name__ == "__main__":
    point, count, *newsflow_args = sys.argv[1:]
    owner, attribute, after = POINTS[point]
    die_at(owner, attribute, int(count), after=after)
    sys.exit(main(newsflow_args))
