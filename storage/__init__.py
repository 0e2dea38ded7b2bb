"""DuckDB storage: schema, migrations, bulk loads, locking. Knows DuckDB, never Prefect."""

from storage.database import Database as Database
from storage.database import QueryResult as QueryResult
from storage.database import RunSummary as RunSummary
from storage.errors import DatabaseBusyError as DatabaseBusyError
from storage.errors import DatabaseMissingError as DatabaseMissingError
from storage.errors import QueryError as QueryError
from storage.errors import SchemaVersionError as SchemaVersionError
from storage.errors import StorageError as StorageError
from storage.load import BatchCounts as BatchCounts
from storage.schema import LATEST_VERSION as LATEST_VERSION
from storage.reports import RunReport as RunReport
