"""The one clock of every stored timestamp and every fetch time.

`ingest/` has no clock: times reach it as arguments. Callers look it up as `clock.utc_now()`, so a
test that needs a fixed time replaces `storage.clock.utc_now` (tests/test_single_sources.py does),
and a test checks that nothing else in the code base asks the system for the time.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    """Now, timezone-aware UTC."""
    return datetime.now(UTC)
