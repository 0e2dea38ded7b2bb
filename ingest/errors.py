"""The error tree shared by every layer.

`storage/` adds its own subclasses of `NewsflowError`; `ingest/` never learns about the database.
"""

from __future__ import annotations


class NewsflowError(Exception):
    """Base of every error newsflow raises on purpose; the CLI turns it into one line and exit 1."""


class ParseError(NewsflowError, ValueError):
    """An item could not be turned into an article.

    `reason` is the short code stored in `quarantine.reason`; the message is the `detail` a person reads.
    """

    def __init__(self, reason: str, detail: str, *, source: str = "") -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail
        self.source = source


class RegistryError(NewsflowError, ValueError):
    """A shipped or user-supplied data file (agencies, aliases, boilerplate) is malformed."""

    def __init__(self, path: str, line: int, problem: str) -> None:
        super().__init__(f"{path}:{line}: {problem}")
        self.path = path
        self.line = line
        self.problem = problem
