"""Patterns for the parts of bank text that are not prose: `$math$`, `code`, `{param}` placeholders.

One definition of each, used by the loader (placeholders outside math/code), the variant renderer,
the shape grader (names a prompt declares in its math and code) and the prompt renderer.
"""

from __future__ import annotations

import re

__all__ = ["MATH_OR_CODE", "PLACEHOLDER", "code_body", "math_body"]

MATH_OR_CODE = re.compile(
    r"(?P<code>(?P<ticks>`+)[\s\S]*?(?P=ticks))|(?P<math>\$\$[\s\S]+?\$\$|\$[^$\n]+?\$)"
)
"""A code span (any run of backticks closed by the same run, fenced blocks included) or a math span
(`$$...$$` over lines, `$...$` within one line). Groups: `code`, `math`."""

PLACEHOLDER = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)\}(?!\})")
"""`{name}` in a prompt; `{{` and `}}` are literal braces. Group 1: the name."""


def math_body(span: str) -> str:
    """The LaTeX between the dollars of a math span (`$d^2$` -> `d^2`, `$$x$$` -> `x`)."""
    return span[2:-2] if span.startswith("$$") else span[1:-1]


def code_body(span: str) -> str:
    """The text between the backticks of a code span."""
    ticks = len(span) - len(span.lstrip("`"))
    return span[ticks:len(span) - ticks]
