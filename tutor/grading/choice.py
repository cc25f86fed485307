"""Grade multiple-choice answers given as option text, letter or number (in the displayed order).

The displayed order is `variant.options` (shuffled per seed, params rendered).
Several picks are written `A, C`, `1 3`, `A and C` or as option texts separated
by commas. Partial credit for several right options: (right picked - wrong
picked) / number right, floored at 0; the same rule makes hedging on a one-answer
question worth nothing.
"""

from __future__ import annotations

import re
import string
import unicodedata
from typing import Any, Sequence

from tutor.bank.model import ChoiceQuestion, MultiQuestion
from tutor.bank.variant import Variant, render
from tutor.grading.grade import Grade, invalid_from

MAX_LENGTH = 2000
_COMMAS = re.compile(r"\s*[,;]\s*")
_AND = re.compile(r"\s*(?:[,;&]|\band\b)\s*")
_LEAD = re.compile(r"^(?:(?:the\s+)?answers?|options?|choices?)\b\s*(?:is|are)?\s*[:=]?\s*")
_LABELLED = re.compile(r"^\(?([a-z]|\d{1,3})[.):]\s*(.+)$")
_TOKEN = re.compile(r"^\(?([A-Za-z]|\d{1,3})[.)]?$")


class ChoiceError(ValueError):
    """An answer naming no option; `token` is the offending piece, used to find `position`."""

    def __init__(
        self, message: str, position: int | None = None, token: str | None = None, end: int | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.position = position
        self.end = end  # just past the part that broke; None: the one character at `position`
        self.token = token


def normalise(text: str) -> str:
    """Case-, space- and markup-insensitive form of an option or an answer."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = text.replace("`", "").replace("$", "").replace("**", "")
    text = re.sub(r"\s+", " ", text).strip()
    # One spacing around punctuation, so `m , the key ( last )` is `m, the key (last)`.
    text = re.sub(r"\s*([,;:])\s*", r"\1 ", text)
    text = re.sub(r"\s+([.)\]])", r"\1", text)
    text = re.sub(r"([(\[])\s+", r"\1", text).strip()
    return text.rstrip(".").strip()


def _letter(i: int) -> str:
    return string.ascii_uppercase[i] if i < 26 else str(i + 1)


def _label(options: Sequence[str], i: int) -> str:
    return f"{_letter(i)}) {options[i]}"


def _valid_choices(options: Sequence[str]) -> str:
    n = len(options)
    last = _letter(n - 1)
    letters = f"a letter A-{last}, " if n <= 26 else ""
    return f"answer with {letters}a number 1-{n}, or an option's text"


def _pick_token(token: str, options: Sequence[str]) -> int | None:
    """The index a letter or number names, None when the token is neither; raises when out of range."""
    m = _TOKEN.match(token)
    if not m:
        return None
    value = m.group(1)
    n = len(options)
    if value.isdigit():
        k = int(value)
        if 1 <= k <= n:
            return k - 1
        raise ChoiceError(f"there is no option {k}: {_valid_choices(options)}", token=value)
    k = string.ascii_lowercase.index(value.lower())
    if k < n and n <= 26:
        return k
    raise ChoiceError(f"there is no option {value.upper()}: {_valid_choices(options)}", token=value)


def read_answer(answer: str, options: Sequence[str]) -> list[int]:
    """The option indices an answer picks, in the order written (duplicates dropped).

    The one option matcher (any kind that offers options reuses it): a whole option is
    matched first, as printed (`C) text`), by its text alone or by its label alone; only
    then is the answer split into several picks (`A, C`, `1 and 3`). Raises `ChoiceError`
    (message, position, end) for an answer that names no option."""
    try:
        return _read(answer, options)
    except ChoiceError as exc:
        if exc.position is None and exc.token is not None:
            at = _find(answer, exc.token)
            raise ChoiceError(exc.message, at, end=None if at is None else at + len(exc.token)) from None
        raise


def _read(answer: str, options: Sequence[str]) -> list[int]:
    if len(answer) > MAX_LENGTH:
        raise ChoiceError(f"the answer is too long ({len(answer)} characters; at most {MAX_LENGTH})", MAX_LENGTH)
    text = normalise(answer)
    if not text:
        raise ChoiceError(f"the answer is empty: {_valid_choices(options)}", 0)
    by_text = {normalise(o): i for i, o in enumerate(options)}
    if text in by_text:
        return [by_text[text]]
    text = _LEAD.sub("", text)
    # A whole option first, as printed (`C) text`, the text alone, the label alone), before any
    # splitting: an option's text may itself hold a comma or the word "and".
    whole = _resolve(text, by_text, options)
    if whole is not None:
        return [whole]
    if len(text) >= 2 and (text[0], text[-1]) in (("[", "]"), ("{", "}")) or (
        text.startswith("(") and text.endswith(")") and re.search(r"[,;]", text)
    ):  # a list of picks: [A, C], (1, 3), ['MQA', 'GQA']
        text = text[1:-1].strip()
    whole = _whole_options(text, by_text, options)  # option texts that themselves hold commas
    for splitter in (_COMMAS, _AND):
        if whole is not None:
            items = whole
            break
        items = [s for s in splitter.split(text) if s]
        if all(_resolve(item, by_text, options) is not None for item in items):
            break
    else:
        if len(items) == 1 and all(_TOKEN.match(t) for t in items[0].split()):
            items = items[0].split()
    picks: list[int] = []
    for item in items:
        index = _resolve(item, by_text, options)
        if index is None:
            shown = _original(answer, item)
            raise ChoiceError(f"{shown!r} is not one of the options: {_valid_choices(options)}", token=item)
        if index not in picks:
            picks.append(index)
    if not picks:
        raise ChoiceError(f"no option chosen: {_valid_choices(options)}", 0)
    return picks


def _whole_options(text: str, by_text: dict[str, int], options: Sequence[str]) -> list[str] | None:
    """The answer cut at commas into whole options, where some option's text holds a comma itself.

    `keys, values, the KV cache` with an option `keys, values` reads as two picks, not three
    pieces; None when no option holds a comma or no such reading names only options.
    """
    if not any("," in t or ";" in t for t in by_text):
        return None
    pieces = [p for p in _COMMAS.split(text) if p]
    best: list[list[str] | None] = [[]] + [None] * len(pieces)
    for end in range(1, len(pieces) + 1):
        for start in range(end):
            if best[start] is None:
                continue
            item = ", ".join(pieces[start:end])
            try:
                found = _resolve(item, by_text, options)
            except ChoiceError:
                found = None
            if found is not None and (best[end] is None or len(best[start]) + 1 < len(best[end])):
                best[end] = [*best[start], item]
    return best[-1]


def _resolve(item: str, by_text: dict[str, int], options: Sequence[str]) -> int | None:
    """An item as an option's text, its letter or number, or a label and text together (`b) MQA`)."""
    if len(item) >= 2 and item[0] == item[-1] and item[0] in "'\"":
        item = item[1:-1].strip()
    if item in by_text:
        return by_text[item]
    labelled = _LABELLED.match(item)
    if labelled and labelled.group(2) in by_text:
        by_label = _pick_token(labelled.group(1), options)
        if by_label != by_text[labelled.group(2)]:
            raise ChoiceError(
                f"{labelled.group(1).upper()} and the text {labelled.group(2)!r} name different options: give one of them",
                token=item,
            )
        return by_label
    return _pick_token(item, options)


def _find(answer: str, token: str) -> int | None:
    """Best-effort place of a (normalised) token in the answer as typed."""
    folded = unicodedata.normalize("NFKC", answer).casefold()
    at = folded.find(token)
    if at < 0:
        at = folded.find(token.split(" ")[0])
    return at if at >= 0 else None


def _original(answer: str, token: str) -> str:
    """The token as the learner typed it, where it can be found."""
    at = _find(answer, token)
    if at is None or len(unicodedata.normalize("NFKC", answer)) != len(answer):
        return token
    piece = answer[at: at + len(token)]
    return piece if piece.casefold() == token else token


def _key(variant: Variant, raw: Any) -> list[int]:
    question = variant.question
    wanted = [raw] if isinstance(raw, str) else raw
    if not isinstance(wanted, list) or not wanted or not all(isinstance(w, str) for w in wanted):
        raise ValueError(f"{question.id}: a choice answer is an option's text or a list of them, got {raw!r}")
    indices: list[int] = []
    for w in wanted:
        shown = render(w, variant.params)
        if shown not in variant.options:
            raise ValueError(f"{question.id}: answer {w!r} is not one of the options")
        indices.append(variant.options.index(shown))
    return sorted(set(indices))


def canonical_answer(variant: Variant) -> str:
    """The answer key as the letters of the right options in the displayed order, e.g. `A, C`."""
    question = variant.question
    assert isinstance(question, (ChoiceQuestion, MultiQuestion))
    return ", ".join(_letter(i) for i in _key(variant, question.answer))


def grade(variant: Variant, answer: str, expected: Any = None) -> Grade:
    """Grade a choice (or a `multi`); `expected` (an option's text or a list of them) replaces the answer key."""
    question = variant.question
    assert isinstance(question, (ChoiceQuestion, MultiQuestion))
    options = variant.options
    right = _key(variant, question.answer if expected is None else expected)
    expected_text = "; ".join(_label(options, i) for i in right)
    try:
        picks = read_answer(answer, options)
    except ChoiceError as exc:
        return invalid_from(exc, expected=expected_text)
    interpreted = "; ".join(_label(options, i) for i in sorted(picks))
    hits = [i for i in sorted(picks) if i in right]
    misses = [i for i in sorted(picks) if i not in right]
    missed = [i for i in right if i not in picks]
    fraction = max(0.0, (len(hits) - len(misses)) / len(right))
    lines: list[str] = []
    if len(right) == 1 and len(picks) > 1 and question.kind == "choice":  # `multi` never says how many are right
        lines.append(f"this question has one answer; you chose {len(picks)}")
    lines += [f"right: {_label(options, i)}" for i in hits]
    lines += [f"not right: {_label(options, i)}" for i in misses]
    if missed and (len(right) > 1 or question.kind == "multi"):
        lines.append(f"you missed {len(missed)} of the {len(right)} right options")
    return Grade.of(
        fraction,
        interpreted=interpreted,
        expected=expected_text,
        feedback=lines,
        details={"picked": [_letter(i) for i in sorted(picks)], "right": [_letter(i) for i in right]},
    )
