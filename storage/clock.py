"""The one clock of every stored timestamp and every fetch time.

`ingest/` has no clock: times reach it as arguments. Tests that need a fixed time replace
`storage.clock.utc_now` (tests/test_clock.py shows how), and a test checks that nothing else in the
code base asks the system for the time.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    """Now, timezone-aware UTC."""
    return datetime.now(UTC)
