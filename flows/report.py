"""Run reports: one Markdown summary for the terminal and for Prefect artifacts, and a counts table."""

from __future__ import annotations

from collections.abc import Sequence

from storage import RunReport, RunSummary
from storage.reports import OverviewData

_QUARANTINE_DETAIL = 160


def count_rows(run: RunSummary, report: RunReport, *, failing_feeds: int = 0) -> list[dict[str, object]]:
    """The run's counts as table rows (the same numbers as its `runs` row)."""
    rows: list[tuple[str, int]] = [
        ("items seen", run.seen),
        ("new articles", run.new),
        ("exact duplicates", run.duplicate),
        ("near duplicates", report.near_duplicates),
        ("unchanged (already stored)", run.unchanged),
        ("quarantined", run.quarantined),
        ("failed", run.failed),
        ("name repairs applied", report.repairs_applied),
        ("name proposals", report.proposals),
    ]
    if failing_feeds:
        rows.append(("failing feeds", failing_feeds))
    if run.names_unjudged:
        rows.append(("name judgments skipped by an error (please report)", run.names_unjudged))
    return [{"measure": name, "value": value} for name, value in rows]


def markdown_report(run: RunSummary, report: RunReport, *, failures: Sequence[tuple[str, str]] = ()) -> str:
    lines = [
        f"# {run.flow} run {run.run_id}: {run.status}",
        "",
        "| measure | value |",
        "|---|---:|",
        *(f"| {row['measure']} | {row['value']:,} |" for row in count_rows(run, report, failing_feeds=len(failures))),
    ]
    if report.agencies:
        lines += ["", "## Agencies by role", "", "| agency | role | articles |", "|---|---|---:|"]
        lines += [f"| {agency} | {role} | {count:,} |" for agency, role, count in report.agencies]
    if report.quarantine:
        lines += ["", "## Quarantined items", "", "| reason | items | example | what to do |", "|---|---:|---|---|"]
        lines += [f"| {reason} | {count:,} | {_cell(example)} | {_cell(detail[:_QUARANTINE_DETAIL])} |"
                  for reason, count, example, detail in report.quarantine]
    if failures:
        lines += ["", "## Failing feeds", "", "| feed | error |", "|---|---|"]
        lines += [f"| {_cell(url)} | {_cell(error)} |" for url, error in failures]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def overview_markdown(data: OverviewData, /) -> str:
    """The report page's figures as Markdown (the maintenance flow's artifact)."""
    lines = ["# newsflow overview", "", " · ".join(f"{value:,} {name}" for name, value in data.totals.items()),
             "", f"{data.undated:,} articles carry no publication date.", ""]
    lines += ["## Agencies by role", "", "| agency | role | articles |", "|---|---|---:|"]
    lines += [f"| {a} | {r} | {n:,} |" for a, r, n in sorted(data.agencies, key=lambda x: (-x[2], x[0], x[1]))] + [""]
    lines += ["## Stories that arrived more than once", "", "| story | documents | sources |", "|---|---:|---:|"]
    lines += [f"| {_cell(t)} | {d:,} | {s:,} |" for t, d, s in data.largest_stories] + [""]
    lines += ["## Duplicates by source (feed or folder)", "", "| source | documents | duplicates |", "|---|---:|---:|"]
    lines += [f"| {_cell(u)} | {d:,} | {n:,} |" for u, d, n in data.duplicates] + [""]
    lines += ["## Name repairs and proposals", "", "| found | written as | repaired | proposed |", "|---|---|---:|---:|"]
    lines += [f"| {_cell(v)} | {_cell(c)} | {a:,} | {p:,} |" for v, c, a, p in data.name_pairs] + [""]
    lines += ["## Quarantine reasons", "", "| reason | items |", "|---|---:|"]
    lines += [f"| {r} | {n:,} |" for r, n in data.quarantine]
    return "\n".join(lines) + "\n"
