"""The three attention cores agree with each other and with a naive loop written from the equations."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten

from reference_impl.attention import attend_einsum, attend_repeat, attend_sdpa, causal_mask

CORES = {"einsum": attend_einsum, "sdpa": attend_sdpa, "repeat": attend_repeat}

# (H, G): MHA, GQA with groups of 2 and 4, MQA
HEADS = [(4, 4), (4, 2), (8, 2), (4, 1)]
# (T, S): full causal forward, one decoding step, a chunk after a prefix, a one-token "prefill"
LENGTHS = [(6, 6), (1, 7), (3, 9), (1, 1)]


def naive_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """out[b, h, i] = sum_j softmax_j(q.k_j / sqrt(D)) v_j over keys j <= S - T + i, KV head h // (H/G)."""
    b_size, h_size, t_size, d = q.shape
    g_size, s_size = k.shape[1], k.shape[2]
    group = h_size // g_size
    out = torch.zeros_like(q)
    for b in range(b_size):
        for h in range(h_size):
            kv = h // group
            for i in range(t_size):
                visible = s_size - t_size + i + 1
                logits = [float(q[b, h, i] @ k[b, kv, j]) / math.sqrt(d) for j in range(visible)]
                top = max(logits)
                exps = [math.exp(x - top) for x in logits]
                total = sum(exps)
                for j in range(visible):
                    out[b, h, i] += exps[j] / total * v[b, kv, j]
    return out


def make_qkv(h: int, g: int, t: int, s: int, dtype: torch.dtype, seed: int = 0):
    gen = torch.Generator().manual_seed(seed)
    q = torch.randn(2, h, t, 8, generator=gen, dtype=dtype)
    k = torch.randn(2, g, s, 8, generator=gen, dtype=dtype)
    v = torch.randn(2, g, s, 8, generator=gen, dtype=dtype)
    return q, k, v


@pytest.mark.parametrize("h,g", HEADS)
@pytest.mark.parametrize("t,s", LENGTHS)
def test_cores_agree_in_float32(h: int, g: int, t: int, s: int) -> None:
    q, k, v = make_qkv(h, g, t, s, torch.float32)
    reference = attend_einsum(q, k, v)
    assert reference.shape == (2, h, t, 8)
    for name in ("sdpa", "repeat"):
        torch.testing.assert_close(CORES[name](q, k, v), reference, atol=1e-5, rtol=1e-5, msg=name)


@pytest.mark.parametrize("h,g", HEADS)
@pytest.mark.parametrize("t,s", LENGTHS)
@pytest.mark.parametrize("core", sorted(CORES))
def test_core_equals_naive_loop_in_float64(core: str, h: int, g: int, t: int, s: int) -> None:
    q, k, v = make_qkv(h, g, t, s, torch.float64, seed=1)
    torch.testing.assert_close(CORES[core](q, k, v), naive_attention(q, k, v), atol=1e-10, rtol=1e-10)


def test_one_token_sees_every_key_not_only_the_first() -> None:
    """The trap the sdpa core avoids: is_causal=True with T == 1 would attend to key 0 only."""
    q, k, v = make_qkv(4, 2, 1, 5, torch.float64)
    v = v.clone()
    v[:, :, 0] = 0.0  # if only key 0 were seen the output would be exactly zero
    out = attend_sdpa(q, k, v)
    assert out.abs().min() > 0
    torch.testing.assert_close(out, naive_attention(q, k, v))


def test_chunk_mask_is_aligned_to_the_end_of_the_cache() -> None:
    mask = causal_mask(2, 5)
    assert mask.tolist() == [
        [True, True, True, True, False],
        [True, True, True, True, True],
    ]


def test_head_grouping_is_consecutive() -> None:
    """Query heads 0 and 1 read KV head 0, heads 2 and 3 read KV head 1 (H=4, G=2)."""
    q, k, v = make_qkv(4, 2, 1, 3, torch.float64)
    q[:, 1] = q[:, 0]
    q[:, 3] = q[:, 2]
    out = attend_einsum(q, k, v)
    torch.testing.assert_close(out[:, 1], out[:, 0])
    torch.testing.assert_close(out[:, 3], out[:, 2])
    assert not torch.allclose(out[:, 0], out[:, 2])


