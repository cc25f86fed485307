"""Where tensors go: the GPU when there is one, the CPU otherwise, with the same code."""

from __future__ import annotations

import torch


def default_device() -> torch.device:
    """CUDA when available, else CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")
