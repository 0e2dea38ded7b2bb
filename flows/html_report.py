"""`newsflow report`: one self-contained HTML page with charts as PNG images.

No JavaScript and nothing fetched from the network: every chart is a PNG rendered with matplotlib's
Agg backend and embedded as a data URI, with its pixel size declared on the <img>. The figures come
from `storage.reports.overview`, itself built on the documented views.
"""

from __future__ import annotations

import base64
import html
import io
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from storage.reports import OverviewData

if TYPE_CHECKING:
    from matplotlib.figure import Figure

WIDTH, HEIGHT, DPI = 880, 360, 100  # every chart's size in pixels
TOP_AGENCIES = 8


def write_report(data: OverviewData, out_dir: Path, /, *, title: str) -> Path:
    """Render the page into `out_dir/report.html` and return its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "report.html"
    path.write_text(render_report(data, title=title), encoding="utf-8")
    return path


def render_report(data: OverviewData, /, *, title: str) -> str:
    sections = [
        ("Articles per day by supplying agency (dateline or credit)",
         _daily_chart(data.supplied, "articles supplied"), "Agencies that supplied the story."),
        ("Articles per day by cited agency",
         _daily_chart(data.cited, "articles citing"), "Agencies quoted as a source inside stories; kept apart from suppliers."),
        ("Largest stories by number of documents",
         _bar_chart([_short(t, 60) for t, _, _ in data.largest_stories], [d for _, d, _ in data.largest_stories], "documents"),
         "How many copies of each story arrived."),
        ("Duplicate rate per source (largest sources)",
         _bar_chart([_short(u, 60) for u, _, _ in data.duplicate_rates], [r for _, _, r in data.duplicate_rates],
                    "share of documents repeating an earlier article"), "Share of a source's documents that repeat an article seen before."),
        ("Name repairs and proposals by evidence",
         _bar_chart([f"{e} ({'repaired' if a else 'proposal'})" for e, a, _ in data.name_variants],
                    [n for _, _, n in data.name_variants], "rows in name_variants"), "See the name_review view for each one."),
        ("Articles by language", _bar_chart([l for l, _ in data.languages], [n for _, n in data.languages], "articles"),
         "ISO 639-1 codes, declared by the input or detected; see the daily_language_articles view."),
        ("Quarantine reasons", _bar_chart([r for r, _ in data.quarantine], [n for _, n in data.quarantine], "items"),
         "See the quarantine_by_reason view and the quarantine table for what to do."),
    ]
    totals = "".join(f"<li><b>{value:,}</b> {html.escape(name)}</li>" for name, value in data.totals.items())
    body = "".join(
        f"<section><h2>{html.escape(heading)}</h2><p>{html.escape(note)}</p>{image}</section>"
        for heading, image, note in sections
    )
    return (
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(title)}</title><style>body{{font-family:sans-serif;max-width:{WIDTH + 40}px;margin:2em auto}}"
        "ul{display:flex;gap:2em;list-style:none;padding:0}</style></head><body>"
        f"<h1>{html.escape(title)}</h1><ul>{totals}</ul>{body}</body></html>\n"
    )


def _daily_chart(rows: Sequence[tuple[date, str, int]], label: str) -> str:
    from matplotlib.figure import Figure  # imported here: ~1 s, and only this command draws

    totals: dict[str, int] = defaultdict(int)
    for _, agency, count in rows:
        totals[agency] += count
    agencies = sorted(totals, key=lambda a: (-totals[a], a))[:TOP_AGENCIES]
    days = sorted({day for day, _, _ in rows})
    figure = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI)
    axes = figure.add_subplot()
    if not days:
        axes.text(0.5, 0.5, "no data", ha="center", va="center")
    bottom = [0] * len(days)
    for agency in agencies:
        counts = defaultdict(int, {day: n for day, a, n in rows if a == agency})
        heights = [counts[day] for day in days]
        axes.bar([d.isoformat() for d in days], heights, bottom=bottom, label=agency)
        bottom = [b + h for b, h in zip(bottom, heights)]
    if agencies:
        axes.legend(fontsize=8, ncol=4)
    axes.set_ylabel(label)
    axes.tick_params(axis="x", labelsize=7, rotation=45)
    return _png_img(figure, label)


def _bar_chart(labels: Sequence[str], values: Sequence[float], xlabel: str) -> str:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI)
    axes = figure.add_subplot()
    if labels:
        axes.barh(list(reversed(labels)), list(reversed(values)))
    else:
        axes.text(0.5, 0.5, "no data", ha="center", va="center")
    axes.set_xlabel(xlabel)
    axes.tick_params(axis="y", labelsize=7)
    return _png_img(figure, xlabel)


def _png_img(figure: Figure, alt: str) -> str:
    buffer = io.BytesIO()
    figure.set_layout_engine("tight")
    figure.savefig(buffer, format="png", dpi=DPI)
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img src="data:image/png;base64,{encoded}" width="{WIDTH}" height="{HEIGHT}" alt="{html.escape(alt)}">'


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
