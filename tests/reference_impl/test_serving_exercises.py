"""The references of the three serving-era exercises, against plain implementations written another way."""

from __future__ import annotations

import math

import pytest
import torch

from reference_impl.exercises import online_softmax_attention, paged_gqa_decode, rope, rope_cached_decode


def _attend(q: torch.Tensor, keys: torch.Tensor, values: torch.Tensor, lengths: list[int]) -> torch.Tensor:
    """One query per head, a loop over sequences and heads: q [b, h, d], keys/values [b, g, n, d]."""
    b, h, d = q.shape
    r = h // keys.shape[1]
    out = torch.empty(b, h, d, dtype=torch.float64)
    for i in range(b):
        for head in range(h):
            k = keys[i, head // r, : lengths[i]].double()
            w = torch.softmax(k @ q[i, head].double() / math.sqrt(d), dim=0)
            out[i, head] = w @ values[i, head // r, : lengths[i]].double()
    return out


@pytest.mark.parametrize(("s", "block", "scale"), [(1, 4, 1.0), (3, 2, 1.0), (10, 4, 1.0), (9, 16, 1.0),
                                                   (12, 4, 30.0), (24, 5, 1.0), (7, 1, 1.0)])
def test_online_softmax_equals_causal_softmax_attention(s: int, block: int, scale: float) -> None:
    gen = torch.Generator().manual_seed(s * 100 + block)
    q, k, v = (torch.randn(2, 3, s, 8, generator=gen) for _ in range(3))
    softmax_scale = scale / math.sqrt(8)
    mask = torch.ones(s, s, dtype=torch.bool).tril()
    scores = (q.double() @ k.double().transpose(-1, -2) * softmax_scale).masked_fill(~mask, float("-inf"))
    expected = torch.softmax(scores, dim=-1) @ v.double()
    got = online_softmax_attention(q, k, v, block, softmax_scale)
    assert got.dtype == q.dtype and torch.isfinite(got).all()
    torch.testing.assert_close(got.double(), expected, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError):
        online_softmax_attention(q, k, v, 0, softmax_scale)


@pytest.mark.parametrize(("h", "g", "page", "n"), [(4, 2, 4, 9), (4, 1, 1, 5), (4, 4, 3, 10), (6, 3, 8, 17)])
def test_paged_decode_equals_attention_over_the_gathered_sequence(h: int, g: int, page: int, n: int) -> None:
    gen = torch.Generator().manual_seed(h * 1000 + g * 100 + page * 10 + n)
    b, d = 3, 8
    blocks = -(-n // page)
    pages = b * blocks + 2
    k_pages, v_pages = (torch.randn(pages, page, g, d, generator=gen) for _ in range(2))
    table = torch.randperm(pages, generator=gen)[: b * blocks].reshape(b, blocks)
    lengths = torch.randint(1, n + 1, (b,), generator=gen)
    q = torch.randn(b, h, d, generator=gen)
    # Build each sequence's contiguous cache by walking its block table one position at a time.
    keys = torch.zeros(b, g, blocks * page, d)
    values = torch.zeros(b, g, blocks * page, d)
    for i in range(b):
        for t in range(blocks * page):
            keys[i, :, t] = k_pages[table[i, t // page], t % page]
            values[i, :, t] = v_pages[table[i, t // page], t % page]
    expected = _attend(q, keys, values, lengths.tolist())
    torch.testing.assert_close(paged_gqa_decode(q, k_pages, v_pages, table, lengths).double(), expected,
                               rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError):
        paged_gqa_decode(q, k_pages, v_pages, table, torch.full((b,), blocks * page + 1))


def test_rope_matches_the_rotate_half_form_and_depends_only_on_distance() -> None:
    gen = torch.Generator().manual_seed(0)
    d, theta = 8, 10000.0
    x, y = torch.randn(d, generator=gen), torch.randn(d, generator=gen)
    inv_freq = 1.0 / theta ** (torch.arange(0, d, 2, dtype=torch.float64) / d)
    angle = torch.cat([7 * inv_freq, 7 * inv_freq])
    rotate_half = torch.cat([-x[d // 2:], x[: d // 2]]).double()
    torch.testing.assert_close(rope(x, torch.tensor(7), theta).double(),
                               x.double() * angle.cos() + rotate_half * angle.sin(), rtol=1e-6, atol=1e-6)
    near = rope(x, torch.tensor(9), theta) @ rope(y, torch.tensor(4), theta)
    far = rope(x, torch.tensor(105), theta) @ rope(y, torch.tensor(100), theta)
    assert abs(float(near) - float(far)) < 1e-4


@pytest.mark.parametrize(("h", "g", "n"), [(4, 2, 1), (4, 1, 6), (4, 4, 9)])
def test_rope_decode_equals_attention_over_keys_rotated_at_their_positions(h: int, g: int, n: int) -> None:
    gen = torch.Generator().manual_seed(n)
    b, d, theta = 2, 8, 10000.0
    raw_keys = torch.randn(b, g, n + 1, d, generator=gen)
    values = torch.randn(b, g, n + 1, d, generator=gen)
    q = torch.randn(b, h, d, generator=gen)
    rotated = torch.stack([rope(raw_keys[:, :, t], torch.tensor(t), theta) for t in range(n + 1)], dim=2)
    expected = _attend(rope(q, torch.tensor(n), theta), rotated, values, [n + 1] * b)
    got = rope_cached_decode(q, raw_keys[:, :, n], values[:, :, n], rotated[:, :, :n], values[:, :, :n], theta)
    torch.testing.assert_close(got.double(), expected, rtol=1e-5, atol=1e-6)
