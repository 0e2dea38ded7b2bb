"""feedparser 6.0.14's own test corpus through newsflow's real fetch-and-parse path, over loopback HTTP.

Every file under `feedparser-tests/tests/` (wellformed, illformed, encoding, entities, http, compression)
is served by a real HTTP server on 127.0.0.1, fetched with `flows.fetch.fetch_all` and parsed with
`ingest.batch.prepare_feed`, exactly as `flows/feeds.py` does for a configured feed. Checked:

(a) no file makes the fetch or the parse raise: each one ends as documents/rejections, a recorded
    feed-level error, an empty feed, or a recorded fetch outcome (304, 404, a 3xx without Location,
    a refused body);
(b) each `encoding/` case's `Expect:` expression (evaluated as runtests.py does, honouring
    `SkipUnless:`) holds on the dict feedparser returned inside newsflow's own `parse_feed` whenever
    it holds when feedparser reads the case the way runtests.py does (from disk, or over HTTP for
    files whose path contains "http").

How each file is served mirrors runtests.py's `FeedParserTestRequestHandler.send_head`:
- `Header:` lines of the leading comment become response headers (`Status:` is the status code);
  `http://localhost:8097/` in a value is rewritten to this server, so redirects stay on loopback.
- compression/*: `Content-Encoding` gzip for `*.gz`, deflate otherwise, `Content-type: application/xml`.
- files whose path contains "http" (the only ones runtests.py serves over HTTP) and that name no
  Content-type get `application/xml`, what its SimpleHTTPRequestHandler.guess_type answers for `.xml`
  with Debian's /etc/mime.types (Python's built-in table would say text/xml; no encoding case is affected).
- every other file is parsed by runtests.py straight from disk, with no headers at all. Over HTTP
  there is always a header dict (newsflow adds Content-Location), and for feedparser a header dict
  without Content-Type means "default to iso-8859-1 and flag NonXMLContentType", which is not what
  the disk parse does. `Content-type: application/xml` without a charset is the closest: feedparser's
  `convert_to_utf8` then takes exactly the same decisions as with no headers (BOM, then the XML
  declaration, else utf-8; no bozo). So those files are served with it.
- an ETag / Last-Modified from the Header lines is honoured (304 when the client sends it back), and
  `/-/return-304.xml` answers 304, as in runtests.py; a 304 is sent without a body.

(Served with no Content-Type at all instead, 143 of the 150 non-http encoding cases fail, all on
`not bozo` (NonXMLContentType); only no_content_type_default.xml would also decode differently
(iso-8859-1 instead of utf-8): an artefact of the serving, not of newsflow.)

Run with feedparser 6.0.14 on 2 cores (`pytest -s` prints this; the whole module takes about 20 s):
  2,248 files served (2,242 .xml + 6 compression), 2,303 requests (redirect targets, 2 conditional re-fetches,
  48 feedparser-own fetches of the "http" encoding cases for the baseline);
  1,193 parsed with entries (1,212 entries: 513 documents, 699 `no_body` rejections), 769 empty feeds,
  280 feed-level errors (257 not well-formed, 19 wrong declared encoding, 2 refused <!ENTITY>, 2 non-XML
  Content-Type), 6 fetch outcomes without a body (3 corrupt compressed bodies refused, 302 without Location,
  404, 302 -> 304); 0 unhandled exceptions, 0 parser failures caught by prepare_feed;
  encoding: 219 files, 198 evaluated, 21 skipped by SkipUnless (codecs Python lacks); Expect holds for
  198 as runtests.py reads them and for 198 through newsflow.
"""

from __future__ import annotations

import codecs
import datetime
import functools
import re
import struct
import sys
import time
import traceback
import urllib.request
import xml.sax
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import feedparser
import pytest

from flows.fetch import FetchRequest, FetchResult, fetch_all
from flows.settings import FetchPolicy
from ingest.batch import prepare_feed
from ingest.feeds import FeedOutcome
from ingest.records import Batch, RawItem
from tests.feedserver import FeedServer, Request, Response

pytestmark = pytest.mark.corpus

