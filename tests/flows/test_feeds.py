"""Feeds over real HTTP on 127.0.0.1: politeness, incremental polling, hostile servers."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from flows.feeds import FeedsConfigError, load_feeds_config, run_ingest_feeds
from flows.fetch import FetchRequest, fetch_all
from flows.settings import FetchPolicy, Settings
from ingest.records import FeedConfig
from ingest.shards import Shard
from storage import Database
from tests.feedserver import FeedServer, Request, Response, conditional, endless, fail_then, gzip_bomb, rss

POLICY = FetchPolicy(read_timeout=1.0, total_timeout=2.0, retries=2, backoff=0.05, max_bytes=1024 * 1024,
                     max_retry_wait=5.0)
ONE = ("guid-1", "Grain corridor reopens", "Ukraine reopened its grain corridor on Tuesday, the ministry said.")
TWO = ("guid-2", "Night trains return", "Night trains between Berlin and Paris will run daily from June.")
THREE = ("guid-3", "Port strike ends", "Dock workers in Lisbon ended a nine-day strike on Friday.")
# Compressed once, here: compressing 64 MiB inside the handler took longer than the 1 s read timeout
# on a busy machine, and the test then measured the server's slowness instead of the cap.
GZIP_BOMB = gzip_bomb(64 * 1024 * 1024)


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as running:
        yield running


@pytest.fixture
def settings(db_path: Path) -> Settings:
    return replace(Settings.from_env(db=db_path), fetch=POLICY)


def _run(settings: Settings, *feeds: str | FeedConfig, force: bool = False):  # type: ignore[no-untyped-def]
    configs = [f if isinstance(f, FeedConfig) else FeedConfig(f) for f in feeds]
    return run_ingest_feeds(configs, settings=settings, force=force)


def _rows(settings: Settings, sql: str) -> list[tuple[object, ...]]:
    return Database(settings.db).query(sql).rows


def _feed(settings: Settings, url: str, columns: str) -> tuple[object, ...]:
    (row,) = Database(settings.db).query(f"SELECT {columns} FROM feeds WHERE url = $url", {"url": url}).rows
    return row


def test_entries_become_documents_with_the_feed_as_source(server: FeedServer, settings: Settings) -> None:
    url = server.route("/feed.xml", conditional(lambda: rss(ONE, TWO)))
    result = _run(settings, url)
    assert (result.due, result.failures, result.run.new) == (1, [], 2)
    assert sorted(_rows(settings, "SELECT source_kind, source_uri, item_key FROM documents")) == [
        ("feed", url, "guid-1"), ("feed", url, "guid-2")
    ]
    assert _rows(settings, "SELECT title, url FROM articles ORDER BY title") == [
        ("Grain corridor reopens", "http://example.org/guid-1"), ("Night trains return", "http://example.org/guid-2")
    ]
    assert _feed(settings, url, "last_status, consecutive_failures, last_error, title, last_entry_count") == (
        200, 0, None, "Test feed", 2
    )


def test_a_second_poll_sends_validators_and_a_304_adds_nothing(server: FeedServer, settings: Settings) -> None:
    url = server.route("/feed.xml", conditional(lambda: rss(ONE, TWO)))
    _run(settings, url)
    second = _run(settings, url, force=True)
    last = server.hits("/feed.xml")[-1]
    assert last.headers.get("if-none-match", "").startswith('"') and "if-modified-since" in last.headers
    assert (second.run.seen, second.run.new) == (0, 0)
    assert _rows(settings, "SELECT count(*) FROM documents") == [(2,)]
    assert _feed(settings, url, "last_status")[0] == 304


def test_an_unchanged_body_from_a_server_that_ignores_validators_is_not_parsed_again(
    server: FeedServer, settings: Settings
) -> None:
    url = server.route("/feed.xml", conditional(lambda: rss(ONE, TWO), honour_validators=False))
    _run(settings, url)
    second = _run(settings, url, force=True)
    assert server.hits("/feed.xml")[-1].headers.get("if-none-match")  # sent, but ignored by the server
    assert (second.run.seen, second.run.new) == (0, 0)
    assert _rows(settings, "SELECT count(*) FROM documents") == [(2,)]


def test_a_feed_that_changes_adds_only_its_new_items(server: FeedServer, settings: Settings) -> None:
    items = [ONE, TWO]
    url = server.route("/feed.xml", conditional(lambda: rss(*items)))
    _run(settings, url)
    items.insert(0, THREE)
    second = _run(settings, url, force=True)
    assert (second.run.seen, second.run.new, second.run.unchanged) == (3, 1, 2)
    assert _rows(settings, "SELECT item_key FROM documents ORDER BY document_id") == [("guid-1",), ("guid-2",), ("guid-3",)]


def test_500s_are_retried_until_the_feed_answers(server: FeedServer, settings: Settings) -> None:
    url = server.route("/feed.xml", fail_then([Response(500, b"oops"), Response(503, b"busy")], conditional(lambda: rss(ONE))))
    result = _run(settings, url)
    assert result.failures == [] and result.run.new == 1
    assert len(server.hits("/feed.xml")) == 3


def test_a_404_is_not_retried_and_is_recorded_in_words(server: FeedServer, settings: Settings) -> None:
    url = server.url("/missing.xml")
    result = _run(settings, url)
    assert len(server.hits("/missing.xml")) == 1
    ((failed_url, error),) = result.failures
    assert failed_url == url and "HTTP 404" in error and "check the URL" in error
    assert _feed(settings, url, "last_status, consecutive_failures") == (404, 1)


def test_429_retry_after_is_honoured(server: FeedServer, settings: Settings) -> None:
    url = server.route("/feed.xml", fail_then([Response(429, b"", {"Retry-After": "1"})], conditional(lambda: rss(ONE))))
    result = _run(settings, url)
    first, second = server.hits("/feed.xml")
    assert result.failures == [] and result.run.new == 1
    assert second.received_at - first.received_at >= 0.95  # waited as asked, not the 0.05 s backoff


def test_a_long_retry_after_ends_the_attempts_and_schedules_the_feed_after_it(
    server: FeedServer, settings: Settings
) -> None:
    url = server.route("/feed.xml", lambda request: Response(429, b"", {"Retry-After": "3600"}))
    result = _run(settings, url)
    assert len(server.hits("/feed.xml")) == 1
    assert "asked to wait 3600 s" in result.failures[0][1]
    fetched, due = _feed(settings, url, "last_fetched_at, next_fetch_at")
    assert due - fetched >= timedelta(seconds=3600)  # type: ignore[operator]


def test_a_failing_feed_backs_off_but_is_never_disabled(server: FeedServer, settings: Settings) -> None:
    url = server.route("/feed.xml", lambda request: Response(500, b"down"))
    waits = []
    for _ in range(3):
        _run(settings, url, force=True)
        fetched, due = _feed(settings, url, "last_fetched_at, next_fetch_at")
        waits.append(due - fetched)  # type: ignore[operator]
    assert waits[0] < waits[1] < waits[2] <= settings.feed_max_backoff
    server.route("/feed.xml", conditional(lambda: rss(ONE)))
    _run(settings, url, force=True)
    assert _feed(settings, url, "consecutive_failures, last_error") == (0, None)


def test_feeds_that_are_not_due_are_not_fetched(server: FeedServer, settings: Settings) -> None:
    url = server.route("/feed.xml", conditional(lambda: rss(ONE), extra={"Cache-Control": "max-age=7200"}))
    _run(settings, url)
    second = _run(settings, url)
    assert second.due == 0 and len(server.hits("/feed.xml")) == 1
    fetched, due = _feed(settings, url, "last_fetched_at, next_fetch_at")
    assert due - fetched >= timedelta(seconds=7200)  # type: ignore[operator]


def test_the_feeds_ttl_stretches_its_interval(server: FeedServer, settings: Settings) -> None:
    url = server.route("/feed.xml", conditional(lambda: rss(ONE, ttl=180)))
    _run(settings, url)
    fetched, due = _feed(settings, url, "last_fetched_at, next_fetch_at")
    assert due - fetched == timedelta(minutes=180)  # type: ignore[operator]


def _hang(request: Request) -> Response:
    return Response(200, b"", delay=30)


def _trickle() -> Iterator[bytes]:
    for _ in range(60):
        time.sleep(0.5)
        yield b" "


def _redirect_loop(request: Request) -> Response:
    return Response(302, b"", {"Location": "/loop-b.xml" if request.path == "/loop-a.xml" else "/loop-a.xml"})


BOMB = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<rss version="2.0"><channel><title>&lol3;</title><item><title>x</title></item></channel></rss>"""


