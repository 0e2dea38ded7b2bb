"""Every setting of a run, read from the environment once, where a run starts (never at import).

The CLI builds `Settings` before it does anything else, so a bad value is one line and exit 2 on
either path (plain or Prefect); a Prefect flow builds it at its entry, where a bad value fails the
flow run with the same message. Everything below the edge takes the settings it needs as arguments:
`storage/` and `ingest/` never read the environment.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

from flows.workers import default_worker_count
from ingest.errors import NewsflowError
from ingest.files import DEFAULT_MAX_FILE_BYTES
from ingest.name_aliases import NameAliases, load_name_aliases
from ingest.stories import StoryThresholds
from storage import Database
from storage.lake import Lake, parse_location
from storage.lock import DEFAULT_LOCK_TIMEOUT

DEFAULT_DB = Path("data") / "news.duckdb"
# Every transaction pays its statements' fixed costs and scans of tables that grow with the database.
# Reuters-21578: 500 per transaction took 30 s, 2,000 took 24 s; later, 4,000 cut the storing process's
# CPU by a tenth against 2,000, and 8,000 was slower again (docs/benchmarks.md, issue 17).
DEFAULT_BATCH_SIZE = 4000
DEFAULT_FEED_BATCH_SIZE = 100
TASK_RUNNERS = ("processes", "dask")  # the first is the default
N = TypeVar("N", int, float)

# Every variable newsflow reads, in one place: tests clear them all so that no developer's setting leaks in.
ENVIRONMENT = (
    "NEWSFLOW_DB", "NEWSFLOW_BATCH_SIZE", "NEWSFLOW_MAX_FILE_BYTES", "NEWSFLOW_FEED_BATCH_SIZE",
    "NEWSFLOW_FEED_INTERVAL_MINUTES", "NEWSFLOW_FEED_MAX_BACKOFF_MINUTES", "NEWSFLOW_STORY_JACCARD",
    "NEWSFLOW_STORY_CONTAINMENT", "NEWSFLOW_WORKERS", "NEWSFLOW_TASK_RUNNER", "NEWSFLOW_DASK_ADDRESS",
    "NEWSFLOW_LOCK_TIMEOUT", "NEWSFLOW_NAME_ALIASES", "NEWSFLOW_HTTP_TIMEOUT", "NEWSFLOW_HTTP_TOTAL_TIMEOUT",
    "NEWSFLOW_HTTP_RETRIES", "NEWSFLOW_HTTP_MAX_BYTES", "NEWSFLOW_HTTP_CONCURRENCY", "NEWSFLOW_HTTP_PER_HOST",
)


class SettingsError(NewsflowError, ValueError):
    """An environment variable holds a value newsflow cannot use; the message names it."""


@dataclass(frozen=True)
class FetchPolicy:
    """Limits for one run's HTTP traffic (flows/fetch.py): the NEWSFLOW_HTTP_* variables."""

    connect_timeout: float = 10.0
    read_timeout: float = 30.0  # NEWSFLOW_HTTP_TIMEOUT
    total_timeout: float = 60.0  # NEWSFLOW_HTTP_TOTAL_TIMEOUT: one attempt, headers to last byte
    max_bytes: int = 20 * 1024 * 1024  # NEWSFLOW_HTTP_MAX_BYTES, after decompression
    max_redirects: int = 5
    retries: int = 3  # NEWSFLOW_HTTP_RETRIES: extra attempts after the first, for retryable failures only
    backoff: float = 1.0  # first retry waits about this long, then doubles (with jitter)
    max_retry_wait: float = 60.0  # a longer Retry-After ends the attempts; the feed is scheduled for later
    concurrency: int = 64  # NEWSFLOW_HTTP_CONCURRENCY: a waiting request costs a socket, not a thread (docs/dev.md)
    per_host: int = 2  # NEWSFLOW_HTTP_PER_HOST
    user_agent: str | None = None  # None: "newsflow/<version> (...)"