RUNTESTS_ORIGIN = "http://localhost:8097/"  # hard-coded in the corpus' Header lines
POLICY = FetchPolicy(retries=0, read_timeout=5, total_timeout=10, concurrency=16, per_host=16)

# runtests.py's own patterns, byte for byte.
HEADER = re.compile(rb"^Header:\s+([^:]+):(.+)$", re.MULTILINE)
SKIP_UNLESS = re.compile(rb"SkipUnless:\s*(.*?)\n")
DESCRIPTION = re.compile(rb"Description:\s*(.*?)\s*Expect:\s*(.*)\s*-->")
SKIP_ERRORS = (ImportError, LookupError, NotImplementedError, AttributeError)
# The globals runtests.py evaluates Expect and SkipUnless in (its module namespace; these are the names used).
EVAL_GLOBALS: dict[str, Any] = {"feedparser": feedparser, "codecs": codecs, "datetime": datetime, "time": time,
                                "sys": sys, "xml": xml, "zlib": zlib, "struct": struct}

# Encoding cases whose Expect holds as runtests.py reads them but cannot hold through newsflow's path for
# a reason that is not a newsflow bug, with that reason. (Empty: every case that holds there holds here.)
CANNOT_HOLD_OVER_HTTP: dict[str, str] = {}


@dataclass
class Case:
    relative: str  # "encoding/utf-16le.xml", relative to feedparser-tests/tests
    file: Path
    data: bytes
    status: int
    headers: dict[str, str]  # as sent, names as the corpus spells them

    @property
    def path(self) -> str:
        return "/tests/" + self.relative  # runtests.py's URL layout

    @property
    def validators(self) -> tuple[str | None, str | None]:
        return self.headers.get("ETag"), self.headers.get("Last-Modified")


@dataclass
class Outcome:
    case: Case
    fetch: FetchResult
    feed: FeedOutcome | None = None  # None when there was no body to parse
    batch: Batch | None = None
    crash: str | None = None  # traceback of an exception that escaped prepare_feed
    parsed: Any = None  # the dict feedparser returned inside newsflow's parse_feed
    revalidation: FetchResult | None = None  # a second fetch sending the validators back


@dataclass
class EncodingCheck:
    relative: str
    expect: str
    skipped: str | None = None  # why SkipUnless skipped it
    baseline: str = ""  # "holds" or why not, reading the case as runtests.py does
    newsflow: str = ""  # "holds" or why not, on newsflow's parse


@dataclass
class Run:
    files: int
    outcomes: list[Outcome]
    encoding: list[EncodingCheck]
    seconds: float
    requests: int = 0
    lines: list[str] = field(default_factory=list)


def _corpus_cases(root: Path, base_url: str) -> list[Case]:
    cases = []
    for file in sorted(p for p in root.rglob("*") if p.is_file() and p.name != "runtests.py"):
        relative = file.relative_to(root).as_posix()
        data = file.read_bytes()
        if relative.startswith("compression/"):
            headers = {"Content-Encoding": "gzip" if relative.endswith("gz") else "deflate",
                       "Content-type": "application/xml"}
        else:
            headers = {k.decode("utf-8"): v.decode("utf-8").strip() for k, v in HEADER.findall(data)}
            headers = {k: v.replace(RUNTESTS_ORIGIN, base_url) for k, v in headers.items()}
            headers.setdefault("Content-type", "application/xml")  # see the module docstring
        status = int(headers.pop("Status", 200))
        cases.append(Case(relative, file, data, status, headers))
    return cases


def _handler(case: Case) -> Callable[[Request], Response]:
    def handle(request: Request) -> Response:
        etag, modified = case.validators
        if (etag is not None and request.headers.get("if-none-match") == etag) or (
                modified is not None and request.headers.get("if-modified-since") == modified):
            return Response(304, b"", dict(case.headers))
        return Response(case.status, case.data, dict(case.headers))

    return handle


