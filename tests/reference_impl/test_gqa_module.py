"""GroupedQueryAttention: full forward, prefill and token-by-token decoding agree; params match cost."""

from __future__ import annotations

import pytest
import torch

from reference_impl import cost
from reference_impl.attention import CORES
from reference_impl.config import AttentionConfig
from reference_impl.module import GroupedQueryAttention

CONFIGS = [AttentionConfig(32, 4, 4), AttentionConfig(32, 4, 2), AttentionConfig(32, 4, 1)]


def make_layer(config: AttentionConfig, core: str = "sdpa") -> GroupedQueryAttention:
    torch.manual_seed(0)
    return GroupedQueryAttention(config, core=CORES[core]).double().eval()


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: c.kind)
@pytest.mark.parametrize("core", sorted(CORES))
def test_token_by_token_decoding_equals_full_forward(config: AttentionConfig, core: str) -> None:
    layer = make_layer(config, core)
    x = torch.randn(2, 7, 32, dtype=torch.float64)
    with torch.no_grad():
        full = layer(x)
        cache = layer.new_cache(batch=2, max_len=10)
        steps = [layer(x[:, i : i + 1], cache) for i in range(7)]
    torch.testing.assert_close(torch.cat(steps, dim=1), full)
    assert cache.length == 7


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: c.kind)
def test_prefill_then_chunk_then_token_equals_full_forward(config: AttentionConfig) -> None:
    layer = make_layer(config)
    x = torch.randn(1, 9, 32, dtype=torch.float64)
    with torch.no_grad():
        full = layer(x)
        cache = layer.new_cache(batch=1, max_len=9)
        parts = [layer(x[:, :4], cache), layer(x[:, 4:8], cache), layer(x[:, 8:], cache)]
    torch.testing.assert_close(torch.cat(parts, dim=1), full)


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: c.kind)
def test_cores_give_the_same_module_output_in_float32(config: AttentionConfig) -> None:
    x = torch.randn(2, 5, 32)
    outputs = []
    for core in sorted(CORES):
        torch.manual_seed(0)
        layer = GroupedQueryAttention(config, core=CORES[core])
        with torch.no_grad():
            outputs.append(layer(x))
    for out in outputs[1:]:
        torch.testing.assert_close(out, outputs[0], atol=1e-5, rtol=1e-5)


def test_output_at_a_position_does_not_depend_on_later_tokens() -> None:
    layer = make_layer(AttentionConfig(32, 4, 2))
    x = torch.randn(1, 6, 32, dtype=torch.float64)
    y = x.clone()
    y[:, 4:] = torch.randn(1, 2, 32, dtype=torch.float64)
    with torch.no_grad():
        torch.testing.assert_close(layer(x)[:, :4], layer(y)[:, :4])


@pytest.mark.parametrize(
    "config",
    [AttentionConfig(32, 4, 4), AttentionConfig(32, 4, 1), AttentionConfig(48, 6, 3, head_dim=10, bias=True)],
    ids=["mha", "mqa", "gqa-bias-headdim"],
)
def test_parameter_count_equals_cost_formula(config: AttentionConfig) -> None:
    layer = GroupedQueryAttention(config)
    counted = sum(p.numel() for p in layer.parameters())
    assert counted == cost.attention_params(
        config.d_model, config.n_heads, config.n_kv_heads, config.head_dim, bias=config.bias
    )


def test_projection_shapes_follow_the_heads() -> None:
    layer = GroupedQueryAttention(AttentionConfig(4096, 32, 8))
    assert tuple(layer.wq.weight.shape) == (4096, 4096)
    assert tuple(layer.wk.weight.shape) == (1024, 4096)
    assert tuple(layer.wv.weight.shape) == (1024, 4096)
    assert tuple(layer.wo.weight.shape) == (4096, 4096)
