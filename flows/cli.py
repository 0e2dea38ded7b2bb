"""The `newsflow` command line.

Each command builds settings, calls one function of `flows/` or `storage/`, and prints the outcome.
Errors are turned into one line and an exit status here and nowhere else: 2 for a bad command line
or setting, 1 for a run that could not be done.

A manual ingest runs as a Prefect flow run when a Prefect API is configured (PREFECT_API_URL or the
active profile), so it shows up on that server; otherwise it runs the same steps without Prefect,
which keeps a one-file run under a second or two instead of waiting 8-22 s for an ephemeral server.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from flows.batching import PREPARE_FILES
from flows.stopping import Stopped, stop_requested, stoppable
from flows.workers import default_worker_count, start_forkserver
from ingest.errors import NewsflowError
from ingest.files import iter_file_paths
from ingest.shards import Shard

if TYPE_CHECKING:  # the settings and storage import DuckDB, Arrow and NumPy: a command imports them when it runs
    from flows.settings import Settings
    from storage import Database, QueryResult, RunSummary

_MAX_CELL = 80  # characters shown per cell in table output
DEFAULT_FEEDS_CONFIG = "feeds.toml"


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad command line in one line, not a usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"newsflow: error: {message} (see: {self.prog} --help)\n")


class UsageError(Exception):
    """A bad argument found after parsing (a path that does not exist, a bad setting)."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _build_parser()
    args = parser.parse_args(argv)
    try:
        with stoppable():
            try:
                return int(args.handler(args))
            except Exception:
                if stop_requested():  # DuckDB reports a signal during a query as its own error
                    raise Stopped(str(stop_requested())) from None
                raise
    except Stopped as stopped:
        print(f"newsflow: stopped by {stopped.signal_name}; what was stored is kept "
              "(an ingest run again with --only-new stores the rest)", file=sys.stderr)
        return 128 + int(getattr(signal, stopped.signal_name))
    except UsageError as exc:
        print(f"newsflow: error: {exc}", file=sys.stderr)
        return 2
    except NewsflowError as exc:
        print(f"newsflow: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("newsflow: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`newsflow sql ... | head`); say nothing more on a closed pipe.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _build_parser() -> argparse.ArgumentParser:
    from importlib.metadata import version  # 60 ms to import: not in the worker processes' preload

    parser = _Parser(prog="newsflow", description="Ingest news into DuckDB and query it.")
    parser.add_argument("--version", action="version", version=f"newsflow {version('newsflow')}")
    _add_db_option(parser, dest="global_db")  # `newsflow --db X sql ...` as well as `newsflow sql --db X ...`
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser, metavar="COMMAND")

    ingest = commands.add_parser("ingest", help="ingest articles from a source")
    sources = ingest.add_subparsers(dest="source", required=True, parser_class=_Parser, metavar="SOURCE")
    files = sources.add_parser(
        "files",
        help="ingest article files and folders (.txt, .md, .html, .json, .jsonl)",
        description="Ingest article files and folders (recursively) into the database.",
    )
    files.add_argument("paths", nargs="+", metavar="PATH", help="a file or a folder to read recursively")
    files.add_argument(
        "--only-new",
        action="store_true",
        help="skip files unchanged since they were last read, as the inbox does "
        "(after an interrupted run this stores what it did not)",
    )
    _add_db_option(files)
    files.set_defaults(handler=_ingest_files)

    feeds = sources.add_parser(
        "feeds",
        help="fetch the RSS/Atom feeds that are due",
        description="Fetch the RSS/Atom feeds that are due (all with --force) into the database.",
    )
    feeds.add_argument("--config", metavar="FILE", help=f"TOML feeds config (default: ./{DEFAULT_FEEDS_CONFIG} if present)")
    feeds.add_argument("--feed", action="append", default=[], metavar="URL", help="a feed URL; may be repeated")
    feeds.add_argument("--force", action="store_true", help="fetch every feed now, due or not")
    feeds.add_argument("--shard", type=_shard, metavar="K/N",
                       help="only the Kth of N shares of the feeds, split by URL (one share per worker)")
    _add_db_option(feeds)
    feeds.set_defaults(handler=_ingest_feeds)

    _add_feeds_commands(commands)

    serve = commands.add_parser(
        "serve",
        help="run the scheduled deployments from this process",
        description="Serve the inbox (hourly), feeds (every 15 minutes) and maintenance (nightly) deployments "
        "from this process. Without PREFECT_API_URL a local Prefect server is started and stopped with it.",
    )
    serve.add_argument("--inbox", default="data/inbox", metavar="DIR", help="folder read hourly (default: data/inbox)")
    serve.add_argument("--config", default=DEFAULT_FEEDS_CONFIG, metavar="FILE", help="feeds config (default: feeds.toml)")
    serve.add_argument("--snapshots", default="data/snapshots", metavar="DIR", help="Parquet snapshots (default: data/snapshots)")
    _add_db_option(serve)
    serve.set_defaults(handler=_serve)

    search = commands.add_parser(
        "search",
        help="full-text search over articles",
        description="Search articles (title and body), best matches first (BM25).",
    )
    search.add_argument("query", metavar="QUERY", help='words to look for, e.g. "Blinken Lavrov Geneva"')
    search.add_argument("--limit", type=_positive, default=10, metavar="N", help="how many results (default: 10)")
    _add_db_option(search)
    search.set_defaults(handler=_search)

    report = commands.add_parser(
        "report",
        help="write an HTML report with charts",
        description="Write a self-contained HTML page (charts as PNG images, no JavaScript) to DIR/report.html.",
    )
    report.add_argument("--out", default="data/report", metavar="DIR",
                        help="output folder, created if needed; its report.html is replaced (default: data/report)")
    report.add_argument("--since", type=_day, metavar="DATE", help="only figures from this day on (YYYY-MM-DD)")
    _add_db_option(report)
    report.set_defaults(handler=_report)

    export = commands.add_parser(
        "export",
        help="export the tables as Parquet",
        description="Write every table as Parquet files, dated tables partitioned by day (readable by DuckDB, Polars, Spark).",
    )
    export.add_argument("--format", choices=("parquet",), default="parquet", help="output format (default: parquet)")
    export.add_argument("--out", default="data/export", metavar="DIR",
                        help="output folder, created if needed; earlier exports in it are replaced (default: data/export)")
    _add_db_option(export)
    export.set_defaults(handler=_export)

    sql = commands.add_parser(
        "sql",
        help="run a read-only SQL query",
        description="Run SQL that reads (SELECT, WITH, FROM, DESCRIBE, SHOW, SUMMARIZE, PRAGMA, EXPLAIN) on a "
        "read-only connection; anything that writes, COPY included, is refused. Several statements separated "
        "by ';' run in turn, each result printed (table format only).",
    )
    sql.add_argument("query", metavar="SQL", help='for example: "SELECT title FROM articles LIMIT 5"')
    _add_db_option(sql)
    sql.add_argument("--format", choices=("table", "csv", "json"), default="table", help="output format (default: table)")
    sql.set_defaults(handler=_sql)
    return parser


