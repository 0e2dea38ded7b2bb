from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from ingest.parse import ParsedItem, article_from_text, parse_item
from ingest.records import RawItem, Rejection


def _raw(data: bytes | str, suffix: str = ".txt", key: str = "/in/item") -> RawItem:
    payload = data.encode("utf-8") if isinstance(data, str) else data
    return RawItem("file", key, key, payload, suffix)


def _one(raw: RawItem) -> ParsedItem | Rejection:
    (item,) = list(parse_item(raw))
    return item


SEED_SHAPE = """Minister rejects report on water prices

The water minister rejected on Monday a report that said prices would double.

"It is wrong," she said in parliament.

Source: with agencies


All comments.
"""


def test_headline_lede_and_body_are_found() -> None:
    article = article_from_text(SEED_SHAPE)
    assert article.title == "Minister rejects report on water prices"
    assert article.paragraphs == (
        "The water minister rejected on Monday a report that said prices would double.",
        '"It is wrong," she said in parliament.',
    )


def test_credit_line_is_kept_as_evidence_and_boilerplate_is_dropped() -> None:
    article = article_from_text(SEED_SHAPE)
    assert article.credit == "Source: with agencies"
    assert not any("comments" in p or "agencies" in p for p in article.paragraphs)


@pytest.mark.parametrize(
    ("credit_line"),
    ["Source: Lusa", "(EFE)", "— AFP", "(with AFP, Reuters)", "REUTER", "(Reporting by Anna Koval; Editing by Mark Dane)"],
)
def test_trailing_credit_lines_leave_the_body(credit_line: str) -> None:
    article = article_from_text(f"Headline\n\nBody sentence one.\n\n{credit_line}\n")
    assert article.credit == credit_line
    assert article.paragraphs == ("Body sentence one.",)


def test_a_last_sentence_is_not_mistaken_for_a_credit() -> None:
    article = article_from_text("Headline\n\nBody.\n\nWith a bit of luck, the bridge opens in May.\n")
    assert article.credit is None
    assert article.paragraphs[-1] == "With a bit of luck, the bridge opens in May."


def test_boilerplate_inside_the_body_is_kept() -> None:
    article = article_from_text("Headline\n\nShare this article\n\nThe real last paragraph.\n")
    assert article.paragraphs == ("Share this article", "The real last paragraph.")


@pytest.mark.parametrize(
    ("first_paragraph", "dateline", "lede"),
    [
        ("KYIV, March 3 (Reuters) - Ukraine said on Tuesday.", "KYIV, March 3 (Reuters) -", "Ukraine said on Tuesday."),
        ("WASHINGTON (AP) — The Senate voted.", "WASHINGTON (AP) —", "The Senate voted."),
        ("BERLIN (dpa) - Trains will run.", "BERLIN (dpa) -", "Trains will run."),
        ("MOSCOW, January 21. /TASS/. Talks begin.", "MOSCOW, January 21. /TASS/.", "Talks begin."),
        ("SALVADOR, Feb 26 - Showers continued.", "SALVADOR, Feb 26 -", "Showers continued."),
        ("NASA said the launch - delayed twice - would go ahead.", None, "NASA said the launch - delayed twice - would go ahead."),
    ],
)
def test_datelines_are_split_from_the_lede(first_paragraph: str, dateline: str | None, lede: str) -> None:
    article = article_from_text(f"Headline\n\n{first_paragraph}\n\nMore.\n")
    assert (article.dateline, article.paragraphs[0]) == (dateline, lede)


def test_reuters_wrapped_lines_join_and_indented_lines_start_paragraphs() -> None:
    text = (
        "BAHIA COCOA REVIEW\n\nSALVADOR, Feb 26 - Showers continued throughout the week in\n"
        "the Bahia cocoa zone, alleviating the drought.\n"
        "    The dry period means the temporao will be late this year.\n"
        "    Arrivals were 155,221 bags.\n Reuter\n"
    )
    article = article_from_text(text)
    assert article.paragraphs == (
        "Showers continued throughout the week in the Bahia cocoa zone, alleviating the drought.",
        "The dry period means the temporao will be late this year.",
        "Arrivals were 155,221 bags.",
    )
    assert article.credit == "Reuter"


