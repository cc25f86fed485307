"""default_device picks CUDA exactly when torch can see a GPU, and the CPU otherwise."""

from __future__ import annotations

import pytest
import torch

from reference_impl.device import default_device


@pytest.mark.parametrize(("cuda", "expected"), [(True, "cuda"), (False, "cpu")])
def test_default_device_follows_cuda_availability(monkeypatch: pytest.MonkeyPatch, cuda: bool, expected: str) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    assert default_device() == torch.device(expected)


def test_tensors_made_on_the_default_device_live_there() -> None:
    device = default_device()
    x = torch.ones(2, 3, device=device)
    assert x.device.type == device.type
    assert (x @ x.T).sum().item() == 12.0
