"""Full-text search on a database holding the BBC corpus and the seed article (issue 6)."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.cli import main

pytestmark = pytest.mark.corpus


def test_the_seed_article_comes_first_for_blinken_lavrov_geneva(
    corpora: Path, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ingest", "files", str(corpora / "bbc" / "bbc"), str(corpora / "seed-article.txt"), "--db", str(db_path)]) == 0
    capsys.readouterr()
    assert main(["search", "Blinken Lavrov Geneva", "--db", str(db_path), "--limit", "3"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first == " 1. Sergei Lavrov says he does not expect “a breakthrough” on the Ukrainian crisis"
