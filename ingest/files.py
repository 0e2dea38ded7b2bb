"""Local files to raw items: walking paths, size caps, refusing what cannot be read.

Reads bytes only; whether they are an article is decided in `parse.py`. Paths are yielded in a stable
order (a folder's files by name, then its subfolders by name) so two runs over one folder see items
in the same order, and "the first copy seen" means the same file every time.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from ingest.records import SAMPLE_BYTES, RawItem, Rejection

DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024


def iter_file_paths(paths: Iterable[str | Path], /) -> Iterator[Path]:
    """Every file under the given files and folders, recursively, hidden files and folders skipped."""
    for given in paths:
        path = Path(given).expanduser().absolute()
        if path.is_dir():
            for folder, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith("."):
                        yield Path(folder) / name
        else:
            yield path


def read_file(path: Path, /, *, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> RawItem | Rejection:
    """Read one file, or say why it cannot be read."""
    uri = str(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            with path.open("rb") as handle:
                sample = handle.read(SAMPLE_BYTES)
            return Rejection(
                "file", uri, uri, "too_large",
                f"the file is {size:,} bytes, over the {max_bytes:,}-byte cap; split it or raise NEWSFLOW_MAX_FILE_BYTES",
                sample, size,
            )
        data = path.read_bytes()
    except FileNotFoundError:
        return Rejection("file", uri, uri, "not_found", "the path does not exist (check the spelling)", b"", 0)
    except OSError as exc:
        return Rejection("file", uri, uri, "unreadable", f"the file could not be read: {exc.strerror or exc}", b"", 0)
    return RawItem("file", uri, uri, data, path.suffix)
