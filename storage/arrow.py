"""Arrow tables handed to SQL for one block: every bulk load and id look-up goes through this."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa


def integer_array(values: npt.NDArray[np.integer], /) -> pa.Array:
    """An Arrow array over a NumPy integer array, without a copy.

    `pa.array` on an ndarray first checks for a NumPy masked array, and that check imports numpy.ma
    (37 ms, in every run that stores a batch: about 4% of a one-file run).
    """
    contiguous = np.ascontiguousarray(values)
    return pa.Array.from_buffers(pa.from_numpy_dtype(contiguous.dtype), len(contiguous), [None, pa.py_buffer(contiguous)])


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
