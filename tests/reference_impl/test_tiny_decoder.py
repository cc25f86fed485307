"""Generation with and without the KV cache produces the same tokens."""

from __future__ import annotations

import torch

from reference_impl.decoder import DecoderConfig, TinyDecoder


def test_cached_generation_equals_recomputing_the_prefix() -> None:
    torch.manual_seed(0)
    model = TinyDecoder(DecoderConfig(vocab=64, d_model=32, n_layers=2, n_heads=4, n_kv_heads=2, max_len=32))
    model = model.double().eval()
    prompt = torch.randint(0, 64, (2, 5))
    without = model.generate(prompt, 12, use_cache=False)
    with_cache = model.generate(prompt, 12, use_cache=True)
    assert without.shape == (2, 17)
    assert torch.equal(without, with_cache)
    assert torch.equal(without[:, :5], prompt)
