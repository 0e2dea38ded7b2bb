"""The `runs` table: a run's row from start to finish, its counters, and runs whose process died."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from storage.errors import StorageError

INTERRUPTED = (
    "the process stopped before the run finished (killed, or its machine went down); the batches it stored "
    "are kept, and running the same input again with only new items (the inbox, `--only-new`) stores the rest"
)


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    flow: str
    status: str
    seen: int
    new: int
    duplicate: int
    quarantined: int
    failed: int
    unchanged: int
    started_at: datetime
    finished_at: datetime | None
    names_unjudged: int  # name judgments that failed and were skipped: a bug to report


@dataclass(frozen=True)
class BatchCounts:
    """What one batch added."""

    seen: int  # items received: documents plus quarantined items
    new: int  # articles created
    duplicate: int  # documents whose article already existed (in the database or earlier in the batch)
    quarantined: int
    unchanged: int = 0  # items skipped because the same source already sent the same bytes
    names_unjudged: int = 0  # name judgments that failed and were skipped (a bug to report, DESIGN §3)


def running_runs(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [str(row[0]) for row in con.execute("SELECT run_id FROM runs WHERE status = 'running'").fetchall()]


def mark_interrupted(con: duckdb.DuckDBPyConnection, run_ids: Sequence[str], /, *, now: datetime) -> None:
    """Runs whose process died without finishing them."""
    if run_ids:
        con.execute(
            "UPDATE runs SET status = 'interrupted', finished_at = $now, error = $error WHERE list_contains($dead, run_id)",
            {"now": now, "error": INTERRUPTED, "dead": list(run_ids)},
        )


def insert_run(
    con: duckdb.DuckDBPyConnection, run_id: str, /, *, flow: str, parameters: Mapping[str, Any],
    prefect_flow_run_id: str | None, now: datetime,
) -> None:
    con.execute(
        """
        INSERT INTO runs (run_id, flow, started_at, status, parameters, prefect_flow_run_id)
        VALUES ($run_id, $flow, $now, 'running', $parameters, $prefect_flow_run_id)
        """,
        {
            "run_id": run_id,
            "flow": flow,
            "now": now,
            "parameters": json.dumps(dict(parameters), default=str, sort_keys=True),
            "prefect_flow_run_id": prefect_flow_run_id,
        },
    )


def count_batch(con: duckdb.DuckDBPyConnection, run_id: str, counts: BatchCounts, /) -> None:
    """Add a batch's counts to its run's counters, in the batch's transaction."""
    con.execute(
        """
        UPDATE runs SET seen_count = seen_count + $seen, new_count = new_count + $new,
            duplicate_count = duplicate_count + $duplicate, quarantined_count = quarantined_count + $quarantined,
            unchanged_count = unchanged_count + $unchanged, names_unjudged = names_unjudged + $names_unjudged
        WHERE run_id = $run_id
        """,
        {
            "seen": counts.seen,
            "new": counts.new,
            "duplicate": counts.duplicate,
            "quarantined": counts.quarantined,
            "unchanged": counts.unchanged,
            "names_unjudged": counts.names_unjudged,
            "run_id": run_id,
        },
    )


def count_failed_feeds(con: duckdb.DuckDBPyConnection, run_id: str, failed: int, /) -> None:
    con.execute("UPDATE runs SET failed_count = failed_count + $failed WHERE run_id = $run_id",
                {"failed": failed, "run_id": run_id})


def finish_run(
    con: duckdb.DuckDBPyConnection, run_id: str, /, *, status: str, error: str | None, now: datetime
) -> RunSummary:
    con.execute(
        "UPDATE runs SET status = $status, finished_at = $now, error = coalesce($error, error) WHERE run_id = $run_id",
        {"status": status, "now": now, "error": error, "run_id": run_id},
    )
    return run_summary(con, run_id)


def run_summary(con: duckdb.DuckDBPyConnection, run_id: str, /) -> RunSummary:
    row = con.execute(
        """
        SELECT run_id, flow, status, seen_count, new_count, duplicate_count, quarantined_count, failed_count,
               unchanged_count, started_at, finished_at, names_unjudged
        FROM runs WHERE run_id = $run_id
        """,
        {"run_id": run_id},
    ).fetchone()
    if row is None:
        raise StorageError(f"no run {run_id!r} in the database")
    return RunSummary(*row)
