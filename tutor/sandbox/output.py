"""Make text from a child safe to show: no terminal control sequences, no bidi or zero-width characters, capped."""

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
# Text that reorders or hides what is shown: bidi embeddings, overrides and isolates, zero-width
# characters and marks, the BOM / zero-width no-break space, line and paragraph separators.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\u2028\u2029\u061c\u180e\u2060-\u2064]")


def clean(text: str, limit: int = 4000) -> str:
    """Strip escape sequences, control characters (keeping newlines and tabs) and invisible
    formatting characters (bidi controls, zero-width ones), then cap."""
    text = text.replace("\r\n", "\n")
    text = _INVISIBLE.sub("", _CONTROLS.sub("", _SEQUENCES.sub("", text)))
    if len(text) > limit:
        text = text[:limit] + f"\n... (output truncated at {limit} characters)"
    return text
