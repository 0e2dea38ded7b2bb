"""Pure domain logic: bytes in, typed records out. No Prefect, no DuckDB, no network, no clock."""

from ingest.batch import build_article as build_article
from ingest.batch import prepare_batch as prepare_batch
from ingest.errors import NewsflowError as NewsflowError
from ingest.errors import ParseError as ParseError
from ingest.files import iter_file_paths as iter_file_paths
from ingest.files import read_file as read_file
from ingest.records import AgencyTag as AgencyTag
from ingest.records import Article as Article
from ingest.records import Batch as Batch
from ingest.records import Document as Document
from ingest.records import NameVariant as NameVariant
from ingest.records import RawItem as RawItem
from ingest.records import Rejection as Rejection