# Compressed once: compressing 64 MiB takes over a second on a busy machine, longer than the read timeout.
GZIP_BOMB = gzip_bomb(64 * 1024 * 1024)


@pytest.mark.parametrize(
    ("path", "handler", "error"),
    [
        ("/hang.xml", _hang, "timed out (ReadTimeout: no data for 1 s)"),
        ("/trickle.xml", lambda r: Response(200, _trickle(), {"Content-Type": "application/rss+xml"}),
         "no complete response within 2 s"),
        ("/bomb.xml", lambda r: Response(200, BOMB, {"Content-Type": "application/rss+xml"}), "entity-expansion bomb"),
        ("/huge.xml", lambda r: Response(200, endless(), {"Content-Type": "application/rss+xml"}), "over the 1,048,576-byte cap"),
        ("/gzip-bomb.xml", lambda r: Response(200, GZIP_BOMB, {"Content-Encoding": "gzip"}),
         "after decompression is over the 1,048,576-byte cap"),
        ("/loop-a.xml", _redirect_loop, "too many redirects"),
        ("/error.xml", lambda r: Response(500, b"boom"), "HTTP 500"),
        ("/gone.xml", lambda r: Response(404, b"no"), "HTTP 404"),
    ],
)
def test_a_hostile_server_costs_only_its_own_feed(
    server: FeedServer, settings: Settings, path: str, handler: object, error: str
) -> None:
    server.routes["/loop-b.xml"] = _redirect_loop
    bad = server.route(path, handler)  # type: ignore[arg-type]
    good = server.route("/good.xml", conditional(lambda: rss(ONE, TWO)))
    result = _run(settings, bad, good)
    assert result.run.status == "completed" and result.run.new == 2
    ((failed, message),) = result.failures
    assert failed == bad and error in message, message
    assert _feed(settings, bad, "consecutive_failures, last_error") == (1, message)


