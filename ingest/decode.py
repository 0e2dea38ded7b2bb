"""Bytes to text: byte-order mark, then strict UTF-8, then charset detection, then cp1252.

Binary input is refused here, so later steps only ever see text. Mojibake repair is not done here
(see `normalize.py`): the decoded text is what `documents.raw_text` keeps.
"""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

from ingest.errors import ParseError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Control characters that never occur in text files; a few of them mean the bytes are not text.
_BINARY_BYTES = bytes((*range(0, 9), *range(14, 27), *range(28, 32)))
_SNIFF_BYTES = 8192


def decode_text(data: bytes, /) -> tuple[str, str]:
    """Return `(text, encoding)` for bytes that hold text, or raise ParseError("binary_file")."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _decode_with(data, encoding), encoding
    if _looks_binary(data):
        raise ParseError(
            "binary_file",
            "the file holds binary data (control bytes such as NUL), not text; "
            "convert it to text, HTML or JSON first",
        )
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    detected = _detect_encoding(data)
    if detected is not None:
        return data.decode(detected), detected
    return data.decode("cp1252", errors="replace"), "cp1252"


def _decode_with(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ParseError(
            "undecodable",
            f"the file starts with a {encoding} byte-order mark but is not valid {encoding} "
            f"(bad byte at offset {exc.start}); re-save it with one encoding",
        ) from exc


def _looks_binary(data: bytes) -> bool:
    sample = data[:_SNIFF_BYTES]
    if b"\x00" in sample:
        return True
    controls = len(sample) - len(sample.translate(None, _BINARY_BYTES))  # one pass deletes them all
    return controls > max(2, len(sample) // 100)


def _detect_encoding(data: bytes) -> str | None:
    """Pick charset-normalizer's most coherent guess, not its first one.

    Its first guess for mostly-ASCII Western text with a single "£" is often a CJK codec (coherence 0);
    ranking by coherence minus chaos picks cp1252 for those and keeps real CJK text CJK.
    """
    best: tuple[float, str] | None = None
    for match in from_bytes(data, steps=5, explain=False):
        score = match.coherence - match.chaos
        if best is None or score > best[0]:
            best = (score, match.encoding)
    if best is None or best[0] <= 0:
        return None
    return best[1]
