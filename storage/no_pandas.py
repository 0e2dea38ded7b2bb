"""Makes `import pandas` fail at once when pandas is not installed.

DuckDB's Python client tries `import pandas` for every statement that takes parameters. Without
pandas (newsflow does not need it) each failed import searches sys.path again: 0.3 ms a time, 6 s of
a Reuters-21578 run. Installed by `storage/__init__.py`, so before any statement runs.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import sys
from typing import Any


class _Absent(importlib.abc.MetaPathFinder):
    """Fails imports of modules known to be missing at once, instead of after a search of sys.path."""

    def __init__(self, names: frozenset[str]) -> None:
        self.names = names

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> None:
        if fullname in self.names:
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        return None


def install() -> None:
    """Install the finder once, and only when pandas really is absent."""
    if importlib.util.find_spec("pandas") is None and not any(isinstance(f, _Absent) for f in sys.meta_path):
        sys.meta_path.insert(0, _Absent(frozenset({"pandas"})))
