"""`newsflow report` on dates a real database holds (issue 19): undated articles counted apart, long spans
binned so a chart draws about a hundred points whatever the number of days."""

from __future__ import annotations

import html
import json
from datetime import date
from pathlib import Path

import pytest

from storage import Database
from storage.reports import period_for
from tests.flows.conftest import run_newsflow


def _ingest(tmp_path: Path, db: Path, published: list[str | None]) -> None:
    lines = []
    for number, when in enumerate(published):
        item = {"title": f"Story number {number}", "body": f"REYKJAVIK (Reuters) - Body of story {number} "
                f"about harbour number {number * 7} and its {number * 3} boats."}
        if when:
            item["published"] = when
        lines.append(json.dumps(item))
    (tmp_path / "items.jsonl").write_text("\n".join(lines) + "\n")
    result = run_newsflow(["ingest", "files", str(tmp_path / "items.jsonl"), "--db", str(db)], cwd=tmp_path)
    assert result.returncode == 0, result.stderr


def test_a_forty_year_span_is_drawn_by_year_with_empty_years_at_zero(tmp_path: Path, db_path: Path) -> None:
    _ingest(tmp_path, db_path, ["1987-03-02T10:00:00+00:00", "1987-06-01T10:00:00+00:00", "2026-03-01T08:00:00+00:00", None])
    data = Database(db_path).overview()
    assert (data.period, data.undated) == ("year", 1)
    assert data.published[0] == (date(1987, 1, 1), 2) and data.published[-1] == (date(2026, 1, 1), 1)
    assert len(data.published) == 40 and sum(n for _, n in data.published) == 3
    assert data.agencies == [("REUTERS", "supplied", 4)]

    result = run_newsflow(["report", "--db", str(db_path), "--out", str(tmp_path / "report")], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    page = html.unescape((tmp_path / "report" / "report.html").read_text(encoding="utf-8"))
    assert "3 articles by publication date, one point per year. 1 article carries no publication date and is not shown" in page
    assert 'alt="agencies over time"' in page  # the dated Reuters articles span more than one year


def test_a_database_without_dates_says_so_instead_of_charting_the_ingest_day(tmp_path: Path, db_path: Path) -> None:
    _ingest(tmp_path, db_path, [None, None])
    result = run_newsflow(["report", "--db", str(db_path), "--out", str(tmp_path / "report")], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    page = html.unescape((tmp_path / "report" / "report.html").read_text(encoding="utf-8"))
    assert "No article carries a publication date (2 without one)." in page
    assert 'alt="articles published over time"' not in page and 'alt="agencies over time"' not in page
    assert 'alt="articles by agency and role"' in page


@pytest.mark.parametrize(
    ("first", "last", "period"),
    [(date(2026, 3, 1), date(2026, 3, 1), "day"), (date(2026, 1, 1), date(2026, 4, 1), "day"),
     (date(2025, 1, 1), date(2026, 12, 31), "week"), (date(2017, 1, 1), date(2026, 12, 31), "month"),
     (date(1987, 1, 1), date(2026, 12, 31), "year"), (date(1800, 1, 1), date(2026, 12, 31), "decade")],
)
def test_every_span_gets_a_step_of_at_most_about_a_hundred_points(first: date, last: date, period: str) -> None:
    assert period_for(first, last) == period


def test_since_keeps_articles_published_from_that_utc_day_on(tmp_path: Path, db_path: Path) -> None:
    _ingest(tmp_path, db_path, ["2026-02-28T23:59:59+00:00", "2026-03-01T00:00:00+00:00",
                                "2026-03-01T01:30:00+02:00", "2026-03-02T09:00:00-05:00"])
    data = Database(db_path).overview(since=date(2026, 3, 1))
    # 01:30 at +02:00 is 23:30 UTC on 28 February: before the day, like 23:59:59 UTC
    assert data.published == [(date(2026, 3, 1), 1), (date(2026, 3, 2), 1)]
    assert data.agencies == [("REUTERS", "supplied", 2)] and data.languages == [("en", 2)]
