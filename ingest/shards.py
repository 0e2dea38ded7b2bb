"""Which feeds one of several workers polls: a stable split of the feed list by URL.

A shard is written `K/N` (the Kth of N, counting from 1). Every feed belongs to exactly one shard of
N, decided by a hash of its URL, so workers given `1/N` .. `N/N` poll each feed once between them
without coordinating, and a feed stays in its shard when other feeds are added or removed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Shard:
    index: int  # 1..count
    count: int

    @classmethod
    def parse(cls, text: str, /) -> Shard:
        """`"2/8"` → `Shard(2, 8)`; a ValueError says what is wrong with anything else."""
        parts = text.split("/")
        if len(parts) != 2 or not all(part.strip().isdigit() for part in parts):
            raise ValueError(f"a shard is written K/N, like 2/8, not {text!r}")
        index, count = (int(part) for part in parts)
        if not 1 <= index <= count:
            raise ValueError(f"shard {text!r}: K must be between 1 and N")
        return cls(index, count)

    def holds(self, url: str, /) -> bool:
        """Whether the feed at `url` is this shard's to poll."""
        digest = hashlib.sha256(url.encode("utf-8")).digest()
        return int.from_bytes(digest[:8], "big") % self.count == self.index - 1

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"