def test_a_run_where_no_feed_can_be_fetched_is_failed(server: FeedServer, settings: Settings) -> None:
    result = _run(settings, server.url("/nothing-1.xml"), server.url("/nothing-2.xml"))
    assert result.run.status == "failed" and len(result.failures) == 2


def test_invalid_xml_with_entries_keeps_them_and_without_entries_is_an_error(server: FeedServer, settings: Settings) -> None:
    broken_with_items = rss(ONE).replace(b"</channel></rss>", b"<unclosed></channel></rss>")
    keeps = server.route("/keeps.xml", conditional(lambda: broken_with_items))
    empty = server.route("/empty.xml", conditional(lambda: b"<rss><channel><title>x</title"))
    result = _run(settings, keeps, empty)
    assert result.run.new == 1
    assert [url for url, _ in result.failures] == [empty]
    assert _feed(settings, keeps, "last_error IS NULL, last_warning LIKE '%not well-formed%'") == (True, True)


def test_future_and_missing_dates_are_not_trusted(server: FeedServer, settings: Settings) -> None:
    body = (b'<rss version="2.0"><channel><title>t</title>'
            b"<item><guid>f</guid><title>From the future</title><description>x y z</description>"
            b"<pubDate>Fri, 01 Jan 2100 10:00:00 GMT</pubDate></item>"
            b"<item><guid>n</guid><title>No date</title><description>a b c</description></item>"
            b"<item><guid>p</guid><title>Past</title><description>d e f</description>"
            b"<pubDate>Tue, 03 Mar 2026 10:00:00 +0100</pubDate></item></channel></rss>")
    url = server.route("/dates.xml", conditional(lambda: body))
    _run(settings, url)
    dates = dict(_rows(settings, "SELECT title, strftime(published_at, '%Y-%m-%d %H:%M') FROM articles"))
    assert dates == {"From the future": None, "No date": None, "Past": "2026-03-03 09:00"}


