"""Grade einsum answers: a bare equation or a whole `torch.einsum(...)`-style call.

A call is read with `ast.parse` (which only parses; nothing is executed) and its
operand names are checked against the question's `operands`. The meaning of the
equation is worked out by `einsum_analysis` from the operands' dimension names, so
grading needs no tensor library.
"""

from __future__ import annotations

import ast
import re
import warnings
from dataclasses import dataclass
from typing import Any, Sequence

from tutor.bank.model import EinsumQuestion
from tutor.bank.variant import Variant
from tutor.grading.einsum_analysis import (
    Analysis,
    EinsumError,
    RankMismatch,
    analyse,
    compare,
    parse_equation,
)
from tutor.grading.grade import Grade, invalid_from

MAX_LENGTH = 1000
# Keyword arguments of torch/NumPy/JAX einsum that do not change the result.
IGNORED_KEYWORDS = frozenset({"optimize", "precision", "preferred_element_type", "out", "dtype"})
_FENCE = re.compile(r"^```[A-Za-z0-9_+-]*[ \t]*\n?(.*?)\n?```$", re.DOTALL)


class AnswerError(ValueError):
    """An answer that cannot be read; `position` is a 0-based index into the answer text."""

    def __init__(
        self, message: str, position: int | None = None, *, wrong_rank: bool = False, end: int | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.position = position
        self.end = end  # just past the part that broke; None: the one character at `position`
        self.wrong_rank = wrong_rank  # readable, but a term has the wrong number of axes: graded as wrong


@dataclass(frozen=True)
class Reading:
    """An answer as understood: its analysis and remarks on how it was written."""

    analysis: Analysis
    notes: tuple[str, ...]


def _unwrap(text: str) -> tuple[str, int]:
    """Strip whitespace, a code fence or backticks; return the core and its offset in `text`."""
    core = text.strip()
    offset = text.find(core) if core else 0
    fence = _FENCE.match(core)
    if fence:
        inner = fence.group(1)
        offset += fence.start(1)
        core = inner.strip()
        offset += inner.find(core) if core else 0
    while len(core) >= 2 and core[0] == "`" and core[-1] == "`":
        core = core[1:-1]
        offset += 1
        stripped = core.strip()
        offset += core.find(stripped) if stripped else 0
        core = stripped
    return core, offset


def read_answer(text: str, operands: Sequence[tuple[str, Sequence[str]]]) -> Reading:
    """Read a bare equation or an einsum call and analyse it against the operands (in question order)."""
    if len(text) > MAX_LENGTH:
        raise AnswerError(f"the answer is too long ({len(text)} characters; at most {MAX_LENGTH})", MAX_LENGTH)
    core, offset = _unwrap(text)
    if not core:
        raise AnswerError("the answer is empty: write an equation such as 'bd,dk->bk'", 0)
    if "(" in core:
        return _read_call(core, offset, operands)
    if len(core) >= 2 and core[0] == core[-1] and core[0] in "'\"":
        core, offset = core[1:-1], offset + 1
    return Reading(_analyse_at(core, offset, operands), ())


def _analyse_at(equation: str, offset: int, operands: Sequence[tuple[str, Sequence[str]]]) -> Analysis:
    try:
        return analyse(parse_equation(equation), operands)
    except EinsumError as exc:
        position = None if exc.position is None else offset + exc.position
        end = None if exc.end is None else offset + exc.end
        raise AnswerError(exc.message, position, wrong_rank=isinstance(exc, RankMismatch), end=end) from None


def _line_starts(text: str) -> list[int]:
    starts = [0]
    for i, c in enumerate(text):
        if c == "\n":
            starts.append(i + 1)
    return starts


def _node_offset(text: str, node: ast.AST) -> int:
    """Character offset of a node (ast reports UTF-8 byte columns)."""
    starts = _line_starts(text)
    line_start = starts[node.lineno - 1]  # type: ignore[attr-defined]
    line = text[line_start:].split("\n", 1)[0]
    col = len(line.encode("utf-8")[: node.col_offset].decode("utf-8", errors="ignore"))  # type: ignore[attr-defined]
    return line_start + col


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


def _parse_call(core: str, offset: int) -> ast.Call:
    try:
        with warnings.catch_warnings():  # e.g. "invalid decimal literal": the answer is judged here, not warned about
            warnings.simplefilter("ignore")
            tree = ast.parse(core, mode="exec")
    except SyntaxError as exc:
        pos = None
        if exc.lineno is not None and exc.offset is not None:
            starts = _line_starts(core)
            if exc.lineno - 1 < len(starts):
                pos = min(offset + starts[exc.lineno - 1] + max(exc.offset - 1, 0), offset + len(core))
        raise AnswerError(f"this is not a valid einsum call ({exc.msg})", pos) from None
    except (ValueError, RecursionError, MemoryError):
        raise AnswerError("this is not a valid einsum call", offset) from None
    if len(tree.body) != 1:
        raise AnswerError("write a single einsum call or equation", offset)
    stmt = tree.body[0]
    value: ast.expr | None = None
    if isinstance(stmt, ast.Expr):
        value = stmt.value
    elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
        value = stmt.value
    if not isinstance(value, ast.Call):
        raise AnswerError("expected an einsum call such as torch.einsum(\"bd,dk->bk\", x, W) or a bare equation", offset)
    name = _dotted(value.func)
    if name is None or name.split(".")[-1] != "einsum":
        shown = name or ast.get_source_segment(core, value.func) or "this"
        raise AnswerError(
            f"expected a call to einsum (torch.einsum, np.einsum, jnp.einsum, einsum), not {shown}",
            offset + _node_offset(core, value.func),
        )
    return value


def _read_call(core: str, offset: int, operands: Sequence[tuple[str, Sequence[str]]]) -> Reading:
    call = _parse_call(core, offset)
    at = lambda node: offset + _node_offset(core, node)  # noqa: E731
    if not call.args:
        raise AnswerError("the call has no arguments: give the equation string, then the operands", offset + len(core) - 1)
    first = call.args[0]
    rest = list(call.args[1:])
    einops_form = False
    last = call.args[-1]
    if not (isinstance(first, ast.Constant) and isinstance(first.value, str)) \
            and isinstance(last, ast.Constant) and isinstance(last.value, str):
        # einops.einsum(q, k, "b g r k, b g s k -> b g r s"): operands first, the pattern last
        first, rest, einops_form = last, list(call.args[:-1]), True
    if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
        if isinstance(first, (ast.List, ast.Tuple)) or (len(call.args) > 1 and isinstance(call.args[1], (ast.List, ast.Tuple))):
            what = "NumPy's sublist form is not accepted"
        else:
            shown = ast.get_source_segment(core, first) or "it"
            what = f"the grader cannot see what {shown} holds: write the equation itself"
        raise AnswerError(
            f"give the equation as a string literal, e.g. \"bd,dk->bk\" ({what})",
            at(first), end=at(first) + len(ast.get_source_segment(core, first) or " "),
        )
    for kw in call.keywords:
        if kw.arg not in IGNORED_KEYWORDS:
            shown = f"keyword argument {kw.arg}" if kw.arg else "**keyword arguments"
            raise AnswerError(f"einsum does not take {shown} here", at(kw.value))
    eq_offset = _string_content_offset(core, first) + offset
    args = rest
    if len(args) == 1 and isinstance(args[0], (ast.List, ast.Tuple)):
        args = list(args[0].elts)
    names = [name for name, _ in operands]
    passed: list[str] = []
    for arg in args:
        dotted = _dotted(arg) if not isinstance(arg, ast.Starred) else None
        if dotted is None:
            raise AnswerError(f"operands must be given by name ({', '.join(names)})", at(arg))
        name = dotted if dotted in names else dotted.split(".")[-1]
        if name not in names:
            near = [n for n in names if n.casefold() == name.casefold()]
            hint = f" (did you mean {near[0]}? case matters)" if near else ""
            raise AnswerError(f"unknown operand {dotted}: the operands are {', '.join(names)}{hint}", at(arg))
        if name in passed:
            raise AnswerError(f"{name} is passed twice: pass each of {', '.join(names)} once", at(arg))
        passed.append(name)
    if len(passed) != len(names):
        missing = [n for n in names if n not in passed]
        raise AnswerError(
            f"the call passes {len(passed)} operand{'s' if len(passed) != 1 else ''} but there are {len(names)} "
            f"({', '.join(names)}); missing: {', '.join(missing)}",
            offset + len(core) - 1,
        )
    shapes = dict(operands)
    in_call_order = [(n, shapes[n]) for n in passed]
    equation = first.value
    if einops_form or _spaced_axes(equation):
        equation = _einops_to_letters(equation, eq_offset)
    try:
        analysis = _analyse_at(equation, eq_offset, in_call_order)
    except AnswerError:
        if passed != names and _fits(equation, operands):
            raise AnswerError(
                f"you passed {passed[0]} first but the equation describes {names[0]} first: "
                f"pass the operands in the equation's order ({', '.join(names)})",
                at(args[0]),
            ) from None
        raise
    if analysis.conflicts and passed != names and _fits(equation, operands):
        raise AnswerError(
            f"you passed {', '.join(passed)} but the equation's terms describe {', '.join(names)}: "
            "pass the operands in the equation's order",
            at(args[0]),
        )
    notes: tuple[str, ...] = ()
    if passed != names:
        notes = (f"you passed the operands as {', '.join(passed)} (the question lists {', '.join(names)}), "
                 "with the terms to match",)
    return Reading(analysis, notes)


def _spaced_axes(equation: str) -> bool:
    """Whether a term names its axes separated by spaces (`b g r k`), as einops writes them."""
    return any(len(term.split()) > 1 for term in re.split(r",|->", equation))


def _einops_to_letters(pattern: str, offset: int) -> str:
    """`b g r k, b g s k -> b g r s` (einops: axes are space-separated names) as a letter equation.

    Each distinct axis name gets one letter; `...` stays. Axis groups `( )` have no einsum meaning."""
    if "(" in pattern or ")" in pattern:
        at = pattern.find("(") if "(" in pattern else pattern.find(")")
        raise AnswerError("einops axis groups '( )' cannot appear in an einsum: write each axis on its own", offset + at)
    letters: dict[str, str] = {}
    pool = iter([c for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"])
    single = {tok for tok in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", pattern) if len(tok) == 1}

    def letter(name: str) -> str:
        if name not in letters:
            if len(name) == 1 and name not in letters.values():
                letters[name] = name
            else:
                letters[name] = next(c for c in pool if c not in single and c not in letters.values())
        return letters[name]

    lhs, arrow, rhs = pattern.partition("->")
    def term(text: str) -> str:
        return "".join("..." if tok == "..." else letter(tok) for tok in re.findall(r"\.\.\.|[A-Za-z_][A-Za-z0-9_]*", text))
    out = ",".join(term(t) for t in lhs.split(","))
    return out + ("->" + term(rhs) if arrow else "")


def _fits(equation: str, operands: Sequence[tuple[str, Sequence[str]]]) -> bool:
    try:
        return not analyse(parse_equation(equation), operands).conflicts
    except EinsumError:
        return False


def _string_content_offset(core: str, node: ast.Constant) -> int:
    """Where the string's characters start in `core` (exact for literals without escapes)."""
    start = _node_offset(core, node)
    segment = ast.get_source_segment(core, node) or ""
    quote = re.match(r"[A-Za-z]*('''|\"\"\"|'|\")", segment)
    return start + (quote.end() if quote else 0)


def _describe(analysis: Analysis) -> str:
    return f"{analysis.equation}  ({analysis.signature()})"


def _key(question: EinsumQuestion, raw: Any) -> Analysis:
    operands = list(question.operands.items())
    if not isinstance(raw, str):
        raise ValueError(f"{question.id}: an einsum answer must be a string, got {raw!r}")
    try:
        reading = read_answer(raw, operands)
    except AnswerError as exc:
        raise ValueError(f"{question.id}: the einsum answer {raw!r} does not fit the operands: {exc.message}") from None
    if reading.analysis.conflicts:
        raise ValueError(f"{question.id}: the einsum answer {raw!r} binds one letter to two dimensions")
    return reading.analysis


def canonical_answer(variant: Variant) -> str:
    """The answer key as written in the question (an equation or a call)."""
    question = variant.question
    assert isinstance(question, EinsumQuestion)
    return question.answer


def grade(variant: Variant, answer: str, expected: Any = None) -> Grade:
    """Grade an einsum answer; `expected` (an equation or call) replaces the question's answer."""
    question = variant.question
    assert isinstance(question, EinsumQuestion)
    key = _key(question, question.answer if expected is None else expected)
    expected_text = _describe(key)
    try:
        reading = read_answer(answer, list(question.operands.items()))
    except AnswerError as exc:
        if exc.wrong_rank:
            # The equation reads fine but assumes an operand has other axes (e.g. a head axis on MQA's
            # shared V): that is the misconception under test, so it is wrong, not unreadable.
            return Grade.of(0.0, interpreted=" ".join(answer.split()), expected=expected_text, feedback=[exc.message])
        return invalid_from(exc, expected=expected_text)
    analysis = reading.analysis
    result = compare(analysis, key)
    details = {"output": list(analysis.output_dims()), "equation": analysis.equation}
    if result.fraction >= 1.0:
        summed = [analysis.dim(lab) for lab in analysis.summed()]
        over = f", summing over {', '.join(summed)}" if summed else ", summing over nothing"
        # only a right answer "computes the same thing"; a swap with a transposed output does not
        lines = [f"right: {analysis.signature()}{over}", *(f"{n}; that computes the same thing" for n in reading.notes)]
    else:
        lines = [*result.feedback, *reading.notes, *_empty_ellipsis_note(analysis.equation)]
    return Grade.of(result.fraction, interpreted=_describe(analysis), expected=expected_text, feedback=lines, details=details)


def _empty_ellipsis_note(equation: str) -> list[str]:
    """`bhnm,bhmk->...nk`: an output '...' with none in the inputs stands for no axes (torch and numpy
    accept it and keep nothing), which a learner may have meant as "the other axes"."""
    inputs, arrow, output = equation.replace("…", "...").partition("->")
    if arrow and "..." in output and "..." not in inputs:
        return ["'...' in the output stands for no axes here, since no input has '...': it keeps nothing; "
                "name the axes to keep with letters"]
    return []
