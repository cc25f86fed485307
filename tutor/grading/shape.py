"""Grade tensor-shape answers: a list of dimensions compared position by position.

Accepted forms: `[h, d, q]`, `(h,d,q)`, `h x d x q`, `h×d×q`, `h, d, q`, `[h d q]`,
`torch.Size([h, d, q])`, a single dimension. A dimension is a name, an integer or
an expression (`d/h`, `2*n`, `n_heads*d_head`), read by the safe math parser.
The question's `where` equalities and the variant's params are substituted on
both sides before comparing, so `[b, g, n, d/h]` equals `[b, g, n, k]` when
`where: {k: d/h}`.

Partial credit: with the right number of axes, the fraction of positions that are
right; with the wrong number, half the length of the longest common run of
matching axes (in order) over the longer of the two ranks.

sympy is imported only when an answer needs it: when the answer, the key, the params and
`where` are all plain names and whole numbers and the answer is right, the axes are compared
as names and numbers (`_plain_grade`); anything else (an expression, a wrong or unreadable
answer, whose feedback needs the algebra) goes through the sympy path, which decides alike.
"""

from __future__ import annotations

import functools
import random
import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence

from tutor.bank.model import ShapeQuestion
from tutor.bank.variant import Variant
from tutor.grading.grade import ORDER_CREDIT, Grade, invalid_from
from tutor.notation import FUNCTIONS
from tutor.notation.spans import MATH_OR_CODE, code_body, math_body

if TYPE_CHECKING:  # sympy (and the parser and equivalence built on it) are imported where used
    import sympy

MAX_LENGTH = 1000
MAX_AXES = 16
MAX_MERGE = 4  # longest run of axes checked as merged into one (a reshape)
MEMO_LIMIT = 4096  # memoised substitutions and verdicts per context
CONTEXT_LIMIT = 512  # contexts kept (one per question and params)
_NAME = re.compile(r"(?<![\\A-Za-z0-9_])[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*")
_NOT_NAMES = frozenset(FUNCTIONS) | {"pi", "O", "frac", "cdot", "times", "torch", "Size", "np", "numpy", "shape"}
_SIZE = re.compile(r"^(?:(?:torch|np|numpy)\s*\.\s*)?(?:Size|shape)\s*(?=\()", re.IGNORECASE)
_PAIRS = {"[": "]", "(": ")", "{": "}"}
_ATOM = r"(?:[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*|\d+)"
# A space-free product or quotient of names and integers: `n`, `64`, `d/h`, `2*n`, `d^2`.
_SIMPLE = re.compile(rf"{_ATOM}(?:(?:\*\*|[*/^]){_ATOM})*")
# A dimension the plain path reads: a name or a whole number (short enough to be an exact int).
_PLAIN_DIM = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*|[0-9]{1,18}")  # ASCII, as the parser reads them
# A `where` value the plain path takes: a product or quotient of names and nonzero whole numbers (`d/h`).
_PRODUCT_ATOM = r"\s*(?:[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*|[1-9][0-9]{0,17})\s*"
_PRODUCT = re.compile(rf"{_PRODUCT_ATOM}(?:[*/]{_PRODUCT_ATOM})*")
# Functions make no sense as tensor sizes (and sympy's max/min are slow to build): refused before parsing.
_FUNCTION = re.compile(r"\\?\b(" + "|".join(FUNCTIONS) + r"|log_\d+)\b\s*[({]|√|\\sqrt\b")