def test_markdown_heading_marks_are_not_part_of_the_title() -> None:
    assert article_from_text("# A headline\n\nBody.").title == "A headline"


@pytest.mark.parametrize(
    ("data", "suffix", "reason"),
    [
        (b"", ".txt", "empty_file"),
        (b"  \n\n ", ".txt", "empty_file"),
        (b"Just a headline\n", ".txt", "no_body"),
        (b"\x00\x01\x02binary\x00", ".txt", "binary_file"),
        (b"a,b,c\n1,2,3\n", ".csv", "unsupported_type"),
        (b"{not json", ".json", "invalid_json"),
        (b'{"title": "T"}', ".json", "no_body"),
        (b'{"body": "B"}', ".json", "missing_title"),
        (b"<html><body><nav>Home</nav></body></html>", ".html", "no_article_text"),
        (("x" * 600 + "\n\nbody").encode(), ".txt", "missing_title"),
    ],
)
def test_bad_input_becomes_a_rejection_with_a_reason(data: bytes, suffix: str, reason: str) -> None:
    item = _one(_raw(data, suffix))
    assert isinstance(item, Rejection)
    assert item.reason == reason
    assert item.detail and item.sample == data[:1024] and item.size_bytes == len(data)


def test_jsonl_items_are_parsed_alone_and_a_bad_line_costs_only_itself() -> None:
    lines = [
        {"title": "One", "body": "First body.", "url": "https://example.org/1", "published": "2026-03-01T10:00:00+01:00"},
        "this line is not JSON",
        {"title": "Two", "text": "Second body.", "source": "Wire"},
    ]
    data = "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines)
    items = list(parse_item(_raw(data, ".jsonl", "/in/feed.jsonl")))
    assert [type(i).__name__ for i in items] == ["ParsedItem", "Rejection", "ParsedItem"]
    first, bad, second = items
    assert isinstance(first, ParsedItem) and isinstance(second, ParsedItem) and isinstance(bad, Rejection)
    assert (first.item_key, bad.item_key, second.item_key) == ("/in/feed.jsonl#L1", "/in/feed.jsonl#L2", "/in/feed.jsonl#L3")
    assert first.article.published_at == datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    assert first.article.url == "https://example.org/1"
    assert second.article.source_name == "Wire"
    assert bad.reason == "invalid_json" and "line 2" in bad.detail


def test_json_array_items_get_their_index_as_key() -> None:
    data = json.dumps([{"title": "A", "body": "Alpha."}, {"title": "B", "body": "Beta."}])
    items = list(parse_item(_raw(data, ".json", "/in/list.json")))
    assert [i.item_key for i in items] == ["/in/list.json#0", "/in/list.json#1"]


def test_html_article_text_and_title_come_from_the_page() -> None:
    html = """<html><head><title>Site | Bridge opens</title><meta property="og:title" content="Bridge opens"></head>
    <body><nav><a href="/">Home</a> <a href="/news">News</a></nav>
    <article><h1>Bridge opens</h1>
    <p>ROME (ANSA) - The new bridge over the Tiber opened on Monday after six years of work and delays.</p>
    <p>The city said about 20,000 people would cross it every day once the tram line is finished.</p>
    </article><footer>Copyright 2026 Example</footer></body></html>"""
    item = _one(_raw(html, ".html"))
    assert isinstance(item, ParsedItem)
    assert item.article.title == "Bridge opens"
    assert item.article.dateline == "ROME (ANSA) -"
    assert item.article.paragraphs[0].startswith("The new bridge over the Tiber opened")
    assert not any("Home" in p or "Copyright" in p for p in item.article.paragraphs)


def test_raw_text_keeps_the_decoded_text_before_repair() -> None:
    data = "Headline\n\nThe mayorâ€™s office  said.".encode()
    item = _one(_raw(data))
    assert isinstance(item, ParsedItem)
    assert item.raw_text == data.decode("utf-8")
    assert item.article.paragraphs == ("The mayor’s office said.",)
