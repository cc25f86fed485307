"""sympy expressions -> readable text, the way graders show them: `2·G·d²/H`, `b·n·d + b·d²`, `√d`, `log(n)`.

One convention for every math grader (the `interpreted` and `expected` fields):
`·` for multiplication, superscript digits for whole powers, one `/` before the
denominator, `^(p/q)` for other fractional powers, symbols in the order the
question declares them. Numbers are written plainly (`1048576`); the numeric
grader formats its own values with thousands separators.
"""

from __future__ import annotations

from typing import Sequence

import sympy

from tutor.notation.scripts import superscript

__all__ = ["to_text"]

class _Printer:
    def __init__(self, order: Sequence[str]) -> None:
        self.rank = {name: i for i, name in enumerate(order)}

    def symbol_key(self, name: str) -> tuple[int, str]:
        return (self.rank.get(name, len(self.rank)), name)

    def term_key(self, term: sympy.Expr) -> tuple:
        powers = term.as_powers_dict()
        degree = 0.0
        vector = []
        for base, exp in powers.items():
            if isinstance(base, sympy.Symbol) and exp.is_number:
                degree += float(exp)
        for name in sorted(self.rank, key=self.symbol_key):
            exp = powers.get(sympy.Symbol(name, positive=True), sympy.Integer(0))
            vector.append(-float(exp) if exp.is_number else 0.0)
        return (-degree, vector)  # ties keep sympy's canonical order (the sort is stable)

    def text(self, expr: sympy.Expr) -> str:
        if isinstance(expr, sympy.Add):
            return self.add(expr)
        if isinstance(expr, sympy.Mul) or (isinstance(expr, sympy.Pow) and expr.exp.is_negative):
            return self.mul(expr)
        if isinstance(expr, sympy.Pow):
            return self.power(expr)
        if isinstance(expr, sympy.Rational):
            return str(expr.p) if expr.q == 1 else f"{expr.p}/{expr.q}"
        if expr is sympy.pi:
            return "π"
        if isinstance(expr, sympy.Symbol):
            return expr.name
        if isinstance(expr, sympy.log):
            return f"log({self.text(expr.args[0])})"
        name = getattr(type(expr), "display_name", None)  # min/max as the parser builds them
        if name is not None:
            args = sorted(expr.args, key=self.term_key)
            return f"{name}({', '.join(self.text(a) for a in args)})"
        if isinstance(expr, sympy.Float):
            return f"{float(expr):g}"
        return str(expr)

    def add(self, expr: sympy.Add) -> str:
        terms = sorted(expr.args, key=self.term_key)
        positive = [t for t in terms if not t.could_extract_minus_sign()]
        negative = [t for t in terms if t.could_extract_minus_sign()]
        out = ""
        for i, term in enumerate(positive + negative):
            if term.could_extract_minus_sign():
                body = self.text(-term)
                out += f" - {body}" if i else f"-{body}"
            else:
                body = self.text(term)
                out += f" + {body}" if i else body
        return out

    def factor(self, base: sympy.Expr, exp: sympy.Rational) -> str:
        if exp == 1:
            return self.atom(base)
        return self.power(sympy.Pow(base, exp, evaluate=False))

    def atom(self, expr: sympy.Expr) -> str:
        text = self.text(expr)
        if isinstance(expr, (sympy.Add, sympy.Mul)) or (isinstance(expr, sympy.Rational) and expr.q != 1):
            return f"({text})"
        if isinstance(expr, sympy.Number) and expr.is_negative:
            return f"({text})"
        return text

    def power(self, expr: sympy.Pow) -> str:
        base, exp = expr.args
        if exp == sympy.Rational(1, 2):
            return f"√{self.atom(base)}"
        base_text = self.atom(base)
        if isinstance(base, sympy.Pow):
            base_text = f"({base_text})"
        if isinstance(exp, sympy.Integer) and exp >= 0:
            return f"{base_text}{superscript(int(exp))}"
        return f"{base_text}^({self.text(exp)})"

    def mul(self, expr: sympy.Expr) -> str:
        coeff, rest = expr.as_coeff_mul()
        sign = ""
        if coeff.is_negative:
            sign, coeff = "-", -coeff
        num: list[tuple[sympy.Expr, sympy.Expr]] = []
        den: list[tuple[sympy.Expr, sympy.Expr]] = []
        for f in rest:
            base, exp = f.as_base_exp()
            if exp.is_number and exp.is_negative:
                den.append((base, -exp))
            else:
                num.append((base, exp))

        def key(item: tuple[sympy.Expr, sympy.Expr]) -> tuple:
            base = item[0]
            if isinstance(base, sympy.Symbol):
                return (0, self.symbol_key(base.name), "")
            return (1, (0, ""), sympy.default_sort_key(base))

        num.sort(key=key)
        den.sort(key=key)
        num_parts: list[str] = []
        den_parts: list[str] = []
        if isinstance(coeff, sympy.Rational):
            if coeff.p != 1:
                num_parts.append(str(coeff.p))
            if coeff.q != 1:
                den_parts.append(str(coeff.q))
        elif coeff != 1:
            num_parts.append(self.atom(coeff))
        num_parts += [self.factor(b, e) for b, e in num]
        den_parts += [self.factor(b, e) for b, e in den]
        numerator = "·".join(num_parts) or "1"
        if not den_parts:
            return sign + numerator
        denominator = den_parts[0] if len(den_parts) == 1 else f"({'·'.join(den_parts)})"
        if len(num_parts) == 1 and num_parts[0].startswith("(") is False and " " in num_parts[0]:
            numerator = f"({numerator})"
        return f"{sign}{numerator}/{denominator}"


def to_text(expr: sympy.Expr, order: Sequence[str] = ()) -> str:
    """The readable canonical form of `expr`; symbols in `order` come first, in that order."""
    return _Printer(order).text(expr)
