"""`newsflow report`: one self-contained HTML page with charts as PNG images.

No JavaScript and nothing fetched from the network: every chart is a PNG rendered with matplotlib's
Agg backend and embedded as a data URI, with its pixel size declared on the <img>. The figures come
from `storage.reports.overview`.

Drawing costs per artist, not per article: time series are lines over at most about a hundred points
(storage picks the day, week, month or year step), and bar charts have at most a few dozen bars, so
the page takes as long for a million articles as for a thousand once the SQL has run.
"""

from __future__ import annotations

import base64
import html
import io
import threading
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from storage.reports import OverviewData

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.axis import Axis
    from matplotlib.figure import Figure

WIDTH, HEIGHT, DPI = 880, 360, 100  # every chart's size in pixels
ROLE_LABELS = {"supplied": "supplied (dateline or credit)", "cited": "cited in the text", "image_credit": "photo credit"}
_STYLE = (
    f"body{{font-family:sans-serif;max-width:{WIDTH + 40}px;margin:2em auto;color:#222}}"
    "ul.totals{display:flex;gap:2em;list-style:none;padding:0}"
    "table{border-collapse:collapse}td,th{padding:.2em .8em;text-align:left}td.n{text-align:right}"
    "tr:nth-child(even){background:#f3f3f3}"
)


def import_matplotlib_meanwhile() -> threading.Thread:
    """Start importing matplotlib (about 1 s of CPU) in a thread, so that it overlaps the report's SQL:
    DuckDB releases the GIL while a statement runs. Join the thread before drawing."""
    thread = threading.Thread(target=_import_matplotlib, name="newsflow-import-matplotlib", daemon=True)
    thread.start()
    return thread


def _import_matplotlib() -> None:
    import matplotlib.backends.backend_agg  # noqa: F401  (what savefig draws with)
    import matplotlib.figure  # noqa: F401


