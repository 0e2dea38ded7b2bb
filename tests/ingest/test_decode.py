from __future__ import annotations

import codecs

import pytest

from ingest.decode import decode_text
from ingest.errors import ParseError

TEXT = "Zürich café prices rose 5% — the most since 2019, said Müller."


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        pytest.param(TEXT.encode("utf-8"), "utf-8", id="plain utf-8"),
        pytest.param(codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig", id="utf-8 with BOM"),
        pytest.param(codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16", id="utf-16 LE with BOM"),
        pytest.param(codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16", id="utf-16 BE with BOM"),
    ],
)
def test_unicode_text_decodes_to_the_same_string(data: bytes, encoding: str) -> None:
    assert decode_text(data) == (TEXT, encoding)


def test_latin1_pound_sign_is_not_mistaken_for_japanese() -> None:
    # Mostly ASCII with one 0xA3: charset-normalizer's first guess is cp932 (BBC sport/199.txt).
    data = ("Chelsea paid " + "\u00a3" + "20m for the striker. " * 40).encode("latin-1")
    text, encoding = decode_text(data)
    assert text.startswith("Chelsea paid £20m")
    assert encoding in {"cp1252", "iso8859_1", "latin_1", "iso8859_15"}


def test_cp1252_smart_quotes_decode() -> None:
    data = "\u201cWe will not move,\u201d the minister said \u2013 twice.".encode("cp1252") * 20
    text, _ = decode_text(data)
    assert text.startswith("\u201cWe will not move,\u201d the minister said \u2013 twice.")


def test_binary_bytes_are_refused_with_a_reason() -> None:
    with pytest.raises(ParseError) as caught:
        decode_text(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    assert caught.value.reason == "binary_file"
    assert "binary" in caught.value.detail


def test_a_bom_that_lies_is_refused() -> None:
    with pytest.raises(ParseError) as caught:
        decode_text(codecs.BOM_UTF8 + b"caf\xe9 au lait")
    assert caught.value.reason == "undecodable"
    assert isinstance(caught.value.__cause__, UnicodeDecodeError)
