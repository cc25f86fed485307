"""The benchmark's pieces that decide what its figures mean: cache sizes, the device table, the backend
report, the paired ratios and the preallocated repeat path (issue 16)."""

from __future__ import annotations

import pytest
import torch

from reference_impl import bench
from reference_impl.attention import attend_repeat

LSCPU = """\
Architecture:                            x86_64
Model name:                              Intel(R) Xeon(R) Processor
L1d cache:                               96 KiB (2 instances)
L1i cache:                               128 KiB (2 instances)
L2 cache:                                4 MiB (2 instances)
L3 cache:                                480 MiB (1 instance)
"""


def test_lscpu_cache_sizes_are_read_in_binary_units() -> None:
    caches = bench.parse_lscpu_caches(LSCPU)
    assert caches == {"L1d": 96 * 2**10, "L1i": 128 * 2**10, "L2": 4 * 2**20, "L3": 480 * 2**20}
    assert bench.parse_size("32768K") == 32 * 2**20
    assert bench.parse_size("1.5 MiB") == 3 * 2**19
    assert bench.parse_size("none") is None


def test_the_last_level_cache_is_the_highest_level(monkeypatch: pytest.MonkeyPatch) -> None:
    class Out:
        stdout = LSCPU

    monkeypatch.setattr(bench.subprocess, "run", lambda *a, **k: Out())
    assert bench.last_level_cache(torch.device("cpu")) == (480 * 2**20, "L3 from lscpu")


@pytest.mark.parametrize(
    ("name", "label", "tb_per_s", "targets"),
    [
        ("NVIDIA H100 80GB HBM3", "H100 SXM", 3.35, True),
        ("NVIDIA H100 PCIe", "H100 PCIe", 2.0, True),
        ("NVIDIA H200", "H200", 4.8, True),
        ("NVIDIA A100-SXM4-80GB", "A100 80GB", 2.0, False),
        ("NVIDIA A100 80GB PCIe", "A100 80GB", 2.0, False),
        ("NVIDIA A100-SXM4-40GB", "A100 40GB", 1.555, False),
        ("NVIDIA L4", "L4", 0.3, False),
        ("NVIDIA L40S", "L40S", 0.864, False),
    ],
)
def test_device_table(name: str, label: str, tb_per_s: float, targets: bool) -> None:
    spec = bench.lookup_device(name)
    assert spec is not None and spec.name == label and spec.targets is targets
    assert spec.bytes_per_s == pytest.approx(tb_per_s * 1e12)


def test_an_unknown_device_is_said_to_be_unknown() -> None:
    assert bench.lookup_device("NVIDIA GeForce GTX 1080") is None
    result = {"date": "d", "device": "cuda", "machine": {"torch": "t", "threads": 1}, "device_spec": None,
              "plan": {"device": "NVIDIA GeForce GTX 1080", "dtype": "bfloat16", "scaled_down": False,
                       "samples": 5, "sample_s": 0.2, "n_heads": 32, "head_dim": 128, "article_d_model": 4096}}
    assert "not in the device table" in bench.render_header(result)


@pytest.mark.parametrize(
    ("ops", "backend"),
    [
        (["aten::scaled_dot_product_attention", "aten::_scaled_dot_product_flash_attention_for_cpu"], "flash (CPU)"),
        (["aten::scaled_dot_product_attention", "aten::_scaled_dot_product_flash_attention",
          "void pytorch_flash::flash_fwd_kernel<...>"], "flash"),
        (["aten::_scaled_dot_product_efficient_attention", "aten::_efficient_attention_forward",
          "fmha_cutlassF_bf16_aligned_64x128_rf_sm80"], "efficient"),
        (["aten::_scaled_dot_product_cudnn_attention", "cudnn_generated_fort_native_sdpa"], "cudnn"),
        (["aten::scaled_dot_product_attention", "aten::_scaled_dot_product_attention_math", "aten::bmm",
          "aten::_softmax"], "math"),
        (["aten::matmul", "aten::softmax", "aten::bmm"], "math"),
        (["aten::add"], "unknown"),
    ],
)
def test_backend_report_parsing(ops: list[str], backend: str) -> None:
    assert bench.parse_backend(ops) == backend


def test_backend_report_names_a_backend_on_this_machine() -> None:
    q, k = torch.randn(1, 4, 1, 8), torch.randn(1, 2, 16, 8)
    from reference_impl.attention import attend_sdpa

    assert bench.sdpa_backend(lambda: attend_sdpa(q, k, k), torch.device("cpu")) != "unknown"


def test_ratios_are_medians_of_paired_ratios() -> None:
    # drift: both slow down together in round 3; the paired ratio stays 2
    a, b = [2.0, 2.0, 8.0, 2.0, 2.0], [1.0, 1.0, 4.0, 1.0, 1.0]
    assert bench.paired_ratio(a, b) == 2.0
    with pytest.raises(ValueError):
        bench.paired_ratio([1.0], [1.0, 2.0])
    assert bench.spread([3.0, 1.0, 2.0]) == {"min": 1.0, "median": 2.0, "max": 3.0, "n": 3}


def test_timer_samples_last_at_least_the_sample_length() -> None:
    calls = []
    timer = bench.Timer(torch.device("cpu"), samples=5, sample_s=0.01, warmups=3)
    out = timer.alternate({"a": lambda: calls.append(1), "b": lambda: sum(range(1000))})
    assert len(out["a"]) == len(out["b"]) == 5
    assert len(calls) > 5 + 3  # several calls per sample after three warm-ups


def test_the_pool_is_four_times_the_cache_and_rows_inside_it_are_flagged() -> None:
    plan = bench.Plan(device="cpu", dtype="float32", scaled_down=True, pool_bytes=1 << 20, n_heads=4, head_dim=8,
                      kv_heads=(4, 1), decode_grid=((1, 16),), efficiency_point=(1, 16), ratio_point=(1, 16),
                      article_d_model=32, article_batch=1, article_seq_lens=(8,), llc_bytes=1 << 20)
    pool = bench.make_pool(plan, torch.device("cpu"), torch.float32)
    assert pool.nbytes >= 4 << 20 and not pool.capped
    assert pool.resident_possible(1 << 20) and not pool.resident_possible(4 << 20)
    pairs = bench._rotated(pool, (1, 4, 16, 8))
    assert len(pairs) * 2 * 4 * 16 * 8 * 4 <= pool.nbytes < (len(pairs) + 1) * 2 * 4 * 16 * 8 * 4
    assert pairs[0][0].data_ptr() != pairs[1][0].data_ptr()  # rotated, not the same buffer


def test_repeat_into_a_preallocated_buffer_equals_the_repeat_core() -> None:
    q, k, v = torch.randn(2, 8, 1, 4), torch.randn(2, 2, 5, 4), torch.randn(2, 2, 5, 4)
    ko, vo = torch.empty(2, 8, 5, 4), torch.empty(2, 8, 5, 4)
    torch.testing.assert_close(bench.repeat_into(q, k, v, ko, vo), attend_repeat(q, k, v))


def test_the_read_reduction_reads_every_element() -> None:
    x = torch.arange(4096, dtype=torch.float32)
    assert bench.read_all(x).sum().item() == x.sum().item()