@dataclass(frozen=True)
class Settings:
    db: Path | Lake  # NEWSFLOW_DB: a DuckDB file (else data/news.duckdb here) or a ducklake:postgres: URL
    batch_size: int  # NEWSFLOW_BATCH_SIZE: items per Prefect task and per database transaction
    max_file_bytes: int  # NEWSFLOW_MAX_FILE_BYTES: larger files are quarantined unread
    feed_batch_size: int  # NEWSFLOW_FEED_BATCH_SIZE: feeds per fetch batch and per transaction
    feed_interval: timedelta  # NEWSFLOW_FEED_INTERVAL_MINUTES: how often a healthy feed is due
    feed_max_backoff: timedelta  # NEWSFLOW_FEED_MAX_BACKOFF_MINUTES: the longest wait after failures
    story_thresholds: StoryThresholds  # NEWSFLOW_STORY_JACCARD, NEWSFLOW_STORY_CONTAINMENT
    workers: int  # NEWSFLOW_WORKERS: processes preparing batches of a large files run; default all cores
    task_runner: str  # NEWSFLOW_TASK_RUNNER: "processes" (worker processes of the run) or "dask"
    dask_address: str | None  # NEWSFLOW_DASK_ADDRESS: a Dask scheduler; else a local cluster of `workers`
    lock_timeout: float  # NEWSFLOW_LOCK_TIMEOUT: seconds to wait for another run's hold on the database
    name_aliases: Path | None  # NEWSFLOW_NAME_ALIASES: a user's alias table, read beside the shipped one
    fetch: FetchPolicy  # NEWSFLOW_HTTP_*

    @classmethod
    def from_env(cls, *, db: str | Path | None = None) -> Settings:
        """Settings from the environment; an explicit `db` (the --db option) wins over NEWSFLOW_DB."""
        aliases = os.environ.get("NEWSFLOW_NAME_ALIASES")
        settings = cls(
            db=parse_location(db or os.environ.get("NEWSFLOW_DB") or DEFAULT_DB),
            batch_size=_positive_int("NEWSFLOW_BATCH_SIZE", DEFAULT_BATCH_SIZE),
            max_file_bytes=_positive_int("NEWSFLOW_MAX_FILE_BYTES", DEFAULT_MAX_FILE_BYTES),
            feed_batch_size=_positive_int("NEWSFLOW_FEED_BATCH_SIZE", DEFAULT_FEED_BATCH_SIZE),
            feed_interval=timedelta(minutes=_positive_int("NEWSFLOW_FEED_INTERVAL_MINUTES", 15)),
            feed_max_backoff=timedelta(minutes=_positive_int("NEWSFLOW_FEED_MAX_BACKOFF_MINUTES", 6 * 60)),
            story_thresholds=_story_thresholds_from_env(),
            workers=_positive_int("NEWSFLOW_WORKERS", default_worker_count()),
            task_runner=_choice("NEWSFLOW_TASK_RUNNER", TASK_RUNNERS),
            dask_address=os.environ.get("NEWSFLOW_DASK_ADDRESS") or None,
            lock_timeout=_seconds("NEWSFLOW_LOCK_TIMEOUT", DEFAULT_LOCK_TIMEOUT),
            name_aliases=Path(aliases).expanduser().absolute() if aliases else None,
            fetch=_fetch_policy_from_env(),
        )
        settings.aliases()  # a missing or malformed alias table is a bad setting: say so before the run
        return settings

    def database(self) -> Database:
        """The run's database, with the settings storage needs."""
        return Database(self.db, timeout=self.lock_timeout, story_thresholds=self.story_thresholds,
                        aliases=self.aliases())

    def aliases(self) -> NameAliases:
        """The shipped alias table plus the user's (NEWSFLOW_NAME_ALIASES); read once per process."""
        try:
            return load_name_aliases(self.name_aliases)
        except NewsflowError as exc:
            raise SettingsError(f"NEWSFLOW_NAME_ALIASES: {exc}") from exc


def _fetch_policy_from_env() -> FetchPolicy:
    defaults = FetchPolicy()
    return FetchPolicy(
        read_timeout=float(_positive_int("NEWSFLOW_HTTP_TIMEOUT", int(defaults.read_timeout))),
        total_timeout=float(_positive_int("NEWSFLOW_HTTP_TOTAL_TIMEOUT", int(defaults.total_timeout))),
        max_bytes=_positive_int("NEWSFLOW_HTTP_MAX_BYTES", defaults.max_bytes),
        retries=_non_negative_int("NEWSFLOW_HTTP_RETRIES", defaults.retries),
        concurrency=_positive_int("NEWSFLOW_HTTP_CONCURRENCY", defaults.concurrency),
        per_host=_positive_int("NEWSFLOW_HTTP_PER_HOST", defaults.per_host),
    )


def _story_thresholds_from_env() -> StoryThresholds:
    """When two verified articles are one story: NEWSFLOW_STORY_JACCARD and NEWSFLOW_STORY_CONTAINMENT."""
    defaults = StoryThresholds()
    return StoryThresholds(
        jaccard=_share("NEWSFLOW_STORY_JACCARD", defaults.jaccard),
        containment=_share("NEWSFLOW_STORY_CONTAINMENT", defaults.containment),
    )


def _share(name: str, default: float) -> float:
    return _number(name, default, float, "a number between 0 and 1", lambda v: 0.0 < v <= 1.0,
                   "more than 0 and at most 1")


def _choice(name: str, choices: tuple[str, ...]) -> str:
    raw = os.environ.get(name) or choices[0]
    if raw not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}, not {raw!r}")
    return raw


def _positive_int(name: str, default: int) -> int:
    return _number(name, default, int, "a whole number", lambda v: v >= 1, "at least 1")


def _non_negative_int(name: str, default: int) -> int:
    return _number(name, default, int, "a whole number", lambda v: v >= 0, "at least 0")


def _seconds(name: str, default: float) -> float:
    return _number(name, default, float, "a number of seconds", lambda v: v >= 0, "at least 0")


def _number(
    name: str, default: N, convert: Callable[[str], N], expected: str, allowed: Callable[[N], bool], bound: str
) -> N:
    """The variable `name` as a number, the default when it is unset or empty, or one line saying why not."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = convert(raw)
    except ValueError:
        raise SettingsError(f"{name} must be {expected}, not {raw!r}") from None
    if not allowed(value):
        raise SettingsError(f"{name} must be {bound}, not {value}")
    return value


def prefect_api_from_environment() -> bool:
    """Whether the Prefect API is set by PREFECT_API_URL (else it comes from the active profile)."""
    return bool(os.environ.get("PREFECT_API_URL"))


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
