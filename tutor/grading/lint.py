"""Checks of what a learner reads, beyond grading: math that renders, sources one can look up, fair options.

`tutor validate` runs these on every question (see `tutor.grading.selfcheck`):
- `rendering_problems`: in every text a learner sees, as shown for each checked variant, a
  `$...$` span must close on its line, braces must balance inside math, and none may be left
  over outside math and code (`}}` in a bank file is shown as `}`);
- `source_problem`: a `source` must name something a learner can look up, not a bare file
  name such as `notes.txt` (cite the paper, article or notebook by title, author and URL);
- `option_length_warning`: a warning (not a problem) when a single-answer choice question's
  keyed option is much longer than its distractors, since test-wise learners pick the longest;
- `option_label_warnings`: a warning for each option whose own text is an option label (`B`, `1`).
"""

from __future__ import annotations

import re
from typing import Iterator, Sequence

from tutor.bank.model import ChoiceQuestion, MultiQuestion, QuestionBase
from tutor.bank.variant import render
from tutor.grading.choice import LABEL_TOKEN, label_index
from tutor.notation.latex import math_problems

# Warn when the keyed option is more than this many times the mean distractor length.
KEYED_OPTION_RATIO = 1.6
# One `;`-separated part of a source that is nothing but a file name: no spaces, an extension, no URL.
_BARE_FILE = re.compile(r"^[\w.\-/\\]*[\w\-]\.[A-Za-z][A-Za-z0-9]{0,5}$")


def learner_texts(question: QuestionBase) -> Iterator[tuple[tuple[str | int, ...], str, bool]]:
    """(field path, text, filled with params?) for every text a learner may be shown."""
    yield ("prompt",), question.prompt, True
    if question.explanation:
        yield ("explanation",), question.explanation, True
    for i, hint in enumerate(question.hints):
        yield ("hints", i), hint, True
    if isinstance(question, (ChoiceQuestion, MultiQuestion)):
        for i, option in enumerate(question.options):
            yield ("options", i), option, True
    for i, claim in enumerate(getattr(question, "statements", None) or []):
        yield ("statements", i, "text"), claim.text, True
        yield ("statements", i, "why"), claim.why, True
    for i, rule in enumerate(question.feedback):
        yield ("feedback", i, "message"), rule.message, False
    for i, mutant in enumerate(getattr(question, "mutants", None) or []):
        yield ("mutants", i, "diagnosis"), mutant.diagnosis, False


def rendering_problems(
    question: QuestionBase, variants: Sequence[dict[str, int | float]]
) -> list[tuple[tuple[str | int, ...], str]]:
    """(field path, message) for each text that would render badly in any of `variants` (params dicts)."""
    out: list[tuple[tuple[str | int, ...], str]] = []
    for path, text, templated in learner_texts(question):
        shown = {render(text, params) for params in variants} if templated else {text}
        found: dict[str, None] = {}
        for version in sorted(shown):
            for line, message in math_problems(version):
                found.setdefault(f"line {line} of the {_field_name(path)}: {message}")
        out.extend((path, message) for message in found)
    return out


def source_problem(question: QuestionBase) -> str | None:
    """Why `source` cannot be looked up by a learner, or None."""
    for part in (p.strip() for p in question.source.split(";")):
        if part and "://" not in part and _BARE_FILE.match(part):
            return (f"source {part!r} is a bare file name a learner cannot look up: cite the paper, article,"
                    " notebook or problem set by title, author and URL where it names them")
    return None


def option_length_warning(question: QuestionBase) -> str | None:
    """A warning when a single-answer choice question's keyed option stands out by its length."""
    if not isinstance(question, ChoiceQuestion) or not isinstance(question.answer, str):
        return None
    key = question.answer
    distractors = [o for o in question.options if o != key]
    if not distractors:
        return None
    mean = sum(len(o) for o in distractors) / len(distractors)
    if mean > 0 and len(key) > KEYED_OPTION_RATIO * mean:
        return (f"the keyed option is {len(key) / mean:.1f}x the mean distractor length ({len(key)} vs"
                f" {mean:.0f} characters; warned above {KEYED_OPTION_RATIO}x): learners can pick it by its"
                " length alone. Shorten it or give the distractors the same detail")
    return None


def option_label_warnings(question: QuestionBase) -> list[tuple[int, str]]:
    """(option index, warning) for each option whose own text is a label (`B`, `1`, `c)`): an answer
    `B` then reads as that option's text, never as the label of the option shown second, and the
    learner is not told."""
    options = getattr(question, "options", None)
    if not isinstance(question, (ChoiceQuestion, MultiQuestion)) or not options:
        return []
    out = []
    for i, option in enumerate(options):
        # An option text that is itself a label (`B`, `1`, `(c)`, `2.`) naming an option, as answers read labels.
        if label_index(option.strip(), options) is not None:
            value = LABEL_TOKEN.match(option.strip()).group(1)
            out.append((i, f"option {i + 1}'s text {option!r} is also an option label: an answer {value!r} reads as"
                           " this option's text, not as the label of the option shown at that place: write it in words or"
                           f" with its unit (e.g. `{value} heads`)"))
    return out


def _field_name(path: tuple[str | int, ...]) -> str:
    if path[0] in ("hints", "options") and len(path) == 2:
        return f"{path[0][:-1]} {int(path[1]) + 1}"
    if path[0] == "feedback":
        return f"feedback rule {int(path[1]) + 1}'s message"
    if path[0] == "mutants":
        return f"mutant {int(path[1]) + 1}'s diagnosis"
    return str(path[0])