def _add_feeds_commands(commands: Any) -> None:
    """`newsflow feeds ...`: the feed list, kept in the TOML config and the `feeds` table together."""
    group = commands.add_parser(
        "feeds",
        help="list, add, remove, pause, resume, import or export feeds",
        description="Manage the feed list: each command changes the feeds config (TOML, kept in git) and "
        "the database's feeds table together; when they disagree the config wins at the next run.",
    )
    actions = group.add_subparsers(dest="action", required=True, parser_class=_Parser, metavar="ACTION")

    def action(name: str, handler: Callable[[argparse.Namespace], int], help: str) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = actions.add_parser(name, help=help, description=help[0].upper() + help[1:] + ".")
        parser.add_argument("--config", default=DEFAULT_FEEDS_CONFIG, metavar="FILE",
                            help=f"the feeds config (default: ./{DEFAULT_FEEDS_CONFIG})")
        _add_db_option(parser)
        parser.set_defaults(handler=handler)
        return parser

    action("list", _feeds_list, "show the feeds with their health and how many documents each brought")
    add = action("add", _feeds_add, "add a feed to the list (it is due at once)")
    add.add_argument("url", type=_feed_url, metavar="URL")
    add.add_argument("--name", help="a name to show for it")
    add.add_argument("--tags", type=_tags, default=(), metavar="TAG,TAG", help="comma-separated tags")
    for name, handler, what in (
        ("remove", _feeds_remove, "remove a feed from the list: it is no longer polled, its documents stay"),
        ("pause", _feeds_pause, "pause a feed: it stays in the list and is not polled"),
        ("resume", _feeds_resume, "resume a paused feed"),
    ):
        action(name, handler, what).add_argument("url", type=_feed_url, metavar="URL")
    action("import", _feeds_import, "add the feeds of an OPML file (flat or nested outlines; folders become tags)"
           ).add_argument("opml", type=Path, metavar="OPML")
    action("export", _feeds_export, "write the feed list as an OPML file").add_argument("opml", type=Path, metavar="OPML")


