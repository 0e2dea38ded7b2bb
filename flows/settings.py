"""Run settings, read from the environment when a run starts (never at import)."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ingest.files import DEFAULT_MAX_FILE_BYTES

DEFAULT_DB = Path("data") / "news.duckdb"
DEFAULT_BATCH_SIZE = 500


@dataclass(frozen=True)
class Settings:
    db: Path  # NEWSFLOW_DB, else data/news.duckdb in the working directory
    batch_size: int  # NEWSFLOW_BATCH_SIZE: items per Prefect task and per database transaction
    max_file_bytes: int  # NEWSFLOW_MAX_FILE_BYTES: larger files are quarantined unread

    @classmethod
    def from_env(cls, *, db: str | Path | None = None) -> Settings:
        """Settings from the environment; an explicit `db` (the --db option) wins over NEWSFLOW_DB."""
        return cls(
            db=Path(db or os.environ.get("NEWSFLOW_DB") or DEFAULT_DB).expanduser().absolute(),
            batch_size=_positive_int("NEWSFLOW_BATCH_SIZE", DEFAULT_BATCH_SIZE),
            max_file_bytes=_positive_int("NEWSFLOW_MAX_FILE_BYTES", DEFAULT_MAX_FILE_BYTES),
        )


def _positive_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {raw!r}") from None
    if value < 1:
        raise ValueError(f"{name} must be at least 1, not {value}")
    return value


def prefect_api_url() -> str | None:
    """The Prefect API a run should report to: PREFECT_API_URL, else the active Prefect profile's.

    Read without importing Prefect, which costs 1.3-2.1 s: a manual run with no API configured skips
    Prefect altogether (its ephemeral server would add 8-22 s to a one-file run).
    """
    if os.environ.get("PREFECT_API_URL"):
        return os.environ["PREFECT_API_URL"]
    home = Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect").expanduser()
    try:
        profiles = tomllib.loads((home / "profiles.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return None
    active = os.environ.get("PREFECT_PROFILE") or profiles.get("active", "ephemeral")
    url = profiles.get("profiles", {}).get(active, {}).get("PREFECT_API_URL")
    return str(url) if url else None
