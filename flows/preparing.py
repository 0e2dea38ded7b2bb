"""The workers' half of a files run: read one part of a batch and prepare it.

Apart from flows/files.py, which orchestrates the run and stores it, so that the forkserver the
workers fork from imports the pure pipeline alone: flows/files.py imports DuckDB and Arrow through
storage/, which took 0.08 s of the forkserver's start before any worker could begin.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from ingest.batch import prepare_batch
from ingest.files import read_file
from ingest.name_aliases import NameAliases
from ingest.records import Batch, RawItem, SeenFile


@dataclass(frozen=True)
class FilesPart:
    """What one prepare step reads and ingests: part of a database batch."""

    paths: list[str]
    max_file_bytes: int  # larger files are quarantined unread
    aliases: NameAliases  # the run's name alias table


def read_and_prepare(part: FilesPart) -> Batch:
    """Read and ingest one part of a batch of files; bad files become rejections, never exceptions."""
    raws = [read_file(path, max_bytes=part.max_file_bytes) for path in part.paths]
    batch = prepare_batch(raws, aliases=part.aliases)
    return replace(batch, seen_files=tuple(_seen(raw) for raw in raws if isinstance(raw, RawItem)))


def modified_at(stat: os.stat_result, /) -> datetime:
    """A file's modification time as `files_seen` records it, and as an inbox run compares it."""
    return datetime.fromtimestamp(stat.st_mtime, UTC)


def _seen(raw: RawItem) -> SeenFile:
    stat = os.stat(raw.source_uri)
    return SeenFile(raw.source_uri, stat.st_size, modified_at(stat), hashlib.sha256(raw.data).hexdigest())