def _add_db_option(parser: argparse.ArgumentParser, *, dest: str = "db") -> None:
    parser.add_argument(
        "--db",
        dest=dest,
        metavar="DB",
        help="DuckDB file, or a DuckLake as 'ducklake:postgres:dbname=... data_path=DIR' "
             "(default: $NEWSFLOW_DB, else data/news.duckdb)",
    )


def _settings(args: argparse.Namespace) -> Settings:
    from flows.settings import Settings

    try:
        return Settings.from_env(db=args.db or args.global_db)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _ingest_files(args: argparse.Namespace) -> int:
    # A run of more files than one part is prepared by worker processes: their forkserver starts now,
    # so that it imports the pipeline on a second core while this process does (a Reuters-21578 run
    # 0.86 s sooner, median of 5 pairs). Counting stops at the first file past one part.
    if default_worker_count() > 1 and next(islice(iter_file_paths(args.paths), PREPARE_FILES, None), None) is not None:
        start_forkserver()
    settings = _settings(args)
    missing = [path for path in args.paths if not Path(path).expanduser().exists()]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    from flows.settings import prefect_api_url

    if settings.task_runner == "dask" and not prefect_api_url():
        raise UsageError("NEWSFLOW_TASK_RUNNER=dask runs batches as Prefect tasks: it needs a Prefect API "
                         "(PREFECT_API_URL, or `newsflow serve`)")
    started = time.monotonic()
    if _reachable_prefect_api():
        from flows.prefect_flows import ingest_files_flow  # imports Prefect: only when it will be used

        summary = ingest_files_flow(paths=list(args.paths), db=str(settings.db), only_new=args.only_new)
    else:
        from flows.files import run_ingest_files

        with _progress_bar("files") as progress:
            summary = run_ingest_files(args.paths, settings=settings, only_new=args.only_new, progress=progress)
    _print_run(summary, settings.database(), time.monotonic() - started)
    return 0


def _ingest_feeds(args: argparse.Namespace) -> int:
    settings = _settings(args)
    bad = [url for url in args.feed if not url.startswith(("http://", "https://"))]
    if bad:
        raise UsageError(f"--feed must be an http:// or https:// URL, not {bad[0]!r}")
    config = args.config
    if config is None and not args.feed:
        if not Path(DEFAULT_FEEDS_CONFIG).exists():
            raise UsageError(f"no feeds given: pass --config FILE or --feed URL (there is no ./{DEFAULT_FEEDS_CONFIG})")
        config = DEFAULT_FEEDS_CONFIG
    from flows.feeds import feeds_from, run_ingest_feeds

    feed_list = feeds_from(config, args.feed)  # a missing or broken list is one line here, before any run starts
    started = time.monotonic()
    if _reachable_prefect_api():
        from prefect import State

        from flows.prefect_flows import ingest_feeds_flow

        served = ingest_feeds_flow(config=config, feeds=list(args.feed), db=str(settings.db), force=args.force,
                                   shard=str(args.shard) if args.shard else None)
        assert not isinstance(served, State), "the flow returns a state only for a feed list it cannot read"
        result = served
    else:
        with _progress_bar("feeds") as progress:
            result = run_ingest_feeds(feed_list, settings=settings,
                                      force=args.force, shard=args.shard, progress=progress)
    print(f"{result.due:,} feeds due, {result.due - len(result.failures):,} read, {len(result.failures):,} failed")
    _print_run(result.run, settings.database(), time.monotonic() - started, result.failures)
    return 1 if result.run.status == "failed" else 0


