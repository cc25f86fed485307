"""`tutor show ID` prints the full prompt as the learner sees it (red team R8): a statements question's
claims, numbered, and a choice or multi question's options, labelled as everywhere else (`A)`)."""

from __future__ import annotations

import pytest

from tutor.bank import load_bank
from tutor.bank.labels import option_label
from tutor.bank.variant import make_variant, render
from tutor.cli import main
from tutor.notation.latex import plain_math

BANK = load_bank([])


def _show(qid: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["show", qid]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("question", [q for q in BANK.questions if q.kind == "statements"][:3], ids=lambda q: q.id)
def test_a_statements_question_lists_its_claims(question, capsys: pytest.CaptureFixture[str]) -> None:
    out = _show(question.id, capsys)
    variant = make_variant(question, 0)
    for i, claim in enumerate(question.statements, start=1):
        assert f"  {i}. {plain_math(render(claim.text, variant.params))}\n" in out, out
    assert "T (true) or F (false)" in out


@pytest.mark.parametrize("kind", ["choice", "multi"])
def test_options_are_listed_labelled(kind: str, capsys: pytest.CaptureFixture[str]) -> None:
    question = next(q for q in BANK.questions if q.kind == kind)
    out = _show(question.id, capsys)
    for i, option in enumerate(make_variant(question, 0).options):
        assert f"  {option_label(i, plain_math(option))}\n" in out, out
