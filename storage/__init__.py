"""DuckDB storage: schema, migrations, bulk loads, locking. Knows DuckDB, never Prefect.

The names below are imported at their first use, so that a module of the package that needs no
DuckDB (`storage.shield`, `storage.lock`) imports none: the CLI imports those before it knows
whether its command will open a database (DuckDB, Arrow and NumPy take 0.3 s to import).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from storage import no_pandas

no_pandas.install()  # before anything imports DuckDB

if TYPE_CHECKING:
    from storage.database import Database as Database
    from storage.errors import DatabaseBusyError as DatabaseBusyError
    from storage.errors import DatabaseMissingError as DatabaseMissingError
    from storage.errors import QueryError as QueryError
    from storage.errors import SchemaVersionError as SchemaVersionError
    from storage.errors import StorageError as StorageError
    from storage.reports import RunReport as RunReport
    from storage.runs import BatchCounts as BatchCounts
    from storage.runs import RunSummary as RunSummary
    from storage.schema import LATEST_VERSION as LATEST_VERSION
    from storage.user_query import QueryResult as QueryResult

_MODULE_OF = {
    "Database": "storage.database",
    "DatabaseBusyError": "storage.errors",
    "DatabaseMissingError": "storage.errors",
    "QueryError": "storage.errors",
    "SchemaVersionError": "storage.errors",
    "StorageError": "storage.errors",
    "RunReport": "storage.reports",
    "BatchCounts": "storage.runs",
    "RunSummary": "storage.runs",
    "LATEST_VERSION": "storage.schema",
    "QueryResult": "storage.user_query",
}


def __getattr__(name: str) -> Any:
    if name not in _MODULE_OF:
        raise AttributeError(f"module 'storage' has no attribute {name!r}")
    return getattr(importlib.import_module(_MODULE_OF[name]), name)
