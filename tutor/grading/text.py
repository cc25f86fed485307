"""Grade free-text answers against a rubric of points, each earned by any one of its regexes.

Score = weight of the points made / total weight. An answer with no word that holds a
sentence together ("the", "is", "because", ...) is a keyword list and is sent back
unread (invalid, free to retry), so that stuffing the rubric's terms earns nothing. Regexes are searched
case-insensitively in the answer with whitespace collapsed, after cutting out
any run of COPY_WORDS words pasted from the prompt (copying the question, which
often names the terms a rubric looks for, earns nothing). Python's `re` has no
time limit, so the answer is capped at MAX_LENGTH characters to bound the cost of
an instructor's regex. When `expected` is given (matching a feedback rule), it is
a regex the whole answer is searched for: a match counts as "equal" to that rule.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from tutor.bank.model import TextQuestion
from tutor.bank.variant import Variant
from tutor.grading.grade import Grade

MAX_LENGTH = 5000
COPY_WORDS = 8  # a run of this many words found in the prompt is copied, not the learner's own
# Words that hold a sentence together. An answer with none of them is a list of keywords
# (`variance saturate gradient`), which a rubric of patterns would otherwise reward in full.
GLUE_WORDS = frozenset(
    "a an the is are was were be been being it its this that these those of to in on at by for with "
    "from into per as than then so and or but not no nor because since if when while which who each "
    "every all one only more less fewer most can cannot does do doesn't don't has have had will would "
    "should must may might there their they we you i".split()
)


def normalise(text: str) -> str:
    """NFKC, whitespace runs collapsed to one space, ends stripped."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()


def _matches(pattern: str, text: str) -> bool:
    return re.search(pattern, text, re.IGNORECASE) is not None


def _invalid_reason(answer: str) -> tuple[str, int] | None:
    if len(answer) > MAX_LENGTH:
        return f"the answer is too long ({len(answer)} characters; at most {MAX_LENGTH})", MAX_LENGTH
    if not normalise(answer):
        return "the answer is empty: write a sentence or two", 0
    return None


def _keyword_list(text: str) -> bool:
    return not any(w in GLUE_WORDS for w in re.findall(r"[a-z']+", text.lower()))


def strip_copied(text: str, prompt: str) -> tuple[str, bool]:
    """`text` with every run of COPY_WORDS or more words copied from `prompt` cut out.

    Pasting the question back (which often names the very terms a rubric looks for)
    earns nothing; a short quote, or the answer's own words around a long one, still
    counts. Cut runs become a separator, so the words on either side never join up
    into a match. Returns the text and whether anything was cut.
    """
    prompt_words = [w.lower() for w in re.findall(r"\w+", normalise(prompt))]
    grams = {tuple(prompt_words[i: i + COPY_WORDS]) for i in range(len(prompt_words) - COPY_WORDS + 1)}
    words = list(re.finditer(r"\w+", text))
    lowered = [w.group(0).lower() for w in words]
    covered = [False] * len(words)
    for i in range(len(words) - COPY_WORDS + 1):
        if tuple(lowered[i: i + COPY_WORDS]) in grams:
            covered[i: i + COPY_WORDS] = [True] * COPY_WORDS
    if not any(covered):
        return text, False
    pieces, at, i = [], 0, 0
    while i < len(words):
        if not covered[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(words) and covered[j + 1]:
            j += 1
        pieces += [text[at: words[i].start()], " | "]
        at = words[j].end()
        i = j + 1
    return "".join(pieces) + text[at:], True


def canonical_answer(variant: Variant) -> str:
    """The model answer (which should make every rubric point)."""
    question = variant.question
    assert isinstance(question, TextQuestion)
    return question.answer


def grade(variant: Variant, answer: str, expected: Any = None) -> Grade:
    """Grade against the rubric; with `expected`, report whether the answer matches that regex instead."""
    question = variant.question
    assert isinstance(question, TextQuestion)
    model = normalise(question.answer)
    reason = _invalid_reason(answer)
    if reason is not None:
        return Grade.invalid(reason[0], expected=model, position=reason[1])
    text = normalise(answer)
    if expected is not None:
        if not isinstance(expected, str):
            raise ValueError(f"{question.id}: a text feedback answer is a regex, got {expected!r}")
        try:
            hit = _matches(expected, text)
        except re.error as exc:
            raise ValueError(f"{question.id}: feedback regex {expected!r} does not compile: {exc}") from None
        return Grade.of(1.0 if hit else 0.0, interpreted=text, expected=expected)
    if _keyword_list(text):
        return Grade.invalid("write the answer as a sentence or two: a list of keywords is not graded",
                             expected=model, position=0)
    own, copied = strip_copied(text, variant.prompt)
    total = sum(p.weight for p in question.rubric)
    made = [p for p in question.rubric if any(_matches(m, own) for m in p.match)]
    missing = [p for p in question.rubric if p not in made]
    fraction = 1.0 if not missing else sum(p.weight for p in made) / total
    lines = [f"made: {p.point}" for p in made] + [f"missing: {p.point}" for p in missing]
    if copied:
        lines.append("words copied from the question earn no points: say it in your own words")
    return Grade.of(
        min(1.0, fraction),
        interpreted=text,
        expected=model,
        feedback=lines,
        details={"made": [p.point for p in made], "missing": [p.point for p in missing]},
    )
