"""Messages and statuses that claim no more than the grader knows (red-team R12)."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from tutor.cli import main
from tutor.commands.check import _excerpt
from tutor.notation.numbers import format_exact


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    main(list(argv))
    return capsys.readouterr().out


def test_an_invalid_answer_is_not_scored(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("TUTOR_DATA_DIR", str(tmp_path))
    out = _run(capsys, "check", "kvc-bytes-per-batch", "4 GiB GiB x")
    assert "invalid" in out and "not scored" in out and "score 1 / 5" not in out
    result = json.loads(_run(capsys, "check", "kvc-bytes-per-batch", "4 GiB GiB x", "--json"))
    assert result["status"] == "invalid" and result["score"] is None


def test_a_tiny_power_is_not_called_large(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("TUTOR_DATA_DIR", str(tmp_path))
    for answer in ("10^-3000", "(1/2)^5000", "0.5^9000"):
        out = _run(capsys, "check", "kvc-bytes-per-batch", answer)
        assert "too small" in out and "too large" not in out, out
    assert "too large" in _run(capsys, "check", "kvc-bytes-per-batch", "2^20000")


def test_huge_numbers_and_long_answers_are_excerpted(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("TUTOR_DATA_DIR", str(tmp_path))
    out = _run(capsys, "check", "kvc-bytes-per-batch", "2^3000")
    assert "(904 digits)" in out and max(len(line) for line in out.splitlines()) < 200
    out = _run(capsys, "check", "kvc-bytes-per-batch", "1" * 100_003)
    assert len(out) < 1000


@pytest.mark.parametrize("n", [10**30, 2**3000, -(10**50)], ids=["1e30", "2^3000", "-1e50"])
def test_format_exact_excerpts_every_huge_integer(n: int) -> None:
    text = format_exact(n)
    assert f"({len(str(abs(n))):,} digits)" in text and len(text) < 60


def test_a_factor_near_1_shows_its_difference() -> None:
    assert format_exact(Fraction(2**64 + 1, 2**64)) == "1 + 5.42e-20"
    assert format_exact(Fraction(2**64 - 1, 2**64)) == "1 - 5.42e-20"
    assert format_exact(Fraction(1, 3)) == "0.333333…"


@pytest.mark.parametrize("length, position", [(100_003, 1000), (500, 0), (500, 499), (80, 40)])
def test_the_echo_excerpt_keeps_the_caret_on_the_character(length: int, position: int) -> None:
    answer = "".join(chr(ord("a") + i % 26) for i in range(length))
    shown, at, _ = _excerpt(answer, position, position + 1)
    assert len(shown) <= 80 and shown[at] == answer[position]
