"""Unicode superscripts and subscripts: the one table of each, in both directions."""

from __future__ import annotations

__all__ = [
    "SUBSCRIPT", "SUPERSCRIPT", "SUPERSCRIPT_DIGITS", "from_superscript", "superscript", "to_subscript", "to_superscript",
]

# Characters with a superscript form, and the form. Digits and signs first (what answers use).
_SUP_FROM = "0123456789+-=()nijkTtdhg"
_SUP_TO = "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱʲᵏᵀᵗᵈʰᵍ"
_SUB_FROM = "0123456789+-=()aehijklmnoprstuvx"
_SUB_TO = "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ"

SUPERSCRIPT: dict[str, str] = dict(zip(_SUP_FROM, _SUP_TO))
"""Plain character -> its superscript form."""
SUBSCRIPT: dict[str, str] = dict(zip(_SUB_FROM, _SUB_TO))
"""Plain character -> its subscript form."""
SUPERSCRIPT_DIGITS = "⁰¹²³⁴⁵⁶⁷⁸⁹"

# What a typed answer may hold as a superscript, read back as plain text (`n²`, `2⁻¹`, `nⁿ`).
_READ_BACK = {SUPERSCRIPT[c]: c for c in "0123456789+-n"}
_TO_SUP = str.maketrans(SUPERSCRIPT)
_TO_SUB = str.maketrans(SUBSCRIPT)
_FROM_SUP = str.maketrans(_READ_BACK)


def to_superscript(text: str) -> str | None:
    """`text` in superscript (`-12` -> `⁻¹²`), or None when a character has no superscript form."""
    return text.translate(_TO_SUP) if all(c in SUPERSCRIPT for c in text) else None


def to_subscript(text: str) -> str | None:
    """`text` in subscript (`h` -> `ₕ`), or None when a character has no subscript form."""
    return text.translate(_TO_SUB) if all(c in SUBSCRIPT for c in text) else None


def superscript(n: int) -> str:
    """A whole number as a superscript (`2` -> `²`, `-1` -> `⁻¹`)."""
    return str(n).translate(_TO_SUP)


def is_read_superscript(ch: str) -> bool:
    """Whether a typed character is a superscript the answer parser reads (digits, signs, `ⁿ`)."""
    return ch in _READ_BACK


def from_superscript(text: str) -> str:
    """Superscript digits, signs and `ⁿ` back to plain text (`⁻¹²` -> `-12`); other characters kept."""
    return text.translate(_FROM_SUP)
