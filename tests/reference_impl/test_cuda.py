"""reference_impl on CUDA: the cores, the module with its cache and the benchmark's timer (issue 16).

Skipped without a CUDA device; `python bench/gpu_check.py` runs them (`pytest -m cuda`). Not yet run on a GPU
by the time they were written: the first GPU run is where they get their first real answer.
"""

from __future__ import annotations

import dataclasses

import pytest
import torch

from reference_impl import bench
from reference_impl.attention import CORES
from reference_impl.config import AttentionConfig
from reference_impl.module import GroupedQueryAttention

pytestmark = [pytest.mark.cuda, pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")]

FORMS = [(64, 64), (1, 64), (8, 64)]  # T=S, T=1, T<S


@pytest.mark.parametrize(("t", "s"), FORMS)
@pytest.mark.parametrize(("dtype", "atol"), [(torch.float32, 1e-4), (torch.bfloat16, 5e-2)])
def test_cores_on_cuda_agree_with_float64(t: int, s: int, dtype: torch.dtype, atol: float) -> None:
    gen = torch.Generator().manual_seed(0)
    q = torch.randn(2, 8, t, 32, generator=gen, dtype=torch.float64)
    k = torch.randn(2, 2, s, 32, generator=gen, dtype=torch.float64)
    v = torch.randn(2, 2, s, 32, generator=gen, dtype=torch.float64)
    exact = CORES["einsum"](q, k, v)
    for name, core in CORES.items():
        out = core(q.cuda().to(dtype), k.cuda().to(dtype), v.cuda().to(dtype))
        assert out.device.type == "cuda" and out.dtype == dtype, name
        torch.testing.assert_close(out.double().cpu(), exact, rtol=0, atol=atol, msg=name)


def test_module_decodes_with_a_cuda_cache_like_a_full_forward() -> None:
    torch.manual_seed(0)
    layer = GroupedQueryAttention(AttentionConfig(64, 8, 2)).cuda().eval()
    x = torch.randn(2, 10, 64, device="cuda")
    cache = layer.new_cache(2, 10)
    assert cache.k.device.type == "cuda"
    with torch.no_grad():
        full = layer(x)
        steps = torch.cat([layer(x[:, i: i + 1], cache) for i in range(10)], dim=1)
    torch.testing.assert_close(steps, full, rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="cache is on cuda"):
        cache.update(torch.zeros(2, 2, 1, 8), torch.zeros(2, 2, 1, 8))


def test_the_benchmark_runs_a_tiny_plan_on_cuda() -> None:
    plan = dataclasses.replace(
        bench.make_plan(torch.device("cuda"), quick=True),
        pool_bytes=8 * bench.MIB, n_heads=8, head_dim=16, kv_heads=(8, 2, 1), decode_grid=((2, 128),),
        efficiency_point=(2, 128), ratio_point=(2, 128), article_d_model=128, article_seq_lens=(32,),
        new_tokens=4, samples=2, sample_s=0.0, warmups=1,
    )
    result = bench.run(quick=True, command="test", plan=plan, device=torch.device("cuda"))
    assert result["bandwidth"]["read_bytes_per_s"] > 0
    assert all(r["sdpa_s"] > 0 for r in result["decode"])
    assert all(b["backend"] != "unknown" for b in result["backends"]), result["backends"]
    assert "launch-bound" in bench.render(result)


def test_cuda_events_time_a_kernel() -> None:
    x = torch.randn(1 << 20, device="cuda")
    timer = bench.Timer(torch.device("cuda"), samples=2, sample_s=0.0, warmups=1, flush=torch.empty(1 << 20, device="cuda"))
    out = timer.alternate({"sum": lambda: x.sum()})
    assert all(s > 0 for s in out["sum"])