def write_report(data: OverviewData, out_dir: Path, /, *, title: str) -> Path:
    """Render the page into `out_dir/report.html` (replacing an earlier one) and return its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "report.html"
    path.write_text(render_report(data, title=title), encoding="utf-8")
    return path


def render_report(data: OverviewData, /, *, title: str) -> str:
    sections = [
        _published_section(data),
        _agencies_section(data),
        _agencies_over_time_section(data),
        _stories_section(data),
        _duplicates_section(data),
        _names_section(data),
        _languages_section(data),
        _quarantine_section(data),
    ]
    totals = "".join(f"<li><b>{value:,}</b> {html.escape(name)}</li>" for name, value in data.totals.items())
    body = "".join(f"<section><h2>{html.escape(heading)}</h2><p>{note}</p>{content}</section>"
                   for heading, note, content in sections)
    return (
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{html.escape(title)}</h1><ul class=\"totals\">{totals}</ul>{body}</body></html>\n"
    )


def _published_section(data: OverviewData) -> tuple[str, str, str]:
    dated = sum(n for _, n in data.published)
    undated = "1 article carries" if data.undated == 1 else f"{data.undated:,} articles carry"
    note = (f"{dated:,} articles by publication date, one point per {data.period}. "
            f"{undated} no publication date and {'is' if data.undated == 1 else 'are'} not shown.")
    if not data.published:
        return "Articles published over time", html.escape(f"No article carries a publication date ({data.undated:,} without one)."), ""
    figure, axes = _figure()
    _draw_series(axes, {"articles": data.published})
    axes.set_ylabel(f"articles per {data.period}")
    return "Articles published over time", html.escape(note), _png_img(figure, "articles published over time")


def _agencies_section(data: OverviewData) -> tuple[str, str, str]:
    heading = "Agencies by role"
    note = ("Articles that each agency supplied (a dateline or credit line), was cited in, or took a photo for; "
            "roles are kept apart, never added up. The agencies with the most articles in one role.")
    if not data.agencies:
        return heading, "No agency was found in any article.", ""
    agencies = sorted({a for a, _, _ in data.agencies}, key=lambda a: -max(n for x, _, n in data.agencies if x == a))
    groups = [g for g in ROLE_LABELS if any(r == g for _, r, _ in data.agencies)]
    counts = {(a, g): n for a, g, n in data.agencies}
    figure, axes = _figure()
    height = 0.8 / len(groups)
    rows = range(len(agencies))
    for index, group in enumerate(groups):
        offsets = [len(agencies) - 1 - row - 0.4 + height * (index + 0.5) for row in rows]
        axes.barh(offsets, [counts.get((a, group), 0) for a in agencies], height=height, label=ROLE_LABELS[group])
    axes.set_yticks([len(agencies) - 1 - row for row in rows], agencies)
    axes.set_xlabel("articles")
    _whole_numbers(axes.xaxis)
    axes.legend(fontsize=8)
    return heading, html.escape(note), _png_img(figure, "articles by agency and role")


def _agencies_over_time_section(data: OverviewData) -> tuple[str, str, str]:
    heading = "Agencies over time"
    periods = {p for p, _, _, _ in data.agencies_over_time}
    if len(periods) < 2:
        note = ("Not drawn: the dated articles with an agency fall in one "
                f"{data.period}" if periods else "Not drawn: no article with an agency carries a publication date")
        return heading, html.escape(note + "; the bars above hold all there is."), ""
    series: dict[str, dict[date, int]] = defaultdict(dict)
    for period, agency, group, count in data.agencies_over_time:
        series[f"{agency} ({group})"][period] = count
    top = sorted(series, key=lambda name: -sum(series[name].values()))[:8]
    all_periods = [p for p, _ in data.published]
    figure, axes = _figure()
    _draw_series(axes, {name: [(p, series[name].get(p, 0)) for p in all_periods] for name in top})
    axes.set_ylabel(f"articles per {data.period}")
    note = (f"Articles per {data.period} by publication date for the most frequent agency and role pairs; "
            "undated articles are left out.")
    return heading, html.escape(note), _png_img(figure, "agencies over time")


def _stories_section(data: OverviewData) -> tuple[str, str, str]:
    heading = "Stories that arrived more than once"
    if not data.largest_stories:
        return heading, "No story arrived more than once.", ""
    labels = [f"{_short(t, 60)} ({s:,} source{'s' if s != 1 else ''})" for t, _, s in data.largest_stories]
    image = _bar_chart(labels, [d for _, d, _ in data.largest_stories], "documents (copies received)")
    return heading, "Copies received of each story: the same article again, a republication, or an update.", image


def _duplicates_section(data: OverviewData) -> tuple[str, str, str]:
    heading = "Duplicates by source"
    if not data.duplicates:
        return heading, "Nothing has been ingested yet.", ""
    labels = [f"{_short_left(s, 55)}  ({n:,} of {d:,})" for s, d, n in data.duplicates]
    rates = [100.0 * n / d for _, d, n in data.duplicates]
    note = ("For each feed, or each folder of files, the share of its documents that repeat an article "
            "received earlier (from it or any other source); the largest sources.")
    return heading, html.escape(note), _bar_chart(labels, rates, "% of documents repeating an earlier article")


def _names_section(data: OverviewData) -> tuple[str, str, str]:
    heading = "Name repairs and proposals"
    if not data.name_pairs:
        return heading, "No misspelt name was found.", ""
    rows = "".join(
        f"<tr><td>{html.escape(v)}</td><td>{html.escape(c)}</td><td class=\"n\">{a:,}</td><td class=\"n\">{p:,}</td></tr>"
        for v, c, a, p in data.name_pairs
    )
    table = ("<table><tr><th>found</th><th>written as</th><th>articles repaired</th><th>articles proposed</th></tr>"
             f"{rows}</table>")
    shown = f"the {len(data.name_pairs)} most frequent of {data.name_pair_count:,} pairs" \
        if data.name_pair_count > len(data.name_pairs) else f"all {data.name_pair_count:,} pairs"
    note = (f"Spellings found in articles and the form they were repaired to (strong evidence) or that is "
            f"proposed for review, repairs first: {shown}. The name_review view has each one with its evidence.")
    return heading, html.escape(note), table


def _languages_section(data: OverviewData) -> tuple[str, str, str]:
    heading = "Articles by language"
    if not data.languages:
        return heading, "Nothing has been ingested yet.", ""
    note = "ISO 639-1 codes, declared by the input or detected ('und': unknown); see the daily_language_articles view."
    return heading, html.escape(note), _bar_chart([lang for lang, _ in data.languages],
                                                  [n for _, n in data.languages], "articles")


def _quarantine_section(data: OverviewData) -> tuple[str, str, str]:
    heading = "Quarantine reasons"
    if not data.quarantine:
        return heading, "Nothing was quarantined.", ""
    image = _bar_chart([r for r, _ in data.quarantine], [n for _, n in data.quarantine], "items")
    return heading, "See the quarantine table for each item and what to do about it.", image


def _figure(height: int = HEIGHT) -> tuple[Figure, Axes]:
    from matplotlib.figure import Figure  # imported here (about 1 s) since only this command draws

    figure = Figure(figsize=(WIDTH / DPI, height / DPI), dpi=DPI)
    return figure, figure.add_subplot()


def _draw_series(axes: Axes, series: dict[str, Sequence[tuple[date, int]]]) -> None:
    """One step line per series over every period (empty ones at 0): one artist each, whatever the span."""
    import numpy as np

    for name, points in series.items():
        periods, counts = np.array([p for p, _ in points], dtype="datetime64[D]"), [n for _, n in points]
        line = axes.step(periods, counts, where="mid", label=name, marker="o" if len(points) <= 40 else None,
                         markersize=3)[0]
        if len(series) == 1:
            axes.fill_between(periods, counts, step="mid", alpha=0.25, color=line.get_color())
    axes.set_ylim(bottom=0)
    _whole_numbers(axes.yaxis)
    if len(series) > 1:
        axes.legend(fontsize=8, ncol=2)
    axes.tick_params(axis="x", labelsize=8)


def _bar_chart(labels: Sequence[str], values: Sequence[float], xlabel: str) -> str:
    height = max(130, min(HEIGHT, 70 + 26 * len(labels)))  # a few bars get a short chart, not fat bars
    figure, axes = _figure(height)
    axes.barh(list(reversed(labels)), list(reversed(values)))
    axes.set_xlabel(xlabel)
    axes.tick_params(axis="y", labelsize=8)
    if all(float(v).is_integer() for v in values):
        _whole_numbers(axes.xaxis)
    return _png_img(figure, xlabel, height)


def _whole_numbers(axis: Axis) -> None:
    """Counts get ticks at whole numbers only (matplotlib would label 0.5, 1.5 on a small count)."""
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))


def _png_img(figure: Figure, alt: str, height: int = HEIGHT) -> str:
    buffer = io.BytesIO()
    figure.set_layout_engine("tight")
    figure.savefig(buffer, format="png", dpi=DPI)
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img src="data:image/png;base64,{encoded}" width="{WIDTH}" height="{height}" alt="{html.escape(alt)}">'


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _short_left(text: str, limit: int) -> str:
    """The end of a long path or URL, which tells sources apart better than its start."""
    return text if len(text) <= limit else "…" + text[-(limit - 1):]
