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

from tutor.bank.labels import option_label, option_letter
from tutor.bank.model import ChoiceQuestion, MultiQuestion
from tutor.bank.variant import Variant, render
from tutor.grading.grade import Grade, invalid_from

MAX_LENGTH = 2000
_LEAD = re.compile(r"^(?:(?:the\s+)?answers?|options?|choices?)\b\s*(?:is|are)?\s*[:=]?\s*")
_LABELLED = re.compile(r"^\(?([a-z]|\d{1,3})[.):]\s*(.+)$")
LABEL_TOKEN = re.compile(r"^\(?([A-Za-z]|\d{1,3})[.)]?$")


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
    return option_letter(i)


def _label(options: Sequence[str], i: int) -> str:
    return option_label(i, options[i])


def _valid_choices(options: Sequence[str]) -> str:
    n = len(options)
    last = _letter(n - 1)
    letters = f"a letter A-{last}, " if n <= 26 else ""
    return f"answer with {letters}a number 1-{n}, or an option's text"


def label_index(token: str, options: Sequence[str]) -> int | None:
    """The option a label names (`B`, `2`, `(c)`) as an answer reads it; None when it is no label or names none."""
    try:
        return _pick_token(token, options)
    except ChoiceError:
        return None


def _pick_token(token: str, options: Sequence[str]) -> int | None:
    """The index a letter or number names, None when the token is neither; raises when out of range."""
    m = LABEL_TOKEN.match(token)
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

    The one option matcher of every kind that offers options (`choice`, `multi`). A whole option is
    matched first, as printed (`C) text`), by its text alone or by its label alone. Only then is the
    answer cut into picks, at line breaks, commas, semicolons, `&` and the word `and`, joining back
    the pieces that make up one whole option (an option's text may itself hold a comma or `and`):
    one option per line as printed, `A, C`, `1 and 3`, `keys, values and the KV cache, per token`.
    Of the readings that name only options, the one with the fewest picks wins (whole options first).
    Raises `ChoiceError` (message, position, end) for an answer that names no option; the message
    quotes the part that broke as it was typed."""
    try:
        return _read(answer, options)
    except ChoiceError as exc:
        if exc.position is None and exc.token is not None:
            at = _find(answer, exc.token)
            raise ChoiceError(exc.message, at, end=None if at is None else at + len(exc.token)) from None
        raise


# Where an answer may be cut into picks; a line break never falls inside one option.
_SEPARATOR = re.compile(r"\s*\n\s*|\s*[,;&]\s*|\s+and\s+", re.IGNORECASE)
_LEAD_RAW = re.compile(_LEAD.pattern, re.IGNORECASE)


def _read(answer: str, options: Sequence[str]) -> list[int]:
    if len(answer) > MAX_LENGTH:
        raise ChoiceError(f"the answer is too long ({len(answer)} characters; at most {MAX_LENGTH})", MAX_LENGTH)
    text = normalise(answer)
    if not text:
        raise ChoiceError(f"the answer is empty: {_valid_choices(options)}", 0)
    by_text = {normalise(o): i for i, o in enumerate(options)}
    if text in by_text:
        return [by_text[text]]
    whole = _quiet(_LEAD.sub("", text), by_text, options)
    if whole is not None:
        return [whole]
    lo, hi = _window(answer)
    pieces = _pieces(answer, lo, hi)
    if not pieces:
        raise ChoiceError(f"no option chosen: {_valid_choices(options)}", 0)
    # An option spans at most as many pieces as its own text has separators, plus one.
    longest = 1 + max(len(_SEPARATOR.findall(o)) for o in by_text)
    # best[k]: the fewest picks that read pieces[:k] exactly, each pick with its span in the answer.
    best: list[list[tuple[int, int, int]] | None] = [[]] + [None] * len(pieces)
    for k in range(1, len(pieces) + 1):
        for j in range(k - 1, max(-1, k - 1 - longest), -1):
            if best[j] is None:
                continue
            if j < k - 1 and pieces[k - 1][2]:
                break  # a line break lies between: one option is never spread over two lines
            start, stop = pieces[j][0], pieces[k - 1][1]
            found = _item_picks(answer[start:stop], start, by_text, options) if j == k - 1 else None
            if found is None:
                index = _quiet(normalise(answer[start:stop]), by_text, options)
                found = None if index is None else [(index, start, stop)]
            if found is not None and (best[k] is None or len(best[j]) + len(found) < len(best[k])):
                best[k] = [*best[j], *found]
    reading = best[-1]
    if reading is None:
        k = max(i for i, b in enumerate(best) if b is not None)
        start, stop, _ = pieces[k]
        typed = answer[start:stop]
        _resolve(normalise(typed), by_text, options, at=(start, stop), typed=typed)  # raises its own message, if it has one
        raise ChoiceError(f"{typed!r} is not one of the options: {_valid_choices(options)}", start, end=stop)
    picks: list[int] = []
    for index, _, _ in reading:
        if index not in picks:
            picks.append(index)
    return picks


def _window(answer: str) -> tuple[int, int]:
    """The part of the answer that holds the picks: without a lead (`the answer is`) or list brackets."""
    lo, hi = len(answer) - len(answer.lstrip()), len(answer.rstrip())
    lead = _LEAD_RAW.match(answer[lo:hi])
    if lead is not None and lead.end() > 0:
        lo += lead.end()
    inner = answer[lo:hi]
    if len(inner) >= 2 and (inner[0], inner[-1]) in (("[", "]"), ("{", "}")) or (
        inner.startswith("(") and inner.endswith(")") and re.search(r"[,;]", inner)
    ):  # a list of picks: [A, C], (1, 3), ['MQA', 'GQA']
        lo, hi = lo + 1, hi - 1
    return lo, hi


def _pieces(answer: str, lo: int, hi: int) -> list[tuple[int, int, bool]]:
    """(start, end, a line break before it) of each non-empty piece between separators."""
    out: list[tuple[int, int, bool]] = []
    at, newline = lo, False
    for m in _SEPARATOR.finditer(answer, lo, hi):
        if answer[at:m.start()].strip():
            out.append((at, m.start(), newline))
            newline = False
        newline = newline or "\n" in m.group(0)
        at = m.end()
    if answer[at:hi].strip():
        out.append((at, hi, newline))
    return out


def _item_picks(piece: str, start: int, by_text: dict[str, int], options: Sequence[str]) -> list[tuple[int, int, int]] | None:
    """One piece as an option, or as labels side by side (`A C`, `1 3`); None when it is neither."""
    index = _quiet(normalise(piece), by_text, options)
    if index is not None:
        return [(index, start, start + len(piece))]
    tokens = list(re.finditer(r"\S+", piece))
    if len(tokens) < 2 or not all(LABEL_TOKEN.match(t.group(0)) for t in tokens):
        return None
    out = []
    for t in tokens:
        k = _quiet(normalise(t.group(0)), by_text, options)
        if k is None:
            return None
        out.append((k, start + t.start(), start + t.end()))
    return out


def _quiet(item: str, by_text: dict[str, int], options: Sequence[str]) -> int | None:
    """`_resolve`, with None for an item that names no option (whatever the reason)."""
    try:
        return _resolve(item, by_text, options)
    except ChoiceError:
        return None


def _resolve(
    item: str, by_text: dict[str, int], options: Sequence[str], *, at: tuple[int, int] | None = None,
    typed: str | None = None,
) -> int | None:
    """An item as an option's text, its letter or number, or a label and text together (`b) MQA`).

    Raises ChoiceError for a label out of range or a label and text naming different options (placed
    at `at`, the item's span in the answer, and quoting `typed`, the item as typed, when given)."""
    try:
        return _resolve_item(item, by_text, options, typed)
    except ChoiceError as exc:
        if at is not None:
            raise ChoiceError(exc.message, at[0], end=at[1]) from None
        raise


def _resolve_item(item: str, by_text: dict[str, int], options: Sequence[str], typed: str | None = None) -> int | None:
    if len(item) >= 2 and item[0] == item[-1] and item[0] in "'\"":
        item = item[1:-1].strip()
    if item in by_text:
        return by_text[item]
    labelled = _LABELLED.match(item)
    if labelled and labelled.group(2) in by_text:
        by_label = _pick_token(labelled.group(1), options)
        if by_label != by_text[labelled.group(2)]:
            shown = labelled.group(2)
            as_typed = typed and re.match(r"^\W*\(?(?:[A-Za-z]|\d{1,3})[.):]\s*(.+?)[\s.'\"]*$", typed, re.S)
            if as_typed:
                shown = as_typed.group(1)
            raise ChoiceError(
                f"{labelled.group(1).upper()} and the text {shown!r} name different options: give one of them",
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
