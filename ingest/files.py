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


def iter_file_paths(paths: Iterable[str | Path], /) -> Iterator[str]:
    """Every file under the given files and folders, recursively, hidden files and folders skipped.

    Each path as `str(Path(folder) / name)` reads, built as a string: a `Path` per file made the walk
    of Reuters-21578's 19,043 files take 82 ms instead of 18, before any work could start.
    """
    for given in paths:
        path = Path(given).expanduser().absolute()
        if path.is_dir():
            for folder, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                yield from (os.path.join(folder, name) for name in sorted(files) if not name.startswith("."))
        else:
            yield str(path)


def read_file(path: str | Path, /, *, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> RawItem | Rejection:
    """Read one file, or say why it cannot be read.

    One open, its size from that descriptor, one unbuffered read, and no `Path` made: a Reuters story
    took 12 us to read through `Path.stat` and `Path.read_bytes`, 7 us so.
    """
    uri = os.fspath(path)
    try:
        with open(uri, "rb", buffering=0) as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > max_bytes:
                return Rejection(
                    "file", uri, uri, "too_large",
                    f"the file is {size:,} bytes, over the {max_bytes:,}-byte cap; split it or raise NEWSFLOW_MAX_FILE_BYTES",
                    handle.read(SAMPLE_BYTES), size,
                )
            data = handle.readall()
    except FileNotFoundError:
        return Rejection("file", uri, uri, "not_found", "the path does not exist (check the spelling)", b"", 0)
    except OSError as exc:
        return Rejection("file", uri, uri, "unreadable", f"the file could not be read: {exc.strerror or exc}", b"", 0)
    return RawItem("file", uri, uri, data, _suffix(uri))


def _suffix(path: str) -> str:
    """`Path(path).suffix`: the last dot and what follows, none for a name ending in a dot."""
    extension = os.path.splitext(path)[1]
    return extension if len(extension) > 1 else ""
