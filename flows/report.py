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


def overview_markdown(data: OverviewData, /, *, top: int = 10) -> str:
    """The report page's figures as Markdown (the maintenance flow's artifact)."""
    supplied: dict[str, int] = {}
    cited: dict[str, int] = {}
    for target, rows in ((supplied, data.supplied), (cited, data.cited)):
        for _, agency, count in rows:
            target[agency] = target.get(agency, 0) + count
    lines = ["# newsflow overview", "", " · ".join(f"{value:,} {name}" for name, value in data.totals.items()), ""]
    for heading, counts in (("Supplying agencies (dateline, credit)", supplied), ("Cited agencies", cited)):
        lines += [f"## {heading}", "", "| agency | articles |", "|---|---:|"]
        lines += [f"| {a} | {n:,} |" for a, n in sorted(counts.items(), key=lambda x: (-x[1], x[0]))[:top]] + [""]
    lines += ["## Largest stories", "", "| story | documents | sources |", "|---|---:|---:|"]
    lines += [f"| {_cell(t)} | {d:,} | {s:,} |" for t, d, s in data.largest_stories] + [""]
    lines += ["## Duplicate rate by source", "", "| source | documents | duplicate rate |", "|---|---:|---:|"]
    lines += [f"| {_cell(u)} | {d:,} | {r:.1%} |" for u, d, r in data.duplicate_rates] + [""]
    lines += ["## Name variants", "", "| evidence | repaired | rows |", "|---|---|---:|"]
    lines += [f"| {e} | {'yes' if a else 'proposal'} | {n:,} |" for e, a, n in data.name_variants] + [""]
    lines += ["## Quarantine reasons", "", "| reason | items |", "|---|---:|"]
    lines += [f"| {r} | {n:,} |" for r, n in data.quarantine]
    return "\n".join(lines) + "\n"
