"""Article-body extraction quality of `newsflow ingest files` on HTML pages, scored by the benchmark's own scorer.

Corpus: Zyte's article-extraction-benchmark (181 news pages, gzip HTML, with hand-made ground truth).
The pages are ingested through the real command line into an empty database, the stored article text
is read back with `newsflow sql`, and the corpus's unmodified `evaluate.py` scores it (precision,
recall and F1 over word 4-gram shingles, averaged over pages). With `--compare-trafilatura` the same
scorer also rates plain `trafilatura.extract` with newsflow's options and with its defaults, which
tells how much newsflow's own post-processing (title, dateline, credit and trailer stripping) costs.

    python bench/extraction_f1.py [--corpus DIR] [--worst 10] [--compare-trafilatura]
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

from _common import REPO, machine, newsflow, time_command

Predictions = dict[str, dict[str, str]]  # the scorer's format: {page id: {"articleBody": text}}

QUERY_TEXT = """
SELECT d.item_key, a.body, a.dateline
FROM documents d JOIN articles a USING (article_id)
ORDER BY d.item_key
"""
QUERY_QUARANTINE = "SELECT item_key, reason, detail FROM quarantine ORDER BY item_key"
# Direct trafilatura.extract calls to compare with (names of at most 20 characters keep evaluate.py's table aligned):
# the extraction options newsflow passes, and trafilatura's defaults (which include comments and tables).
TRAFILATURA_OPTIONS: dict[str, dict[str, Any]] = {
    "trafilatura_nf_opts": {"include_comments": False, "include_tables": True, "deduplicate": False},
    "trafilatura_default": {},
}


def page_id(item_key: str) -> str:
    """`/tmp/.../html/<id>.html` -> `<id>` (the ground-truth key)."""
    return Path(item_key).name.removesuffix(".html")


def decompress(corpus: Path, folder: Path) -> list[str]:
    """Write each `html/<id>.html.gz` as `folder/<id>.html`; return the ids."""
    folder.mkdir()
    ids = []
    for source in sorted((corpus / "html").glob("*.html.gz")):
        ident = source.name.removesuffix(".html.gz")
        (folder / f"{ident}.html").write_bytes(gzip.decompress(source.read_bytes()))
        ids.append(ident)
    return ids


def query(db: Path, sql: str) -> list[dict[str, Any]]:
    """Rows of a read-only query through `newsflow sql --format json`."""
    done = subprocess.run(newsflow("sql", sql, "--db", str(db), "--format", "json"),
                          check=True, capture_output=True, text=True, cwd=REPO)
    rows: list[dict[str, Any]] = json.loads(done.stdout)
    return rows


def article_text(body: str, dateline: str | None) -> str:
    """The article as newsflow presents it: the body, with the dateline put back before the lede.

    The dateline ("WASHINGTON (AP) —") opens the first sentence on the page and in the ground truth;
    newsflow only moved it to `articles.dateline`, so it is put back before the lede. The credit line
    ("(Reporting by ...)") is left out: newsflow removes it from the article text on purpose and keeps
    it only as agency evidence in `articles.credit`. The headline is left out too, as in the ground truth.
    """
    if not dateline:
        return body
    return f"{dateline} {body}"


def newsflow_predictions(db: Path, ids: list[str]) -> tuple[Predictions, list[dict[str, Any]]]:
    """Predictions for every page (quarantined or missing pages are empty), and the quarantine rows."""
    texts = {page_id(row["item_key"]): article_text(row["body"], row["dateline"]) for row in query(db, QUERY_TEXT)}
    quarantined = query(db, QUERY_QUARANTINE)
    return {ident: {"articleBody": texts.get(ident, "")} for ident in ids}, quarantined


def trafilatura_predictions(folder: Path, ids: list[str], **options: Any) -> tuple[Predictions, float]:
    """`trafilatura.extract` called directly on each page; returns the predictions and the seconds taken."""
    import trafilatura

    started = time.perf_counter()
    predictions = {}
    for ident in ids:
        html = (folder / f"{ident}.html").read_text(encoding="utf-8", errors="replace")
        predictions[ident] = {"articleBody": trafilatura.extract(html, **options) or ""}
    return predictions, time.perf_counter() - started


def score(corpus: Path, workdir: Path, systems: dict[str, Predictions], n_bootstrap: int) -> tuple[str, dict[str, Any]]:
    """Run the corpus's own evaluate.py (unmodified, beside ground-truth.json and output/*.json).

    Returns its printed table and its `--output` metrics by system name.
    """
    workdir.mkdir()
    for name in ("evaluate.py", "ground-truth.json"):
        shutil.copy(corpus / name, workdir / name)
    (workdir / "output").mkdir()
    for name, predictions in systems.items():
        (workdir / "output" / f"{name}.json").write_text(json.dumps(predictions, ensure_ascii=False), encoding="utf-8")
    done = subprocess.run([sys.executable, "evaluate.py", "--n-bootstrap", str(n_bootstrap), "--output", "metrics.json"],
                          check=True, capture_output=True, text=True, cwd=workdir)
    metrics: dict[str, Any] = json.loads((workdir / "metrics.json").read_text())
    return done.stdout, metrics


def load_scorer(path: Path) -> ModuleType:
    """evaluate.py as a module, for per-page scores with the scorer's own shingle matching."""
    spec = importlib.util.spec_from_file_location("article_benchmark_evaluate", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def page_f1(scorer: ModuleType, true: str, pred: str) -> tuple[float, float, float]:
    """Precision, recall and F1 of one page, as the scorer computes them before averaging."""
    tp, fp, fn = scorer.string_shingle_matching(true=true, pred=pred)
    precision: float = scorer.precision_score(tp, fp, fn)
    recall: float = scorer.recall_score(tp, fp, fn)
    return precision, recall, 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def worst_pages(scorer: ModuleType, truth: dict[str, dict[str, str]], predictions: Predictions,
                reasons: dict[str, str], count: int) -> list[str]:
    """One line per page with the lowest F1."""
    scored = sorted(((page_f1(scorer, truth[i]["articleBody"], predictions[i]["articleBody"]), i) for i in truth),
                    key=lambda item: (item[0][2], item[1]))
    lines = []
    for (precision, recall, f1), ident in scored[:count]:
        note = f" quarantined: {reasons[ident]}" if ident in reasons else ""
        lines.append(f"  F1 {f1:.3f}  P {precision:.3f}  R {recall:.3f}  "
                     f"words {_words(predictions[ident]['articleBody']):>5}/{_words(truth[ident]['articleBody']):<5} "
                     f"{ident[:12]}  {truth[ident].get('url', '')}{note}")
    return lines


def _words(text: str) -> int:
    return len(text.split())


def _figures(name: str, metrics: dict[str, Any]) -> str:
    m = metrics[name]
    return (f"F1 {m['f1']:.4f} ± {m['f1_std']:.4f}, precision {m['precision']:.4f} ± {m['precision_std']:.4f}, "
            f"recall {m['recall']:.4f} ± {m['recall_std']:.4f}, accuracy {m['accuracy']:.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpora" / "article-extraction-benchmark",
                        help="the benchmark folder (html/, ground-truth.json, evaluate.py)")
    parser.add_argument("--worst", type=int, default=10, help="list this many pages with the lowest newsflow F1")
    parser.add_argument("--n-bootstrap", type=int, default=1000, help="passed to evaluate.py (for the ± figures)")
    parser.add_argument("--compare-trafilatura", action="store_true",
                        help="also score trafilatura.extract called directly (newsflow's options, and defaults)")
    args = parser.parse_args()
    corpus: Path = args.corpus.resolve()
    if not all((corpus / name).exists() for name in ("html", "ground-truth.json", "evaluate.py")):
        sys.exit(f"article-extraction-benchmark corpus not found at {corpus}")

    with tempfile.TemporaryDirectory(prefix="extraction-f1-") as tmp:
        folder, db = Path(tmp) / "html", Path(tmp) / "news.duckdb"
        ids = decompress(corpus, folder)
        ingest_seconds = time_command(newsflow("ingest", "files", str(folder), "--db", str(db)))
        predictions, quarantined = newsflow_predictions(db, ids)
        systems: dict[str, Predictions] = {"newsflow": predictions}
        extract_seconds = {}
        for name, options in TRAFILATURA_OPTIONS.items() if args.compare_trafilatura else ():
            systems[name], extract_seconds[name] = trafilatura_predictions(folder, ids, **options)
        table, metrics = score(corpus, Path(tmp) / "score", systems, args.n_bootstrap)
        scorer = load_scorer(Path(tmp) / "score" / "evaluate.py")

    truth = json.loads((corpus / "ground-truth.json").read_text(encoding="utf-8"))
    reasons = {page_id(row["item_key"]): f"{row['reason']} ({row['detail']})" for row in quarantined}
    missing = [i for i in ids if not predictions[i]["articleBody"] and i not in reasons]
    print(f"machine: {machine()}")
    print(f"corpus: {corpus}")
    print(f"pages: {len(ids)}; quarantined: {len(quarantined)}; empty without quarantine: {len(missing)}")
    for row in quarantined:
        print(f"  {row['reason']}: {page_id(row['item_key'])}: {row['detail']}")
    print(f"ingest wall time (newsflow ingest files, {len(ids)} pages, empty database): {ingest_seconds:.2f} s")
    for name, seconds in extract_seconds.items():
        print(f"{name}: {seconds:.2f} s in-process for {len(ids)} pages")
    print("evaluate.py output:")
    print(table.rstrip())
    print("the same, unrounded (evaluate.py --output):")
    for name in systems:
        print(f"  {name}: {_figures(name, metrics)}")
    if args.worst:
        print(f"newsflow's {args.worst} lowest-F1 pages (words predicted/true, id, url):")
        print("\n".join(worst_pages(scorer, truth, predictions, reasons, args.worst)))


if __name__ == "__main__":
    main()
