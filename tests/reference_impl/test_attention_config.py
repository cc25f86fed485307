"""AttentionConfig resolves head_dim and names the wrong number in every rejected combination."""

from __future__ import annotations

import pytest

from reference_impl.config import AttentionConfig


def test_kinds_and_defaults() -> None:
    assert AttentionConfig(4096, 32, 32).kind == "MHA"
    assert AttentionConfig(4096, 32, 1).kind == "MQA"
    gqa = AttentionConfig(4096, 32, 8)
    assert gqa.kind == "GQA" and gqa.head_dim == 128 and gqa.group_size == 4
    assert AttentionConfig(18432, 48, 1, head_dim=256).head_dim == 256


@pytest.mark.parametrize(
    "args,message",
    [
        ((4096, 32, 6), "n_kv_heads=6 does not divide n_heads=32"),
        ((4096, 32, 64), "n_kv_heads=64 is more than n_heads=32"),
        ((100, 3, 1), "n_heads=3 does not divide d_model=100"),
        ((4096, 0, 1), "n_heads must be a positive integer, got 0"),
        ((4096, 32, 8, -1), "head_dim must be a positive integer, got -1"),
        ((4096.0, 32, 8), "d_model must be a positive integer, got 4096.0"),
    ],
)
def test_bad_configurations_name_the_wrong_number(args: tuple, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        AttentionConfig(*args)


def test_config_is_frozen() -> None:
    config = AttentionConfig(64, 4, 2)
    with pytest.raises(AttributeError):
        config.n_heads = 8  # type: ignore[misc]