def _feeds_list(args: argparse.Namespace) -> int:
    from flows.feed_list import list_feeds

    listing = list_feeds(Path(args.config), _settings(args))
    if not listing:
        print(f"no feeds: add one with `newsflow feeds add URL` (the list is kept in {args.config})")
        return 0
    for feed in listing:
        fetched = f"fetched {feed.last_fetched_at:%Y-%m-%d %H:%M}" if feed.last_fetched_at else "never fetched"
        tags = f" [{', '.join(feed.tags)}]" if feed.tags else ""
        print(f"{feed.url}  {feed.name or ''}{tags}\n    {feed.state}, {fetched}, {feed.documents:,} documents"
              + (f"\n    {feed.last_error}" if feed.last_error and feed.state.startswith("failing") else ""))
    return 0


def _feeds_add(args: argparse.Namespace) -> int:
    from flows.feed_list import add_feed
    from ingest.records import FeedConfig

    add_feed(Path(args.config), FeedConfig(args.url, args.name, args.tags), _settings(args))
    print(f"added {args.url} to {args.config}")
    return 0


def _feeds_remove(args: argparse.Namespace) -> int:
    from flows.feed_list import remove_feed

    remove_feed(Path(args.config), args.url, _settings(args))
    print(f"removed {args.url} from {args.config}; its documents stay")
    return 0


def _feeds_pause(args: argparse.Namespace) -> int:
    from flows.feed_list import pause_feed

    pause_feed(Path(args.config), args.url, _settings(args), paused=True)
    print(f"paused {args.url}")
    return 0


def _feeds_resume(args: argparse.Namespace) -> int:
    from flows.feed_list import pause_feed

    pause_feed(Path(args.config), args.url, _settings(args), paused=False)
    print(f"resumed {args.url}")
    return 0


def _feeds_import(args: argparse.Namespace) -> int:
    from flows.feed_list import import_opml

    added, known = import_opml(Path(args.config), args.opml, _settings(args))
    print(f"{added:,} feeds added to {args.config}, {known:,} already listed")
    return 0


def _feeds_export(args: argparse.Namespace) -> int:
    from flows.feed_list import export_opml

    count = export_opml(Path(args.config), args.opml)
    print(f"{count:,} feeds written to {args.opml}")
    return 0


def _feed_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise argparse.ArgumentTypeError(f"expected an http:// or https:// URL, not {value!r}")
    return value


def _tags(value: str) -> tuple[str, ...]:
    return tuple(tag.strip() for tag in value.split(",") if tag.strip())


def _reachable_prefect_api() -> str | None:
    """The configured Prefect API, once it has answered; None when none is configured.

    Checked before a run starts, so that a stopped server costs one line and nothing else, instead of
    Prefect's traceback part-way into a run. Only a failure to connect counts: any HTTP answer means a
    server is there.
    """
    from flows.settings import prefect_api_from_environment, prefect_api_url

    url = prefect_api_url()
    if url is None:
        return None
    import httpx  # ~0.1 s; only runs that will import Prefect (1.3-2.1 s) pay for it

    try:
        httpx.get(f"{url.rstrip('/')}/health", timeout=10)
    except httpx.TransportError as exc:
        if prefect_api_from_environment():
            where, fix = "PREFECT_API_URL", "unset PREFECT_API_URL"
        else:
            where, fix = "the active Prefect profile", "run `prefect config unset PREFECT_API_URL`"
        raise NewsflowError(
            f"the Prefect API at {url} ({where}) does not answer ({type(exc).__name__}): start that server, "
            f"or {fix} to run without Prefect; nothing was read or stored"
        ) from None
    return url


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1, not {number}")
    return number


def _shard(value: str) -> Shard:
    try:
        return Shard.parse(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, not {value!r}") from None


def _output_folder(value: str) -> Path:
    """`--out` of report and export: a folder, which may exist already, but not a file."""
    folder = Path(value).expanduser().absolute()
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"--out names a folder to write into, but {value} is a file; pass a folder")
    return folder


def _report(args: argparse.Namespace) -> int:
    from flows.html_report import import_matplotlib_meanwhile, write_report

    folder = _output_folder(args.out)
    database = _settings(args).database()
    since = f" since {args.since.isoformat()}" if args.since else ""
    importing = import_matplotlib_meanwhile()
    data = database.overview(since=args.since)
    importing.join()
    path = write_report(data, folder, title=f"newsflow report: {database.short_name}{since}")
    print(path)
    return 0


