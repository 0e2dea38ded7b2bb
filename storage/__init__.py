"""DuckDB storage: schema, migrations, bulk loads, locking. Knows DuckDB, never Prefect."""

from storage import no_pandas

no_pandas.install()

from storage.database import Database as Database  # noqa: E402 - after the import hook above
from storage.errors import DatabaseBusyError as DatabaseBusyError  # noqa: E402
from storage.errors import DatabaseMissingError as DatabaseMissingError  # noqa: E402
from storage.errors import QueryError as QueryError  # noqa: E402
from storage.errors import SchemaVersionError as SchemaVersionError  # noqa: E402
from storage.errors import StorageError as StorageError  # noqa: E402
from storage.reports import RunReport as RunReport  # noqa: E402
from storage.runs import BatchCounts as BatchCounts  # noqa: E402
from storage.runs import RunSummary as RunSummary  # noqa: E402
from storage.schema import LATEST_VERSION as LATEST_VERSION  # noqa: E402
from storage.user_query import QueryResult as QueryResult  # noqa: E402
