"""Worker processes for the CPU-bound half of a large run: parsing, names, agencies, sketches.

The database takes one writer, so the main process stores batches in order while worker processes
prepare the next ones. Workers start from a forkserver that has already imported the pipeline, so a
worker costs a fork rather than a fresh interpreter, and no thread or open database of the parent
(a Prefect run has both) is copied into it.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.forkserver
import os
import signal
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from types import TracebackType
from typing import ParamSpec, TypeVar

from flows.collection import collect_less

# Workers yield the CPU to the main process: it stores batches one at a time, in order, so every
# second it waits for a core is a second the whole run waits.
WORKER_NICENESS = 10
P = ParamSpec("P")
R = TypeVar("R")


# What the forkserver imports before it forks a worker: the pipeline, and the tables every batch reads.
_FORKSERVER_PRELOAD = ["__main__", "flows.preparing", "flows.worker_preload"]


def start_forkserver() -> None:
    """Start the process workers fork from now, rather than when the first pool needs it: its imports
    (0.6 s of CPU) then overlap the caller's. A no-op when it runs already."""
    multiprocessing.get_context("forkserver").set_forkserver_preload(_FORKSERVER_PRELOAD)
    multiprocessing.forkserver.ensure_running()


def default_worker_count() -> int:
    """The cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _start_worker(niceness: int) -> None:
    """Lower the worker's priority, collect garbage less often (flows/collection.py), and leave Ctrl-C
    to the main process, which stops the pool in order (a terminal sends SIGINT to every process of
    the foreground group, workers included)."""
    os.nice(niceness)
    collect_less()
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class Workers:
    """`count` worker processes, or the calling thread itself when `count` is 1.

    `niceness`: how far the workers yield to the main process. A feeds run passes 0: there the
    workers' parsing is the bound and the main process mostly waits for it (on a busy machine, niced
    workers got so little CPU that a cold run of 1,000 feeds took 135 s instead of 91 s in one thread).
    """

    def __init__(self, count: int, *, niceness: int = WORKER_NICENESS) -> None:
        self.count = count
        self._niceness = niceness
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Workers:
        if self.count > 1:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(_FORKSERVER_PRELOAD)
            self._pool = ProcessPoolExecutor(
                max_workers=self.count, mp_context=context, initializer=_start_worker,
                initargs=(self._niceness,)
            )
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def call(self, function: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
        """Run a picklable module-level function in a worker and wait for its result."""
        if self._pool is None:
            return function(*args, **kwargs)
        future: Future[R] = self._pool.submit(function, *args, **kwargs)
        return future.result()
