"""The functional forms the code exercises are graded against equal the module with the same weights.

They are imported from their submodule: the top-level ``reference_impl.mqa_forward`` export is
checked in a clean subprocess by test_reference_imports.py.
"""

from __future__ import annotations

import pytest
import torch
from torch.overrides import TorchFunctionMode

from reference_impl.attention import attend_einsum, attend_sdpa
from reference_impl.config import AttentionConfig
from reference_impl.functional import gqa_decode, gqa_forward, mqa_forward
from reference_impl.module import GroupedQueryAttention


def weights_in_out(layer: GroupedQueryAttention):
    """nn.Linear keeps [out, in]; the functional forms take [in, out]."""
    return tuple(w.weight.detach().T for w in (layer.wq, layer.wk, layer.wv, layer.wo))


@pytest.mark.parametrize("h,g", [(4, 4), (4, 2), (8, 2), (4, 1)])
def test_gqa_forward_equals_module(h: int, g: int) -> None:
    torch.manual_seed(0)
    layer = GroupedQueryAttention(AttentionConfig(32, h, g)).double()
    x = torch.randn(2, 5, 32, dtype=torch.float64)
    with torch.no_grad():
        expected = layer(x)
    got = gqa_forward(x, *weights_in_out(layer), num_heads=h, num_kv_heads=g)
    torch.testing.assert_close(got, expected)


def test_mqa_forward_equals_module_with_one_kv_head() -> None:
    torch.manual_seed(0)
    layer = GroupedQueryAttention(AttentionConfig(32, 8, 1)).double()
    x = torch.randn(3, 4, 32, dtype=torch.float64)
    with torch.no_grad():
        expected = layer(x)
    torch.testing.assert_close(mqa_forward(x, *weights_in_out(layer), 8), expected)


def test_gqa_decode_equals_last_position_of_the_module_core() -> None:
    torch.manual_seed(0)
    b, h, g, n, k = 2, 8, 2, 6, 4
    q = torch.randn(b, h, k, dtype=torch.float64)
    k_cache = torch.randn(b, g, n, k, dtype=torch.float64)
    v_cache = torch.randn(b, g, n, k, dtype=torch.float64)
    out = gqa_decode(q, k_cache, v_cache)
    assert out.shape == (b, h, k)
    # query head i uses KV head i // (h // g): check head 5 -> KV head 1 by hand
    scores = (k_cache[:, 1] @ q[:, 5].unsqueeze(-1)).squeeze(-1) / k**0.5  # [b, n]
    by_hand = (scores.softmax(-1).unsqueeze(-1) * v_cache[:, 1]).sum(1)
    torch.testing.assert_close(out[:, 5], by_hand)
    expected = attend_sdpa(q.unsqueeze(2), k_cache, v_cache).squeeze(2)
    torch.testing.assert_close(out, expected)


def test_functional_forms_follow_input_dtype() -> None:
    x = torch.randn(1, 3, 16, dtype=torch.float32)
    w = [torch.randn(16, 16), torch.randn(16, 4), torch.randn(16, 4), torch.randn(16, 16)]
    assert mqa_forward(x, *w, num_heads=4).dtype == torch.float32
    x64 = x.double()
    assert mqa_forward(x64, *(t.double() for t in w), num_heads=4).dtype == torch.float64


def test_mismatched_head_counts_are_named() -> None:
    x = torch.randn(1, 3, 16)
    w = [torch.randn(16, 16), torch.randn(16, 12), torch.randn(16, 12), torch.randn(16, 16)]
    with pytest.raises(ValueError, match="num_kv_heads=3 does not divide num_heads=4"):
        gqa_forward(x, *w, num_heads=4, num_kv_heads=3)


def test_weights_that_do_not_split_into_heads_are_named() -> None:
    x = torch.randn(1, 3, 16)
    w = [torch.randn(16, 15), torch.randn(16, 5), torch.randn(16, 5), torch.randn(15, 16)]
    with pytest.raises(ValueError, match=r"do not split into 4 query heads and 1 KV heads"):
        gqa_forward(x, *w, num_heads=4, num_kv_heads=1)



class _SoftmaxSpy(TorchFunctionMode):
    """Records the dtype every softmax is computed in."""

    def __init__(self) -> None:
        super().__init__()
        self.dtypes: list[torch.dtype] = []

    def __torch_function__(self, func, types, args=(), kwargs=None):  # noqa: ANN001
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        if func in (torch.softmax, torch.Tensor.softmax, torch.nn.functional.softmax):
            self.dtypes.append(out.dtype)
        return out


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_functional_softmax_upcasts_like_the_cores(dtype: torch.dtype) -> None:
    """functional.py and attention.py agree in half precision: both take the softmax in float32 (issue 16)."""
    torch.manual_seed(0)
    b, s, d, h, g = 2, 300, 64, 8, 2
    x = torch.randn(b, s, d)
    ws = (torch.randn(d, h * 8) / 8, torch.randn(d, g * 8) / 8, torch.randn(d, g * 8) / 8, torch.randn(h * 8, d) / 8)
    exact = gqa_forward(x.double(), *(t.double() for t in ws), num_heads=h, num_kv_heads=g)
    xh, (w_q, w_k, w_v, w_o) = x.to(dtype), (t.to(dtype) for t in ws)
    with _SoftmaxSpy() as spy:
        half = gqa_forward(xh, w_q, w_k, w_v, w_o, num_heads=h, num_kv_heads=g)
        q = (xh @ w_q).view(b, s, h, 8).transpose(1, 2)
        k = (xh @ w_k).view(b, s, g, 8).transpose(1, 2)
        v = (xh @ w_v).view(b, s, g, 8).transpose(1, 2)
        core = attend_einsum(q, k, v).transpose(1, 2).reshape(b, s, h * 8) @ w_o
    assert spy.dtypes == [torch.float32, torch.float32]  # functional, then the einsum core
    assert half.dtype == dtype
    torch.testing.assert_close(half, core, rtol=0, atol=4e-3)  # the same recipe, up to half-precision rounding
    assert (half.double() - exact).abs().max().item() < 0.05


def test_decode_softmax_upcasts_in_half_precision() -> None:
    torch.manual_seed(1)
    q, kc, vc = torch.randn(2, 8, 16).bfloat16(), torch.randn(2, 2, 500, 16).bfloat16(), torch.randn(2, 2, 500, 16).bfloat16()
    with _SoftmaxSpy() as spy:
        out = gqa_decode(q, kc, vc)
    assert spy.dtypes == [torch.float32] and out.dtype == torch.bfloat16
    expected = attend_einsum(q.unsqueeze(2), kc, vc).squeeze(2)
    torch.testing.assert_close(out, expected, rtol=0, atol=2e-2)
