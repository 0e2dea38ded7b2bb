"""The alias table: spellings of one name known to be the same person (Zelenskiy, Zelenskyy, Zelensky).

A module of its own because settings and storage read it without the name rules' word lists and
string-distance libraries (ingest/names.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ingest.datafiles import read_tsv, shipped_path
from ingest.errors import RegistryError


@dataclass(frozen=True)
class NameAliases:
    """The alias table: spellings of one name that are known to be the same (Zelenskiy, Zelenskyy)."""

    canonical_of: Mapping[str, str]  # variant or canonical form -> canonical form


def load_name_aliases(extra: Path | None = None, /) -> NameAliases:
    """The shipped alias table, plus a user's table of the same shape when given; read once per path."""
    return _aliases_from(extra)


@lru_cache(maxsize=4)
def _aliases_from(extra: Path | None) -> NameAliases:
    paths = [shipped_path("name_aliases.tsv")] + ([extra] if extra else [])
    canonical_of: dict[str, str] = {}
    for path in paths:
        if not path.is_file():
            raise RegistryError(str(path), 0, "no such alias table")
        for _, (canonical, variants, _) in read_tsv(path, columns=3):
            canonical_of[canonical] = canonical
            for variant in filter(None, variants.split("|")):
                canonical_of[variant] = canonical
    return NameAliases(canonical_of)
