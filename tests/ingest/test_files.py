from __future__ import annotations

from pathlib import Path

import pytest

from ingest.files import iter_file_paths, read_file
from ingest.records import RawItem, Rejection


def test_folders_are_walked_recursively_in_a_stable_order_without_hidden_files(tmp_path: Path) -> None:
    for name in ("b.txt", "a/z.md", "a/y.json", ".hidden.txt", ".git/config", "c/.cache/x.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    assert [Path(p).relative_to(tmp_path).as_posix() for p in iter_file_paths([tmp_path])] == ["b.txt", "a/y.json", "a/z.md"]


def test_a_file_path_is_yielded_as_given(tmp_path: Path) -> None:
    (tmp_path / "one.txt").write_text("x")
    assert list(iter_file_paths([tmp_path / "one.txt"])) == [str(tmp_path / "one.txt")]


def test_paths_are_absolute_as_given_with_dot_dot_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The paths a run stores must not change form between versions: an inbox run compares them.
    (tmp_path / "in" / "sub").mkdir(parents=True)
    (tmp_path / "in" / "sub" / "x.txt").write_text("x")
    monkeypatch.chdir(tmp_path / "in")
    assert list(iter_file_paths(["../in/./sub/"])) == [str(tmp_path / "in" / ".." / "in" / "sub" / "x.txt")]


def test_a_file_over_the_cap_is_rejected_unread_with_a_sample(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes(b"A" * 5000)
    item = read_file(big, max_bytes=4096)
    assert isinstance(item, Rejection)
    assert (item.reason, item.size_bytes, len(item.sample)) == ("too_large", 5000, 1024)
    assert "NEWSFLOW_MAX_FILE_BYTES" in item.detail


def test_a_vanished_file_is_rejected_not_raised(tmp_path: Path) -> None:
    item = read_file(tmp_path / "gone.txt")
    assert isinstance(item, Rejection) and item.reason == "not_found"


def test_a_file_becomes_a_raw_item_with_its_suffix(tmp_path: Path) -> None:
    path = tmp_path / "story.MD"
    path.write_bytes(b"Title\n\nBody.")
    assert read_file(path) == RawItem("file", str(path), str(path), b"Title\n\nBody.", ".MD")