def test_html_in_entries_becomes_clean_text(server: FeedServer, settings: Settings) -> None:
    body = (b'<rss version="2.0"><channel><title>t</title><item><guid>h</guid><title>Caf&amp;eacute; &lt;b&gt;opens&lt;/b&gt;</title>'
            b"<description>&lt;p&gt;First &lt;b&gt;bold&lt;/b&gt; paragraph.&lt;/p&gt;&lt;script&gt;alert(1)&lt;/script&gt;"
            b"&lt;p&gt;Second&amp;nbsp;one.&lt;/p&gt;</description></item></channel></rss>")
    url = server.route("/html.xml", conditional(lambda: body))
    _run(settings, url)
    assert _rows(settings, "SELECT title, body FROM articles") == [("Café opens", "First bold paragraph.\n\nSecond one.")]


def test_full_text_replaces_the_summary_for_new_items(server: FeedServer, settings: Settings) -> None:
    page = server.route("/article-1.html", lambda r: Response(200, (
        b"<html><head><title>Grain corridor reopens</title></head><body><nav>Home | World</nav><article>"
        b"<h1>Grain corridor reopens</h1><p>KYIV (Reuters) - Ukraine reopened its southern grain corridor on Tuesday "
        b"after a two-week pause, and three bulk carriers left Odesa loaded with wheat.</p>"
        b"<p>Deputy minister Oksana Hrytsenko told Reuters the convoy would be escorted to the Romanian coast.</p>"
        b"</article><footer>Copyright Example</footer></body></html>"), {"Content-Type": "text/html"}))
    missing = server.url("/article-2.html")
    body = (f'<rss version="2.0"><channel><title>t</title>'
            f"<item><guid isPermaLink=\"false\">1</guid><title>Grain corridor reopens</title><link>{page}</link><description>Short summary.</description></item>"
            f"<item><guid isPermaLink=\"false\">2</guid><title>Second</title><link>{missing}</link><description>Only a summary.</description></item>"
            f"</channel></rss>").encode()
    url = server.route("/full.xml", conditional(lambda: body))
    _run(settings, FeedConfig(url, full_text=True))
    rows = dict(_rows(settings, "SELECT d.item_key, d.full_text_status || ' | ' || a.body FROM documents d JOIN articles a USING (article_id)"))
    assert rows["1"].startswith("extracted | Ukraine reopened its southern grain corridor")
    assert rows["2"].startswith("kept the feed summary: HTTP 404") and rows["2"].endswith("| Only a summary.")
    assert ("REUTERS", "dateline") in set(_rows(settings, "SELECT agency, role FROM agency_tags"))
    pages_fetched = len(server.hits("/article-1.html"))
    _run(settings, FeedConfig(url, full_text=True), force=True)
    assert len(server.hits("/article-1.html")) == pages_fetched  # items already stored are not fetched again


def test_a_full_text_page_in_a_legacy_charset_is_stored_as_its_text(server: FeedServer, settings: Settings) -> None:
    text = ("Київ відновив зерновий коридор у вівторок, і три судна вийшли з Одеси з пшеницею. "
            "Заступник міністра сказала, що конвой супроводжуватимуть до румунського узбережжя.")
    page = server.route("/stattia.html", lambda r: Response(200, (
        f"<html><body><article><h1>Коридор</h1><p>{text}</p><p>{text}</p></article></body></html>").encode("cp1251"),
        {"Content-Type": "text/html; charset=windows-1251"}))
    body = (f'<rss version="2.0"><channel><title>t</title><item><guid isPermaLink="false">1</guid>'
            f"<title>Коридор</title><link>{page}</link><description>Коротко.</description></item></channel></rss>").encode()
    _run(settings, FeedConfig(server.route("/uk.xml", conditional(lambda: body)), full_text=True))
    ((status, stored),) = _rows(settings, "SELECT d.full_text_status, a.body FROM documents d JOIN articles a USING (article_id)")
    assert status == "extracted" and stored.startswith(text)


def test_links_from_feed_content_may_not_reach_private_addresses(server: FeedServer) -> None:
    target = server.route("/internal", lambda r: Response(200, b"secret"))
    (refused,) = fetch_all([FetchRequest(target, allow_private=False)], policy=POLICY)
    assert refused.body is None and refused.error is not None and "non-public address" in refused.error
    assert server.hits("/internal") == []