def _newsflow_parse(url: str, fetch: FetchResult) -> tuple[FeedOutcome | None, Batch | None, str | None, Any]:
    """prepare_feed as flows/feeds.py calls it; also returns the dict its feedparser.parse call produced."""
    assert fetch.body is not None
    seen: list[Any] = []
    real_parse = feedparser.parse

    def spy(*args: Any, **kwargs: Any) -> Any:
        result = real_parse(*args, **kwargs)
        seen.append(result)
        return result

    raw = RawItem("feed", url, url, fetch.body, "feed", fetch.headers)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(feedparser, "parse", spy)
        try:
            outcome, batch = prepare_feed(raw, received_at=fetch.fetched_at)
        except Exception:  # noqa: BLE001 (any escape is what check (a) looks for)
            return None, None, traceback.format_exc(), seen[-1] if seen else None
    return outcome, batch, None, seen[-1] if seen else None


def _evaluate(expression: str, env: Any) -> str:
    try:
        return "holds" if eval(expression, EVAL_GLOBALS, env) else "false"  # noqa: S307 (the corpus' own Expect)
    except Exception as exc:  # noqa: BLE001
        return f"{type(exc).__name__}: {exc}"


def _encoding_check(case: Case, outcome: Outcome, server: FeedServer) -> EncodingCheck:
    # runtests.py reads Description/Expect/SkipUnless from a utf-8 copy of the encoding files.
    from_utf8 = _runtests_convert_to_utf8(case.data)
    skip = SKIP_UNLESS.search(from_utf8)
    skip_unless = skip.group(1).strip().decode() if skip else "1"
    match = DESCRIPTION.search(from_utf8)
    assert match, f"{case.relative}: no Description/Expect"
    check = EncodingCheck(case.relative, match.group(2).strip().decode())
    try:
        if not eval(skip_unless, EVAL_GLOBALS):  # noqa: S307
            raise NotImplementedError
    except SKIP_ERRORS as exc:
        check.skipped = f"SkipUnless {skip_unless}: {type(exc).__name__} {exc}"
        return check
    if "http" in case.relative:  # runtests.py: feedparser fetches these itself, from its HTTP server
        no_proxy = urllib.request.ProxyHandler({})
        direct = feedparser.parse(server.url(case.path), handlers=[no_proxy])
    else:  # runtests.py: feedparser.parse(path), no headers
        direct = feedparser.parse(str(case.file))
    check.baseline = _evaluate(check.expect, direct)
    if outcome.parsed is None:
        check.newsflow = f"not parsed by newsflow: {outcome.fetch.error or (outcome.feed and outcome.feed.error)}"
    else:
        check.newsflow = _evaluate(check.expect, outcome.parsed)
    return check


def _runtests_convert_to_utf8(data: bytes) -> bytes:
    """runtests.py's convert_to_utf8, used only to read the leading comment of encoding cases."""
    whole = [(b"\x4c\x6f\xa7\x94", "cp037"), (b"\x00\x00\xfe\xff", "utf-32be"), (b"\xff\xfe\x00\x00", "utf-32le"),
             (b"\x00\x00\x00\x3c", "utf-32be"), (b"\x3c\x00\x00\x00", "utf-32le"),
             (b"\x00\x3c\x00\x3f", "utf-16be"), (b"\x3c\x00\x3f\x00", "utf-16le")]
    for prefix, encoding in whole:
        if data[:4] == prefix:
            return data.decode(encoding).encode("utf-8")
    if data[:2] == b"\xfe\xff" and data[2:4] != b"\x00\x00":
        return data[2:].decode("utf-16be").encode("utf-8")
    if data[:2] == b"\xff\xfe" and data[2:4] != b"\x00\x00":
        return data[2:].decode("utf-16le").encode("utf-8")
    if data[:3] == b"\xef\xbb\xbf":
        return data[3:]
    return data


