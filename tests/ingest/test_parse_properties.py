"""The parser never raises on arbitrary input: every input becomes an item or a rejection."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.batch import prepare_batch
from ingest.parse import ParsedItem, parse_item
from ingest.records import RawItem, Rejection

SUFFIXES = st.sampled_from([".txt", ".md", ".json", ".jsonl", ".html", ".csv", ""])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=2048), suffix=SUFFIXES)
def test_arbitrary_bytes_never_raise(data: bytes, suffix: str) -> None:
    items = list(parse_item(RawItem("file", "/fuzz", "/fuzz", data, suffix)))
    assert items and all(isinstance(i, ParsedItem | Rejection) for i in items)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=1500), suffix=st.sampled_from([".txt", ".md", ".jsonl"]))
def test_arbitrary_text_through_the_whole_batch_never_raises(text: str, suffix: str) -> None:
    raw = RawItem("file", "/fuzz", "/fuzz", text.encode("utf-8", "surrogatepass"), suffix)
    batch = prepare_batch([raw])
    assert len(batch.documents) + len(batch.rejections) >= 1
    for document in batch.documents:
        assert document.article.title and document.article.body
