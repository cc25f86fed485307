"""How an option is labelled wherever it is printed: `A) text`.

One form everywhere a learner or an instructor reads options (`tutor show`, the plain quiz, feedback,
exam papers, the app), so that what is typed back (`A`, `a)`, `A) text`) is what was shown.
Options past the 26th are numbered (`27)`).
"""

from __future__ import annotations

import string
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tutor.bank.variant import Variant


def option_letter(index: int) -> str:
    """`A` for the first option (0-based index), ..., `Z`, then `27`, `28`, ..."""
    return string.ascii_uppercase[index] if 0 <= index < 26 else str(index + 1)


def option_label(index: int, text: str | None = None) -> str:
    """`A)`, or `A) text` with the option's text."""
    label = f"{option_letter(index)})"
    return label if text is None else f"{label} {text}"


def prompt_listing(variant: Variant) -> list[str]:
    """What a learner reads below a question's prompt, one line each: the options, labelled (`A) text`),
    or a `statements` question's claims, numbered (`1. claim`); math as plain text."""
    from tutor.bank.variant import render
    from tutor.notation.latex import plain_math

    lines = [option_label(i, plain_math(option)) for i, option in enumerate(variant.options or ())]
    if variant.kind == "statements":
        claims = getattr(variant.question, "statements", ())
        lines += [f"{i}. {plain_math(render(claim.text, variant.params))}" for i, claim in enumerate(claims, start=1)]
    return lines
