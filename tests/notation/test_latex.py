"""Prompts: `$math$` becomes readable unicode; brackets, code and Markdown stay as the author wrote them."""

from __future__ import annotations

import pytest

from tutor.notation.latex import latex_to_unicode, plain_math, prompt_markdown


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        (r"\frac{d}{h}", "d/h"),
        (r"O(b d^2 + b n d)", "O(b d² + b n d)"),
        (r"\mathcal{O}(n^2)", "O(n²)"),
        (r"h \times d \times q", "h × d × q"),
        (r"2 \cdot G \cdot d^2 / H", "2 · G · d² / H"),
        (r"\sqrt{d_k}", "√(dₖ)"),
        (r"d_{model}", "d_model"),
        (r"QK^T", "QKᵀ"),
        (r"\text{softmax}(x)", "softmax(x)"),
        # a macro right before a script keeps its name (`\alphaᵢ` would be no macro, and vanish)
        (r"\alpha_i", "αᵢ"),
        (r"\beta_{t}^2", "βₜ²"),
        (r"\sum_{i=1}^{n} x_i", "∑ᵢ₌₁ⁿ xᵢ"),
        (r"a \bmod b", "a mod b"),
        (r"a \equiv b \pmod{n}", "a ≡ b (mod n)"),
        (r"x'", "x'"),
    ],
)
def test_latex_becomes_readable_unicode(latex: str, text: str) -> None:
    assert latex_to_unicode(latex) == text


def test_math_in_a_prompt_is_converted_and_escaped_for_markdown() -> None:
    out = prompt_markdown(r"Cost is $b*n*d$ and $\frac{d}{h}$ per head.")
    assert out == r"Cost is b\*n\*d and d/h per head."


def test_square_brackets_and_code_are_left_as_written() -> None:
    prompt = "Shape [h, d, q] of x[i]; `torch.einsum(\"bd,hdq->bhq\", x, W_q)` costs `$5`."
    assert prompt_markdown(prompt) == prompt


def test_fenced_code_keeps_dollars() -> None:
    prompt = "Before $d^2$\n```python\ncost = \"$d^2$\"\n```\nafter $n^2$\n"
    assert prompt_markdown(prompt) == "Before d²\n```python\ncost = \"$d^2$\"\n```\nafter n²\n"


def test_plain_math_for_one_line_labels() -> None:
    assert plain_math(r"Each is $d \times d$ [twice]") == "Each is d × d [twice]"


def test_an_unknown_macro_is_shown_as_written_and_validate_names_it() -> None:
    """The class: math the converter does not know must never vanish from what a learner sees."""
    from tutor.notation.latex import math_problems, unknown_macros

    assert unknown_macros(r"\foo_i + \alpha + \mybar{x}") == ["foo", "mybar"]
    assert latex_to_unicode(r"\foo_i + \alpha") == r"\fooᵢ + α"
    assert plain_math(r"cost $\foo + 1$") == r"cost \foo + 1"
    problems = math_problems("line one\nthe cost $\\foo(n)$ here")
    assert problems == [(2, problems[0][1])] and "\\foo" in problems[0][1]
    assert math_problems(r"$\alpha_i + \sum_{i} x_i \bmod n$") == []
