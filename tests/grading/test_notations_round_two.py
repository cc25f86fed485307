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


@pytest.mark.parametrize("answer", ["A) keys; then values", "(a) keys; then values", "a. keys; then values"])
def test_a_labelled_option_holding_a_separator_is_one_pick(answer: str) -> None:
    assert read_answer(answer, ["keys; then values", "GQA and MQA both", "MHA"]) == [0]


def test_a_copied_option_is_graded_as_that_option() -> None:
    question = ChoiceQuestion(id="c", kind="choice", topic="gqa", prompt="?", options=OPTIONS, answer="GQA and MQA both",
                              shuffle=False)
    assert grade(make_variant(question, 0), "B) GQA and MQA both").status is Status.CORRECT
    assert grade(make_variant(question, 0), "A) MQA, with one KV head").status is Status.INCORRECT


# --- 15. true feedback: at most one cause that follows from the question; the learner's symbols
def _factor_lines(result) -> list[str]:
    return [line for line in result.feedback if "factor" in line]


def test_a_factor_names_one_cause_from_the_question_not_coincidences() -> None:
    # 4 = B = D/L = L/G = G/e here, but only B is a quantity of the formula the learner can have left out
    question = _numeric("2*B*L*G*D*e", unit="bytes", params={"B": 4, "L": 32, "G": 8, "D": 128, "e": 2})
    result = grade(make_variant(question, 0), str(2 * 32 * 8 * 128 * 2))
    assert _factor_lines(result) == ["off by exactly a factor of 4 = B (too small)"]


def test_no_cause_when_none_applies_and_none_when_two_fit() -> None:
    plain = _numeric("6*n", params={"n": 5, "m": 3})  # m is not in the formula: a factor 3 is just 3
    assert _factor_lines(grade(make_variant(plain, 0), "10")) == ["off by exactly a factor of 3 (too small)"]
    two = _numeric("a*b*c", params={"a": 4, "b": 4, "c": 7})
    assert _factor_lines(grade(make_variant(two, 0), "28")) == ["off by exactly a factor of 4 (too small)"]


def test_bits_vs_bytes_only_for_bytes() -> None:
    counts = _numeric("8*n", unit="params", params={"n": 1000})
    assert not any("bits" in line for line in grade(make_variant(counts, 0), "1000").feedback)
    size = _numeric("8*n", unit="bytes", params={"n": 1000})
    assert any("bits vs bytes" in line for line in grade(make_variant(size, 0), "1000").feedback)


def test_symbolic_factor_is_written_in_the_learners_symbols() -> None:
    question = SymbolicQuestion(id="sf", kind="symbolic", topic="mha", prompt="p", symbols=["d_model", "H", "n"],
                                where={"d_head": "d_model/H"}, answer="n^2/sqrt(d_head)")
    result = grade(make_variant(question, 0), "n^2/d_head")
    assert "your answer is 1/√d_head times the expected one" in result.feedback


def test_a_swapped_operand_call_with_a_transposed_output_is_not_the_same_thing() -> None:
    from tutor.bank.model import EinsumQuestion

    question = EinsumQuestion(id="es", kind="einsum", topic="mha", prompt="p",
                              operands={"x": ["b", "d"], "W": ["d", "k"]}, answer="bd,dk->bk")
    right = grade(make_variant(question, 0), 'torch.einsum("dk,bd->bk", W, x)')
    assert right.status is Status.CORRECT and any("computes the same thing" in line for line in right.feedback)
    transposed = grade(make_variant(question, 0), 'torch.einsum("dk,bd->kb", W, x)')
    assert transposed.status is not Status.CORRECT
    assert not any("same thing" in line for line in transposed.feedback)


# --- 13. einops.einsum and non-literal equations
def _scores():
    from tutor.bank.model import EinsumQuestion

    return EinsumQuestion(id="gs", kind="einsum", topic="gqa", prompt="p",
                          operands={"q": ["b", "g", "r", "k"], "K": ["b", "g", "s", "k"]}, answer="bgrk,bgsk->bgrs")


@pytest.mark.parametrize("answer", [
    "einops.einsum(q, K, 'b g r k, b g s k -> b g r s')",
    "einsum(q, K, 'batch grp r k, batch grp s k -> batch grp r s')",
    'torch.einsum("b g r k, b g s k -> b g r s", q, K)',
    "bgrk, bgsk -> bgrs",
])
def test_einops_form_and_spaced_axes(answer: str) -> None:
    assert grade(make_variant(_scores(), 0), answer).status is Status.CORRECT


def test_einops_wrong_output_order_is_graded_not_refused() -> None:
    result = grade(make_variant(_scores(), 0), "einops.einsum(q, K, 'b g r k, b g s k -> b g s r')")
    assert result.status is Status.PARTIAL


def test_a_variable_equation_says_so() -> None:
    result = grade(make_variant(_scores(), 0), "torch.einsum(eq, q, K)")
    assert result.status is Status.INVALID
    assert "cannot see what eq holds" in result.feedback[0] and "sublist" not in result.feedback[0]
    assert (result.position, result.position_end) == (13, 15)
