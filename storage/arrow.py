"""Arrow tables handed to SQL for one block: every bulk load and id look-up goes through this."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import pyarrow as pa


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, /, **tables: pa.Table) -> Iterator[None]:
    """The tables are visible to the block's statements under these names, and gone after it.

    Unregistering matters on a connection that a run holds across batches: a name left behind would
    still point at the previous batch's data.
    """
    for name, table in tables.items():
        con.register(name, table)
    try:
        yield
    finally:
        for name in tables:
            con.unregister(name)