@functools.cache
def _run(root: Path) -> Run:
    """Serve, fetch and parse the whole corpus once per session (the `corpora` fixture is function-scoped)."""
    started = time.monotonic()
    with FeedServer() as server:
        cases = _corpus_cases(root, server.url("/"))
        for case in cases:
            server.route(case.path, _handler(case))
        server.route("/-/return-304.xml", lambda _: Response(304, b"", {"Content-type": "text/xml"}))
        urls = [server.url(case.path) for case in cases]
        fetched = fetch_all([FetchRequest(url) for url in urls], policy=POLICY)
        outcomes = [Outcome(case, fetch) for case, fetch in zip(cases, fetched, strict=True)]
        # A second, conditional fetch of the cases that send validators: the server answers 304.
        revalidate = [o for o in outcomes if any(o.case.validators) and o.fetch.status == 200]
        again = fetch_all([FetchRequest(server.url(o.case.path), *o.case.validators) for o in revalidate], policy=POLICY)
        for outcome, result in zip(revalidate, again, strict=True):
            outcome.revalidation = result
        for url, outcome in zip(urls, outcomes, strict=True):
            if outcome.fetch.body is not None:
                outcome.feed, outcome.batch, outcome.crash, outcome.parsed = _newsflow_parse(url, outcome.fetch)
        encoding = [_encoding_check(o.case, o, server) for o in outcomes if o.case.relative.startswith("encoding/")]
        requests = len(server.requests)
    run = Run(len(cases), outcomes, encoding, time.monotonic() - started, requests)
    run.lines = _summary(run)
    return run


def _kind(outcome: Outcome) -> str:
    if outcome.crash:
        return "unhandled exception"
    if outcome.feed is None:
        return "fetch outcome recorded (no body)"
    if outcome.feed.entries:
        return "parsed with entries"
    if outcome.feed.error:
        return "no entries, feed-level error"
    return "no entries, empty feed (no error)"


def _summary(run: Run) -> list[str]:
    kinds = Counter(_kind(o) for o in run.outcomes)
    statuses = Counter(f"{o.fetch.status}{' +error' if o.fetch.error else ''}" for o in run.outcomes)
    revalidated = Counter(str(o.revalidation.status) for o in run.outcomes if o.revalidation)
    documents = sum(len(o.batch.documents) for o in run.outcomes if o.batch)
    rejections = Counter(r.reason for o in run.outcomes if o.batch for r in o.batch.rejections)
    parser_failed = [o.case.relative for o in run.outcomes if o.feed and o.feed.error
                     and o.feed.error.startswith("the feed parser failed")]
    feed_errors = Counter(_error_kind(o.feed.error) for o in run.outcomes if o.feed and o.feed.error)
    fetch_errors = Counter((o.fetch.status, o.fetch.error.split(":")[0] if o.fetch.error else None)
                           for o in run.outcomes if o.fetch.error)
    evaluated = [c for c in run.encoding if not c.skipped]
    return [
        f"feedparser corpus via newsflow: {run.files} files served, {run.requests} HTTP requests, {run.seconds:.1f} s",
        f"  outcomes: {dict(sorted(kinds.items()))}",
        f"  entries -> {documents} documents, rejections by reason {dict(rejections)}",
        f"  feed-level errors by kind: {dict(feed_errors.most_common())}",
        f"  feed parser failures caught by prepare_feed: {parser_failed}",
        f"  fetch status (first fetch): {dict(sorted(statuses.items(), key=str))}",
        f"  fetch errors: {dict(fetch_errors)}",
        f"  conditional re-fetch with validators: {dict(revalidated)}",
        f"  encoding cases: {len(run.encoding)} files, {len(evaluated)} evaluated, "
        f"{len(run.encoding) - len(evaluated)} skipped by SkipUnless; Expect holds as runtests.py reads them: "
        f"{sum(c.baseline == 'holds' for c in evaluated)}, through newsflow: {sum(c.newsflow == 'holds' for c in evaluated)}",
    ]


def _error_kind(error: str) -> str:
    return re.sub(r"\(line \d+, column \d+: .*\)|:.*", "", error).strip()


@pytest.fixture
def corpus_run(corpora: Path) -> Run:
    root = corpora / "feedparser-tests" / "tests"
    if not root.is_dir():
        pytest.skip(f"feedparser test corpus not found at {root}")
    return _run(root)


def test_every_file_is_fetched_and_parsed_without_an_unhandled_exception(corpus_run: Run) -> None:
    summary = "\n".join(corpus_run.lines)
    print("\n" + summary)
    assert corpus_run.files == len(corpus_run.outcomes) == 2248, summary  # 2,242 .xml + 6 compression files
    crashes = {o.case.relative: o.crash for o in corpus_run.outcomes if o.crash}
    assert crashes == {}, summary
    for outcome in corpus_run.outcomes:
        if outcome.feed is None:  # no body: the fetch says why, in words
            assert outcome.fetch.error or outcome.fetch.status == 304, outcome.case.relative
        elif outcome.feed.entries:  # every entry became a document or a quarantined rejection
            assert outcome.batch is not None
            assert len(outcome.batch.documents) + len(outcome.batch.rejections) == outcome.feed.entries, \
                outcome.case.relative


