"""The bank cache: a checked file is read again only when it, or the code that checks it, changed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tutor.bank import cache, loader
from tutor.bank.loader import load_bank_with_problems

GOOD = """\
questions:
  - id: cached-one
    kind: numeric
    topic: mha
    prompt: How many?
    answer: 4
"""
BAD = GOOD.replace("answer: 4", "answer: [4]\n    difficulty: 9")


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    """The files actually read (not found in the cache), in a cache folder of this test's own."""
    monkeypatch.setenv("TUTOR_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv(cache.ENV_SWITCH, raising=False)
    seen: list[str] = []
    real = loader.read_file

    def counting(path: Path, name: str):
        seen.append(path.name)
        return real(path, name)

    monkeypatch.setattr(loader, "read_file", counting)
    return seen


def _write(path: Path, text: str, mtime_ns: int) -> None:
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(mtime_ns, mtime_ns))


def test_a_file_is_checked_once_until_it_changes(tmp_path: Path, reads: list[str]) -> None:
    bank_file = tmp_path / "mine.yaml"
    _write(bank_file, GOOD, 1_000_000_000)
    first, problems = load_bank_with_problems([bank_file], builtin=False)
    again, _ = load_bank_with_problems([bank_file], builtin=False)
    assert reads == ["mine.yaml"] and problems == ()
    assert again.questions == first.questions and again.locations == first.locations
    _write(bank_file, GOOD.replace("answer: 4", "answer: 5"), 2_000_000_000)
    changed, _ = load_bank_with_problems([bank_file], builtin=False)
    assert reads == ["mine.yaml", "mine.yaml"]
    assert changed.get("cached-one").answer == 5


def test_problems_come_back_from_the_cache_the_same(tmp_path: Path, reads: list[str]) -> None:
    bank_file = tmp_path / "bad.yaml"
    _write(bank_file, BAD, 1_000_000_000)
    _, first = load_bank_with_problems([bank_file], builtin=False)
    _, again = load_bank_with_problems([bank_file], builtin=False)
    assert reads == ["bad.yaml"]
    assert first and again == first


def test_a_change_to_the_checking_code_reads_the_file_afresh(
    tmp_path: Path, reads: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    bank_file = tmp_path / "mine.yaml"
    _write(bank_file, GOOD, 1_000_000_000)
    load_bank_with_problems([bank_file], builtin=False)
    real = cache.code_fingerprint
    monkeypatch.setattr(cache, "code_fingerprint", lambda: (real(), "edited"))
    load_bank_with_problems([bank_file], builtin=False)
    assert reads == ["mine.yaml", "mine.yaml"]


def test_an_unreadable_cache_file_is_ignored_and_rewritten(tmp_path: Path, reads: list[str]) -> None:
    bank_file = tmp_path / "mine.yaml"
    _write(bank_file, GOOD, 1_000_000_000)
    load_bank_with_problems([bank_file], builtin=False)
    (stored,) = (tmp_path / "cache" / "bank").glob("*.pickle")
    stored.write_bytes(b"not a pickle")
    bank, problems = load_bank_with_problems([bank_file], builtin=False)
    assert problems == () and bank.get("cached-one").answer == 4
    load_bank_with_problems([bank_file], builtin=False)
    assert reads == ["mine.yaml", "mine.yaml"]


def test_the_cache_can_be_turned_off(tmp_path: Path, reads: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cache.ENV_SWITCH, "0")
    bank_file = tmp_path / "mine.yaml"
    _write(bank_file, GOOD, 1_000_000_000)
    load_bank_with_problems([bank_file], builtin=False)
    load_bank_with_problems([bank_file], builtin=False)
    assert reads == ["mine.yaml", "mine.yaml"]
    assert not (tmp_path / "cache").exists()
