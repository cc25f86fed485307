"""Safe parsing of typed math into sympy objects, with an explicit whitelist.

Text a learner typed is never given to `eval`, `exec`, `sympify` or `parse_expr`:
a small tokenizer and a recursive-descent parser build `sympy.Add/Mul/Pow/...`
directly. What is accepted (see docs/grading.md for the full list):

- numbers: `2`, `0.125`, `1e-3`, `2.5E6`, `1,048,576`, `1_048_576`;
- declared symbols (all positive), multi-character ones included; a run of
  letters that is no declared symbol is split into declared ones (`Gd` -> G*d);
- `+ - * / ^ **`, unary minus, `( ) [ ] { }`, implicit multiplication
  (`2Gd^2/H`, `b n d`, `2(a+b)`, `(a)(b)`);
- unicode `× · ⋅ − ÷ ² ³ … ⁻ √ π 𝒪` and LaTeX `\\frac \\cdot \\times ^{} \\sqrt
  \\left \\right \\log \\mathcal{O} \\,`;
- functions `sqrt`, `log` (natural), `ln`, `log2`, `log10`, `min`, `max`.

Every input is bounded (length, nesting, exponent and literal size), so any
answer of up to 1,000 characters is parsed in milliseconds; everything that
cannot be read raises `MathSyntaxError` naming what and where.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from typing import Iterable, Mapping

import sympy

from tutor.notation import FUNCTIONS
from tutor.notation.scripts import from_superscript, is_read_superscript

__all__ = [
    "FUNCTIONS",
    "MathMax",
    "MathMin",
    "MathSyntaxError",
    "ParsedMath",
    "clear_parse_cache",
    "parse_math",
    "parse_math_full",
]

MAX_LENGTH = 1000
MAX_DEPTH = 60
MAX_FUNCTION_DEPTH = 4
MAX_SYMBOLIC_EXPONENT = 64
MAX_DEGREE = 512
MAX_LITERAL_DIGITS = 40
MAX_CONSTANT_BITS = 4096
MAX_ROOT_BASE_BITS = 256


class _MinMax(sympy.Function):
    """min/max kept unevaluated: sympy's own Min/Max compare their arguments with the
    assumptions system, which takes seconds on a few polynomial arguments. Arguments
    are sorted and deduplicated so that max(b, n) and max(n, b) are the same object;
    all-number arguments are folded."""

    pick = staticmethod(max)

    def __new__(cls, *args: sympy.Expr, **options: object) -> sympy.Expr:
        unique = sorted(set(args), key=sympy.default_sort_key)
        numbers = [a for a in unique if isinstance(a, sympy.Rational)]
        if len(numbers) > 1:  # fold the numbers among the arguments into one
            unique = [a for a in unique if not isinstance(a, sympy.Rational)] + [cls.pick(numbers)]
            unique.sort(key=sympy.default_sort_key)
        if len(unique) == 1:
            return unique[0]
        return super().__new__(cls, *unique, **options)


class MathMax(_MinMax):
    pick = staticmethod(max)
    display_name = "max"  # how `tutor.notation.sympy_text` prints it


class MathMin(_MinMax):
    pick = staticmethod(min)
    display_name = "min"


class MathSyntaxError(ValueError):
    """An answer we cannot read: `message` says what; `position` and `end` (0-based, end
    exclusive) say where, as data: the span of the answer that broke."""

    def __init__(self, message: str, position: int, end: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.position = max(0, position)
        self.end = max(self.position + 1, end if end is not None else self.position + 1)

    def __str__(self) -> str:
        return self.message


# ---------------------------------------------------------------- tokens

@dataclass(frozen=True)
class _Tok:
    kind: str  # num, name, func, op, open, close, comma, sup, sqrt, frac, bigo, const
    text: str
    pos: int
    end: int
    value: object = None


_OPS = {
    "+": "+", "-": "-", "−": "-", "–": "-", "*": "*", "×": "*", "·": "*", "⋅": "*",
    "∙": "*", "∗": "*", "/": "/", "÷": "/", "∕": "/", "⁄": "/", "^": "^",
}
_OPEN = {"(": ")", "[": "]", "{": "}"}
_CLOSE = {")", "]", "}"}
_SKIP_LATEX = {",", ";", ":", "!", " ", "quad", "qquad", "displaystyle", "textstyle", "left", "right",
               "big", "Big", "bigl", "bigr", "Bigl", "Bigr", "mathrm", "text", "operatorname", "limits"}
_LATEX_OPS = {"cdot": "*", "times": "*", "ast": "*", "div": "/"}
_LATEX_FUNCS = {"log": "log", "ln": "ln", "lg": "log2", "min": "min", "max": "max", "sqrt": "sqrt"}
_NUMBER = re.compile(
    r"(?:\d{1,3}(?:_\d{3})+|\d+)(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?"
)
_SUBSCRIPT_GROUP = re.compile(r"_\{([A-Za-z0-9_]+)\}")


def _bound_error(letter: str, pos: int, end: int | None = None) -> MathSyntaxError:
    what = "a tight bound" if letter == "Θ" else "a lower bound"
    return MathSyntaxError(
        f"{letter}(...) at column {pos + 1} is {what}; this asks for an upper bound: write O(...)", pos, end
    )


def _is_word_char(ch: str) -> bool:
    return ch.isalpha() or "0" <= ch <= "9"


def _word_end(text: str, i: int) -> int:
    """End of a name starting at `i`: letters and ASCII digits, joined by single underscores."""
    j, n = i + 1, len(text)
    while j < n:
        if _is_word_char(text[j]) and text[j] not in ("𝒪", "π"):
            j += 1
        elif text[j] == "_" and j + 1 < n and _is_word_char(text[j + 1]):
            j += 2
        else:
            break
    return j


def _number_value(text: str, pos: int) -> sympy.Rational:
    """The exact value of a numeric literal (`2.5E6`, `1_048_576`), bounded in size."""
    clean = text.replace("_", "")
    mantissa, _, exponent = clean.lower().partition("e")
    digits = mantissa.replace(".", "").lstrip("0")
    if len(digits) > MAX_LITERAL_DIGITS:
        raise MathSyntaxError(
            f"number at column {pos + 1} has too many digits ({len(digits)}; at most {MAX_LITERAL_DIGITS})", pos,
            pos + len(text),
        )
    exp = int(exponent) if exponent else 0
    if abs(exp) > 300:
        raise MathSyntaxError(f"exponent e{exp} at column {pos + 1} is too large (at most e±300)", pos, pos + len(text))
    return sympy.Rational(clean)  # exact: sympy reads a decimal string digit for digit


class _Lexer:
    def __init__(self, text: str, vocabulary: "_Vocabulary") -> None:
        self.text = text
        self.vocab = vocabulary
        self.tokens: list[_Tok] = []

    def run(self) -> list[_Tok]:
        text, i, n = self.text, 0, len(self.text)
        while i < n:
            ch = text[i]
            if ch.isspace() or ch in "$~\u200b\u2009\u202f":
                i += 1
            elif "0" <= ch <= "9" or (ch == "." and i + 1 < n and "0" <= text[i + 1] <= "9"):
                m = _NUMBER.match(text, i)
                assert m is not None
                self._exponent_clash(m.group(0), i)
                # `2e` followed by no digits is `2·e`: the regex only takes e with digits.
                self.tokens.append(_Tok("num", m.group(0), i, m.end(), _number_value(m.group(0), i)))
                i = m.end()
            elif ch == "\\":
                i = self._latex(i)
            elif ch in _OPS:
                if ch == "*" and text.startswith("**", i):
                    self.tokens.append(_Tok("op", "^", i, i + 2))
                    i += 2
                else:
                    self.tokens.append(_Tok("op", _OPS[ch], i, i + 1))
                    i += 1
            elif ch in _OPEN:
                self.tokens.append(_Tok("open", ch, i, i + 1))
                i += 1
            elif ch in _CLOSE:
                self.tokens.append(_Tok("close", ch, i, i + 1))
                i += 1
            elif ch == ",":
                self.tokens.append(_Tok("comma", ",", i, i + 1))
                i += 1
            elif is_read_superscript(ch):
                j = i
                while j < n and is_read_superscript(text[j]):
                    j += 1
                raw = from_superscript(text[i:j])
                self.tokens.append(_Tok("sup", raw, i, j))
                i = j
            elif ch == "√":
                self.tokens.append(_Tok("func", "sqrt", i, i + 1, "prefix"))
                i += 1
            elif ch == "π":
                self.tokens.append(_Tok("const", "π", i, i + 1, sympy.pi))
                i += 1
            elif ch in "ΘΩ":
                raise _bound_error(ch, i)
            elif ch == "𝒪":
                self.tokens.append(_Tok("bigo", "𝒪", i, i + 1))
                i += 1
            elif ch.isalpha():
                i = self._word(i)
            else:
                raise MathSyntaxError(f"unexpected character {ch!r} at column {i + 1}", i)
        return self.tokens

    def _exponent_clash(self, number: str, i: int) -> None:
        """`2e+3` with a symbol `e` (or `E`) declared: 2×10³, or 2·e + 3? Refused, naming both readings."""
        mark = next((c for c in number if c in "eE"), None)
        if mark is None or mark not in self.vocab.symbols:
            return
        mantissa, _, exponent = number.partition(mark)
        sign = "-" if exponent.startswith("-") else "+"
        digits = exponent.lstrip("+-")
        symbol_reading = f"{mantissa}·{mark} {sign} {digits}" if exponent[:1] in "+-" else f"{mantissa}·{mark}·{digits}"
        raise MathSyntaxError(
            f"'{number}' at column {i + 1} is ambiguous: it reads as {mantissa}×10^{exponent.lstrip('+')} "
            f"(scientific notation) or as {symbol_reading} (with the symbol {mark}); write {mantissa}*10^{exponent.lstrip('+')} "
            f"for the number, or put * after {mantissa} for the symbol",
            i, i + len(number),
        )

    def _latex(self, i: int) -> int:
        text = self.text
        m = re.compile(r"\\([A-Za-z]+|.)").match(text, i)
        if m is None:  # a lone trailing backslash
            raise MathSyntaxError(f"a lone '\\' at column {i + 1}", i)
        name, end = m.group(1), m.end()
        if name in _SKIP_LATEX or name == "\\":
            return end
        if name in ("{", "}"):
            self.tokens.append(_Tok("open" if name == "{" else "close", "(" if name == "{" else ")", i, end))
            return end
        if name in _LATEX_OPS:
            self.tokens.append(_Tok("op", _LATEX_OPS[name], i, end))
            return end
        if name in ("frac", "dfrac", "tfrac"):
            self.tokens.append(_Tok("frac", name, i, end))
            return end
        if name == "log":
            base = re.compile(r"_\{?\s*(2|10|e)\s*\}?").match(text, end)
            if base is not None:
                fn = {"2": "log2", "10": "log10", "e": "ln"}[base.group(1)]
                self.tokens.append(_Tok("func", fn, i, base.end(), "latex"))
                return base.end()
        if name in _LATEX_FUNCS:
            self.tokens.append(_Tok("func", _LATEX_FUNCS[name], i, end, "latex"))
            return end
        if name == "pi":
            self.tokens.append(_Tok("const", "π", i, end, sympy.pi))
            return end
        if name in ("Theta", "Omega"):
            raise _bound_error("Θ" if name == "Theta" else "Ω", i, end)
        if name in ("mathcal", "mathit", "mathbf", "mathsf", "mathbb"):
            g = re.compile(r"\s*\{\s*O\s*\}|\s*O(?![A-Za-z])").match(text, end)
            if g is not None:
                self.tokens.append(_Tok("bigo", text[i:g.end()], i, g.end()))
                return g.end()
            return end  # \mathbf{x}: the group is read as grouping around x
        raise MathSyntaxError(f"unknown LaTeX command '\\{name}' at column {i + 1}", i, end)

    def _word(self, i: int) -> int:
        text = self.text
        end = _word_end(text, i)
        word = text[i:end]
        # LaTeX subscripts in names: d_{model} -> d_model, log_{2} -> log_2
        while (g := _SUBSCRIPT_GROUP.match(text, end)) is not None:
            word += "_" + g.group(1)
            end = g.end()
        calls = text[end:].lstrip().startswith("(")
        self.tokens.extend(self.vocab.split(word, i, end, called=calls))
        return end


class _Vocabulary:
    """Declared symbols, function names and named constants; splits runs of letters."""

    def __init__(self, symbols: Iterable[str], constants: Mapping[str, sympy.Expr], allow_big_o: bool) -> None:
        self.symbols = {name: sympy.Symbol(name, positive=True) for name in symbols}
        self.constants = dict(constants)
        self.allow_big_o = allow_big_o
        self.functions = {f: f for f in FUNCTIONS}
        self.functions.update({"log_2": "log2", "log_10": "log10", "lg": "log2", "log_e": "ln"})
        self.pieces = sorted(set(self.symbols) | set(self.functions), key=len, reverse=True)

    def _single(self, word: str, pos: int, end: int) -> _Tok | None:
        if word in self.symbols:
            return _Tok("name", word, pos, end, self.symbols[word])
        if word in self.constants:
            return _Tok("const", word, pos, end, self.constants[word])
        if word in self.functions:
            return _Tok("func", self.functions[word], pos, end, "word")
        if word == "O" and self.allow_big_o:
            return _Tok("bigo", word, pos, end)
        if word == "pi":
            return _Tok("const", "π", pos, end, sympy.pi)
        return None

    def split(self, word: str, pos: int, end: int, *, called: bool = False) -> list[_Tok]:
        tok = self._single(word, pos, end)
        if tok is not None:
            return [tok]
        parts = self._split_pieces(word)
        if parts is None:
            if called and word in ("Theta", "Omega"):
                raise _bound_error("Θ" if word == "Theta" else "Ω", pos, end)
            if called and word == "O":
                raise MathSyntaxError(f"O(...) at column {pos + 1} is only for big-O answers; write the expression", pos, end)
            if called and not any(word.startswith(s) for s in self.symbols):
                raise MathSyntaxError(
                    f"unknown function '{word}' at column {pos + 1}; functions: {', '.join(FUNCTIONS)}", pos, end
                )
            raise MathSyntaxError(self.unknown_message(word, pos), pos, end)
        out: list[_Tok] = []
        at = pos
        for part in parts:
            single = self._single(part, at, at + len(part))
            assert single is not None
            out.append(single)
            at += len(part)
        return out

    def _split_pieces(self, word: str) -> list[str] | None:
        """Split into declared symbols and function names, preferring long pieces (fewest parts)."""
        n = len(word)
        best: list[list[str] | None] = [None] * (n + 1)
        best[n] = []
        for start in range(n - 1, -1, -1):
            for piece in self.pieces:
                if word.startswith(piece, start) and best[start + len(piece)] is not None:
                    candidate = [piece, *best[start + len(piece)]]  # type: ignore[misc]
                    if best[start] is None or len(candidate) < len(best[start]):  # type: ignore[arg-type]
                        best[start] = candidate
        return best[0]

    def unknown_message(self, word: str, pos: int) -> str:
        allowed = ", ".join(self.symbols) if self.symbols else "none (a number is expected)"
        msg = f"unknown symbol '{word}' at column {pos + 1}; allowed: {allowed}"
        near = [s for s in self.symbols if s.lower() == word.lower()]
        if near:
            msg += f" (did you mean '{near[0]}'? case matters)"
        elif re.fullmatch(r"[A-Za-z]+\d+", word) and word.rstrip("0123456789") in self.symbols:
            base = word.rstrip("0123456789")
            msg += f" (write {base}^{word[len(base):]} for a power)"
        return msg


# ---------------------------------------------------------------- parser

@dataclass(frozen=True)
class _Node:
    expr: sympy.Expr
    degree: int  # bound on the total degree in symbols (keeps exact evaluation cheap)
    bits: int  # bound on the size of constants, in bits
    pos: int
    implicit_factors: int = 1


@dataclass(frozen=True)
class ParsedMath:
    """A parsed answer: the expression, and whether it was written with O(...)."""

    expr: sympy.Expr
    had_big_o: bool


def _has_irrational_constant(expr: sympy.Expr) -> bool:
    """Whether `expr` contains π, a logarithm or root of a number, or min/max of numbers.

    Roots and logarithms of such constants send sympy's automatic simplification
    into long searches (seconds), so the parser refuses them.
    """
    for node in sympy.preorder_traversal(expr):
        if node is sympy.pi:
            return True
        if isinstance(node, (sympy.log, _MinMax)) and node.is_number:
            return True
        if isinstance(node, sympy.Pow) and node.base.is_number and not node.exp.is_Integer:
            return True
    return False


def _log2(n: int) -> float:
    """log2 of a positive whole number of any size (floats overflow past 2^1024)."""
    shift = max(0, n.bit_length() - 64)
    return math.log2(n >> shift) + shift


def _digits(bits: float) -> str:
    return f"{int(bits * math.log10(2)) + 1:,}"


def _const_bits(value: sympy.Expr) -> int:
    if isinstance(value, sympy.Rational):
        return max(int(abs(value.p)).bit_length(), int(value.q).bit_length(), 1)
    return 2


class _Parser:
    def __init__(self, text: str, tokens: list[_Tok], vocab: _Vocabulary) -> None:
        self.text = text
        self.toks = tokens
        self.i = 0
        self.depth = 0
        self.vocab = vocab
        self.had_big_o = False
        self.in_args = 0
        self.function_depth = 0

    # -- helpers
    def peek(self, k: int = 0) -> _Tok | None:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else None

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def error_at(self, tok: _Tok | None, what: str) -> MathSyntaxError:
        if tok is None:
            return MathSyntaxError(f"{what} at the end of the answer", len(self.text))
        return MathSyntaxError(f"{what} at column {tok.pos + 1}", tok.pos, tok.end)

    def enter(self, tok: _Tok | None) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            pos = tok.pos if tok is not None else len(self.text)
            raise MathSyntaxError(f"too deeply nested at column {pos + 1} (at most {MAX_DEPTH} levels)", pos)

    def leave(self) -> None:
        self.depth -= 1

    # -- grammar
    def parse(self) -> _Node:
        if not self.toks:
            raise MathSyntaxError("empty answer: type an expression", 0)
        node = self.expr()
        tok = self.peek()
        if tok is not None:
            if tok.kind == "close":
                raise self.error_at(tok, f"unmatched '{tok.text}'")
            raise self.error_at(tok, f"unexpected '{self.text[tok.pos:tok.end]}'")
        return node

    def expr(self) -> _Node:
        self.enter(self.peek())
        try:
            first = self.term()
            terms, degree, bits = [first.expr], first.degree, first.bits
            while (tok := self.peek()) is not None and tok.kind == "op" and tok.text in "+-":
                self.take()
                rhs = self.term()
                terms.append(rhs.expr if tok.text == "+" else -rhs.expr)
                degree, bits = max(degree, rhs.degree), max(bits, rhs.bits) + 1
                self._check_bits(bits, tok)
            if len(terms) == 1:
                return first
            # one Add of all terms: adding one at a time re-sorts the sum each time (quadratic)
            return _Node(sympy.Add(*terms), degree, bits, first.pos)
        finally:
            self.leave()

    def term(self) -> _Node:
        first = self.implicit_product()
        factors, degree, bits = [first.expr], first.degree, first.bits
        while (tok := self.peek()) is not None and tok.kind == "op" and tok.text in "*/":
            self.take()
            second = self.peek()
            floor = tok.text == "/" and second is not None and second.kind == "op" and second.text == "/" \
                and second.pos == tok.end
            if floor:  # `a // b`: floor division (Python); exact division only where it divides
                self.take()
            rhs = self.implicit_product(after=tok)
            if floor:
                lhs = sympy.Mul(*factors)
                quotient = lhs / rhs.expr if rhs.expr != 0 else None
                if not (isinstance(quotient, sympy.Integer) and lhs.is_number):
                    what = ("it does not divide exactly here" if lhs.is_number and rhs.expr.is_number
                            else "the grader cannot tell whether it divides exactly")
                    raise MathSyntaxError(
                        f"'//' at column {tok.pos + 1} is floor division and {what}: write / for division",
                        tok.pos, second.end,
                    )
            if tok.text == "/":
                if rhs.implicit_factors > 1:
                    shown = self.text[rhs.pos: self._last_end()].strip()
                    raise MathSyntaxError(
                        f"ambiguous '/ {shown}' at column {tok.pos + 1}: write /({shown}) to divide by all of it, "
                        f"or put * between the factors", tok.pos, self._last_end(),
                    )
                if rhs.expr == 0:
                    raise MathSyntaxError(f"division by zero at column {tok.pos + 1}", tok.pos, tok.end)
                factors.append(sympy.Pow(rhs.expr, -1))
            else:
                factors.append(rhs.expr)
            degree, bits = degree + rhs.degree, bits + rhs.bits
            self._check_bits(bits, tok)
            self._check_degree(degree, tok)
        if len(factors) == 1:
            return first
        return _Node(sympy.Mul(*factors), degree, bits, first.pos)

    def _last_end(self) -> int:
        return self.toks[self.i - 1].end if self.i > 0 else 0

    def _starts_factor(self, tok: _Tok | None) -> bool:
        return tok is not None and tok.kind in ("num", "name", "func", "open", "frac", "bigo", "const")

    def implicit_product(self, after: _Tok | None = None) -> _Node:
        tok = self.peek()
        if tok is None:
            raise self.error_at(None, "expected a value" + (f" after '{after.text}'" if after else ""))
        first = self.unary()
        factors, degree, bits = [first.expr], first.degree, first.bits
        while self._starts_factor(self.peek()):
            nxt = self.peek()
            assert nxt is not None
            prev = self.toks[self.i - 1]
            if nxt.kind == "num" and prev.kind in ("num", "sup"):
                raise MathSyntaxError(
                    f"two numbers side by side at column {nxt.pos + 1}: put * between them, "
                    "or write the number without spaces", nxt.pos, nxt.end,
                )
            rhs = self.power()
            factors.append(rhs.expr)
            degree, bits = degree + rhs.degree, bits + rhs.bits
            self._check_bits(bits, nxt)
            self._check_degree(degree, nxt)
        if len(factors) == 1:
            return first
        return _Node(sympy.Mul(*factors), degree, bits, first.pos, len(factors))

    def unary(self) -> _Node:
        tok = self.peek()
        if tok is not None and tok.kind == "op" and tok.text in "+-":
            self.enter(tok)
            try:
                self.take()
                inner = self.unary()
                expr = -inner.expr if tok.text == "-" else inner.expr
                return _Node(expr, inner.degree, inner.bits, tok.pos)
            finally:
                self.leave()
        return self.power()

    def power(self) -> _Node:
        base = self.postfix()
        tok = self.peek()
        if tok is not None and tok.kind == "op" and tok.text == "^":
            self.take()
            self.enter(tok)
            try:
                exp_tok = self.peek()
                if exp_tok is not None and exp_tok.kind == "open" and exp_tok.text == "{":
                    exponent = self.group()
                else:
                    exponent = self.unary()
                    self._refuse_one_over(exponent)
            finally:
                self.leave()
            return self.make_power(base, exponent.expr, tok)
        return base

    def _refuse_one_over(self, exponent: _Node) -> None:
        """`d^-1/2` is (1/d)/2 by precedence but is typed for 1/√d (and `n^1/2` for √n):
        an exponent of ±1 glued to `/number` is refused as ambiguous."""
        last = self.toks[self.i - 1]
        slash, number = self.peek(), self.peek(1)
        if (
            exponent.expr in (sympy.Integer(1), sympy.Integer(-1)) and last.kind == "num"
            and slash is not None and slash.kind == "op" and slash.text == "/" and slash.pos == last.end
            and number is not None and number.kind == "num" and number.pos == slash.end
        ):
            sign = "-" if exponent.expr == -1 else ""
            raise self.error_at(
                slash,
                f"ambiguous '^{self.text[exponent.pos:number.end]}': write ^({sign}1/{number.text}) for a root, "
                f"or put spaces around '/' to divide by {number.text}",
            )

    def postfix(self) -> _Node:
        node = self.primary()
        while (tok := self.peek()) is not None and tok.kind == "sup":
            self.take()
            raw = tok.text
            if raw == "n" and "n" in self.vocab.symbols:
                exponent: sympy.Expr = self.vocab.symbols["n"]
            elif re.fullmatch(r"[+-]?\d+", raw):
                exponent = sympy.Integer(int(raw))
            else:
                raise self.error_at(tok, f"unreadable superscript '{self.text[tok.pos:tok.end]}'")
            node = self.make_power(node, exponent, tok)
        return node

    def make_power(self, base: _Node, exponent: sympy.Expr, tok: _Tok) -> _Node:
        if not isinstance(exponent, sympy.Rational):
            raise MathSyntaxError(
                f"the exponent at column {tok.pos + 1} must be a number (got {exponent})", tok.pos
            )
        if exponent.q != 1 and base.expr.is_negative:
            raise MathSyntaxError(
                f"root of a negative value at column {tok.pos + 1}: nothing in this domain is a complex number",
                tok.pos, tok.end,
            )
        if exponent.q != 1 and _has_irrational_constant(base.expr):
            raise MathSyntaxError(
                f"root at column {tok.pos + 1} of an expression with π, a logarithm or a root of a number: "
                "work out the numbers first", tok.pos, tok.end,
            )
        if base.expr.is_number:
            if base.expr == 0 and exponent < 0:
                raise MathSyntaxError(f"division by zero at column {tok.pos + 1}", tok.pos, tok.end)
            if not isinstance(exponent, sympy.Integer):
                if base.bits > MAX_ROOT_BASE_BITS or abs(exponent.q) > 64 or abs(exponent.p) > 4096:
                    raise MathSyntaxError(f"power at column {tok.pos + 1} is too large to compute", tok.pos, tok.end)
            size = abs(int(exponent.p)) / max(int(exponent.q), 1)
            if isinstance(base.expr, sympy.Rational) and base.expr != 0:
                # the true size: log2 of the larger of numerator and denominator, times the power
                estimate = _log2(max(abs(int(base.expr.p)), int(base.expr.q))) * size
            else:
                estimate = base.bits * size
            if estimate > MAX_CONSTANT_BITS:
                # a negative power of a number above 1 (or a positive one of a fraction) is tiny, not large
                tiny = isinstance(base.expr, sympy.Rational) and (abs(base.expr) > 1) == (exponent < 0)
                what = (f"too small: about 10^-{_digits(estimate)}" if tiny
                        else f"too large: a number of about {_digits(estimate)} digits")
                raise MathSyntaxError(
                    f"power at column {tok.pos + 1} is {what} (at most {MAX_CONSTANT_BITS:,} bits, about "
                    f"{_digits(MAX_CONSTANT_BITS)} digits, either way)",
                    tok.pos, tok.end,
                )
            bits = max(int(math.ceil(estimate)), 1)
            degree = 0
        else:
            if abs(exponent) > MAX_SYMBOLIC_EXPONENT:
                raise MathSyntaxError(
                    f"exponent {exponent} at column {tok.pos + 1} is too large (at most {MAX_SYMBOLIC_EXPONENT})",
                    tok.pos, tok.end,
                )
            bits = int(base.bits * abs(exponent)) + 1
            degree = int(math.ceil(base.degree * abs(exponent)))
        power = sympy.Pow(base.expr, exponent)
        combined = power.as_base_exp()[1]
        if isinstance(combined, sympy.Rational) and combined.q > MAX_SYMBOLIC_EXPONENT:
            raise MathSyntaxError(f"root at column {tok.pos + 1} is too deep (at most a {MAX_SYMBOLIC_EXPONENT}th root)", tok.pos, tok.end)
        node = _Node(power, degree, bits, base.pos)
        self._check_bits(node.bits, tok)
        self._check_degree(node.degree, tok)
        return node

    def _check_bits(self, bits: int, tok: _Tok) -> None:
        if bits > 4 * MAX_CONSTANT_BITS:
            raise MathSyntaxError(f"numbers too large at column {tok.pos + 1}", tok.pos, tok.end)

    def _check_degree(self, degree: int, tok: _Tok) -> None:
        if degree > MAX_DEGREE:
            raise MathSyntaxError(
                f"expression degree too high at column {tok.pos + 1} (powers multiply up to more than {MAX_DEGREE})",
                tok.pos, tok.end,
            )

    def group(self) -> _Node:
        """`( expr )`, `[ expr ]` or `{ expr }`."""
        tok = self.take()
        closer = _OPEN[tok.text] if tok.text in _OPEN else ")"
        inner = self.expr()
        close = self.peek()
        if close is None or close.kind != "close":
            raise self.error_at(close, f"expected '{closer}' to close the '{tok.text}' at column {tok.pos + 1}")
        if close.text != closer:
            raise self.error_at(close, f"'{close.text}' does not match the '{tok.text}' at column {tok.pos + 1}")
        self.take()
        return _Node(inner.expr, inner.degree, inner.bits, tok.pos)

    def primary(self) -> _Node:
        tok = self.peek()
        if tok is None:
            raise self.error_at(None, "expected a value")
        if tok.kind == "num":
            self.take()
            value = tok.value
            assert isinstance(value, sympy.Rational)
            value = self._thousands(tok, value)
            return _Node(value, 0, _const_bits(value), tok.pos)
        if tok.kind == "name":
            self.take()
            assert isinstance(tok.value, sympy.Symbol)
            return _Node(tok.value, 1, 1, tok.pos)
        if tok.kind == "const":
            self.take()
            value = tok.value
            assert isinstance(value, sympy.Expr)
            return _Node(value, 0, _const_bits(value), tok.pos)
        if tok.kind == "open":
            return self.group()
        if tok.kind == "frac":
            self.take()
            num = self.latex_arg(tok)
            den = self.latex_arg(tok)
            if den.expr == 0:
                raise MathSyntaxError(f"division by zero in \\frac at column {tok.pos + 1}", tok.pos, tok.end)
            node = _Node(
                sympy.Mul(num.expr, sympy.Pow(den.expr, -1)), num.degree + den.degree, num.bits + den.bits, tok.pos
            )
            self._check_degree(node.degree, tok)
            return node
        if tok.kind == "func":
            return self.function()
        if tok.kind == "bigo":
            self.take()
            if not self.vocab.allow_big_o:
                raise self.error_at(tok, "O(...) is not expected here")
            nxt = self.peek()
            if nxt is None or nxt.kind != "open":
                raise self.error_at(nxt, "expected '(' after O")
            self.had_big_o = True
            return self.group()
        if tok.kind == "close":
            raise self.error_at(tok, f"unmatched '{tok.text}'" if self.depth <= 1 else f"expected a value before '{tok.text}'")
        if tok.kind == "comma":
            raise self.error_at(tok, "unexpected ','")
        if tok.kind == "sup":
            raise self.error_at(tok, "a superscript needs something before it")
        raise self.error_at(tok, f"expected a value, got '{self.text[tok.pos:tok.end]}'")

    def _thousands(self, tok: _Tok, value: sympy.Rational) -> sympy.Rational:
        """`1,048,576`: a comma followed by exactly three digits joins the groups (not inside min/max)."""
        text = tok.text
        if self.in_args or not re.fullmatch(r"\d{1,3}", text):
            return value
        end = tok.end
        groups = [text]
        while True:
            comma, nxt = self.peek(), self.peek(1)
            if (
                comma is not None and comma.kind == "comma" and comma.pos == end
                and nxt is not None and nxt.kind == "num" and nxt.pos == comma.end
                and re.fullmatch(r"\d{3}(?:\.\d*)?", nxt.text)
            ):
                groups.append(nxt.text)
                self.i += 2
                end = nxt.end
                if "." in nxt.text:
                    break
            else:
                break
        if len(groups) == 1:
            return value
        return _number_value("".join(groups), tok.pos)

    def latex_arg(self, owner: _Tok) -> _Node:
        tok = self.peek()
        if tok is None:
            raise self.error_at(None, f"\\{owner.text} at column {owner.pos + 1} needs an argument")
        if tok.kind == "open":
            return self.group()
        if tok.kind == "num" and len(tok.text) > 1 and tok.text.isdigit():
            # TeX reads one digit per argument: \frac12 is 1/2. Split the token in two.
            first = _Tok("num", tok.text[0], tok.pos, tok.pos + 1, sympy.Integer(int(tok.text[0])))
            rest = _Tok("num", tok.text[1:], tok.pos + 1, tok.end, sympy.Integer(int(tok.text[1:])))
            self.toks[self.i: self.i + 1] = [first, rest]
            self.take()
            return _Node(first.value, 0, 4, tok.pos)  # type: ignore[arg-type]
        return self.postfix()

    def function(self) -> _Node:
        tok = self.peek()
        self.function_depth += 1
        try:
            if self.function_depth > MAX_FUNCTION_DEPTH:
                raise self.error_at(tok, f"functions nested too deeply (at most {MAX_FUNCTION_DEPTH} levels)")
            return self._function()
        finally:
            self.function_depth -= 1

    def _function(self) -> _Node:
        tok = self.take()
        name = tok.text
        power = self._log_power(tok)
        if power is not None:  # `log^2 n`, `log² n`, `\log^2(n)`: the usual way to write (log n)²
            exponent, at = power
            return self.make_power(self._rest_of_function(tok, name), exponent, at)
        return self._rest_of_function(tok, name)

    def _log_power(self, tok: _Tok) -> tuple[sympy.Integer, _Tok] | None:
        """The whole-number power written between a log and its argument, if any (consumed)."""
        if tok.text not in ("log", "ln", "log2", "log10"):
            return None
        nxt = self.peek()
        if nxt is not None and nxt.kind == "sup" and re.fullmatch(r"\d+", nxt.text):
            self.take()
            return sympy.Integer(int(nxt.text)), nxt
        after = self.peek(1)
        if nxt is not None and nxt.kind == "op" and nxt.text == "^" and after is not None:
            if after.kind == "num" and re.fullmatch(r"\d+", after.text):
                self.i += 2
                return sympy.Integer(int(after.text)), after
            if after.kind == "open" and after.text == "{":
                close = self.peek(3)
                number = self.peek(2)
                if number is not None and number.kind == "num" and re.fullmatch(r"\d+", number.text) \
                        and close is not None and close.kind == "close":
                    self.i += 4
                    return sympy.Integer(int(number.text)), number
            # `log^(2) L`, `log^0.5 L`: only a whole number may sit between a log and its argument
            raise MathSyntaxError(
                f"'^' after {tok.text} at column {nxt.pos + 1}: only a whole number may go between {tok.text} and "
                f"its argument ({tok.text}^2 n); write the power after the argument, e.g. {tok.text}(L)^2 "
                f"or {tok.text}(L)^0.5", nxt.pos, nxt.end,
            )
        return None

    def _rest_of_function(self, tok: _Tok, name: str) -> _Node:
        if name == "sqrt" and tok.value == "latex":
            nxt = self.peek()
            if nxt is not None and nxt.kind == "open" and nxt.text == "[":
                index = self.group()
                if not isinstance(index.expr, sympy.Integer) or not 2 <= int(index.expr) <= 16:
                    raise self.error_at(nxt, "the root index must be a whole number from 2 to 16")
                arg = self.latex_arg(tok)
                return self.make_power(arg, sympy.Rational(1, int(index.expr)), tok)
            arg = self.latex_arg(tok)
            return self.make_power(arg, sympy.Rational(1, 2), tok)
        nxt = self.peek()
        if name in ("min", "max"):
            if nxt is None or nxt.kind != "open":
                raise self.error_at(nxt, f"expected '(' after {name}")
            args = self.arguments()
            if len(args) < 2:
                raise self.error_at(tok, f"{name} needs at least two arguments")
            if len(args) > 8:
                raise self.error_at(tok, f"{name} takes at most 8 arguments")
            fn = MathMin if name == "min" else MathMax
            return _Node(
                fn(*[a.expr for a in args]), max(a.degree for a in args), max(a.bits for a in args), tok.pos
            )
        if nxt is not None and nxt.kind == "open":
            arg = self.group()
        elif self._starts_factor(nxt) or (nxt is not None and nxt.kind == "func"):
            arg = self.power()  # `log n`, `√d`, `\log n^2`
            after = self.peek()
            if (
                nxt is not None and nxt.kind == "num" and after is not None
                and after.pos == self.toks[self.i - 1].end and after.kind in ("name", "open", "func", "const")
            ):  # `log 2n`: log(2n) to most readers, log(2)·n by the one-factor rule
                rest = "(…)" if after.kind == "open" else after.text
                raise self.error_at(
                    after,
                    f"ambiguous '{self.text[tok.pos:after.end]}': write {name}({nxt.text}{rest}) "
                    f"or {name}({nxt.text})·{rest}",
                )
        else:
            raise self.error_at(nxt, f"{name} needs an argument")
        if name == "sqrt":
            return self.make_power(arg, sympy.Rational(1, 2), tok)
        if _has_irrational_constant(arg.expr):
            raise self.error_at(tok, f"{name} of an expression with π, a logarithm or a root of a number: "
                                     "work out the numbers first")
        if arg.expr.is_number and arg.expr.is_positive is not True:
            raise self.error_at(tok, f"{name} of a number that is not positive")
        expr = sympy.log(arg.expr)
        if name == "log2":
            expr = expr / sympy.log(2)
        elif name == "log10":
            expr = expr / sympy.log(10)
        return _Node(expr, max(arg.degree, 1), arg.bits + 8, tok.pos)

    def arguments(self) -> list[_Node]:
        open_tok = self.take()
        self.in_args += 1
        try:
            args = [self.expr()]
            while (tok := self.peek()) is not None and tok.kind == "comma":
                self.take()
                args.append(self.expr())
        finally:
            self.in_args -= 1
        close = self.peek()
        if close is None or close.kind != "close" or close.text != ")":
            raise self.error_at(close, f"expected ')' to close the '(' at column {open_tok.pos + 1}")
        self.take()
        return args


def parse_math_full(
    text: str,
    symbols: Iterable[str],
    *,
    allow_big_o: bool = False,
    max_length: int = MAX_LENGTH,
    constants: Mapping[str, sympy.Expr] | None = None,
) -> ParsedMath:
    """Parse `text` into a `ParsedMath` (the expression, and whether O(...) was used).

    `constants` are whole words with a fixed value (unit suffixes such as `GiB`);
    unlike symbols they are never produced by splitting a run of letters.
    Results are cached: grading one answer against several feedback rules parses
    the same texts again, and sympy expressions are immutable.
    """
    return _parse_cached(
        text, tuple(symbols), allow_big_o, max_length, tuple(sorted((constants or {}).items()))
    )


@functools.lru_cache(maxsize=4096)
def _parse_cached(
    text: str,
    symbols: tuple[str, ...],
    allow_big_o: bool,
    max_length: int,
    constants: tuple[tuple[str, sympy.Expr], ...],
) -> ParsedMath:
    if len(text) > max_length:
        raise MathSyntaxError(f"answer is too long ({len(text)} characters; at most {max_length})", max_length)
    vocab = _Vocabulary(symbols, dict(constants), allow_big_o)
    tokens = _Lexer(text, vocab).run()
    parser = _Parser(text, tokens, vocab)
    node = parser.parse()
    return ParsedMath(node.expr, parser.had_big_o)


def clear_parse_cache() -> None:
    """Forget cached parses (benchmarks use it to time parsing afresh)."""
    _parse_cached.cache_clear()


def parse_math(
    text: str,
    symbols: Iterable[str],
    *,
    allow_big_o: bool = False,
    max_length: int = MAX_LENGTH,
    constants: Mapping[str, sympy.Expr] | None = None,
) -> sympy.Expr:
    """Parse typed math over the declared `symbols` (all positive) into a sympy expression.

    With `allow_big_o`, `O(...)`, `\\mathcal{O}(...)` and `𝒪(...)` are accepted and
    stand for their contents. Raises `MathSyntaxError` for anything unreadable.
    """
    return parse_math_full(
        text, symbols, allow_big_o=allow_big_o, max_length=max_length, constants=constants
    ).expr

