"""Read free-text answers against a rubric of points; a person decides, the patterns only suggest.

No list of patterns reads meaning: an answer stating the opposite of the truth in the rubric's
words matches as well as a right one. So `grade` never says correct or incorrect: a readable
answer is `needs_review`, with the pattern reading as a *provisional* score (weight of the points
that seem present / total weight, less one mean point's weight per contradiction that seems
said) and the points that seem present or missing as suggestions. A person then decides:
`assess` turns the points the learner (or instructor) confirms into the score,
`1 + 4 * confirmed weight / total weight` (the usual fraction -> score mapping), recorded as
self-assessed. `read_checklist` reads a typed confirmation (`1 3`, `all`, `none`). An answer with no word that holds a
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
from dataclasses import replace
from typing import Any, Iterable, Sequence

from tutor.bank.model import TextQuestion
from tutor.bank.variant import Variant
from tutor.grading.grade import ASSESSED_SELF, Grade

MAX_LENGTH = 5000
CONTRADICTION_LEAD = 'your answer seems to say "'  # a warning line about a contradiction that seems said
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
    seen = suggestions(question, own)
    total = sum(p.weight for p in question.rubric)
    made = [question.rubric[i] for i in seen["present"]]
    missing = [p for p in question.rubric if p not in made]
    said = [question.contradictions[i] for i in seen["contradictions"]]
    mean_weight = total / len(question.rubric)
    fraction = max(0.0, sum(p.weight for p in made) - mean_weight * len(said)) / total
    lines = [f"{CONTRADICTION_LEAD}{c.statement.rstrip('.')}\", which is wrong because {c.why}" for c in said]
    lines += [f"seems present: {p.point}" for p in made] + [f"seems missing: {p.point}" for p in missing]
    if copied:
        lines.append("words copied from the question earn no points: say it in your own words")
    return Grade.needs_review(
        min(1.0, fraction),
        interpreted=text,
        expected=model,
        feedback=lines,
        details={
            "seems_present": [p.point for p in made],
            "seems_missing": [p.point for p in missing],
            "seems_contradicted": [c.statement for c in said],
            "suggested": seen["present"],
            "contradictions": seen["contradictions"],
        },
    )


# A denial cue: the words an answer uses to name a wrong belief in order to deny it ("it does not
# differ", "it is a myth that ...", "a common mistake is to think ...").
DENIAL = re.compile(
    r"\b(?:not|no|never|nor|without|myth|mistaken?|mistakes|misconceptions?|wrong|false|untrue|incorrect|rather than)\b"
    r"|n[’']t\b",
    re.IGNORECASE,
)
# Where a clause ends: a denial before it says nothing about the words after it.
CLAUSE_END = re.compile(
    r"[.;:!?|]|\b(?:but|while|whereas|however|although|though|yet|so|because|since|instead)\b|,\s*(?:and|which)\b",
    re.IGNORECASE,
)
DENIAL_WORDS = 10  # a denial this many words or fewer before a match, in its clause, suppresses it


def denied(text: str, start: int) -> bool:
    """Whether a denial cue comes shortly before `start`, in the same clause (`It does not differ ...`)."""
    before = text[:start]
    ends = list(CLAUSE_END.finditer(before))
    if ends:
        before = before[ends[-1].end():]
    words = list(re.finditer(r"\S+", before))
    if len(words) > DENIAL_WORDS:
        before = before[words[-DENIAL_WORDS].start():]
    return DENIAL.search(before) is not None


def _said(pattern: str, text: str) -> bool:
    """Whether the answer seems to state a contradiction's pattern: some match that no denial cue precedes."""
    return any(not denied(text, m.start()) for m in re.finditer(pattern, text, re.IGNORECASE))


def suggestions(question: TextQuestion, text: str) -> dict[str, list[int]]:
    """Indices of the rubric points whose patterns match `text`, and of the contradictions that seem said.

    A contradiction's match is not counted when a denial cue (`not`, `n't`, `no`, `never`, `myth`,
    `mistake`, `misconception`, `wrong`, `false`, `rather than`, ...) comes at most DENIAL_WORDS words
    before it in the same clause: naming a wrong belief to deny it is not stating it.
    """
    return {
        "present": [i for i, p in enumerate(question.rubric) if any(_matches(m, text) for m in p.match)],
        "contradictions": [i for i, c in enumerate(question.contradictions) if any(_said(m, text) for m in c.match)],
    }


def confirmed_fraction(rubric: Sequence[Any], confirmed: Iterable[int]) -> float:
    """The confirmed points' share of the rubric's weight (0..1): what a self-assessed score is made of."""
    total = sum(p.weight for p in rubric)
    return min(1.0, sum(rubric[i].weight for i in set(confirmed)) / total)


def assess(variant: Variant, reviewed: Grade, confirmed: Iterable[int], *, by: str = ASSESSED_SELF) -> Grade:
    """The score a person gives by confirming rubric points (0-based indices) of a `needs_review` grade.

    `1 + 4 * confirmed weight / total weight`, rounded as every score is; the grade records who
    decided (`assessed`), and keeps the machine's suggestions beside the person's marks.
    """
    question = variant.question
    assert isinstance(question, TextQuestion)
    chosen = sorted(set(confirmed))
    for i in chosen:
        if not 0 <= i < len(question.rubric):
            raise ValueError(f"there is no rubric point {i + 1}: the points are 1-{len(question.rubric)}")
    fraction = confirmed_fraction(question.rubric, chosen)
    who = "you" if by == ASSESSED_SELF else "the instructor"
    lines = [f"{'confirmed' if i in chosen else 'not confirmed'} by {who}: {p.point}" for i, p in enumerate(question.rubric)]
    lines += [line for line in reviewed.feedback if line.startswith(CONTRADICTION_LEAD)]
    graded = Grade.of(
        fraction,
        interpreted=reviewed.interpreted,
        expected=reviewed.expected,
        feedback=lines,
        details={**reviewed.details, "confirmed": chosen, "provisional_score": reviewed.provisional_score},
    )
    return replace(graded, assessed=by)


_ALL = {"all", "a", "*"}
_NONE = {"none", "no", "0", "-"}


def read_checklist(text: str, n: int) -> list[int]:
    """Rubric points (0-based) a typed line confirms: numbers `1 3` / `1,3`, `all` or `none`.

    Raises ValueError naming the piece that is not a point number (and its 0-based position).
    """
    line = text.strip().lower()
    if line in _ALL:
        return list(range(n))
    if line in _NONE:
        return []
    if not line:
        raise ChecklistError(f"type the numbers of the points your answer makes (1-{n}), `all` or `none`", 0)
    out: list[int] = []
    for m in re.finditer(r"[^\s,;]+", text):
        piece = m.group(0)
        if not piece.isdigit() or not 1 <= int(piece) <= n:
            raise ChecklistError(f"{piece!r} is not a point number: give numbers 1-{n}, `all` or `none`", m.start())
        if int(piece) - 1 not in out:
            out.append(int(piece) - 1)
    return sorted(out)


class ChecklistError(ValueError):
    """A checklist line that names no point; `position` is where (0-based)."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.position = position
