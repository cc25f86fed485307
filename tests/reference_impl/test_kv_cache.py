"""KVCache: preallocated, returns views of the filled part, counts its bytes, refuses to overflow."""

from __future__ import annotations

import pytest
import torch

from reference_impl import cost
from reference_impl.kv_cache import KVCache


def test_update_returns_views_of_the_filled_part() -> None:
    cache = KVCache(batch=2, n_kv_heads=3, max_len=8, head_dim=4)
    k1, v1 = torch.randn(2, 3, 5, 4), torch.randn(2, 3, 5, 4)
    k, v = cache.update(k1, v1)
    assert k.shape == (2, 3, 5, 4) and cache.length == 5
    assert k.data_ptr() == cache.k.data_ptr() and v.data_ptr() == cache.v.data_ptr()  # views, no copy
    k2, v2 = torch.randn(2, 3, 1, 4), torch.randn(2, 3, 1, 4)
    k, v = cache.update(k2, v2)
    torch.testing.assert_close(k, torch.cat([k1, k2], dim=2))
    torch.testing.assert_close(v, torch.cat([v1, v2], dim=2))


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_nbytes_equals_cost_formula(dtype: torch.dtype) -> None:
    cache = KVCache(batch=3, n_kv_heads=2, max_len=16, head_dim=8, dtype=dtype)
    element = torch.empty(0, dtype=dtype).element_size()
    assert cache.nbytes == cost.kv_cache_bytes(3, 16, 1, 2, 8, bytes_per_element=element)
    assert cache.nbytes == cache.k.nbytes + cache.v.nbytes


def test_overflow_is_a_clear_error_and_changes_nothing() -> None:
    cache = KVCache(batch=1, n_kv_heads=1, max_len=4, head_dim=2)
    cache.update(torch.ones(1, 1, 3, 2), torch.ones(1, 1, 3, 2))
    with pytest.raises(ValueError, match=r"max_len=4 positions, 3 are filled, and 2 more"):
        cache.update(torch.ones(1, 1, 2, 2), torch.ones(1, 1, 2, 2))
    assert cache.length == 3


def test_wrong_shape_is_named() -> None:
    cache = KVCache(batch=1, n_kv_heads=2, max_len=4, head_dim=2)
    with pytest.raises(ValueError, match=r"expected new keys and values \[1, 2, T, 2\]"):
        cache.update(torch.ones(1, 1, 1, 2), torch.ones(1, 1, 1, 2))


def test_reset_starts_over() -> None:
    cache = KVCache(batch=1, n_kv_heads=1, max_len=2, head_dim=2)
    cache.update(torch.ones(1, 1, 2, 2), torch.ones(1, 1, 2, 2))
    cache.reset()
    k, _ = cache.update(torch.zeros(1, 1, 1, 2), torch.zeros(1, 1, 1, 2))
    assert k.shape == (1, 1, 1, 2) and k.abs().sum() == 0


def test_bad_size_is_named() -> None:
    with pytest.raises(ValueError, match="max_len must be a positive integer, got 0"):
        KVCache(batch=1, n_kv_heads=1, max_len=0, head_dim=2)


def test_truncate_keeps_a_prefix() -> None:
    cache = KVCache(batch=1, n_kv_heads=1, max_len=4, head_dim=1)
    cache.update(torch.arange(3.0).view(1, 1, 3, 1), torch.zeros(1, 1, 3, 1))
    cache.truncate(2)
    k, _ = cache.update(torch.full((1, 1, 1, 1), 9.0), torch.zeros(1, 1, 1, 1))
    assert k.flatten().tolist() == [0.0, 1.0, 9.0]
    with pytest.raises(ValueError, match="cannot truncate a cache of 3 positions to 5"):
        cache.truncate(5)


def test_update_names_a_dtype_mismatch() -> None:
    cache = KVCache(batch=1, n_kv_heads=2, max_len=4, head_dim=8, dtype=torch.bfloat16)
    new = torch.zeros(1, 2, 1, 8)  # float32
    with pytest.raises(TypeError, match="new keys are float32 but the cache holds bfloat16"):
        cache.update(new, new)
    assert cache.length == 0  # nothing written


def test_update_names_a_device_mismatch() -> None:
    cache = KVCache(batch=1, n_kv_heads=1, max_len=4, head_dim=2, device="meta")
    new = torch.zeros(1, 1, 1, 2)
    with pytest.raises(ValueError, match="new keys are on cpu but the cache is on meta"):
        cache.update(new, new)


def test_the_docstring_says_inference_only() -> None:
    assert "no_grad" in KVCache.__doc__ and "inference" in KVCache.__doc__
