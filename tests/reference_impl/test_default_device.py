"""default_device picks CUDA exactly when torch can see a GPU."""

from __future__ import annotations

import torch

from reference_impl.device import default_device


def test_default_device_follows_cuda_availability() -> None:
    assert default_device().type == ("cuda" if torch.cuda.is_available() else "cpu")
