"""Parse messages that say what to write (red-team R12): powers of logs, floor division, prompt aliases."""

from __future__ import annotations

import pytest

from tutor.bank.model import ComplexityQuestion, SymbolicQuestion
from tutor.bank.variant import make_variant
from tutor.grading import Status, grade
from tutor.grading.parse import MathSyntaxError, parse_math

SORT = ComplexityQuestion(id="s", kind="complexity", topic="attention", prompt="?", symbols=["L"], answer="O(L log L)")


@pytest.mark.parametrize("answer", ["O(L log^(2) L)", "O(L log^0.5 L)", "O(L ln^(1/2) L)", "O(L log2^(3) L)"])
def test_a_non_whole_power_after_log_says_where_to_put_it(answer: str) -> None:
    result = grade(make_variant(SORT, 0), answer)
    assert result.status is Status.INVALID
    assert "write the power after the argument" in result.feedback[0], result.feedback


@pytest.mark.parametrize("text, value", [("8//2", 4), ("2^10 // 4", 256)])
def test_floor_division_that_divides_is_division(text: str, value: int) -> None:
    assert parse_math(text, []) == value


@pytest.mark.parametrize("text, symbols", [("9//2", []), ("d // H", ["d", "H"]), ("1/sqrt(d_model // H)", ["d_model", "H"])])
def test_floor_division_that_may_not_divide_says_use_slash(text: str, symbols: list[str]) -> None:
    with pytest.raises(MathSyntaxError) as err:
        parse_math(text, symbols)
    assert "write / for division" in str(err.value)
    assert text[err.value.position:err.value.position + 2] == "//"


@pytest.mark.parametrize("prompt", [
    "With model width $d$ (`d_model`) and H heads, the scale?",
    "With model width d (`d_model`) and H heads, the scale?",
    "With `d_model` (d) and H heads, the scale?",
])
def test_an_unknown_symbol_that_the_prompt_aliases_names_the_declared_one(prompt: str) -> None:
    q = SymbolicQuestion(id="a", kind="symbolic", topic="mha", prompt=prompt, symbols=["d_model", "H"],
                         answer="1/sqrt(d_model/H)")
    result = grade(make_variant(q, 0), "1/sqrt(d/H)")
    assert result.status is Status.INVALID
    assert "write d_model" in result.feedback[0], result.feedback


def test_no_alias_hint_when_the_prompt_gives_none() -> None:
    q = SymbolicQuestion(id="a", kind="symbolic", topic="mha", prompt="The scale for d_model and H?",
                         symbols=["d_model", "H"], answer="1/sqrt(d_model/H)")
    result = grade(make_variant(q, 0), "1/sqrt(d/H)")
    assert result.status is Status.INVALID and "prompt calls" not in result.feedback[0]


# --- numeric messages -------------------------------------------------------------------------------

from tutor.bank.model import NumericQuestion  # noqa: E402

TIME = NumericQuestion(
    id="t", kind="numeric", topic="kv-cache", prompt="How many milliseconds?", answer="1.28208", unit="ms",
    feedback=[{"answer": "0.00128208", "message": "That is in seconds; the question asks for milliseconds."}],
)
FLOPS = NumericQuestion(id="f", kind="numeric", topic="mha", prompt="FLOPs?", answer=88_046_829_568, unit="flops")


@pytest.mark.parametrize("answer", ["1280 ns", "1.28 us", "1282 ns", "0.00128208 s"])
def test_a_unit_slip_rule_does_not_fire_on_an_answer_with_a_unit(answer: str) -> None:
    result = grade(make_variant(TIME, 0), answer)
    assert not any("in seconds" in line for line in result.feedback), (answer, result.feedback)


def test_a_unit_slip_rule_still_fires_on_a_bare_number() -> None:
    result = grade(make_variant(TIME, 0), "0.00128208")
    assert result.feedback[0].startswith("That is in seconds")


@pytest.mark.parametrize("answer, hint", [("4 trillion", False), ("0.9 B", False), ("90B", False), ("9e10", True),
                                          ("1e11", True), ("90 billion", False)])
def test_the_significant_digits_hint_only_for_a_value_rounded_too_far(answer: str, hint: bool) -> None:
    result = grade(make_variant(FLOPS, 0), answer)
    assert result.status is not Status.CORRECT
    assert any("significant digits" in line for line in result.feedback) is hint, (answer, result.feedback)


# --- einsum: an output '...' with none in the inputs ---------------------------------------------------


def test_an_output_ellipsis_with_none_in_the_inputs_is_read_as_torch_reads_it_and_said() -> None:
    # torch.einsum('nm,mk->...nk', ...) and numpy accept it: '...' is zero axes. So the answer is graded as
    # what it computes (b and h summed away), with a note, not refused (the red-team's premise was wrong).
    from tutor.bank.loader import load_bank

    variant = make_variant(load_bank().get("mha-av-einsum"), 0)
    result = grade(variant, "bhnm,bhmk->...nk")
    assert result.status is Status.PARTIAL
    assert any("stands for no axes" in line for line in result.feedback)
    assert not any("stands for no axes" in line for line in grade(variant, "...nm,...mk->...nk").feedback)
