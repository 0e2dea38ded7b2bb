"""`newsflow report` on the BBC corpus plus the seed article: a page whose charts are real PNGs (issue 6)."""

from __future__ import annotations

import base64
import re
import struct
from pathlib import Path

import pytest

from flows.cli import main

pytestmark = pytest.mark.corpus
IMG = re.compile(r'<img src="data:image/png;base64,([^"]+)" width="(\d+)" height="(\d+)"')


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk; fails on anything that is not a PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def test_the_report_embeds_valid_pngs_of_the_declared_sizes(corpora: Path, tmp_path: Path) -> None:
    db = tmp_path / "bbc.duckdb"
    assert main(["ingest", "files", str(corpora / "bbc" / "bbc"), str(corpora / "seed-article.txt"), "--db", str(db)]) == 0
    assert main(["report", "--db", str(db), "--out", str(tmp_path / "report")]) == 0
    page = (tmp_path / "report" / "report.html").read_text(encoding="utf-8")
    images = IMG.findall(page)
    assert len(images) == 7  # issue 16 added articles by language
    for encoded, width, height in images:
        data = base64.b64decode(encoded)
        assert len(data) > 2000 and png_size(data) == (int(width), int(height))
    assert "<script" not in page and "http://" not in page and "https://" not in page
    assert "<b>2,226</b> documents" in page
