"""The `runs` row around a pipeline: started before the first batch, marked failed if it raises, and
interrupted if a signal stopped it (flows/stopping.py).

The run holds a lease (storage/lock.py) from before its row exists until the block ends, so callers
finish the run inside the block: a `running` row whose lease is free belongs to a process that died,
and the next run to start marks it `interrupted`.
"""

from __future__ import annotations

import gc
import traceback
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from flows.stopping import stop_requested
from storage import Database, RunSummary

_STOPPED = (
    "stopped by {signal} before it finished; the batches it stored are kept, and running the same input "
    "again with only new items (the inbox, `--only-new`) stores the rest"
)


@contextmanager
def recorded_run(
    database: Database, /, *, flow: str, parameters: Mapping[str, Any], run_id: str | None, prefect_flow_run_id: str | None
) -> Iterator[str]:
    """Start a `runs` row and yield its id; an exception marks the run failed (interrupted when a signal
    asked to stop), with its reason, and propagates.

    The caller finishes a successful run itself (`Database.finish_run`), inside the block, since only it
    knows the status.
    """
    run_id = run_id or uuid.uuid4().hex
    with database.run_lease(run_id):
        database.start_run(run_id, flow=flow, parameters=parameters, prefect_flow_run_id=prefect_flow_run_id)
        try:
            yield run_id
        except BaseException as exc:
            _release_frames(exc)
            if stopped_by := stop_requested():
                database.finish_run(run_id, status="interrupted", error=_STOPPED.format(signal=stopped_by))
            else:
                database.finish_run(run_id, status="failed", error=f"{type(exc).__name__}: {exc}")
            raise


def _release_frames(exc: BaseException) -> None:
    """Drop the locals of the frames the exception unwound. They may hold objects of the connection
    closed on the way (a DuckDB result, a relation) that keep its database alive, and DuckDB opens the
    file again only once that database is gone: it waits in a busy loop, holding the GIL, so a run
    stopped in the middle of a batch spun forever when it came to record itself (seen with py-spy and
    gdb in `DBInstanceCache::GetInstanceInternal`)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        traceback.clear_frames(current.__traceback__)
        current = current.__context__
    gc.collect()


def refused_run(
    database: Database, /, *, flow: str, parameters: Mapping[str, Any], error: str, run_id: str | None,
    prefect_flow_run_id: str | None,
) -> RunSummary:
    """A failed `runs` row for a run that could not start, such as a scheduled feeds run whose feed list
    was deleted: whoever reads `runs` after the schedule fired finds the reason, not a gap."""
    with recorded_run(database, flow=flow, parameters=parameters, run_id=run_id,
                      prefect_flow_run_id=prefect_flow_run_id) as started:
        return database.finish_run(started, status="failed", error=error)