def _search(args: argparse.Namespace) -> int:
    hits = _settings(args).database().search(args.query, limit=args.limit)
    if not hits:
        print(f"no article matches {args.query!r}")
        return 0
    for rank, hit in enumerate(hits, start=1):
        when = (hit.published_at or hit.first_seen_at).date().isoformat()
        agencies = f"  [{', '.join(hit.agencies)}]" if hit.agencies else ""
        print(f"{rank:>2}. {hit.title}\n    {when}  score {hit.score:.2f}  article {hit.article_id}{agencies}\n    {hit.snippet}\n")
    return 0


def _export(args: argparse.Namespace) -> int:
    written = _settings(args).database().export_parquet(_output_folder(args.out))
    for table, folder in written.items():
        print(f"{table:<14} {folder}")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from flows.serve import serve_deployments
    from flows.settings import DEFAULT_DB

    settings = _settings(args)
    _check_feeds_config(Path(args.config))
    _reachable_prefect_api()
    inbox = Path(args.inbox).absolute()
    inbox.mkdir(parents=True, exist_ok=True)
    serve_deployments(
        settings=settings,
        inbox=inbox,
        config=Path(args.config).absolute(),
        snapshot_dir=Path(args.snapshots).absolute(),
        prefect_home=(settings.db.parent if isinstance(settings.db, Path) else DEFAULT_DB.parent.absolute()) / "prefect",
    )
    return 0


def _check_feeds_config(config: Path) -> None:
    """Refuse to serve a feeds deployment that would fail every 15 minutes for want of its config."""
    from flows.feeds import FeedsConfigError, load_feeds_config

    try:
        load_feeds_config(config)
    except FeedsConfigError as exc:
        hint = ("; copy examples/local-feeds.toml (example feeds served from this checkout) or examples/feeds.toml "
                f"(real outlets, over the internet) to {config}, or pass --config FILE") if not config.exists() else ""
        raise UsageError(f"{exc}{hint}") from None


def _print_run(summary: RunSummary, database: Database, elapsed: float, failures: Sequence[tuple[str, str]] = ()) -> None:
    """The same Markdown summary a Prefect run publishes as its artifact."""
    from flows.report import markdown_report

    run, report = database.run_report(summary.run_id)
    print(f"{run.seen:,} items in {elapsed:.1f} s into {database.name}\n")
    print(markdown_report(run, report, failures=failures), end="")


@contextmanager
def _progress_bar(label: str) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on stderr for interactive runs; nothing when output is piped or logged."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), transient=True) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def _sql(args: argparse.Namespace) -> int:
    from storage.user_query import read_statements

    statements = read_statements(args.query)
    if len(statements) > 1 and args.format != "table":
        raise UsageError(f"--format {args.format} prints one result, but the SQL holds {len(statements)} statements; "
                         "run them one at a time")
    database = _settings(args).database()
    writers = {"table": _write_table, "csv": _write_csv, "json": _write_json}
    for number, statement in enumerate(statements):
        if number:
            sys.stdout.write("\n")
        writers[args.format](database.query(statement), sys.stdout)
    return 0


def _write_table(result: QueryResult, out: TextIO) -> None:
    cells = [[_cell(value) for value in row] for row in result.rows]
    widths = [max([len(name)] + [len(row[i]) for row in cells]) for i, name in enumerate(result.columns)]
    out.write(" | ".join(name.ljust(w) for name, w in zip(result.columns, widths)).rstrip() + "\n")
    out.write("-+-".join("-" * w for w in widths) + "\n")
    for row in cells:
        out.write(" | ".join(value.ljust(w) for value, w in zip(row, widths)).rstrip() + "\n")
    out.write(f"({len(result.rows)} row{'s' if len(result.rows) != 1 else ''})\n")


def _cell(value: Any) -> str:
    text = "NULL" if value is None else " ".join(_plain(value).split())
    return text if len(text) <= _MAX_CELL else text[: _MAX_CELL - 1] + "…"


def _write_csv(result: QueryResult, out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(result.columns)
    writer.writerows([["" if v is None else _plain(v) for v in row] for row in result.rows])


def _write_json(result: QueryResult, out: TextIO) -> None:
    records = [{name: _json_value(value) for name, value in zip(result.columns, row)} for row in result.rows]
    json.dump(records, out, ensure_ascii=False, indent=2)
    out.write("\n")


def _plain(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    return _plain(value)


if __name__ == "__main__":
    raise SystemExit(main())
