"""Make text from a child safe to show: no terminal control sequences, capped in length."""

from __future__ import annotations

import re

# CSI (ESC [ ... final), OSC (ESC ] ... BEL or ST), DCS/SOS/PM/APC strings, other ESC pairs, 8-bit CSI.
_SEQUENCES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b[\]PX^_].*?(?:\x07|\x1b\\|$)"
    r"|\x1b[ -/]*[0-~]?"
    r"|\x9b[0-?]*[ -/]*[@-~]",
    re.DOTALL,
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text: str, limit: int = 4000) -> str:
    """Strip escape sequences and control characters (keeping newlines and tabs), then cap."""
    text = text.replace("\r\n", "\n")
    text = _CONTROLS.sub("", _SEQUENCES.sub("", text))
    if len(text) > limit:
        text = text[:limit] + f"\n... (output truncated at {limit} characters)"
    return text
