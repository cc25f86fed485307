"""LaTeX in prompts -> unicode: a prompt's `$math$` made readable so it can be shown as Markdown in a terminal.

Prompts are Markdown with LaTeX between `$...$` (or `$$...$$`). A terminal cannot
typeset LaTeX, so each math span becomes plain unicode (`\\frac{d}{h}` -> `d/h`,
`d^2` -> `d²`, `\\times` -> `×`) and is escaped so Markdown shows it as written
(a `*` or `_` inside math must not start emphasis). Code spans and fenced blocks
are left alone: `$` there is literal.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import lru_cache

from tutor.notation.scripts import to_subscript, to_superscript
from tutor.notation.spans import MATH_OR_CODE, math_body

# `^{...}`, `^x`, `_{...}`, `_x` in LaTeX source (one level of braces).
_SCRIPT = re.compile(r"([\^_])(?:\{([^{}]*)\}|([A-Za-z0-9]))")
_FENCE = re.compile(r"^(```|~~~)")
# Characters that would change meaning in Markdown (or in Textual markup) if left bare.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}<>#|~!])")
# Relations pylatexenc may glue to their neighbours (`\\in \\mathbb{R}` -> `∈ℝ`).
_RELATION = re.compile(r"\s*([∈∉≤≥≈≠→⊂])\s*")
# Macros pylatexenc spells in a way that reads worse than the obvious symbol.
_PRE = (
    (re.compile(r"\\mathcal\{O\}"), "O"),
    (re.compile(r"\\operatorname\{([^{}]*)\}"), r"\1"),
    (re.compile(r"\\(?:mathrm|text|textrm|mathbf|mathit)\{([^{}]*)\}"), r"\1"),
    (re.compile(r"\\left|\\right"), ""),
    (re.compile(r"\\pmod\{([^{}]*)\}"), r" (mod \1)"),
    (re.compile(r"\\bmod\b"), " mod "),
)
# A macro name followed at once by a script: `\alpha_i`. Once `_i` is `ᵢ` (a letter to a parser), the name
# would run on into it (`\alphaᵢ`, no such macro) and vanish; `{}` ends the name first.
_NAME_THEN_SCRIPT = re.compile(r"(\\[A-Za-z]+)(?=[\^_])")
_MACRO = re.compile(r"\\([A-Za-z]+)")
_STRUCTURE = {"begin", "end"}  # environments: parsed as such, not looked up as macros


def _script(match: re.Match[str]) -> str:
    mark, braced, single = match.group(1), match.group(2), match.group(3)
    body = braced if braced is not None else single
    scripted = (to_superscript if mark == "^" else to_subscript)(body) if body else None
    if scripted is not None:
        return scripted
    if braced is not None and len(body) > 1 and not body.isalnum():
        return f"{mark}({body})"
    return f"{mark}{body}"


@lru_cache(maxsize=1)
def _converter():
    from pylatexenc.latex2text import LatexNodes2Text  # deferred: only prompts with math need it

    return LatexNodes2Text(math_mode="text", strict_latex_spaces="based-on-source")


@lru_cache(maxsize=1024)
def latex_to_unicode(latex: str) -> str:
    """Readable unicode for one LaTeX math expression (`\\frac{d}{h}` -> `d/h`, `n^2` -> `n²`)."""
    text = _rewrite(latex)
    unknown = set(_unknown(text))
    if unknown:  # shown as written (`\foo`), never dropped: a learner must not see math with a part missing
        text = _MACRO.sub(lambda m: rf"\textbackslash{{}}{m.group(1)}" if m.group(1) in unknown else m.group(0), text)
    text = _NAME_THEN_SCRIPT.sub(r"\1{}", text)
    text = _SCRIPT.sub(_script, text)
    if "\\" in text or "{" in text:
        text = _converter().latex_to_text(text)
    text = _RELATION.sub(r" \1 ", text)
    return re.sub(r"[ \t]+", " ", text).strip()


def _rewrite(latex: str) -> str:
    """The expression with `_PRE`'s rewrites applied: what the converter is then given."""
    text = latex.strip()
    for pattern, repl in _PRE:
        text = pattern.sub(repl, text)
    return text


def unknown_macros(latex: str) -> list[str]:
    """The macros of `latex` that the unicode conversion does not know (it would drop them), in order."""
    return _unknown(_rewrite(latex))


