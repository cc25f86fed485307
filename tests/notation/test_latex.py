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
