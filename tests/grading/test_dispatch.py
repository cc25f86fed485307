"""`tutor.grading.grade`: the kind's grader first, then the question's feedback rules (misconceptions)."""

from __future__ import annotations

from tutor.bank import load_bank
from tutor.bank.variant import make_variant
from tutor.grading import Status, answer_text, grade

BANK = load_bank()


def test_a_rule_the_grader_cannot_use_as_a_key_still_matches_its_own_answer() -> None:
    # MQA's V is [b, m, k]; the MHA equation gives V a head axis. That is the misconception under
    # test: a wrong answer (not an unreadable one), and its rule's message comes first.
    variant = make_variant(BANK.get("mqa-av-einsum"), 0)
    result = grade(variant, " bhnm, bhmk -> bhnk ")
    assert result.status is Status.INCORRECT
    assert "no head axis" in result.feedback[0]
    assert any("4 letters" in line for line in result.feedback)


def test_a_rule_matches_with_the_graders_equivalence_not_just_its_text() -> None:
    # The rule is written `2*d*d/G`; the same formula typed another way still meets it.
    variant = make_variant(BANK.get("quiz3-gqa-kv-params"), 0)
    result = grade(variant, r"\frac{2d^2}{G}")
    assert result.status is not Status.CORRECT
    assert "backwards" in result.feedback[0]


def test_no_rule_fires_on_a_right_or_unreadable_answer() -> None:
    variant = make_variant(BANK.get("quiz3-gqa-kv-params"), 0)
    right = grade(variant, "2Gd^2/H")
    assert right.status is Status.CORRECT
    assert not any("backwards" in line or "K and V" in line for line in right.feedback)
    unreadable = grade(variant, "2*G*(d")
    assert unreadable.status is Status.INVALID
    assert not any("backwards" in line for line in unreadable.feedback)


def test_answer_text_writes_yaml_values_as_typed() -> None:
    assert answer_text(["b", "h", 8]) == "[b, h, 8]"
    assert answer_text(131072) == "131072"
    assert answer_text(None) == ""