def test_the_user_agent_names_newsflow(server: FeedServer, settings: Settings) -> None:
    _run(settings, server.route("/feed.xml", conditional(lambda: rss(ONE))))
    assert server.hits("/feed.xml")[0].headers["user-agent"].startswith("newsflow/")


def test_the_feeds_config_is_validated_with_clear_errors(tmp_path: Path) -> None:
    config = tmp_path / "feeds.toml"
    config.write_text('[[feeds]]\nurl = "https://example.org/rss"\nname = "Example"\ntags = ["world"]\nfull_text = true\n')
    assert load_feeds_config(config) == [FeedConfig("https://example.org/rss", "Example", ("world",), True)]
    for text, message in [
        ("[[feeds]]\nname = 'x'\n", "url must be an http"),
        ("[[feeds]]\nurl = 'https://e.org'\nfull_txt = true\n", "unknown key(s) full_txt"),
        ("feeds = 3\n", "has no [[feeds]] tables"),
        ("[[feeds]\n", "is not valid TOML"),
    ]:
        config.write_text(text)
        with pytest.raises(FeedsConfigError, match=message.replace("[", r"\[").replace("(", r"\(").replace(")", r"\)")):
            load_feeds_config(config)


def test_shards_split_the_feeds_so_that_each_is_polled_once(server: FeedServer, settings: Settings) -> None:
    urls = [
        server.route(f"/feed-{i}.xml", conditional(lambda i=i: rss((f"guid-{i}", f"Story {i}", f"Body number {i}."))))
        for i in range(12)
    ]
    configs = [FeedConfig(url) for url in urls]
    due = [run_ingest_feeds(configs, settings=settings, shard=Shard(k, 3)).due for k in (1, 2, 3)]
    assert sum(due) == 12
    polled = _rows(settings, "SELECT source_uri, count(*) FROM documents GROUP BY source_uri ORDER BY source_uri")
    assert polled == [(url, 1) for url in sorted(urls)]
    assert len(server.requests) == 12


@pytest.mark.parametrize("text", ["3/2", "0/4", "2", "a/b", "1/0"])
def test_a_shard_is_k_of_n(text: str) -> None:
    with pytest.raises(ValueError, match="shard|K/N"):
        Shard.parse(text)
    assert Shard.parse("2/8") == Shard(2, 8) and str(Shard(2, 8)) == "2/8"


def test_the_feed_that_was_slowest_is_fetched_first_next_time(server: FeedServer, settings: Settings) -> None:
    def slow(request: Request) -> Response:
        return replace(conditional(lambda: rss(TWO))(request), delay=0.3)

    quick = [server.route(f"/a-{n}.xml", conditional(lambda: rss(ONE))) for n in range(3)]
    late = server.route("/z-slow.xml", slow)  # last by URL, so last in a run that knows nothing yet
    one_at_a_time = replace(settings, fetch=replace(POLICY, concurrency=1))
    _run(one_at_a_time, *quick, late)
    assert _feed(settings, late, "last_fetch_seconds")[0] >= 0.3 > _feed(settings, quick[0], "last_fetch_seconds")[0]

    server.requests.clear()
    _run(one_at_a_time, *quick, late, force=True)
    assert server.requests[0].path == "/z-slow.xml"  # it overlaps the others now instead of ending the run


def test_at_most_two_requests_are_in_flight_per_host_however_many_slots_are_free(
    server: FeedServer, settings: Settings
) -> None:
    """64 slots by default: what keeps a run polite to one publisher is the per-host limit."""
    lock = threading.Lock()
    in_flight: list[str] = []
    most = 0

    def slow(request: Request) -> Response:
        nonlocal most
        with lock:
            in_flight.append(request.path)
            most = max(most, len(in_flight))
        time.sleep(0.2)
        with lock:
            in_flight.remove(request.path)
        return conditional(lambda: rss(ONE))(request)

    urls = [server.route(f"/feed-{n}.xml", slow) for n in range(8)]
    result = _run(replace(settings, fetch=replace(POLICY, concurrency=64)), *urls)
    assert (result.due, result.failures) == (8, [])
    assert most == 2
