"""Issue 16: legacy-encoded files of every script family, ingested through the CLI, stored as written."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.cli import main
from ingest.normalize import repair_text
from storage import Database

FIDELITY = Path(__file__).resolve().parents[2] / "bench" / "data" / "fidelity"

# (text in bench/data/fidelity, the legacy encoding it is saved in, the language it should get)
FAMILIES = [
    pytest.param("pt", "latin-1", "pt", id="Western, latin-1"),
    pytest.param("fr", "cp1252", "fr", id="Western, cp1252"),
    pytest.param("cs", "iso8859_2", "cs", id="Central European"),
    pytest.param("ru", "koi8_r", "ru", id="Cyrillic"),
    pytest.param("el", "iso8859_7", "el", id="Greek"),
    pytest.param("tr", "cp1254", "tr", id="Turkish"),
    pytest.param("lt", "cp1257", "lt", id="Baltic"),
    pytest.param("he", "cp1255", "he", id="Hebrew"),
    pytest.param("ur", "cp1256", "ur", id="Arabic script"),
    pytest.param("th", "tis_620", "th", id="Thai"),
    pytest.param("ja", "shift_jis", "ja", id="Japanese"),
    pytest.param("zh-hant", "big5", "zh", id="Traditional Chinese"),
    pytest.param("ko", "euc_kr", "ko", id="Korean"),
]


def _rows(db_path: Path, sql: str) -> list[tuple[object, ...]]:
    return Database(db_path).query(sql).rows


@pytest.mark.parametrize(("name", "encoding", "language"), FAMILIES)
def test_a_legacy_encoded_file_is_stored_as_its_author_wrote_it(
    name: str, encoding: str, language: str, tmp_path: Path, db_path: Path
) -> None:
    text = (FIDELITY / f"{name}.txt").read_text(encoding="utf-8")
    path = tmp_path / f"{name}.txt"
    path.write_bytes(text.encode(encoding))
    assert main(["ingest", "files", str(path), "--db", str(db_path)]) == 0
    ((raw_text, source, title, body, stored_language, language_source),) = _rows(
        db_path,
        "SELECT d.raw_text, d.raw_encoding_source, a.title, a.body, a.language, a.language_source "
        "FROM documents d JOIN articles a USING (article_id)",
    )
    headline, *paragraphs = repair_text(text).strip().split("\n\n")  # normalised as every text is (NFKC: "，" is ",")
    assert raw_text == text
    assert (title, body) == (headline, "\n\n".join(paragraphs))
    assert (source, stored_language, language_source) == ("detected", language, "detected")


def test_a_file_no_encoding_reads_is_quarantined_with_the_reason(tmp_path: Path, db_path: Path) -> None:
    path = tmp_path / "scrambled.txt"
    path.write_bytes(b"Headline\n\n" + bytes(range(0x80, 0x100)) * 8)
    assert main(["ingest", "files", str(path), "--db", str(db_path)]) == 0
    assert _rows(db_path, "SELECT count(*) FROM documents") == [(0,)]
    ((reason, detail),) = _rows(db_path, "SELECT reason, detail FROM quarantine")
    assert reason == "undecodable" and "re-save the file as UTF-8" in detail


def test_languages_are_counted_per_day_and_shown_in_the_report(tmp_path: Path, db_path: Path) -> None:
    for name in ("de", "es", "ur"):
        (tmp_path / f"{name}.txt").write_text((FIDELITY / f"{name}.txt").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "declared.json").write_text(
        '{"title": "Kurz notiert", "body": "Ein kurzer Text.", "language": "de-AT"}', encoding="utf-8"
    )
    assert main(["ingest", "files", str(tmp_path), "--db", str(db_path)]) == 0
    assert sorted(_rows(db_path, "SELECT language, sum(articles) FROM daily_language_articles GROUP BY language")) == [
        ("de", 2), ("es", 1), ("ur", 1)
    ]
    assert _rows(db_path, "SELECT language_source, language_confidence FROM articles WHERE title = 'Kurz notiert'") == [
        ("declared", None)
    ]
    assert main(["report", "--db", str(db_path), "--out", str(tmp_path / "report")]) == 0
    assert "Articles by language" in (tmp_path / "report" / "report.html").read_text(encoding="utf-8")
