"""Issue 11 notations people type: sci notation vs a symbol e/E, time units, ratios, spelled-out bytes, `//`, whole options."""

from __future__ import annotations

import pytest

from tutor.bank.model import ChoiceQuestion, NumericQuestion, ShapeQuestion, SymbolicQuestion
from tutor.bank.variant import make_variant
from tutor.grading import Status, grade
from tutor.grading.choice import read_answer


def _numeric(answer: object, unit: str | None = None, **extra) -> NumericQuestion:
    return NumericQuestion(id="n", kind="numeric", topic="mha", prompt="p", answer=answer, unit=unit, **extra)


# --- 8. scientific notation vs a declared e / E
@pytest.mark.parametrize("answer, mark", [("2e+3", "e"), ("2E3", "E"), ("1.5e-2", "e")])
def test_sci_notation_with_a_symbol_e_is_ambiguous_naming_both(answer: str, mark: str) -> None:
    question = SymbolicQuestion(id="s", kind="symbolic", topic="mha", prompt="p", symbols=["n", mark], answer=f"2*{mark}*n")
    result = grade(make_variant(question, 0), answer)
    assert result.status is Status.INVALID
    assert "ambiguous" in result.feedback[0] and "scientific notation" in result.feedback[0]
    assert f"with the symbol {mark}" in result.feedback[0]
    assert (result.position, result.position_end) == (0, len(answer))


def test_sci_notation_without_a_symbol_e_still_reads() -> None:
    assert grade(make_variant(_numeric(2000), 0), "2e+3").status is Status.CORRECT


def test_a_numeric_param_named_e_makes_sci_notation_ambiguous() -> None:
    question = _numeric("2*e*1000", params={"e": 2})
    result = grade(make_variant(question, 0), "4e3")
    assert result.status is Status.INVALID and "ambiguous" in result.feedback[0]
    assert grade(make_variant(question, 0), "4*10^3").status is Status.CORRECT


# --- 9. time units and ratios
@pytest.mark.parametrize("answer", ["1.28 ms", "1280 us", "1280 µs", "1280 μs", "0.00128 s", "1.28", "1.28 milliseconds"])
def test_times_in_any_unit(answer: str) -> None:
    assert grade(make_variant(_numeric(1.28, "ms"), 0), answer).status is Status.CORRECT


def test_a_wrong_time_is_wrong_and_a_unit_word_elsewhere_is_invalid() -> None:
    assert grade(make_variant(_numeric(1.28, "ms"), 0), "1.28 s").status is Status.INCORRECT
    assert grade(make_variant(_numeric(1.28, "ms"), 0), "1.28 GB").status is Status.INVALID


@pytest.mark.parametrize("answer", ["8x", "8×", "8 x", "8 X", "8 times", "8"])
def test_ratios(answer: str) -> None:
    result = grade(make_variant(_numeric(8, "ratio"), 0), answer)
    assert result.status is Status.CORRECT and result.interpreted == "8×"


# --- 10. spelled-out byte units
@pytest.mark.parametrize("answer", ["4 gibibytes", "4096 mebibytes", "4194304 kibibytes", "4294967296 bytes", "4 GiB"])
def test_spelled_out_bytes(answer: str) -> None:
    assert grade(make_variant(_numeric(4 * 2**30, "bytes"), 0), answer).status is Status.CORRECT


def test_spelled_out_decimal_bytes_are_decimal() -> None:
    assert grade(make_variant(_numeric(4 * 10**9, "bytes"), 0), "4 gigabytes").status is Status.CORRECT
    assert grade(make_variant(_numeric(128 * 10**3, "bytes"), 0), "128 kilobytes").status is Status.CORRECT
    assert grade(make_variant(_numeric(3 * 10**6, "bytes"), 0), "3 megabyte").status is Status.CORRECT


# --- 12. Python's // in a shape
SHAPE = ShapeQuestion(id="sh", kind="shape", topic="mha", prompt="Shape with $b$, $d_model$, $n_heads$?",
                      answer=["b", "n_heads", "d_model/n_heads"], params={"d_model": 512, "n_heads": 8})


def test_floor_division_reads_as_exact_division_where_it_divides() -> None:
    assert grade(make_variant(SHAPE, 0), "[b, n_heads, d_model // n_heads]").status is Status.CORRECT


def test_floor_division_that_does_not_divide_says_use_slash() -> None:
    result = grade(make_variant(SHAPE, 0), "[b, n_heads, 63 // 2]")
    assert result.status is Status.INVALID and "write / for exact division" in result.feedback[0]
    assert (result.position, result.position_end) == (16, 18)


# --- 7. whole options before splitting
OPTIONS = ["MQA, with one KV head", "GQA and MQA both", "MHA"]


@pytest.mark.parametrize("answer, picks", [
    ("B) GQA and MQA both", [1]), ("GQA and MQA both", [1]), ("a) MQA, with one KV head", [0]),
    ("MQA, with one KV head", [0]), ("(B) GQA and MQA both", [1]), ("B", [1]), ("A, C", [0, 2]), ("1 and 3", [0, 2]),
])
def test_whole_options_match_before_splitting(answer: str, picks: list[int]) -> None:
    assert read_answer(answer, OPTIONS) == picks


def test_a_copied_option_is_graded_as_that_option() -> None:
    question = ChoiceQuestion(id="c", kind="choice", topic="gqa", prompt="?", options=OPTIONS, answer="GQA and MQA both",
                              shuffle=False)
    assert grade(make_variant(question, 0), "B) GQA and MQA both").status is Status.CORRECT
    assert grade(make_variant(question, 0), "A) MQA, with one KV head").status is Status.INCORRECT
