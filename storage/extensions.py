"""DuckDB extensions loaded from their PyPI wheels, so that nothing is downloaded at run time."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import duckdb


def load_extension(con: duckdb.DuckDBPyConnection, wheel: ModuleType, name: str, /) -> None:
    """LOAD the extension `name` that the wheel package `wheel` (a duckdb_extension_* module) ships."""
    folder = Path(wheel.__path__[0]) / "extensions" / f"v{duckdb.__version__}"
    con.execute(f"LOAD {sql_literal(str(folder / f'{name}.duckdb_extension'))}")


def sql_literal(text: str, /) -> str:
    """Text as an SQL string literal, for the statements that take no parameters (LOAD, ATTACH, COPY)."""
    return "'" + text.replace("'", "''") + "'"