def test_compressed_bodies_are_read_and_corrupt_ones_are_refused_in_words(corpus_run: Run) -> None:
    by_name = {o.case.relative: o for o in corpus_run.outcomes}
    for name in ("compression/gzip.gz", "compression/deflate.z", "compression/deflate-no-headers.z"):
        assert by_name[name].parsed.version == "atom10", by_name[name].fetch  # runtests.py's TestCompression
    # feedparser reads the two "not-compressed" bodies anyway (bozo) and rejects the bad gzip CRC; newsflow's
    # fetcher refuses all three before parsing, with the reason.
    refused = {o.case.relative: o.fetch.error for o in corpus_run.outcomes
               if o.case.status == 200 and o.fetch.body is None}
    assert set(refused) == {"compression/deflate-not-compressed.z", "compression/gzip-not-compressed.gz",
                            "compression/gzip-struct-error.gz"}, refused
    assert all("not valid compressed data" in (error or "") for error in refused.values()), refused


def test_redirects_are_followed_and_other_statuses_are_recorded(corpus_run: Run) -> None:
    by_name = {o.case.relative: o for o in corpus_run.outcomes}
    for code in ("301", "302", "303", "307"):
        fetch = by_name[f"http/http_status_{code}.xml"].fetch
        assert fetch.status == 200 and fetch.final_url and fetch.final_url.endswith("/tests/http/target.xml"), fetch
        assert by_name[f"http/http_status_{code}.xml"].parsed.entries[0].title == "target"
    assert by_name["http/http_status_302-no-location.xml"].fetch.status == 302
    assert by_name["http/http_status_404.xml"].fetch.status == 404
    assert by_name["http/http_redirect_to_304.xml"].fetch.status == 304
    revalidated = {o.case.relative: o.revalidation.status for o in corpus_run.outcomes if o.revalidation}
    assert revalidated == {"http/http_status_304.xml": 304, "wellformed/http/headers_etag.xml": 304}


def test_encoding_cases_decode_through_newsflow_as_their_expect_lines_say(corpus_run: Run) -> None:
    evaluated = [c for c in corpus_run.encoding if not c.skipped]
    summary = "\n".join(corpus_run.lines)
    assert len(corpus_run.encoding) == 219 and len(evaluated) > 150, summary
    failing = {c.relative: f"{c.expect} -> {c.newsflow}" for c in evaluated
               if c.baseline == "holds" and c.newsflow != "holds" and c.relative not in CANNOT_HOLD_OVER_HTTP}
    assert failing == {}, summary
    # Cases that do not hold even as runtests.py reads them are feedparser's business, not newsflow's: listed.
    print("\nencoding cases whose Expect fails as runtests.py reads them:",
          {c.relative: c.baseline for c in evaluated if c.baseline != "holds"})
    print("encoding cases skipped by SkipUnless:", [c.relative for c in corpus_run.encoding if c.skipped])


# Regression test for a bug this corpus found (issue 3): Content-Location must not replace the feed URL as base.
def test_a_relative_or_unsafe_content_location_header_is_resolved_against_the_feed_url(corpus_run: Run) -> None:
    by_name = {o.case.relative: o for o in corpus_run.outcomes}
    results = {}
    for name in ("wellformed/http/headers_content_location-relative.xml",
                 "wellformed/http/headers_content_location-unsafe.xml"):
        outcome = by_name[name]
        expect = DESCRIPTION.search(outcome.case.data).group(2).strip().decode()  # type: ignore[union-attr]
        expect = expect.replace("http://127.0.0.1:8097/", urljoin(outcome.fetch.url, "/"))
        results[name] = (expect, _evaluate(expect, outcome.parsed), outcome.parsed.feed.get("link"))
    assert all(verdict == "holds" for _, verdict, _ in results.values()), results