class ShapeError(ValueError):
    """An answer that cannot be read as a shape; `position` is a 0-based index into it."""

    def __init__(self, message: str, position: int | None = None, end: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.position = position
        self.end = end  # just past the part that broke; None: the one character at `position`


@dataclass(frozen=True)
class Dim:
    """One dimension as written, where it starts, and its parsed value (a sympy expression; on the
    plain path a name or an int)."""

    text: str
    start: int
    expr: sympy.Expr | str | int


class _NeedsSympy(Exception):
    """The plain path met something only the sympy path can read or decide."""


# ---------------------------------------------------------------- splitting into dimensions


def _names_in(value: Any) -> list[str]:
    if isinstance(value, str):
        value = re.sub(r"_\{([A-Za-z0-9_]+)\}", r"_\1", value)  # LaTeX d_{model} is the name d_model
        return [n for n in _NAME.findall(value) if n not in _NOT_NAMES]
    if isinstance(value, (list, tuple)):
        return [n for v in value for n in _names_in(v)]
    return []


_CODE_WORDS = frozenset({"True", "False", "None", "self", "cls", "def", "return", "lambda", "for", "in", "if", "else"})


def _code_names(code: str) -> list[str]:
    """Names in a code span that can be dimensions: not strings, modules, methods, keywords or keyword args."""
    code = re.sub(r"(['\"]).*?\1", " ", code)
    names = []
    for m in _NAME.finditer(code):
        before = code[: m.start()].rstrip()
        after = code[m.end():].lstrip()
        if before.endswith(".") or after[:1] in (".", "(") or (after[:1] == "=" and after[:2] != "=="):
            continue
        if m.group(0) not in _CODE_WORDS:
            names.append(m.group(0))
    return names


def _span_names(markdown: str) -> list[str]:
    """Names in the `$math$` and `code` spans of a prompt or hint: where a question names its dimensions."""
    names: list[str] = []
    for m in MATH_OR_CODE.finditer(markdown):
        code = m.group("code")
        names += _code_names(code_body(code)) if code is not None else _names_in(math_body(m.group("math")))
    return names


def _collect(sources: Iterable[Any]) -> list[str]:
    names: list[str] = []
    for source in sources:
        for name in _names_in(source):
            if name not in names:
                names.append(name)
    return names


def dimension_names(question: ShapeQuestion) -> list[str]:
    """Names the question itself uses as dimensions: answer, `where`, params, feedback answers, examples."""
    sources: list[Any] = [question.answer, list(question.where), list(question.where.values()), list(question.params)]
    sources += [rule.answer for rule in question.feedback]
    sources += [*question.examples.accept, *question.examples.reject]
    return _collect(sources)


def declared_symbols(question: ShapeQuestion) -> list[str]:
    """Names a learner may use: the dimension names, then those in the `$math$` and `code` spans of the
    prompt and hints (where a question introduces its dimensions and tensors)."""
    spans = [name for markdown in (question.prompt, *question.hints) for name in _span_names(markdown)]
    return _collect([dimension_names(question), spans])


def _closing(text: str, open_at: int) -> int | None:
    """Index of the bracket closing the one at `open_at` (any kind nests), or None."""
    depth = 0
    for i in range(open_at, len(text)):
        if text[i] in _PAIRS:
            depth += 1
        elif text[i] in _PAIRS.values():
            depth -= 1
            if depth == 0:
                return i
    return None


def _strip_wrappers(text: str, offset: int) -> tuple[str, int]:
    """Remove `torch.Size(...)`, backticks and brackets that wrap the whole answer."""
    while True:
        core = text.strip()
        offset += text.find(core) if core else 0
        text = core
        if text.endswith(".") and len(text) > 1:  # a full stop after the shape
            text = text[:-1]
            continue
        if len(text) >= 2 and text[0] == text[-1] == "`":
            text, offset = text[1:-1], offset + 1
            continue
        size = _SIZE.match(text)
        if size:
            text, offset = text[size.end():], offset + size.end()
            continue
        if text and text[0] in _PAIRS:
            close = _closing(text, 0)
            if close == len(text) - 1 and text[-1] == _PAIRS[text[0]]:
                text, offset = text[1:-1], offset + 1
                continue
        return text, offset


def _top_level(text: str, chars: str) -> list[int]:
    """Indexes of `chars` outside any brackets."""
    depth, found = 0, []
    for i, c in enumerate(text):
        if c in _PAIRS:
            depth += 1
        elif c in _PAIRS.values():
            depth -= 1
        elif depth == 0 and c in chars:
            found.append(i)
    return found


def _x_separators(text: str, declared: Sequence[str], x_is_dim: bool) -> list[int]:
    """Places where the letter x separates dimensions (`h x d`, `2x3`, `hxdxq`), unless x names a dimension."""
    if x_is_dim:
        return []
    top = set(_top_level(text, "x"))
    found: list[int] = []
    for m in re.finditer(r"[A-Za-z0-9_]+", text):
        word, start = m.group(0), m.start()
        if "x" not in word or (word != "x" and word in declared):
            continue
        pieces = word.split("x")
        if word == "x" or all(p and (p in declared or p.isdigit()) for p in pieces):
            at = start
            for p in pieces[:-1]:
                at += len(p)
                if at in top:
                    found.append(at)
                at += 1
    return found


def _split_at(text: str, offset: int, cuts: list[int], sep_len: int = 1) -> list[tuple[str, int]]:
    pieces, prev = [], 0
    for cut in cuts:
        pieces.append((text[prev:cut], offset + prev))
        prev = cut + sep_len
    pieces.append((text[prev:], offset + prev))
    return pieces


def _check_brackets(text: str) -> None:
    """Every bracket closed by its own kind, in order."""
    stack: list[int] = []
    for i, c in enumerate(text):
        if c in _PAIRS:
            stack.append(i)
        elif c in _PAIRS.values():
            if not stack:
                raise ShapeError(f"{c!r} at column {i + 1} closes nothing", i)
            opened = stack.pop()
            if _PAIRS[text[opened]] != c:
                raise ShapeError(
                    f"{c!r} at column {i + 1} does not match {text[opened]!r} at column {opened + 1}", i
                )
    if stack:
        raise ShapeError(f"{text[stack[-1]]!r} at column {stack[-1] + 1} is never closed", stack[-1])


def _check_digit_groups(text: str, offset: int, commas: list[int], pieces: list[tuple[str, int]]) -> None:
    """Refuse a comma that reads as a thousands separator: `[2, 10, 1,024]` is not four axes.

    Commas separate axes, so `1,024` would silently become the axes 1 and 24. An
    axis written with a leading zero (`024`) cannot be meant as one, and where the
    other axis commas are followed by a space, a comma squeezed between a digit and
    exactly three digits is a digit group. Both are invalid (and free), not wrong.
    """
    spaced = any(text[c + 1: c + 2].isspace() for c in commas)
    for c in commas if spaced else ():
        if c > 0 and text[c - 1].isdigit() and re.match(r"\d{3}(?!\d)", text[c + 1:]):
            raise ShapeError(
                f"the comma at column {offset + c + 1} looks like a thousands separator: commas separate axes, "
                "so write a number such as 1024 without one",
                offset + c,
            )
    for piece, start in pieces:
        core = piece.strip()
        if re.fullmatch(r"0\d+", core):
            at = start + piece.find(core)
            raise ShapeError(
                f"'{core}' at column {at + 1} has a leading zero: commas separate axes, so write a number "
                "such as 1024 without a thousands separator",
                at,
            )


def split_dims(answer: str, declared: Sequence[str], x_is_dim: bool = False) -> list[tuple[str, int]]:
    """The dimension texts of an answer and where each starts in it."""
    _check_brackets(answer)
    text, offset = _strip_wrappers(answer, 0)
    if not text:
        raise ShapeError("the answer is empty: write the shape as [a, b, c]", 0)
    commas = _top_level(text, ",")
    if commas:
        pieces = _split_at(text, offset, commas)
        if len(pieces) > 1 and not pieces[-1][0].strip():  # (h,) is a one-dimensional tuple
            pieces = pieces[:-1]
        _check_digit_groups(text, offset, commas, pieces)
    elif crosses := _top_level(text, "×⨯✕"):
        pieces = _split_at(text, offset, crosses)
    elif xs := _x_separators(text, declared, x_is_dim):
        pieces = _split_at(text, offset, xs)
    else:
        words = list(re.finditer(r"\S+", text))
        if len(words) > 1 and all(_SIMPLE.fullmatch(w.group(0)) for w in words):
            pieces = [(w.group(0), offset + w.start()) for w in words]
        else:
            pieces = [(text, offset)]
    if len(pieces) > MAX_AXES:
        raise ShapeError(f"too many axes ({len(pieces)}; at most {MAX_AXES})", pieces[MAX_AXES][1])
    for piece, start in pieces:
        if not piece.strip():
            raise ShapeError("an empty dimension: each axis needs a name, a number or an expression", start)
    return pieces


# ---------------------------------------------------------------- values


def _parse(text: str, start: int, symbols: Sequence[str]) -> sympy.Expr:
    from tutor.grading.parse import parse_math

    # Padding keeps the parser's positions (and the columns in its messages) those of the whole answer.
    # Python's `//` (`d_model // n_heads`) is read as exact division (same length, same columns);
    # `grade` refuses it where it does not divide.
    return parse_math(" " * start + text.replace("//", " /"), symbols, max_length=MAX_LENGTH + len(text) + start)


def _plain_value(text: str, symbols: Sequence[str]) -> str | int:
    """A dimension that is a declared name (-> the name) or a whole number (-> its int), exactly as
    `parse_math` would read it; anything else raises _NeedsSympy."""
    core = text.strip()
    if not _PLAIN_DIM.fullmatch(core):
        raise _NeedsSympy(core)
    if core[0].isdigit():
        return int(core)
    if core not in symbols:  # an undeclared name: the parser words the error (or splits it)
        raise _NeedsSympy(core)
    return core


def read_answer(answer: str, symbols: Sequence[str], x_is_dim: bool = False, *, plain: bool = False) -> list[Dim]:
    """Split and parse an answer into dimensions; raises ShapeError saying what and where.

    With `plain`, each dimension must be a declared name or a whole number (read without sympy);
    any other raises _NeedsSympy.
    """
    if len(answer) > MAX_LENGTH:
        raise ShapeError(f"the answer is too long ({len(answer)} characters; at most {MAX_LENGTH})", MAX_LENGTH)
    flat = answer.replace("\n", " ").replace("\r", " ").replace("\t", " ")
    dims = []
    for text, start in split_dims(flat, symbols, x_is_dim):
        core = text.strip()
        if len(core) >= 2 and core[0] == core[-1] and core[0] in "'\"":  # ['b', 'n'] as Python prints it
            start += text.find(core) + 1
            text = core[1:-1]
        function = _FUNCTION.search(text)
        if function:
            raise ShapeError(
                f"'{function.group(1) or 'sqrt'}' at column {start + function.start() + 1}: a dimension is a name, "
                "a number or arithmetic on them (+ - * / ^), not a function",
                start + function.start(), start + function.end(),
            )
        if plain:
            core = text.strip()
            dims.append(Dim(core, start + text.find(core), _plain_value(text, symbols)))
            continue
        from tutor.grading.equivalence import divides_by_zero
        from tutor.grading.parse import MathSyntaxError

        try:
            expr = _parse(text, start, symbols)
        except MathSyntaxError as exc:
            raise ShapeError(exc.message, exc.position, exc.end) from None
        core = text.strip()
        if divides_by_zero(expr):
            raise ShapeError(
                f"the dimension '{core}' divides by zero: a denominator is 0 for every value",
                start + text.find(core),
            )
        dims.append(Dim(core, start + text.find(core), expr))
    return dims


@dataclass(frozen=True)
class Context:
    """What the question declares: the symbols, the `where` equalities and the params, resolved.

    Substitutions and verdicts are memoised (a shape answer is compared axis against
    axis, and sympy rebuilds `max`/`min` slowly on every substitution); a context is
    kept per question and params, so the memo is capped.
    """

    symbols: tuple[str, ...]
    x_is_dim: bool
    where: dict[str, str]
    bindings: dict[sympy.Symbol, sympy.Expr]
    _full: dict[sympy.Expr, sympy.Expr] = field(default_factory=dict, compare=False, repr=False)
    _verdicts: dict[tuple[sympy.Expr, sympy.Expr], bool | None] = field(default_factory=dict, compare=False, repr=False)
    _probe: dict[sympy.Symbol, Fraction] = field(default_factory=dict, compare=False, repr=False)
    _keys: dict[str, list[Dim]] = field(default_factory=dict, compare=False, repr=False)

    def full(self, expr: sympy.Expr) -> sympy.Expr:
        """`expr` with every `where` name and param replaced by its value."""
        cached = self._full.get(expr)
        if cached is not None:
            return cached
        out = expr
        for _ in range(len(self.bindings) + 1):
            new = out.xreplace(self.bindings)
            if new == out:
                break
            out = new
        if len(self._full) > MEMO_LIMIT:
            self._full.clear()
        self._full[expr] = out
        return out

    def same(self, a: sympy.Expr, b: sympy.Expr) -> bool | None:
        """Equal after substitution: True, False, or None when it cannot be decided."""
        return self.same_full(self.full(a), self.full(b))

    def same_full(self, a: sympy.Expr, b: sympy.Expr) -> bool | None:
        """Like `same`, for expressions already substituted."""
        key = (a, b)
        if key not in self._verdicts:
            if len(self._verdicts) > MEMO_LIMIT:
                self._verdicts.clear()
            self._verdicts[key] = self._decide(a, b)
        return self._verdicts[key]

    def _decide(self, a: sympy.Expr, b: sympy.Expr) -> bool | None:
        from tutor.grading.equivalence import NotExact, Verdict, equivalent, evaluate_exact

        if a == b:
            return True
        # One exact evaluation at a fixed point settles most differences (b against g) cheaply;
        # values that agree there go to the full, bounded equivalence check.
        env = {}
        for sym in a.free_symbols | b.free_symbols:
            if sym not in self._probe:
                self._probe[sym] = Fraction(random.Random(f"probe:{sym}").randint(2**31, 2**32))
            env[sym] = self._probe[sym]
        try:
            if evaluate_exact(a, env) != evaluate_exact(b, env):
                return False
        except (NotExact, ZeroDivisionError, KeyError):
            pass
        verdict = equivalent(a, b).verdict
        return None if verdict is Verdict.UNDECIDED else verdict is Verdict.EQUAL


def context(variant: Variant) -> Context:
    """The question's context for this variant's params (built once per question and params, then reused)."""
    question = variant.question
    assert isinstance(question, ShapeQuestion)
    return _shape_context(question, tuple(sorted(variant.params.items())))


@functools.lru_cache(maxsize=CONTEXT_LIMIT)
def _shape_context(question: ShapeQuestion, params: tuple[tuple[str, int | float], ...]) -> Context:
    import sympy

    from tutor.grading.context import grading_context

    shared = grading_context(question, dict(params), declared_symbols(question))
    bindings = {**shared.values, **shared.where}
    ctx = Context(shared.symbols, "x" in dimension_names(question), {k: str(v) for k, v in question.where.items()}, bindings)
    for name in question.where:
        if ctx.full(sympy.Symbol(name, positive=True)).has(sympy.Symbol(name, positive=True)):
            raise ValueError(f"{question.id}: where {name} refers to itself")
    return ctx


def _key_dims(question: ShapeQuestion, raw: Any, ctx: Context) -> list[Dim]:
    from tutor.grading.context import exact_number
    from tutor.grading.parse import MathSyntaxError, parse_math

    if isinstance(raw, str):
        try:
            return read_answer(raw, ctx.symbols, ctx.x_is_dim)
        except ShapeError as exc:
            raise ValueError(f"{question.id}: cannot read the shape {raw!r}: {exc.message}") from None
    if not isinstance(raw, list) or not raw:
        raise ValueError(f"{question.id}: a shape answer is a list of dimensions, got {raw!r}")
    dims = []
    for item in raw:
        if isinstance(item, bool) or not isinstance(item, (int, float, str)):
            raise ValueError(f"{question.id}: a dimension must be a name, a number or an expression, got {item!r}")
        try:
            expr = exact_number(item) if isinstance(item, (int, float)) else parse_math(item, ctx.symbols)
        except MathSyntaxError as exc:
            raise ValueError(f"{question.id}: cannot read the dimension {item!r}: {exc.message}") from None
        dims.append(Dim(str(item).strip(), 0, expr))
    return dims


# ---------------------------------------------------------------- comparing


def _show(expr: sympy.Expr) -> str:
    return str(expr).replace("**", "^")


def _shape_text(texts: Iterable[str]) -> str:
    return f"[{', '.join(texts)}]"


def _describe_expected(dim: Dim, ctx: Context) -> str:
    """An expected dimension with what it stands for: `k = d/h`, `d/h = k`, `k = d/h = 128`."""
    import sympy

    parts = [dim.text]
    if dim.text in ctx.where:
        parts.append(ctx.where[dim.text])
    else:
        for name, value in ctx.where.items():
            if name != dim.text and ctx.same(sympy.Symbol(name, positive=True), dim.expr):
                parts.append(name)
                break
    full = ctx.full(dim.expr)
    if full.is_number and not dim.expr.is_number:
        parts.append(_show(full))
    seen: list[str] = []
    for p in parts:
        if p not in seen:
            seen.append(p)
    return " = ".join(seen)


def _lcs(got: Sequence[Dim], want: Sequence[Dim], eq: list[list[bool]]) -> list[tuple[int, int]]:
    n, m = len(got), len(want)
    table = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            table[i][j] = table[i + 1][j + 1] + 1 if eq[i][j] else max(table[i + 1][j], table[i][j + 1])
    pairs, i, j = [], 0, 0
    while i < n and j < m:
        if eq[i][j]:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif table[i + 1][j] >= table[i][j + 1]:
            i += 1
        else:
            j += 1
    return pairs


def _permutation(eq: list[list[bool]]) -> list[int] | None:
    """For each answer axis, the expected axis it matches, when the answer is a reordering.

    Equality is an equivalence relation, so keeping the axes already in place and
    then matching greedily finds a full matching whenever there is one.
    """
    n = len(eq)
    match: list[int | None] = [i if eq[i][i] else None for i in range(n)]
    used = {i for i in range(n) if eq[i][i]}
    for i in range(n):
        if match[i] is None:
            j = next((j for j in range(n) if eq[i][j] and j not in used), None)
            if j is None:
                return None
            used.add(j)
            match[i] = j
    return [j for j in match if j is not None]


def _order_feedback(got: Sequence[Dim], want: Sequence[Dim], match: list[int]) -> str:
    wrong = [i for i, j in enumerate(match) if i != j]
    swaps = [(i, match[i]) for i in wrong if i < match[i] and match[match[i]] == i]
    if swaps and 2 * len(swaps) == len(wrong):
        said = "; ".join(f"axes {i} and {j} are swapped ({got[i].text} and {got[j].text})" for i, j in swaps)
        return f"the right axes in the wrong order: {said}"
    return f"the right axes in the wrong order: expected {_shape_text(d.text for d in want)}"


def compare(got: Sequence[Dim], want: Sequence[Dim], ctx: Context) -> tuple[float, list[str]]:
    """The fraction earned and feedback lines naming each wrong, missing, extra or misplaced axis."""
    verdicts = [[ctx.same(g.expr, w.expr) for w in want] for g in got]
    eq = [[v is True for v in row] for row in verdicts]
    lines: list[str] = []
    if len(got) == len(want):
        right = [i for i in range(len(got)) if eq[i][i]]
        if len(right) == len(got):
            return 1.0, []
        fraction = len(right) / len(want)
        match = _permutation(eq)
        if match is not None:
            # One policy for "right axes, wrong order" (shapes, weight layouts, einsum outputs): half credit,
            # however many axes there are and however many happen to stay in place.
            lines.append(_order_feedback(got, want, match))
            return ORDER_CREDIT, lines
        for i, (g, w) in enumerate(zip(got, want)):
            if not eq[i][i]:
                undecided = " (could not decide whether they are equal)" if verdicts[i][i] is None else ""
                lines.append(f"axis {i}: you wrote {g.text}, expected {_describe_expected(w, ctx)}{undecided}")
        return fraction, lines
    pairs = _lcs(got, want, eq)
    matched_got = {i for i, _ in pairs}
    matched_want = {j for _, j in pairs}
    lines.append(
        f"you wrote {len(got)} ax{'i' if len(got) == 1 else 'e'}s; expected {len(want)}: {_shape_text(d.text for d in want)}"
    )
    merged = _merges(got, want, matched_got, matched_want, ctx)
    lines.extend(merged.lines)
    for j, w in enumerate(want):
        if j not in matched_want and j not in merged.want:
            lines.append(f"missing axis {j}: {_describe_expected(w, ctx)}")
    for i, g in enumerate(got):
        if i not in matched_got and i not in merged.got:
            lines.append(f"extra axis {i}: {g.text}")
    return 0.5 * len(pairs) / max(len(got), len(want)), lines


@dataclass
class _Merged:
    lines: list[str]
    got: set[int]
    want: set[int]


def _merges(got: Sequence[Dim], want: Sequence[Dim], mg: set[int], mw: set[int], ctx: Context) -> _Merged:
    """Unmatched axes that are the product of a run of unmatched axes on the other side (a reshape).

    Fewer axes than expected: an answer axis may merge a run of expected ones;
    more: a run of answer axes may split an expected one.
    """
    out = _Merged([], set(), set())
    longest = abs(len(got) - len(want)) + 1
    if longest > MAX_MERGE:
        return out

    def runs(n: int, matched: set[int]) -> list[tuple[int, int]]:
        return [
            (a, b)
            for a in range(n)
            for b in range(a + 2, min(n, a + longest) + 1)
            if not any(k in matched for k in range(a, b))
        ]

    def product(dims: Sequence[Dim]) -> sympy.Expr:
        import sympy

        return sympy.Mul(*[ctx.full(d.expr) for d in dims])

    if len(got) < len(want):
        for i, g in enumerate(got):
            if i in mg:
                continue
            for a, b in runs(len(want), mw | out.want):
                if ctx.same_full(ctx.full(g.expr), product(want[a:b])):
                    names = _shape_text(w.text for w in want[a:b])
                    out.lines.append(f"axis {i}: {g.text} merges expected axes {a}-{b - 1} {names} into one")
                    out.got.add(i)
                    out.want.update(range(a, b))
                    break
    else:
        for j, w in enumerate(want):
            if j in mw:
                continue
            for a, b in runs(len(got), mg | out.got):
                if ctx.same_full(ctx.full(w.expr), product(got[a:b])):
                    names = _shape_text(g.text for g in got[a:b])
                    out.lines.append(
                        f"axes {a}-{b - 1} {names} split expected axis {j} ({_describe_expected(w, ctx)}) in parts"
                    )
                    out.got.update(range(a, b))
                    out.want.add(j)
                    break
    return out


def _expected_text(want: Sequence[Dim], ctx: Context) -> str:
    used = {s.name for d in want for s in d.expr.free_symbols}
    links = {k.name: {s.name for s in v.free_symbols} for k, v in ctx.bindings.items()}
    values = {k.name: _show(v) for k, v in ctx.bindings.items()}
    return _with_notes([d.text for d in want], used, ctx.where, links, values)


def _with_notes(
    texts: Sequence[str], used: set[str], where: Mapping[str, str], links: Mapping[str, set[str]],
    values: Mapping[str, str],
) -> str:
    """The expected shape with what its names stand for (`[b, k] with k = d/h, d = 64`): the `where`
    definitions and param values of the names it uses, directly or through other definitions.
    `links`: each bound name -> the names in its value; `values`: each bound name's value as text."""
    used = set(used)
    for _ in range(len(links)):
        used |= {name for bound, names in links.items() if bound in used for name in names}
    notes = [f"{k} = {v}" for k, v in where.items() if k in used]
    notes += [f"{k} = {v}" for k, v in values.items() if k in used and k not in where]
    text = _shape_text(texts)
    return f"{text} with {', '.join(notes)}" if notes else text


@dataclass(frozen=True)
class _Plain:
    """A question's context when its params are whole numbers and each `where` value a name, a
    whole number or a product/quotient of distinct free names and whole numbers (`d/h`): every
    plain dimension then resolves to a whole number, a free name, or such a product, which stands
    as `("where", name)`, equal only to itself (its names cannot cancel)."""

    symbols: tuple[str, ...]
    x_is_dim: bool
    where: dict[str, str]  # as written, for the expected text
    linked: dict[str, str | int | tuple[str, str]]  # each `where` name resolved through the others (not the params)
    names: dict[str, set[str]]  # each `where` name -> the free names of its resolved value
    params: dict[str, int]

    def full(self, value: str | int) -> str | int | tuple[str, str]:
        if isinstance(value, str) and value in self.linked:
            value = self.linked[value]
        if isinstance(value, str) and value in self.params:
            return self.params[value]
        return value


@functools.lru_cache(maxsize=CONTEXT_LIMIT)
def _plain_context(question: ShapeQuestion, params: tuple[tuple[str, int | float], ...]) -> _Plain | None:
    """The plain context, or None when a param or `where` value needs sympy (or is a bank error,
    which the sympy path words)."""
    if any(type(value) is not int for _, value in params):
        return None
    symbols = tuple(declared_symbols(question))
    direct: dict[str, str | int | tuple[str, str]] = {}
    products: dict[str, set[str]] = {}  # the free names of each `where` product
    for name, raw in question.where.items():
        if type(raw) is int:
            direct[name] = raw
        elif isinstance(raw, str) and _PLAIN_DIM.fullmatch(raw.strip()):
            try:
                direct[name] = _plain_value(raw, symbols)
            except _NeedsSympy:
                return None
        elif isinstance(raw, str) and _PRODUCT.fullmatch(raw):
            words = [w for w in re.split(r"[\s*/]+", raw.strip()) if not w[0].isdigit()]
            if any(w not in symbols or w in question.where for w in words) or len(set(words)) < len(words):
                return None
            direct[name] = ("where", name)
            products[name] = set(words)
        else:
            return None
    linked: dict[str, str | int | tuple[str, str]] = {}
    names: dict[str, set[str]] = {}
    for name in direct:
        value, seen = direct[name], {name}
        while isinstance(value, str) and value in direct:
            if value in seen:  # a cycle, or a name defined as itself: the sympy path says so
                return None
            seen.add(value)
            value = direct[value]
        linked[name] = value
        names[name] = products[value[1]] if isinstance(value, tuple) else {value} if isinstance(value, str) else set()
    where = {k: str(v) for k, v in question.where.items()}
    return _Plain(symbols, "x" in dimension_names(question), where, linked, names, dict(params))


def _plain_key(raw: Any, ctx: _Plain) -> list[Dim]:
    if isinstance(raw, str):
        return read_answer(raw, ctx.symbols, ctx.x_is_dim, plain=True)
    if not isinstance(raw, list) or not raw:
        raise _NeedsSympy(raw)
    dims = []
    for item in raw:
        if type(item) is int:
            dims.append(Dim(str(item).strip(), 0, item))
        elif isinstance(item, str):
            dims.append(Dim(str(item).strip(), 0, _plain_value(item, ctx.symbols)))
        else:
            raise _NeedsSympy(item)
    return dims


def _plain_grade(variant: Variant, answer: str, raw: Any) -> Grade | None:
    """A right answer of names and whole numbers, graded without sympy; None: the sympy path decides.

    Resolved, each dimension is a whole number or a free (positive) name, and two such are equal
    exactly when they are the same number or the same name: what the sympy path concludes too.
    Only a right answer is decided here; a wrong one needs the sympy path's feedback (merged axes,
    what a name stands for), and an unreadable one its messages.
    """
    question = variant.question
    assert isinstance(question, ShapeQuestion)
    ctx = _plain_context(question, tuple(sorted(variant.params.items())))
    if ctx is None:
        return None
    try:
        want = _plain_key(raw, ctx)
        got = read_answer(answer, ctx.symbols, ctx.x_is_dim, plain=True)
    except (_NeedsSympy, ShapeError):
        return None
    if len(got) != len(want) or any(ctx.full(g.expr) != ctx.full(w.expr) for g, w in zip(got, want)):
        return None
    used = {w.expr for w in want if isinstance(w.expr, str)}
    links: dict[str, set[str]] = {name: set() for name in ctx.params}
    links.update(ctx.names)
    values = {name: str(value) for name, value in ctx.params.items()}
    expected_text = _with_notes([w.text for w in want], used, ctx.where, links, values)
    return _result(1.0, [], [str(g.expr) for g in got], len(want), answer, expected_text)


def _result(fraction: float, lines: list[str], shown: list[str], axes: int, answer: str, expected_text: str) -> Grade:
    """The grade of an answer whose dimensions read as `shown`, against a key of `axes` axes."""
    if fraction >= 1.0:
        lines = [f"right: {axes} ax{'i' if axes == 1 else 'e'}s in the right order"]
    elif len(shown) == 1 and axes > 1 and " " in answer.strip():
        lines.append("separate the axes with commas, as in [b, n, d]")
    return Grade.of(fraction, interpreted=_shape_text(shown), expected=expected_text, feedback=lines,
                    details={"axes": list(shown)})


def canonical_answer(variant: Variant) -> str:
    """The answer key written as a learner would type it, e.g. `[b, g, n, k]`."""
    question = variant.question
    assert isinstance(question, ShapeQuestion)
    return _shape_text(str(item) for item in question.answer)


def grade(variant: Variant, answer: str, expected: Any = None) -> Grade:
    """Grade a shape; `expected` (a list of dimensions, or a shape string) replaces the answer key."""
    question = variant.question
    assert isinstance(question, ShapeQuestion)
    raw = question.answer if expected is None else expected
    plain = _plain_grade(variant, answer, raw)
    if plain is not None:
        return plain
    ctx = context(variant)
    cache_key = repr(raw)
    want = ctx._keys.get(cache_key)
    if want is None:
        want = _key_dims(question, raw, ctx)
        if len(ctx._keys) > MEMO_LIMIT:
            ctx._keys.clear()
        ctx._keys[cache_key] = want
    expected_text = _expected_text(want, ctx)
    try:
        got = read_answer(answer, ctx.symbols, ctx.x_is_dim)
    except ShapeError as exc:
        return invalid_from(exc, expected=expected_text)
    for dim in got:
        if "//" in dim.text:
            value = ctx.full(dim.expr)
            if value.is_number and not value.is_integer:
                at = answer.find("//")
                return Grade.invalid(
                    f"'//' at column {at + 1}: {dim.text} is not a whole number here ({_show(value)}), and a size is; "
                    "write / for exact division", expected=expected_text, position=at, position_end=at + 2,
                )
    fraction, lines = compare(got, want, ctx)
    return _result(fraction, lines, [_show(d.expr) for d in got], len(want), answer, expected_text)
