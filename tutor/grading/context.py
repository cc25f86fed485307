"""One grading context per question and params: the symbols, `where` definitions and param values, resolved once.

Every math grader (shape, symbolic, complexity, numeric) reads a variant the same way:

- `symbols`: the names a learner may type (each kind says which: declared symbols and `where`
  names for formulas, the names a shape question uses, the params for a number);
- `where`: each `where` name -> its definition, parsed once and resolved through chains
  (`k: d/h`, `h: H/2` gives `k = 2·d/H`), so one `xreplace` substitutes them all;
- `values`: each param -> its exact value (a float param is read from its decimal text);
- `key(raw)`: the answer key (or a feedback rule's answer) parsed once per context.

Contexts are cached with `functools.lru_cache` on the frozen question, the params and the
symbols: grading one answer against the key and every feedback rule builds nothing twice.
A bad `where` or key is a bank error (`ValueError` naming the question), never a learner's.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

import sympy

from tutor.bank.model import QuestionBase
from tutor.grading.parse import MathSyntaxError, parse_math

__all__ = ["GradingContext", "exact_number", "formula_symbols", "grading_context"]

KEY_MEMO = 256  # parsed keys kept per context (the key and the question's feedback answers)


def exact_number(value: int | float) -> sympy.Rational:
    """A YAML number as an exact rational: `0.1` is 1/10 (read from its shortest decimal text), not a binary fraction."""
    if isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    if isinstance(value, int):
        return sympy.Integer(value)
    return sympy.Rational(repr(float(value)))


def formula_symbols(question: Any) -> tuple[str, ...]:
    """For formula and big-O answers: the declared symbols, then any `where` names not among them."""
    return tuple(dict.fromkeys([*question.symbols, *getattr(question, "where", {})]))


@dataclass(frozen=True)
class GradingContext:
    """What a question declares, for one variant's params, resolved into sympy bindings."""

    question_id: str
    symbols: tuple[str, ...]
    where: Mapping[sympy.Symbol, sympy.Expr]
    values: Mapping[sympy.Symbol, sympy.Rational]
    _keys: dict[tuple, sympy.Expr] = field(default_factory=dict, compare=False, repr=False)

    def resolve(self, expr: sympy.Expr) -> sympy.Expr:
        """`expr` with every `where` name replaced by its (fully resolved) definition."""
        return expr.xreplace(dict(self.where)) if self.where else expr

    def bind(self, expr: sympy.Expr) -> sympy.Expr:
        """`expr` with `where` names and params replaced: a number when nothing else is free."""
        out = self.resolve(expr)
        return out.xreplace(dict(self.values)) if self.values else out

    def key(
        self, raw: Any, *, allow_big_o: bool = False, constants: Mapping[str, sympy.Expr] | None = None
    ) -> sympy.Expr:
        """An answer written in the bank (a number or an expression), parsed once; a bad one is a bank error."""
        if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
            raise ValueError(f"{self.question_id}: an answer must be a number or an expression, got {raw!r}")
        memo = (type(raw), raw, allow_big_o, tuple(sorted((constants or {}).items())))
        hit = self._keys.get(memo)
        if hit is not None:
            return hit
        if isinstance(raw, (int, float)):
            expr: sympy.Expr = exact_number(raw)
        else:
            try:
                expr = parse_math(raw, self.symbols, allow_big_o=allow_big_o, constants=constants)
            except MathSyntaxError as err:
                raise ValueError(f"{self.question_id}: answer {raw!r} cannot be read: {err.message}") from None
        if len(self._keys) >= KEY_MEMO:
            self._keys.clear()
        self._keys[memo] = expr
        return expr


def _resolve_where(question_id: str, where: dict[sympy.Symbol, sympy.Expr]) -> dict[sympy.Symbol, sympy.Expr]:
    """Each definition with the other `where` names substituted until none is left."""
    out = dict(where)
    for _ in range(len(out) + 1):
        changed = False
        for name, expr in out.items():
            if expr.free_symbols & set(out):
                out[name] = expr.xreplace(out)
                changed = True
        if not changed:
            return out
    names = sorted(s.name for s, e in out.items() if e.free_symbols & set(out))
    raise ValueError(f"{question_id}: `where` definitions refer to each other in a cycle: {', '.join(names)}")


@functools.lru_cache(maxsize=1024)
def _build(question: QuestionBase, params: tuple[tuple[str, Any], ...], symbols: tuple[str, ...]) -> GradingContext:
    where: dict[sympy.Symbol, sympy.Expr] = {}
    for name, raw in getattr(question, "where", {}).items():
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            where[sympy.Symbol(name, positive=True)] = exact_number(raw)
            continue
        try:
            where[sympy.Symbol(name, positive=True)] = parse_math(str(raw), symbols)
        except MathSyntaxError as err:
            raise ValueError(f"{question.id}: where {name}: cannot read {raw!r}: {err.message}") from None
    values = {sympy.Symbol(name, positive=True): exact_number(value) for name, value in params}
    return GradingContext(question.id, symbols, _resolve_where(question.id, where), values)


def grading_context(question: QuestionBase, params: Mapping[str, Any], symbols: Iterable[str]) -> GradingContext:
    """The (cached) context of `question` with these params, reading answers over `symbols`."""
    return _build(question, tuple(sorted(params.items())), tuple(symbols))