class _Allocations(TorchDispatchMode):
    """Records the storage size (bytes) of every tensor an aten op returns: a view shares its base's."""

    def __init__(self) -> None:
        super().__init__()
        self.outputs: list[tuple[str, int]] = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):  # type: ignore[no-untyped-def]
        out = func(*args, **(kwargs or {}))
        for t in tree_flatten(out)[0]:
            if isinstance(t, torch.Tensor):
                self.outputs.append((str(func), t.untyped_storage().nbytes()))
        return out


def _kv_copies(core, t: int) -> list[tuple[str, int]]:
    """The ops of `core` that allocate a tensor as big as K or V copied up to all H query heads."""
    h, g, s = 8, 2, 7
    q, k, v = make_qkv(h, g, t, s, torch.float32)
    b, d = q.shape[0], q.shape[-1]  # B*H*S*D is bigger than any other tensor here (scores B*H*T*S, out B*H*T*D)
    with _Allocations() as seen:
        core(q, k, v)
    expanded = b * h * s * d * k.element_size()
    return [(op, size) for op, size in seen.outputs if size >= expanded]


@pytest.mark.parametrize("t", [1, 3])
def test_einsum_core_does_not_copy_kv(t: int) -> None:
    """The teaching core never materialises K/V for every query head (no repeat, no expand-then-copy)."""
    assert _kv_copies(attend_einsum, t) == []
    assert _kv_copies(attend_repeat, t), "the check must see the copy the repeat baseline makes"
    # and it works on a non-contiguous cache view
    q, k, v = make_qkv(8, 2, 1, 6, torch.float64)
    big_k = torch.zeros(2, 2, 10, 8, dtype=torch.float64)
    big_v = torch.zeros(2, 2, 10, 8, dtype=torch.float64)
    big_k[:, :, :6], big_v[:, :, :6] = k, v
    torch.testing.assert_close(attend_einsum(q, big_k[:, :, :6], big_v[:, :, :6]), naive_attention(q, k, v))


@pytest.mark.parametrize(
    "q_shape,kv_shape,message",
    [
        ((2, 4, 1, 8), (2, 3, 5, 8), "do not divide"),
        ((2, 4, 6, 8), (2, 2, 5, 8), "T=6"),
        ((2, 4, 1, 8), (2, 2, 5, 16), "do not match"),
        ((4, 1, 8), (2, 2, 5, 8), "expected q"),
    ],
)
def test_bad_shapes_are_named(q_shape, kv_shape, message: str) -> None:
    q, k = torch.zeros(q_shape), torch.zeros(kv_shape)
    for core in CORES.values():
        with pytest.raises(ValueError, match=message):
            core(q, k, k)


@settings(max_examples=30, deadline=None)
@given(
    b=st.integers(1, 2),
    g=st.integers(1, 3),
    group=st.integers(1, 4),
    s=st.integers(1, 9),
    t_back=st.integers(0, 8),
    d=st.sampled_from([1, 3, 8]),
    seed=st.integers(0, 2**16),
)
def test_cores_agree_on_random_shapes(b: int, g: int, group: int, s: int, t_back: int, d: int, seed: int) -> None:
    """Odd sizes too: head size 1 or 3, one KV head per query head or four, one key or nine."""
    t = max(1, s - t_back)
    gen = torch.Generator().manual_seed(seed)
    q = torch.randn(b, g * group, t, d, generator=gen, dtype=torch.float64)
    k = torch.randn(b, g, s, d, generator=gen, dtype=torch.float64)
    v = torch.randn(b, g, s, d, generator=gen, dtype=torch.float64)
    expected = attend_repeat(q, k, v)
    torch.testing.assert_close(attend_einsum(q, k, v), expected)
    torch.testing.assert_close(attend_sdpa(q, k, v), expected)
