"""NumPy arrays reach DuckDB through Arrow with their values and types intact."""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa

from storage.arrow import integer_array, registered


def test_an_integer_array_keeps_its_values_and_type_and_works_as_take_indices() -> None:
    keys = np.array([2**63 - 1, -5, 0], dtype=np.int64)
    bands = np.tile(np.arange(3, dtype=np.int8), 2)
    assert integer_array(keys).to_pylist() == keys.tolist() and integer_array(keys).type == pa.int64()
    assert integer_array(bands).to_pylist() == [0, 1, 2, 0, 1, 2] and integer_array(bands).type == pa.int8()
    assert integer_array(keys[::2]).to_pylist() == [2**63 - 1, 0]  # a strided view is copied, not misread
    ids = pa.array(["a", "b"], pa.string())
    assert ids.take(integer_array(np.repeat(np.arange(2), [1, 2]))).to_pylist() == ["a", "b", "b"]
    assert len(integer_array(np.array([], dtype=np.int64))) == 0


def test_duckdb_reads_an_integer_array_as_stored_values() -> None:
    con = duckdb.connect()
    table = pa.table({"band_key": integer_array(np.array([7, -7], dtype=np.int64))})
    with registered(con, arrow_keys=table):
        assert con.execute("SELECT band_key FROM arrow_keys ORDER BY band_key").fetchall() == [(-7,), (7,)]
