"""What an einsum equation computes, worked out from the operands' dimension names alone.

Each letter of each operand term binds to the dimension name at that axis (an
ellipsis binds its axes right-aligned, as broadcasting does). An equation is then
described by which axes share a letter (the *classes*) and which classes come out,
in order. Two equations over the same operands compute the same function exactly
when those agree, so no tensor library is needed to decide equivalence. The rules
are torch's: implicit output (no `->`) is the letters that appear exactly once, in
ASCII order (upper case first) after any ellipsis axes; an explicit output without
`...` sums the ellipsis axes away.
"""

from __future__ import annotations

from dataclasses import dataclass
from string import ascii_letters
from typing import Sequence

from tutor.grading.grade import ORDER_CREDIT

ELLIPSIS = "..."


class EinsumError(ValueError):
    """An equation that cannot be read or cannot apply to the operands; `position` indexes the equation text."""

    def __init__(self, message: str, position: int | None = None, end: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.position = position
        self.end = end  # just past the part that broke; None: the one character at `position`


class RankMismatch(EinsumError):
    """A readable equation whose term has the wrong number of letters for its operand: a wrong answer, not an unreadable one."""


@dataclass(frozen=True)
class Term:
    """One comma-separated part of an equation: its labels (letters or `...`) and where each starts."""

    labels: tuple[str, ...]
    positions: tuple[int, ...]
    start: int

    @property
    def text(self) -> str:
        return "".join(self.labels)


@dataclass(frozen=True)
class Equation:
    """An equation as written: input terms and the output term (None when implicit)."""

    inputs: tuple[Term, ...]
    output: Term | None
    arrow: int | None


@dataclass(frozen=True)
class Axis:
    """One axis of one operand."""

    operand: str
    index: int
    dim: str

    def describe(self) -> str:
        return f"axis {self.index} of {self.operand} ({self.dim})"


@dataclass(frozen=True)
class Analysis:
    """What an equation does to named operands.

    `terms` are the expanded labels per operand (ellipsis axes get labels `...0`,
    `...1`, counted from the right), `output` the expanded output labels, `axes`
    each label's axes, `conflicts` the labels bound to more than one dimension name.
    """

    operands: tuple[tuple[str, tuple[str, ...]], ...]
    terms: tuple[tuple[str, ...], ...]
    output: tuple[str, ...]
    axes: dict[str, tuple[Axis, ...]]
    conflicts: tuple[str, ...]
    equation: str
    ellipsis_summed: int

    def dim(self, label: str) -> str:
        """The dimension name a label stands for (the first one, when it is in conflict)."""
        return self.axes[label][0].dim

    def classes(self) -> frozenset[frozenset[tuple[str, int]]]:
        return frozenset(_axis_set(axes) for axes in self.axes.values())

    def output_classes(self) -> tuple[frozenset[tuple[str, int]], ...]:
        return tuple(_axis_set(self.axes[label]) for label in self.output)

    def output_dims(self) -> tuple[str, ...]:
        """The output's dimension names; a letter bound to several shows them all, as `(d or h)`."""
        return tuple(self._dims_of(label) for label in self.output)

    def _dims_of(self, label: str) -> str:
        names: list[str] = []
        for a in self.axes[label]:
            if a.dim not in names:
                names.append(a.dim)
        return names[0] if len(names) == 1 else f"({' or '.join(names)})"

    def summed(self) -> tuple[str, ...]:
        """Labels summed away, in order of first appearance."""
        kept = set(self.output)
        return tuple(label for label in self.axes if label not in kept)

    def signature(self) -> str:
        """`x[b, d], W[d, k] -> [b, k]`: the equation read as dimension names."""
        ins = ", ".join(f"{name}[{', '.join(dims)}]" for name, dims in self.operands)
        return f"{ins} -> [{', '.join(self.output_dims())}]"


def _axis_set(axes: Sequence[Axis]) -> frozenset[tuple[str, int]]:
    return frozenset((a.operand, a.index) for a in axes)


_ARROWS = ("->", "−>", "→", "⟶", "⇒")


def _arrow_width(text: str, i: int) -> int | None:
    """The length of the arrow starting at `i` (`->` and the ways it gets typed), or None."""
    for arrow in _ARROWS:
        if text.startswith(arrow, i):
            return len(arrow)
    return None


def parse_equation(text: str) -> Equation:
    """Read an equation: letters, `...` (or `…`), commas, one `->` (or `→ ⟶ ⇒ −>`); spaces anywhere."""
    terms: list[Term] = []
    labels: list[str] = []
    positions: list[int] = []
    start = 0
    output: Term | None = None
    arrow: int | None = None
    i = 0
    n = len(text)

    def close(end_start: int) -> Term:
        seen = [p for p, lab in zip(positions, labels) if lab == ELLIPSIS]
        if len(seen) > 1:
            raise EinsumError("a term may contain '...' only once", seen[1])
        return Term(tuple(labels), tuple(positions), end_start)

    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        if c in ascii_letters:
            labels.append(c)
            positions.append(i)
            i += 1
        elif text.startswith("...", i) or c == "…":
            labels.append(ELLIPSIS)
            positions.append(i)
            i += 1 if c == "…" else 3
        elif c == ",":
            if arrow is not None:
                raise EinsumError("a comma after '->': the output is a single term", i)
            terms.append(close(start))
            labels, positions, start = [], [], i + 1
            i += 1
        elif (width := _arrow_width(text, i)) is not None:
            if arrow is not None:
                raise EinsumError("a second '->': an equation has one output", i)
            terms.append(close(start))
            arrow = i
            i += width
            labels, positions, start = [], [], i
        elif c == "-" or c == ">":
            raise EinsumError("write the arrow as '->'", i)
        elif c == ".":
            raise EinsumError("an ellipsis is written '...' (three dots)", i)
        else:
            raise EinsumError(f"{c!r} cannot appear in an einsum equation: use letters a-z, A-Z, ',', '->' and '...'", i)
    if arrow is None:
        terms.append(close(start))
    else:
        output = close(start)
    return Equation(inputs=tuple(terms), output=output, arrow=arrow)


def _quoted(term: Term) -> str:
    return f"'{term.text}'" if term.labels else "an empty term"


def _count_word(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _axes(n: int) -> str:
    return "1 axis" if n == 1 else f"{n} axes"


def analyse(equation: Equation, operands: Sequence[tuple[str, Sequence[str]]]) -> Analysis:
    """Bind the equation's letters to the operands' dimension names.

    Raises EinsumError when the equation cannot apply: wrong number of terms, a
    term with the wrong number of letters for its operand, a bad output term.
    Letters bound to two different dimensions are not an error here: they are
    recorded in `conflicts` (torch would refuse them when the sizes differ).
    """
    ops = tuple((name, tuple(dims)) for name, dims in operands)
    if len(equation.inputs) != len(ops):
        names = ", ".join(name for name, _ in ops)
        raise EinsumError(
            f"the equation has {_count_word(len(equation.inputs), 'operand term')} "
            f"but there {'is' if len(ops) == 1 else 'are'} {len(ops)} operand{'s' if len(ops) != 1 else ''} ({names})",
            equation.arrow if equation.arrow is not None else None,
        )
    axes: dict[str, list[Axis]] = {}
    terms: list[tuple[str, ...]] = []
    ellipsis_rank = 0
    any_ellipsis = False
    for term, (name, dims) in zip(equation.inputs, ops):
        letters = [lab for lab in term.labels if lab != ELLIPSIS]
        has_ellipsis = ELLIPSIS in term.labels
        any_ellipsis = any_ellipsis or has_ellipsis
        shape = f"[{', '.join(dims)}]"
        if has_ellipsis and len(letters) > len(dims):
            raise RankMismatch(
                f"{name} has {_axes(len(dims))} {shape} "
                f"but {_quoted(term)} names {_count_word(len(letters), 'letter')} besides '...'",
                term.positions[0] if term.positions else term.start,
            )
        if not has_ellipsis and len(letters) != len(dims):
            raise RankMismatch(
                f"{name} has {_axes(len(dims))} {shape} "
                f"but {_quoted(term)} has {_count_word(len(letters), 'letter')}",
                term.positions[0] if term.positions else term.start,
            )
        expanded: list[str] = []
        covered = len(dims) - len(letters)
        for lab in term.labels:
            if lab == ELLIPSIS:
                expanded.extend(f"...{covered - 1 - k}" for k in range(covered))
                ellipsis_rank = max(ellipsis_rank, covered)
            else:
                expanded.append(lab)
        for index, lab in enumerate(expanded):
            axes.setdefault(lab, []).append(Axis(name, index, dims[index]))
        terms.append(tuple(expanded))

    ellipsis_labels = tuple(f"...{k}" for k in range(ellipsis_rank - 1, -1, -1))
    ellipsis_summed = 0
    if equation.output is None:
        counts: dict[str, int] = {}
        for term in equation.inputs:
            for lab in term.labels:
                if lab != ELLIPSIS:
                    counts[lab] = counts.get(lab, 0) + 1
        output = ellipsis_labels + tuple(sorted(lab for lab, c in counts.items() if c == 1))
    else:
        seen: dict[str, int] = {}
        out: list[str] = []
        for lab, pos in zip(equation.output.labels, equation.output.positions):
            if lab == ELLIPSIS:
                if ELLIPSIS in seen:
                    raise EinsumError("the output contains '...' twice", pos)
                seen[lab] = pos
                out.extend(ellipsis_labels)
                continue
            if lab in seen:
                raise EinsumError(f"output letter {lab} appears twice: each output axis needs its own letter", pos)
            if lab not in axes:
                raise EinsumError(f"output letter {lab} does not appear in any operand term", pos)
            seen[lab] = pos
            out.append(lab)
        if any_ellipsis and ELLIPSIS not in seen:
            ellipsis_summed = ellipsis_rank
        output = tuple(out)

    conflicts = tuple(lab for lab, ax in axes.items() if len({a.dim for a in ax}) > 1)
    canonical = ",".join(t.text for t in equation.inputs) + "->" + _output_text(equation, output)
    return Analysis(
        operands=ops,
        terms=tuple(terms),
        output=output,
        axes={lab: tuple(ax) for lab, ax in axes.items()},
        conflicts=conflicts,
        equation=canonical,
        ellipsis_summed=ellipsis_summed,
    )


def _output_text(equation: Equation, output: tuple[str, ...]) -> str:
    if equation.output is not None:
        return equation.output.text
    text = "".join(lab for lab in output if not lab.startswith(ELLIPSIS))
    return (ELLIPSIS if any(lab.startswith(ELLIPSIS) for lab in output) else "") + text


def equivalent(a: Analysis, b: Analysis) -> bool:
    """Same operands tied together the same way and the same output axes in the same order."""
    return not a.conflicts and not b.conflicts and a.classes() == b.classes() and a.output_classes() == b.output_classes()


@dataclass(frozen=True)
class Comparison:
    fraction: float
    feedback: tuple[str, ...]


def _label_text(label: str) -> str:
    return "'...'" if label.startswith(ELLIPSIS) else f"letter {label}"


def _dims_text(dims: Sequence[str]) -> str:
    return f"[{', '.join(dims)}]"


def describe_conflict(analysis: Analysis, label: str) -> str:
    axes = analysis.axes[label]
    dims: list[str] = []
    for a in axes:
        if a.dim not in dims:
            dims.append(a.dim)
    where = ", ".join(a.describe() for a in axes)
    if label.startswith(ELLIPSIS):
        return f"'...' broadcasts {' and '.join(dims)} together ({where}); they are different dimensions"
    return f"letter {label} is bound to both {' and '.join(dims)} ({where})"


def _swaps(got: Sequence[object], want: Sequence[object]) -> list[tuple[int, int]]:
    """Pairs of positions whose exchange turns `got` into `want` (empty if it is not a set of swaps)."""
    wrong = [i for i, (g, w) in enumerate(zip(got, want)) if g != w]
    pairs: list[tuple[int, int]] = []
    used: set[int] = set()
    for i in wrong:
        if i in used:
            continue
        partner = next((j for j in wrong if j not in used and j != i and got[i] == want[j] and got[j] == want[i]), None)
        if partner is None:
            return []
        used.update((i, partner))
        pairs.append((i, partner))
    return pairs


def compare(answer: Analysis, expected: Analysis) -> Comparison:
    """Grade `answer` against `expected` and say, in dimension names, how they differ.

    Fraction: 1 when equivalent; 0.5 when the right axes are tied together and the
    right ones kept but the output order is wrong; 0.25 when the axes are tied
    together rightly but the wrong ones are kept or summed; 0 otherwise.
    """
    if equivalent(answer, expected):
        return Comparison(1.0, ())
    lines: list[str] = [describe_conflict(answer, lab) for lab in answer.conflicts]
    if answer.ellipsis_summed:
        lines.append(
            "your output has no '...', so the axes under '...' are summed away "
            "(torch does this; NumPy rejects such an equation)"
        )
    same_ties = not answer.conflicts and answer.classes() == expected.classes()
    if not answer.conflicts and not same_ties:
        lines.extend(_tie_differences(answer, expected))
    got_dims, want_dims = answer.output_dims(), expected.output_dims()
    if same_ties:
        got, want = answer.output_classes(), expected.output_classes()
        if set(got) == set(want):
            pairs = _swaps(got, want)
            if pairs:
                swaps = "; ".join(f"axes {i} and {j} ({got_dims[i]} and {got_dims[j]}) are swapped" for i, j in pairs)
                lines.append(f"the output has the right axes in the wrong order: {swaps}")
            else:
                lines.append(f"the output has the right axes in the wrong order: {_dims_text(got_dims)}, expected {_dims_text(want_dims)}")
            return Comparison(ORDER_CREDIT, tuple(lines))
        lines.extend(_kept_summed(answer, expected, got, want))
        lines.append(f"your output is {_dims_text(got_dims)}; expected {_dims_text(want_dims)}")
        return Comparison(0.25, tuple(lines))
    if got_dims != want_dims:
        lines.append(f"your output is {_dims_text(got_dims)}; expected {_dims_text(want_dims)}")
    return Comparison(0.0, tuple(lines))


def _class_name(analysis: Analysis, cls: frozenset[tuple[str, int]]) -> str:
    """A class named by its dimension, qualified by operand axes when the name alone is ambiguous."""
    dims_by_axis = {(a.operand, a.index): a.dim for ax in analysis.axes.values() for a in ax}
    dim = dims_by_axis[next(iter(cls))]
    same_name = [c for c in analysis.classes() if dims_by_axis[next(iter(c))] == dim]
    if len(same_name) <= 1:
        return dim
    where = ", ".join(f"axis {i} of {op}" for op, i in sorted(cls, key=lambda t: (t[0], t[1])))
    return f"{dim} ({where})"


def _kept_summed(
    answer: Analysis,
    expected: Analysis,
    got: tuple[frozenset[tuple[str, int]], ...],
    want: tuple[frozenset[tuple[str, int]], ...],
) -> list[str]:
    lines: list[str] = []
    label_of = {_axis_set(ax): lab for lab, ax in answer.axes.items()}
    for cls in want:
        if cls not in got:
            lines.append(
                f"you sum away {_class_name(expected, cls)} ({_label_text(label_of[cls])}), which should be kept in the output"
            )
    for cls in got:
        if cls not in want:
            verb = "contracted" if len(cls) > 1 else "summed away"
            lines.append(
                f"you keep {_class_name(answer, cls)} ({_label_text(label_of[cls])}) in the output, but it should be {verb}"
            )
    return lines


def _tie_differences(answer: Analysis, expected: Analysis) -> list[str]:
    """Axes that should share a letter but do not, and axes that share one but should not."""
    lines: list[str] = []
    label_at = {(a.operand, a.index): lab for lab, ax in answer.axes.items() for a in ax}
    axis_at = {(a.operand, a.index): a for ax in expected.axes.values() for a in ax}
    got = answer.classes()
    want = expected.classes()
    for lab, ax in expected.axes.items():
        cls = _axis_set(ax)
        if len(cls) > 1 and cls not in got:
            letters: list[str] = []
            for a in ax:
                if label_at[(a.operand, a.index)] not in letters:
                    letters.append(label_at[(a.operand, a.index)])
            if len(letters) > 1:
                kept = lab in expected.output
                role = "shared (kept in the output)" if kept else "contracted (summed together)"
                axes_text = " and ".join(a.describe() for a in ax)
                given = " and ".join("'...'" if x.startswith(ELLIPSIS) else x for x in letters)
                lines.append(f"{axes_text} must share one letter, being {role}; you gave them {given}")
    for lab, ax in answer.axes.items():
        cls = _axis_set(ax)
        if len(cls) > 1 and cls not in want:
            pieces = {next(iter(c)) for c in want if c & cls}
            if len(pieces) > 1 and not any(cls < c for c in want):
                axes_text = " and ".join(axis_at[(a.operand, a.index)].describe() for a in ax)
                lines.append(f"{_label_text(lab)} ties together {axes_text}, which should be separate axes")
    return lines
