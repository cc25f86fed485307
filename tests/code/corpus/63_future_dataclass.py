# question: code.repeat-kv
# verdict: correct
# Class 7, correct code refused: `from __future__ import annotations` with a @dataclass needs the
# code to be a real module in sys.modules (dataclasses looks its annotations up there).
from __future__ import annotations

import sys
from dataclasses import dataclass

import torch


@dataclass
class Layout:
    num_heads: int
    num_kv_heads: int

    @property
    def group(self) -> int:
        return self.num_heads // self.num_kv_heads


assert sys.modules[__name__].Layout is Layout


def repeat_kv(kv: torch.Tensor, num_heads: int) -> torch.Tensor:
    layout = Layout(num_heads, kv.shape[1])
    return kv.repeat_interleave(layout.group, dim=1)
