"""Loading the data files that hold patterns and registries.

Data lives beside the code in `ingest/data/` so that it can be read, reviewed and extended without
touching Python. Each loader validates as it reads and names the file and line of any problem.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from importlib import resources
from pathlib import Path

from ingest.errors import RegistryError


def shipped_path(name: str, /) -> Path:
    """Path of a data file shipped in `ingest/data/`."""
    return Path(str(resources.files("ingest") / "data" / name))


def read_lines(path: Path, /) -> Iterator[tuple[int, str]]:
    """Yield `(line_number, text)` for lines that are neither blank nor `#` comments."""
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            text = line.rstrip("\n")
            if text.strip() and not text.lstrip().startswith("#"):
                yield number, text


def read_patterns(path: Path, /, *, flags: int = 0, whole_line: bool = True) -> tuple[re.Pattern[str], ...]:
    """Compile one regular expression per line; `whole_line` anchors it to the end as well."""
    patterns = []
    for number, text in read_lines(path):
        source = rf"(?:{text.strip()})\Z" if whole_line else text.lstrip()
        try:
            patterns.append(re.compile(source, flags))
        except re.error as exc:
            raise RegistryError(str(path), number, f"bad regular expression: {exc}") from exc
    return tuple(patterns)


def read_tsv(path: Path, /, *, columns: int) -> Iterator[tuple[int, list[str]]]:
    """Yield `(line_number, fields)` for a tab-separated file with a header line, checking the width."""
    rows = read_lines(path)
    next(rows, None)
    for number, text in rows:
        fields = [field.strip() for field in text.split("\t")]
        if len(fields) != columns:
            raise RegistryError(str(path), number, f"expected {columns} tab-separated fields, got {len(fields)}")
        yield number, fields


def any_of(patterns: Sequence[re.Pattern[str]], /) -> re.Pattern[str]:
    """One pattern that matches wherever one of `patterns` (compiled with the same flags) matches.

    A line checked against a file of patterns costs one call instead of one per pattern.
    """
    return re.compile("|".join(f"(?:{pattern.pattern})" for pattern in patterns), patterns[0].flags)
