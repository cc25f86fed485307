"""Grade an answer to a variant: dispatch on the question's kind, then apply targeted feedback rules.

Each kind module defines `grade(variant, answer, expected=None) -> Grade`, where
`expected` (a raw value written as the question's `answer` is) overrides the
question's own answer; that is how feedback rules are matched with exactly the
grader's equivalence. Kind modules are imported on first use.

Besides the graders: `selfcheck` is `tutor validate`'s engine (a bank's own answers, feedback and
examples graded by these graders), `lint` its text checks, `context` what a question's params and
`where` resolve to. The package imports `tutor.bank`, `tutor.notation` and (for code) `tutor.sandbox`,
nothing above.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import replace
from typing import Any, Mapping, Sequence

from tutor.bank.labels import option_letter
from tutor.bank.model import QuestionBase
from tutor.bank.variant import Variant, render
from tutor.notation.numbers import format_param
from tutor.grading.grade import Grade, Status, score_for

__all__ = ["Grade", "Status", "answer_key", "answer_text", "grade", "grade_against", "score_for"]

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

def answer_text(
    raw: Any, question: QuestionBase | None = None, params: Mapping[str, int | float] | None = None,
    options: Sequence[str] = (),
) -> str:
    """A value written in YAML (a question's `answer`, a feedback rule's, an answers file's) as the
    text a learner would type.

    Lists become `[a, b, c]` (shapes, or any list when no question is given) or, for several
    choices, the options' letters in the displayed order `options` (`A, C`; option text may itself
    hold commas); a numeric expression over params gets the variant's values in place of the names
    (`2*h*d` -> `2*(8)*(64)`); choice text gets `{param}`s filled in as the options do.
    """
    params = params or {}
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return str(raw).lower()
    if isinstance(raw, (int, float)):
        return format_param(raw)
    kind = question.kind if question is not None else None
    if isinstance(raw, list):
        # One level: an answer is a list of scalars; anything deeper is shown, not recursed into.
        parts = ["[...]" if isinstance(item, (list, dict)) else answer_text(item, question, params) for item in raw]
        if kind in (None, "shape"):
            return "[" + ", ".join(parts) + "]"
        if kind in ("choice", "multi") and options and all(p in options for p in parts):
            return ", ".join(option_letter(options.index(p)) for p in parts)
        return ", ".join(parts)
    if isinstance(raw, str):
        if kind == "numeric" and params:
            return _IDENT.sub(lambda m: f"({format_param(params[m.group()])})" if m.group() in params else m.group(), raw)
        if kind in ("choice", "multi"):
            return render(raw, dict(params))
        return raw
    return str(raw)


def _module(kind: str):
    return importlib.import_module(f"tutor.grading.{kind}")  # each kind's grader is the module of that name


# Typed-answer look-alikes mapped one character to one, so every position a grader reports still
# points into what the learner typed: full-width ASCII (IME input: `２Gd²/H`, `［h, d, q］`), the
# ideographic space, and invisible zero-width characters (pasted text) read as a space.
_LOOK_ALIKES = {0xFF01 + i: 0x21 + i for i in range(0x5E)} | {
    0x3000: 0x20, 0x200B: 0x20, 0x200C: 0x20, 0x200D: 0x20, 0x2060: 0x20, 0xFEFF: 0x20,
}


def grade_against(variant: Variant, answer: str, expected: Any | None = None) -> Grade:
    """Grade with the kind's grader alone (no feedback rules); `expected` overrides the answer key."""
    if variant.kind != "code":  # code is code: its strings and comments are the learner's own
        answer = answer.translate(_LOOK_ALIKES)
    result = _module(variant.kind).grade(variant, answer, expected)
    if result.status is Status.INVALID and result.feedback:
        hint = _alias_hint(variant, result.feedback[0])
        if hint is not None:
            result = replace(result, feedback=(result.feedback[0] + hint, *result.feedback[1:]))
    return result


_UNKNOWN_SYMBOL = re.compile(r"^unknown symbol '([^']+)'")


def _alias_hint(variant: Variant, message: str) -> str | None:
    """`unknown symbol 'd'` where the prompt says "model width d (`d_model`)": name the declared
    symbol the prompt gives for that letter ("; the prompt calls d_model 'd': write d_model")."""
    m = _UNKNOWN_SYMBOL.match(message)
    if m is None:
        return None
    word = re.escape(m.group(1))
    declared = set(getattr(variant.question, "symbols", None) or ()) | set(variant.params)
    prompt = getattr(variant.question, "prompt", "") or ""
    patterns = (
        rf"(?<![\w`]){word}\$?\s*\(\s*`?\$?([A-Za-z_]\w*)\$?`?\s*\)",  # model width $d$ (`d_model`)
        rf"`\$?([A-Za-z_]\w*)\$?`\s*\(\s*\$?{word}\$?\s*\)",  # `d_model` ($d$)
    )
    for pattern in patterns:
        for hit in re.finditer(pattern, prompt):
            if hit.group(1) in declared and hit.group(1) != m.group(1):
                return f"; the prompt calls {hit.group(1)} '{m.group(1)}': write {hit.group(1)}"
    return None


def answer_key(variant: Variant) -> Grade:
    """What a skipped question teaches: its answer key read by its own grader (canonical `expected`,
    as a wrong answer's feedback shows it). Code is not run: its `expected` is the model solution."""
    answer = getattr(variant.question, "answer", None)
    if variant.kind == "code":
        return Grade(status=Status.CORRECT, fraction=1.0, score=5, interpreted="", feedback=(), expected=str(answer or ""))
    key = grade_against(variant, answer_text(answer))
    return key if key.expected else replace(key, expected=answer_text(answer))


def _same_text(answer: str, rule_answer: Any) -> bool:
    """Literal match, blind to spacing: how a rule the grader cannot use as a key (say an einsum
    term with the wrong number of axes) still catches the answer it was written for."""
    return "".join(answer.split()) == "".join(answer_text(rule_answer).split())


def _matches(variant: Variant, answer: str, rule_answer: Any) -> bool:
    try:
        if grade_against(variant, answer, rule_answer).status is Status.CORRECT:
            return True
    except ValueError:  # the grader cannot read this rule's answer as a key
        pass
    return _same_text(answer, rule_answer)


def grade(variant: Variant, answer: str) -> Grade:
    """Grade `answer`; an answer equal to a listed misconception gets that rule's message first."""
    result = grade_against(variant, answer)
    if result.status in (Status.CORRECT, Status.INVALID) or variant.kind == "code":
        return result
    for rule in variant.question.feedback:
        if variant.kind == "numeric" and _module("numeric").unit_rule_misfires(variant, answer, rule.answer):
            continue  # "That is in seconds" is false of `1280 ns`: the learner wrote a unit
        if _matches(variant, answer, rule.answer):
            score = rule.score if rule.score is not None else result.score
            provisional = score if result.status is Status.NEEDS_REVIEW else result.provisional_score
            return replace(result.with_feedback_first(rule.message), score=score, provisional_score=provisional)
    return result