def _unknown(rewritten: str) -> list[str]:
    names = [m.group(1) for m in _MACRO.finditer(rewritten)]
    if not names:
        return []
    from pylatexenc.latex2text import get_default_latex_context_db  # deferred, as in _converter

    db = get_default_latex_context_db()
    return list(dict.fromkeys(n for n in names if n not in _STRUCTURE and db.get_macro_spec(n) is None))


def escape_markdown(text: str) -> str:
    """Backslash-escape characters Markdown would otherwise interpret."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def _convert_line_spans(text: str) -> str:
    return _spans_to_unicode(text, escape_markdown)


def _fenced_lines(text: str) -> Iterator[tuple[str, bool]]:
    """Each line of `text` and whether it belongs to a fenced code block (its fences included)."""
    in_fence: str | None = None
    for line in text.splitlines(keepends=True):
        fence = _FENCE.match(line.lstrip())
        if in_fence is None and fence:
            in_fence = fence.group(1)
            yield line, True
        elif in_fence is not None:
            if line.lstrip().startswith(in_fence):
                in_fence = None
            yield line, True
        else:
            yield line, False


def prompt_markdown(prompt: str) -> str:
    """The prompt as Markdown a terminal can show: math spans as unicode, code left as written."""
    out: list[str] = []
    chunk: list[str] = []
    for line, fenced in _fenced_lines(prompt):
        if fenced:
            if chunk:
                out.append(_convert_line_spans("".join(chunk)))
                chunk = []
            out.append(line)
        else:
            chunk.append(line)
    out.append(_convert_line_spans("".join(chunk)))
    return "".join(out)


def plain_math(text: str) -> str:
    """Math spans as unicode with no Markdown escaping, for one-line labels (hints, feedback lines)."""
    return _spans_to_unicode(text, lambda converted: converted)


def _spans_to_unicode(text: str, finish: Callable[[str], str]) -> str:
    """Each `$...$` span as unicode (passed through `finish`); code spans left as written."""

    def replace(match: re.Match[str]) -> str:
        if match.group("code") is not None:
            return match.group(0)
        return finish(latex_to_unicode(math_body(match.group("math"))))

    return MATH_OR_CODE.sub(replace, text)


def math_problems(text: str) -> list[tuple[int, str]]:
    """What would show broken math when `text` (params already filled in) is displayed, as (line, message).

    Uses the same span rules as the renderers above: a `$...$` span must open and close on
    one line (else its LaTeX is shown raw), braces inside a span must balance (`}}` in a
    bank file is shown as a single `}`), and no brace may be left over outside math and
    code. Fenced code blocks and code spans are ignored. Lines count from 1.
    """
    body = "".join("\n" if fenced else line for line, fenced in _fenced_lines(text))
    out: list[tuple[int, str]] = []

    def blank(match: re.Match[str]) -> str:
        math = match.group("math")
        if math is not None:
            inner = math_body(math)
            line = body.count("\n", 0, match.start()) + 1
            if not _balanced(inner):
                out.append((line, f"math {math!r} has unbalanced braces as a learner sees it"
                                  " (`{{` and `}}` in a bank file are shown as single braces)"))
            for name in unknown_macros(inner):
                out.append((line, f"math {math!r} uses \\{name}, which the terminal cannot show: a learner sees "
                                  f"it as written, `\\{name}` (write it another way, or in plain text)"))
        return re.sub(r"[^\n]", " ", match.group(0))

    masked = MATH_OR_CODE.sub(blank, body)
    for number, line in enumerate(masked.splitlines(), start=1):
        if "$" in line:
            out.append((number, "a `$` opens math that is not closed on the same line: a `$...$` span"
                                " must not cross a line break (its LaTeX would be shown raw)"))
        stray = re.sub(r"\\[{}]", "", line)
        if "{" in stray or "}" in stray:
            out.append((number, "a brace is left over outside math and code (`{{`/`}}` are shown as single"
                                " braces, `{name}` is replaced by a param)"))
    return sorted(out)


def _balanced(latex: str) -> bool:
    depth = 0
    for token in re.findall(r"\\[{}]|[{}]", latex):
        if token in ("\\{", "\\}"):
            continue
        depth += 1 if token == "{" else -1
        if depth < 0:
            return False
    return depth == 0
