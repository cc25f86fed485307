"""The shape grader's plain path (names and whole numbers, no sympy) decides exactly as the sympy path.

`_plain_grade` grades a right answer made of declared names and whole numbers without importing
sympy (`tutor check` on a shape answer then starts in half the time); every other answer goes the
sympy way. These tests grade the built-in bank's shape questions both ways and compare the results.
"""

from __future__ import annotations

import itertools

import pytest

from tutor.bank import load_bank, make_variant
from tutor.bank.model import ShapeQuestion
from tutor.grading import answer_text
from tutor.grading import shape


def _answers(question: ShapeQuestion) -> list[str]:
    key = question.answer
    texts = [answer_text(key, question), *map(str, question.examples.accept), *map(str, question.examples.reject)]
    texts += [answer_text(rule.answer, question) for rule in question.feedback]
    if isinstance(key, list):
        items = [str(item) for item in key]
        texts += ["(" + ",".join(items) + ")", " x ".join(items), "[" + ", ".join(reversed(items)) + "]",
                  "[" + ", ".join(items[:-1]) + "]", "torch.Size([" + ", ".join(items) + "])",
                  "[" + ", ".join(f"'{i}'" for i in items) + "]", "[" + ", ".join(items + ["1"]) + "]"]
    return list(dict.fromkeys(texts))


@pytest.fixture(scope="module")
def shape_questions() -> list[ShapeQuestion]:
    return [q for q in load_bank().questions if isinstance(q, ShapeQuestion)]


def test_plain_path_grades_as_the_sympy_path(shape_questions: list[ShapeQuestion], monkeypatch: pytest.MonkeyPatch) -> None:
    decided = 0
    for question, seed in itertools.product(shape_questions, (0, 1)):
        variant = make_variant(question, seed)
        for text in _answers(question):
            plain = shape._plain_grade(variant, text, question.answer)
            if plain is None:
                continue
            decided += 1
            with monkeypatch.context() as m:
                m.setattr(shape, "_plain_grade", lambda *args: None)
                by_sympy = shape.grade(variant, text)
            assert plain.to_json(question.id) == by_sympy.to_json(question.id), (question.id, seed, text)
    assert decided >= 20  # the plain path is really taken on the bank's right answers


@pytest.mark.parametrize(
    ("where", "params", "answer", "plain"),
    [
        ({}, {}, "[b, n, d]", True),
        ({"k": "d"}, {}, "[b, n, k]", True),  # a where name standing for another name
        ({"k": "d"}, {}, "[b, n, d]", True),
        ({"k": 64}, {}, "[b, n, 64]", True),
        ({"k": "m", "m": "d"}, {"d": 64}, "[b, n, 64]", True),  # a chain, then a param
        ({}, {"d": 64}, "[b, n, d]", True),
        ({}, {"d": 64}, "[b, n, 64]", True),  # a param's value for its name
        ({"k": "d/h"}, {}, "[b, n, k]", True),  # a product or quotient in `where`: the same name is equal
        ({"k": "d/h"}, {"d": 64, "h": 8}, "[b, n, k]", True),
        ({"k": "d/h", "m": "k"}, {}, "[b, n, m]", True),  # a name standing for the same product
        ({"k": "d/h"}, {"d": 64, "h": 8}, "[b, n, 8]", False),  # equal only by value: sympy
        ({"k": "d/h"}, {}, "[b, n, d/h]", False),  # an expression: sympy
        ({"k": "h*d/h"}, {}, "[b, n, k]", False),  # names that cancel: sympy
        ({"k": "d/0"}, {}, "[b, n, k]", False),  # a zero divisor: the sympy path's bank error
        ({"k": "d^2"}, {}, "[b, n, k]", False),  # a power: sympy
        ({"k": "d/", "m": "d"}, {}, "[b, n, k]", False),  # unreadable: the sympy path's bank error
        ({}, {}, "[b, n, 2*d]", False),
        ({}, {}, "[b, d, n]", False),  # wrong: its feedback is the sympy path's
        ({}, {}, "[b, n, dd]", False),  # an undeclared name: the parser's message
        ({}, {}, "[b, n, ٦٤]", False),  # a non-ASCII digit is no number to the parser
        ({"k": "k"}, {}, "[b, n, k]", False),  # a where name defined as itself: the sympy path's bank error
    ],
)
def test_what_the_plain_path_takes(where: dict, params: dict, answer: str, plain: bool,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    question = ShapeQuestion(id="t-plain", kind="shape", topic="mqa", prompt="Shape of $x$, with $b, n, d$?",
                             answer=["b", "n", "k" if "k" in where else "d"], where=where, params=params)
    variant = make_variant(question, 0)
    got = shape._plain_grade(variant, answer, question.answer)
    assert (got is not None) is plain
    if got is not None:
        with monkeypatch.context() as m:
            m.setattr(shape, "_plain_grade", lambda *args: None)
            assert shape.grade(variant, answer).to_json("t") == got.to_json("t")
