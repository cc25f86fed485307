"""A contradiction warning is not given to an answer that names the wrong belief to deny it (red team R14);
authors list such answers as `examples.no_contradiction` and `tutor validate` checks that no warning fires."""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor.bank import load_bank
from tutor.bank.model import TextQuestion
from tutor.bank.variant import make_variant
from tutor.grading import grade
from tutor.grading.selfcheck import validate
from tutor.grading.text import normalise, suggestions

BANK = load_bank([])
DENYING = [(q, a) for q in BANK.questions if q.kind == "text" for a in q.examples.no_contradiction]

QUESTION = TextQuestion.model_validate({
    "id": "t", "kind": "text", "topic": "mqa", "prompt": "Does MQA speed up training?",
    "rubric": [{"point": "p", "match": ["inference"]}],
    "contradictions": [{"statement": "MQA speeds up training as much.",
                        "match": ["mqa speeds up training"], "why": "training is compute-bound"}],
    "answer": "Mostly inference.",
})


def said(answer: str) -> bool:
    return bool(suggestions(QUESTION, normalise(answer))["contradictions"])


def test_the_red_team_answers_are_listed_in_the_builtin_bank() -> None:
    ids = {q.id for q, _ in DENYING}
    assert {"quiz1-mha-vs-mqa", "quiz5-output-projection", "mqa-training-vs-inference", "attn-scale-text"} <= ids


@pytest.mark.parametrize(("question", "answer"), DENYING, ids=[q.id for q, _ in DENYING])
def test_a_denied_wrong_belief_raises_no_warning(question, answer: str) -> None:
    result = grade(make_variant(question, 0), answer)
    assert result.details["seems_contradicted"] == []
    assert not any(line.startswith('your answer seems to say "') for line in result.feedback)


@pytest.mark.parametrize("answer", [
    "It is not true that MQA speeds up training as much.",
    "Nobody should claim it: it is a myth that MQA speeds up training.",
    "A common mistake is to believe MQA speeds up training.",
    "It is a misconception that MQA speeds up training as much as decoding.",
    "I don't think MQA speeds up training.",
    "It is wrong to say that MQA speeds up training much.",
    "Never assume MQA speeds up training.",
    "Inference gets faster rather than training; it is false that MQA speeds up training.",
])
def test_denial_cues_suppress_the_match(answer: str) -> None:
    assert not said(answer), answer


@pytest.mark.parametrize("answer", [
    "MQA speeds up training as much as inference.",
    "Yes: MQA speeds up training as much.",
    # a denial in another clause or sentence says nothing about this one
    "It is not memory-bound. MQA speeds up training as much.",
    "The cache is not smaller, but MQA speeds up training as much.",
    "No doubt; MQA speeds up training.",
    # a denial far before, beyond the window of a few words
    "It is not the case that the cache is large and the heads are many and the layers are deep and MQA speeds up training.",
])
def test_an_undenied_statement_still_warns(answer: str) -> None:
    assert said(answer), answer


def test_validate_reports_a_no_contradiction_example_that_warns(tmp_path: Path) -> None:
    path = tmp_path / "bank.yaml"
    path.write_text("""\
questions:
  - id: warned
    kind: text
    topic: mqa
    prompt: Does MQA speed up training?
    rubric:
      - {point: p, match: ['inference']}
    contradictions:
      - {statement: s, match: ['speeds up training'], why: y}
    answer: Mostly inference.
    examples:
      no_contradiction:
        - "It is a myth that MQA speeds up training."
        - "Indeed MQA speeds up training."
  - id: not-text
    kind: choice
    topic: mqa
    prompt: Pick.
    options: [x, y]
    answer: x
    examples:
      no_contradiction: ["x"]
""", encoding="utf-8")
    report = validate([str(path)], builtin=False)
    found = {(p.question_id, p.line): p.message for p in report.problems}
    assert ("warned", 13) not in found
    assert "no_contradiction example 2 seems to say contradiction 1" in found[("warned", 14)]
    assert any(q == "not-text" and "only" not in m and "text" in m for (q, _), m in found.items())
