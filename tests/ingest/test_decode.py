from __future__ import annotations

import codecs

import pytest

from ingest.decode import decode_text
from ingest.errors import ParseError
from ingest.records import DecodedText

TEXT = "Zürich café prices rose 5% — the most since 2019, said Müller."


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(TEXT.encode("utf-8"), DecodedText(TEXT, "utf-8", "detected", 1.0), id="plain utf-8"),
        pytest.param(codecs.BOM_UTF8 + TEXT.encode("utf-8"), DecodedText(TEXT, "utf-8-sig", "declared", 1.0), id="utf-8 BOM"),
        pytest.param(codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), DecodedText(TEXT, "utf-16", "declared", 1.0), id="utf-16 LE BOM"),
        pytest.param(codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), DecodedText(TEXT, "utf-16", "declared", 1.0), id="utf-16 BE BOM"),
    ],
)
def test_unicode_text_decodes_to_the_same_string(data: bytes, expected: DecodedText) -> None:
    assert decode_text(data) == expected


# Issue 16: short texts with one or two non-ASCII letters, saved without any declaration.
SHORT_WESTERN = [
    "Chelsea paid £40m for the striker on Monday.",
    "Prices in São Paulo rose again in March.",
    "España won the final in Madrid on Sunday.",
    "The deal with Agência Brasil was signed on Friday.",
    "Le ministre a déclaré que la grève était terminée.",
    "Die Züge fahren wieder, sagte ein Sprecher der Bahn.",
]


@pytest.mark.parametrize("text", SHORT_WESTERN)
@pytest.mark.parametrize("encoding", ["cp1252", "latin-1"])
def test_short_western_text_is_read_exactly_whatever_it_was_saved_as(text: str, encoding: str) -> None:
    decoded = decode_text(text.encode(encoding))
    assert (decoded.text, decoded.encoding, decoded.source) == (text, "cp1252", "detected")


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        pytest.param("東京都心では二十日未明から雪が降り続き、交通機関に乱れが出ている。", "shift_jis", id="Japanese Shift_JIS"),
        pytest.param("東京都心では二十日未明から雪が降り続き、交通機関に乱れが出ている。", "euc_jp", id="Japanese EUC-JP"),
        pytest.param("서울 지하철 새 노선이 토요일 오전 공식 개통했다.", "euc_kr", id="Korean EUC-KR"),
        pytest.param("台北捷運新路線於星期六上午正式通車。", "big5", id="Traditional Chinese Big5"),
        pytest.param("北京地铁新线路于周六上午正式开通运营。", "gb2312", id="Simplified Chinese GB2312"),
        pytest.param("В Москве открылась новая линия метро.", "koi8_r", id="Russian KOI8-R"),
        pytest.param("Πυρκαγιά σε δασική έκταση κοντά στην Αθήνα.", "cp1253", id="Greek"),
        pytest.param("İstanbul'da yeni metro hattı hizmete girdi.", "cp1254", id="Turkish"),
        pytest.param("Rząd zapowiada podwyżki dla nauczycieli od stycznia.", "cp1250", id="Polish"),
    ],
)
def test_legacy_text_of_other_scripts_is_not_read_as_cp1252(text: str, encoding: str) -> None:
    assert decode_text(text.encode(encoding)).text == text


@pytest.mark.parametrize(
    ("data", "headers", "markup", "encoding"),
    [
        pytest.param(b"<html><head><meta charset=\"iso-8859-1\"></head><p>caf\xe9 \x80</p></html>", (), True, "cp1252",
                     id="meta latin-1 means windows-1252"),
        pytest.param(b"<?xml version=\"1.0\" encoding=\"koi8-r\"?><p>\xeb\xc9\xc5\xd7</p>", (), True, "koi8-r",
                     id="XML declaration"),
        pytest.param(b"caf\xe9", (("Content-Type", "text/plain; charset=ISO-8859-15"),), False, "iso8859-15",
                     id="HTTP header"),
    ],
)
def test_a_declared_charset_comes_first(data: bytes, headers: tuple[tuple[str, str], ...], markup: bool, encoding: str) -> None:
    decoded = decode_text(data, headers=headers, markup=markup)
    assert (decoded.encoding, decoded.source, decoded.confidence) == (encoding, "declared", 1.0)


def test_a_declaration_the_bytes_contradict_is_set_aside() -> None:
    page = "<meta charset=\"iso-8859-1\"><p>Zürich café</p>".encode()
    decoded = decode_text(page, markup=True)
    assert (decoded.text, decoded.encoding, decoded.source) == (page.decode("utf-8"), "utf-8", "detected")


def test_a_detected_encoding_carries_a_confidence_below_one() -> None:
    decoded = decode_text("Le ministre a déclaré que la grève était terminée.".encode("cp1252"))
    assert decoded.source == "detected"
    assert 0 < decoded.confidence < 1


def test_bytes_that_no_encoding_reads_as_text_are_refused_not_stored_as_mojibake() -> None:
    noise = bytes(range(0x80, 0x100)) * 4
    with pytest.raises(ParseError) as caught:
        decode_text(b"Report: " + noise)
    assert caught.value.reason == "undecodable"
    assert "UTF-8" in caught.value.detail


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
