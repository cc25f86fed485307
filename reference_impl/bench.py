"""Why MQA and GQA exist, measured: ``python -m reference_impl.bench [--json] [--quick]``.

One run measures, side by side:

1. the machine's memory bandwidth: a read-only reduction (a GEMV against ones) over a buffer at least 4x the last-level
   cache (the limit every efficiency figure is divided by; decoding is read-dominated) and a copy
   of the same buffer (printed too);
2. one decoding step of one layer's attention for G in {H, 8, 1} with the three cores and with the
   repeat path writing into a preallocated buffer, as a fraction of the read bandwidth, and the
   ratios MHA/GQA-8, MHA/MQA and repeat/fused; then which SDPA backend ran for each causal form;
3. the article's table (Yue Shui 2025, 'Attention Mechanisms in Transformers'; forward latency and peak memory of MHA, GQA-8 and MQA at sequence
   lengths 512, 1024, 1536) beside the same layer decoding one token from a KV cache;
4. the notebook's experiment (ajayrfhp's GPT-2 KV-cache notebook): generating N tokens with and without a KV cache on a small
   randomly initialised decoder.

How it times (so the figures mean what they say):

- every figure is at least ``samples`` samples (5) of at least ``sample_s`` seconds (0.2) each,
  after warm-ups, printed as median [min - max];
- the functions compared with each other are timed in alternation (round robin, one sample of
  each per round), and a ratio is the median of the per-round ratios, so machine drift cancels;
- decoding steps rotate through a pool of K/V buffers at least 4x the last-level cache (read from
  ``lscpu`` or the GPU's properties), so each step reads DRAM/HBM, not cache; a row whose working
  set is smaller than that is marked ``(c)``: it could be cache-resident;
- on CUDA: CUDA events per call, the L2 cache flushed before each call, ``synchronize`` around
  samples.

On CUDA it uses Llama-3-8B head sizes in bf16. On a CPU the sizes are scaled down (and the
output says so) so that a run takes minutes, not hours; the ratios are figures, not gates.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime
import json
import math
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field

import torch
import torch.nn.functional as F

from . import cost
from .attention import CORES
from .config import AttentionConfig
from .decoder import DecoderConfig, TinyDecoder
from .device import default_device
from .module import GroupedQueryAttention

GIB = 2**30
MIB = 2**20


@dataclass(frozen=True)
class Plan:
    """Every size the run uses; chosen once per device so the output can state them."""

    device: str
    dtype: str
    scaled_down: bool
    pool_bytes: int  # the least size of the rotated buffer pool; raised to 4x the last-level cache
    # decode step of one layer's attention core
    n_heads: int
    head_dim: int
    kv_heads: tuple[int, ...]
    decode_grid: tuple[tuple[int, int], ...]  # (batch, context)
    efficiency_point: tuple[int, int]
    ratio_point: tuple[int, int]
    # the article's forward table (Yue Shui 2025)
    article_d_model: int
    article_batch: int
    article_seq_lens: tuple[int, ...]
    # the notebook's generation experiment (GPT-2 KV-cache timing)
    generation: DecoderConfig = field(default_factory=DecoderConfig)
    prompt_len: int = 8
    new_tokens: int = 200
    samples: int = 5  # per figure, timed in alternation with what it is compared to
    sample_s: float = 0.2  # the least length of one sample
    warmups: int = 3
    llc_bytes: int | None = None  # None: read the last-level cache size from the device


def make_plan(device: torch.device, quick: bool) -> Plan:
    """Llama-3-8B head sizes in bf16 on a GPU; scaled-down float32 sizes on a CPU."""
    if device.type == "cuda":
        return Plan(
            device=torch.cuda.get_device_name(device),
            dtype="bfloat16",
            scaled_down=False,
            pool_bytes=(1 if quick else 4) * GIB,
            n_heads=32,
            head_dim=128,
            kv_heads=(32, 8, 1),
            decode_grid=((16, 4096),) if quick else ((1, 4096), (16, 4096), (64, 4096), (16, 32768)),
            efficiency_point=(16, 4096),
            ratio_point=(16, 4096) if quick else (16, 32768),
            article_d_model=4096,
            article_batch=8,
            article_seq_lens=(512,) if quick else (512, 1024, 1536),
            generation=DecoderConfig(vocab=32000, d_model=1024, n_layers=8, n_heads=16, n_kv_heads=4, max_len=1024),
            prompt_len=16,
            new_tokens=100 if quick else 500,
        )
    return Plan(
        device=platform.processor() or platform.machine(),
        dtype="float32",
        scaled_down=True,
        pool_bytes=(128 if quick else 512) * MIB,
        n_heads=32,
        head_dim=64,
        kv_heads=(32, 8, 1),
        decode_grid=((4, 1024),) if quick else ((1, 1024), (4, 2048), (8, 4096)),
        efficiency_point=(4, 1024) if quick else (4, 2048),
        ratio_point=(4, 1024) if quick else (8, 4096),
        article_d_model=1024,
        article_batch=1,
        article_seq_lens=(512,) if quick else (512, 1024, 1536),
        generation=DecoderConfig(vocab=512, d_model=256, n_layers=4, n_heads=8, n_kv_heads=2, max_len=512),
        prompt_len=8,
        new_tokens=40 if quick else 200,
    )


# --- what the device is: cache size, memory, published bandwidth --------------------------------------

_SIZE = re.compile(r"([\d.]+)\s*([KMGT]?)(i?B)?", re.IGNORECASE)
_UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


def parse_size(text: str) -> int | None:
    """``"480 MiB (1 instance)"``, ``"32768K"``, ``"1.5 MB"`` -> bytes (binary units, as lscpu and sysfs mean them)."""
    m = _SIZE.search(text)
    if not m:
        return None
    return int(float(m.group(1)) * _UNITS[m.group(2).upper()])


def parse_lscpu_caches(text: str) -> dict[str, int]:
    """Cache sizes from ``lscpu`` output: ``{"L1d": ..., "L2": ..., "L3": ...}`` in bytes (all instances)."""
    caches: dict[str, int] = {}
    for line in text.splitlines():
        m = re.match(r"\s*(L\d[a-z]?) cache:\s*(.+)", line)
        if m:
            size = parse_size(m.group(2))
            if size:
                caches[m.group(1)] = size
    return caches


def last_level_cache(device: torch.device) -> tuple[int, str]:
    """Bytes of the last-level cache (the GPU's L2; the CPU's highest level) and where the figure came from."""
    if device.type == "cuda":
        size = int(getattr(torch.cuda.get_device_properties(device), "L2_cache_size", 0))
        if size > 0:
            return size, "L2 from torch.cuda.get_device_properties"
        return 64 * MIB, "unknown L2 size; assumed 64 MiB"
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False, env={**os.environ, "LC_ALL": "C"}).stdout
    except OSError:
        out = ""
    caches = parse_lscpu_caches(out)
    if caches:
        level = max(caches, key=lambda name: (int(name[1]), caches[name]))
        return caches[level], f"{level} from lscpu"
    for index in (3, 2):
        try:
            with open(f"/sys/devices/system/cpu/cpu0/cache/index{index}/size") as f:
                size = parse_size(f.read())
        except OSError:
            continue
        if size:
            return size, f"L{index} from sysfs"
    return 256 * MIB, "unknown cache size; assumed 256 MiB"


def available_memory(device: torch.device) -> int:
    """Bytes the run may still allocate on ``device`` (free GPU memory; MemAvailable on Linux)."""
    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(device)
        return int(free)
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 8 * GIB


@dataclass(frozen=True)
class DeviceSpec:
    name: str
    bytes_per_s: float  # the published peak memory bandwidth
    targets: bool  # the issue's H100/H200 targets apply


# Published memory bandwidth by device name (torch.cuda.get_device_name), first match wins.
DEVICE_TABLE: tuple[tuple[str, DeviceSpec], ...] = (
    (r"GH200", DeviceSpec("GH200", 4.0e12, False)),
    (r"H200", DeviceSpec("H200", 4.8e12, True)),
    (r"H100 NVL", DeviceSpec("H100 NVL", 3.9e12, True)),
    (r"H100 PCIe", DeviceSpec("H100 PCIe", 2.0e12, True)),
    (r"H100", DeviceSpec("H100 SXM", 3.35e12, True)),
    (r"A100.*80\s*GB|A100 80GB", DeviceSpec("A100 80GB", 2.0e12, False)),
    (r"A100", DeviceSpec("A100 40GB", 1.555e12, False)),
    (r"L40S", DeviceSpec("L40S", 864e9, False)),
    (r"L40\b", DeviceSpec("L40", 864e9, False)),
    (r"\bL4\b", DeviceSpec("L4", 300e9, False)),
    (r"\bA10G\b", DeviceSpec("A10G", 600e9, False)),
    (r"\bA10\b", DeviceSpec("A10", 600e9, False)),
    (r"\bT4\b", DeviceSpec("T4", 320e9, False)),
    (r"RTX 4090", DeviceSpec("RTX 4090", 1008e9, False)),
)


def lookup_device(name: str) -> DeviceSpec | None:
    """The published figures for a GPU name such as ``NVIDIA H100 80GB HBM3``; None when it is not in the table."""
    for pattern, spec in DEVICE_TABLE:
        if re.search(pattern, name):
            return spec
    return None


# --- timing --------------------------------------------------------------------------------------------


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


@dataclass
class Timer:
    """Samples of seconds per call. On CUDA every call is timed with its own events after an L2 flush."""

    device: torch.device
    samples: int = 5
    sample_s: float = 0.2
    warmups: int = 3
    flush: torch.Tensor | None = None  # CUDA: written before every call so no call starts with a warm L2

    def _one(self, fn: Callable[[], object]) -> float:
        if self.device.type != "cuda":
            t0 = time.perf_counter()
            fn()
            return time.perf_counter() - t0
        if self.flush is not None:
            self.flush.zero_()
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        end.synchronize()
        return start.elapsed_time(end) / 1e3

    def warm(self, fn: Callable[[], object]) -> float:
        """``warmups`` calls, then one timed call: its seconds."""
        for _ in range(self.warmups):
            fn()
        _sync(self.device)
        return self._one(fn)

    def alternate(self, fns: dict[str, Callable[[], object]], turn_s: float = 0.02) -> dict[str, list[float]]:
        """``samples`` rounds of samples taken in alternation, call by call.

        In a round the functions take turns, each running about ``turn_s`` of calls per turn (at least
        one), and every one keeps taking its turns until all have run at least ``sample_s``: the samples
        of one round interleave over the same stretch of time, so a per-round ratio cancels what the
        rest of the machine was doing meanwhile.
        """
        single = {name: max(self.warm(fn), 1e-7) for name, fn in fns.items()}
        per_turn = {name: max(1, round(turn_s / t)) for name, t in single.items()}
        out: dict[str, list[float]] = {name: [] for name in fns}
        for _ in range(self.samples):
            total = dict.fromkeys(fns, 0.0)
            calls = dict.fromkeys(fns, 0)
            while min(total.values()) < self.sample_s or not all(calls.values()):
                for name, fn in fns.items():
                    for _ in range(per_turn[name]):
                        total[name] += self._one(fn)
                    calls[name] += per_turn[name]
            _sync(self.device)
            for name in fns:
                out[name].append(total[name] / calls[name])
        return out


def spread(samples: list[float]) -> dict[str, float | int]:
    """min / median / max of the samples (seconds per call)."""
    return {"min": min(samples), "median": statistics.median(samples), "max": max(samples), "n": len(samples)}


def paired_ratio(a: list[float], b: list[float]) -> float:
    """The median of the per-round ratios ``a[i] / b[i]`` of samples taken in alternation."""
    if len(a) != len(b) or not a:
        raise ValueError("paired samples must come from the same rounds")
    return statistics.median(x / y for x, y in zip(a, b))


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def _ms(s: dict[str, float | int]) -> str:
    """``median [min-max]`` in ms."""
    return f"{s['median'] * 1e3:.3f} [{s['min'] * 1e3:.3f}-{s['max'] * 1e3:.3f}]"


# --- 1. bandwidth ----------------------------------------------------------------------------------------


@dataclass
class Pool:
    """One flat buffer, at least 4x the last-level cache where memory allows, shared by every section."""

    data: torch.Tensor
    llc_bytes: int
    llc_source: str
    capped: bool  # memory did not allow 4x the last-level cache

    @property
    def nbytes(self) -> int:
        return self.data.nbytes

    def resident_possible(self, working_set: int) -> bool:
        """Whether a working set this big could stay in the last-level cache between calls."""
        return working_set < 4 * self.llc_bytes


def make_pool(plan: Plan, device: torch.device, dtype: torch.dtype) -> Pool:
    if plan.llc_bytes is not None:
        llc, source = plan.llc_bytes, "given by the plan"
    else:
        llc, source = last_level_cache(device)
    element = torch.empty(0, dtype=dtype).element_size()
    largest_row = max(
        (2 * b * g * s * plan.head_dim * element for b, s in plan.decode_grid for g in plan.kv_heads), default=0
    )
    wanted = max(4 * llc, plan.pool_bytes, largest_row)
    cap = int(0.45 * available_memory(device))
    nbytes = min(wanted, cap)
    data = torch.empty(nbytes // element, dtype=dtype, device=device)
    data.uniform_(-1.0, 1.0)
    return Pool(data, llc, source, capped=nbytes < 4 * llc)


READ_ROW = 1024


def read_all(part: torch.Tensor) -> torch.Tensor:
    """A read-only reduction over ``part``: rows of ``READ_ROW`` elements times a vector of ones (a GEMV).

    The fastest plain read torch offers on a CPU (``sum``'s pairwise summation runs slower than memory
    on one core); the result is ``1/READ_ROW`` of the bytes read, so the writes do not count.
    """
    rows = part.numel() // READ_ROW
    return part[: rows * READ_ROW].view(rows, READ_ROW) @ torch.ones(READ_ROW, dtype=part.dtype, device=part.device)


def measure_bandwidth(pool: Pool, timer: Timer) -> dict:
    """Read bandwidth (a reduction over the whole pool) and copy bandwidth (one half into the other), in alternation."""
    data = pool.data
    half = data.numel() // 2
    src, dst = data[:half], data[half: 2 * half]
    samples = timer.alternate({"read": lambda: read_all(data), "copy": lambda: dst.copy_(src)})
    read_s, copy_s = spread(samples["read"]), spread(samples["copy"])
    return {
        "read_bytes": data.nbytes,
        "copy_bytes": src.nbytes,
        "read_s": read_s,
        "copy_s": copy_s,
        "read_bytes_per_s": data.nbytes / read_s["median"],
        "copy_bytes_per_s": 2 * src.nbytes / copy_s["median"],  # read + write counted, write-allocate not
        "bytes_per_s": data.nbytes / read_s["median"],  # the limit used below
        "llc_bytes": pool.llc_bytes,
        "llc_source": pool.llc_source,
        "pool_bytes": pool.nbytes,
        "pool_capped": pool.capped,
        "resident_possible": pool.resident_possible(data.nbytes),
    }


# --- 2. decoding step -----------------------------------------------------------------------------------


def repeat_into(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, k_out: torch.Tensor, v_out: torch.Tensor) -> torch.Tensor:
    """The repeat path (``attend_repeat`` at T = 1) writing the H-head copies into preallocated buffers.

    Same result as ``attend_repeat``; the allocator (page faults on a CPU) is out of the measurement.
    """
    b, g, s, d = k.shape
    r = q.shape[1] // g
    k_out.view(b, g, r, s, d).copy_(k.unsqueeze(2).expand(b, g, r, s, d))
    v_out.view(b, g, r, s, d).copy_(v.unsqueeze(2).expand(b, g, r, s, d))
    return F.scaled_dot_product_attention(q, k_out, v_out)


def _rotated(pool: Pool, shape: tuple[int, ...]) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """As many (K, V) pairs of ``shape`` as fit in the pool, side by side (views: nothing is copied)."""
    n = math.prod(shape)
    count = max(1, pool.data.numel() // (2 * n))
    return [(pool.data[2 * i * n: (2 * i + 1) * n].view(shape), pool.data[(2 * i + 1) * n: (2 * i + 2) * n].view(shape))
            for i in range(count)]


def _read_slices(pool: Pool, count: int = 16) -> list[torch.Tensor]:
    """The pool cut into ``count`` equal slices, for a read that rotates through all of it call by call."""
    size = pool.data.numel() // count
    return [pool.data[i * size: (i + 1) * size] for i in range(count)]


def _cycling(fn: Callable[..., object], pairs: list) -> Callable[[], object]:
    state = {"i": 0}

    def call() -> object:
        i = state["i"]
        state["i"] = (i + 1) % len(pairs)
        return fn(*pairs[i])

    return call


def _fits(device: torch.device, needed: int) -> bool:
    if device.type != "cuda":
        return True
    free, _ = torch.cuda.mem_get_info(device)
    return needed < 0.85 * free


DECODE_CORES = ("sdpa", "einsum", "repeat", "repeat_prealloc")


def bench_decode(plan: Plan, device: torch.device, dtype: torch.dtype, pool: Pool, timer: Timer) -> list[dict]:
    """One decoding step (T = 1) for every (batch, context, G, core); all of one point timed in alternation
    with the read of the whole pool, whose bandwidth in the same rounds is each efficiency's limit."""
    rows = []
    h, d = plan.n_heads, plan.head_dim
    element = torch.empty(0, dtype=dtype).element_size()
    gen = torch.Generator(device=device).manual_seed(0)
    for batch, context in plan.decode_grid:
        fns: dict[str, Callable[[], object]] = {}
        point_rows: list[dict] = []
        q = torch.randn(batch, h, 1, d, device=device, dtype=dtype, generator=gen)
        repeated = batch * h * context * d * element  # one repeated K (or V)
        for g in plan.kv_heads:
            kv_bytes = 2 * batch * g * context * d * element
            row: dict = {"batch": batch, "context": context, "n_kv_heads": g}
            if kv_bytes > pool.nbytes or not _fits(device, 2 * repeated * 2):
                row["skipped"] = "does not fit"
                point_rows.append(row)
                continue
            pairs = _rotated(pool, (batch, g, context, d))
            k_out = torch.empty(batch, h, context, d, device=device, dtype=dtype)
            v_out = torch.empty_like(k_out)
            must_read = kv_bytes + 2 * q.nbytes  # K and V, then q in and the output out: no weights
            working_set = len(pairs) * kv_bytes
            row.update({"bytes_read": must_read, "buffers": len(pairs), "working_set": working_set,
                        "resident_possible": pool.resident_possible(working_set)})
            for name, core in CORES.items():
                fns[f"{g}:{name}"] = _cycling(lambda k, v, core=core: core(q, k, v), pairs)
            fns[f"{g}:repeat_prealloc"] = _cycling(lambda k, v, ko=k_out, vo=v_out: repeat_into(q, k, v, ko, vo), pairs)
            point_rows.append(row)
        slices = _read_slices(pool)
        if fns:
            # the limit is measured in the same rounds, so an efficiency is a paired figure too: a sum over
            # one slice of the pool per call, rotating through all of it (no slice is in cache when read)
            fns["read"] = _cycling(read_all, [(part,) for part in slices])
        samples = timer.alternate(fns) if fns else {}
        for row in point_rows:
            if "skipped" in row:
                continue
            g = row["n_kv_heads"]
            row["read_bytes_per_s"] = slices[0].nbytes / statistics.median(samples["read"])
            for name in DECODE_CORES:
                s = samples[f"{g}:{name}"]
                row[name] = spread(s)
                row[f"{name}_samples"] = s
                row[f"{name}_s"] = row[name]["median"]
                # (bytes / read bandwidth of the round) / time of the round, median over the rounds
                row[f"{name}_efficiency"] = row["bytes_read"] / slices[0].nbytes * paired_ratio(samples["read"], s)
        rows.extend(point_rows)
        del q, fns
        if device.type == "cuda":
            torch.cuda.empty_cache()
    return rows


def decode_ratios(rows: list[dict], plan: Plan) -> dict[str, float | None]:
    """Paired-sample ratios at the plan's ratio point: MHA/GQA-8, MHA/MQA (sdpa) and repeat/fused."""
    def samples_of(point: tuple[int, int], g: int, core: str = "sdpa") -> list[float] | None:
        for r in rows:
            if (r["batch"], r["context"], r["n_kv_heads"]) == (*point, g) and f"{core}_samples" in r:
                return r[f"{core}_samples"]
        return None

    def ratio(a: list[float] | None, b: list[float] | None) -> float | None:
        return paired_ratio(a, b) if a is not None and b is not None else None

    h = plan.n_heads
    point = plan.ratio_point
    eff = next(
        (r.get("sdpa_efficiency") for r in rows if (r["batch"], r["context"], r["n_kv_heads"]) == (*plan.efficiency_point, 8)),
        None,
    )
    return {
        "gqa8_sdpa_efficiency": eff,
        "mha_over_gqa8": ratio(samples_of(point, h), samples_of(point, 8)),
        "mha_over_mqa": ratio(samples_of(point, h), samples_of(point, 1)),
        "repeat_over_sdpa_gqa8": ratio(samples_of(point, 8, "repeat"), samples_of(point, 8)),
        "repeat_over_sdpa_mqa": ratio(samples_of(point, 1, "repeat"), samples_of(point, 1)),
        "repeat_prealloc_over_sdpa_gqa8": ratio(samples_of(point, 8, "repeat_prealloc"), samples_of(point, 8)),
        "repeat_prealloc_over_sdpa_mqa": ratio(samples_of(point, 1, "repeat_prealloc"), samples_of(point, 1)),
    }


# --- SDPA backend report -----------------------------------------------------------------------------------

# The aten op each SDPA backend dispatches to (as the profiler names it), most specific first.
_BACKEND_OPS = (
    ("_scaled_dot_product_cudnn_attention", "cudnn"),
    ("_scaled_dot_product_flash_attention_for_cpu", "flash (CPU)"),
    ("_scaled_dot_product_flash_attention", "flash"),
    ("_flash_attention_forward", "flash"),
    ("_scaled_dot_product_efficient_attention", "efficient"),
    ("_efficient_attention_forward", "efficient"),
    ("_scaled_dot_product_fused_attention_overrideable", "overrideable"),
    ("_scaled_dot_product_attention_math", "math"),
)


def parse_backend(op_names: Iterable[str]) -> str:
    """Which SDPA backend ran, from the names of the ops a profiler saw; ``"unknown"`` when none matches."""
    names = list(op_names)
    for op, backend in _BACKEND_OPS:
        if any(name.removeprefix("aten::") == op or name.endswith("::" + op) for name in names):
            return backend
    if any("softmax" in name for name in names) and any(name.endswith(("bmm", "matmul")) for name in names):
        return "math"
    return "unknown"


@contextlib.contextmanager
def _quiet_profiler() -> Iterator[None]:
    """Silence what torch's profiler writes straight to file descriptor 2 (``USDT ... profiler_start``
    lines) while it runs; Python's own errors still propagate after the descriptor is restored."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def sdpa_backend(fn: Callable[[], object], device: torch.device) -> str:
    """Run ``fn`` once under the profiler and name the SDPA backend it dispatched to."""
    from torch.profiler import ProfilerActivity, profile  # deferred: only this report needs it

    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device.type == "cuda" else [])
    with _quiet_profiler(), profile(activities=activities) as prof:
        fn()
        _sync(device)
    return parse_backend(e.name for e in prof.events())


def backend_report(plan: Plan, device: torch.device, dtype: torch.dtype) -> list[dict]:
    """The backend ``attend_sdpa`` gets for T=1 with G<H (``enable_gqa``), T=S causal and T<S (lower-right)."""
    from .attention import attend_sdpa

    h, d = plan.n_heads, plan.head_dim
    g = 8 if 8 in plan.kv_heads and 8 < h else plan.kv_heads[-1]
    s = min(plan.ratio_point[1], 1024)
    cases = (("T=1, enable_gqa", 1, s), ("T=S causal", s, s), ("T<S lower-right", 16 if s > 16 else max(1, s // 2), s))
    out = []
    for label, t, length in cases:
        q = torch.randn(1, h, t, d, device=device, dtype=dtype)
        k = torch.randn(1, g, length, d, device=device, dtype=dtype)
        v = torch.randn_like(k)
        try:
            backend = sdpa_backend(lambda: attend_sdpa(q, k, v), device)
        except RuntimeError as exc:  # a kernel that refuses the case: say so, keep the report going
            backend = f"error: {str(exc).splitlines()[0]}"
        out.append({"case": label, "q": [1, h, t, d], "kv": [1, g, length, d], "backend": backend})
    return out


# --- 3. the article's table (Yue Shui 2025) --------------------------------------------------------------------


def peak_extra_bytes(fn: Callable[[], object], device: torch.device) -> int:
    """Most memory allocated at once by ``fn`` beyond what already existed (activations, not weights)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
        base = torch.cuda.memory_allocated(device)
        fn()
        torch.cuda.synchronize(device)
        return torch.cuda.max_memory_allocated(device) - base
    from torch.profiler import ProfilerActivity, profile  # deferred: only the CPU path needs it

    with _quiet_profiler(), profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        fn()
    events = sorted(
        (e for e in prof.profiler.kineto_results.events() if e.name() == "[memory]"), key=lambda e: e.start_ns()
    )
    running = peak = 0
    for e in events:
        running += e.nbytes()
        peak = max(peak, running)
    return peak


def bench_article(plan: Plan, device: torch.device, dtype: torch.dtype, pool: Pool, timer: Timer) -> list[dict]:
    """The article's forward table, beside one cached decoding step at the same lengths (timed in alternation)."""
    rows = []
    d_model, h, b = plan.article_d_model, plan.n_heads, plan.article_batch
    element = torch.empty(0, dtype=dtype).element_size()
    for seq_len in plan.article_seq_lens:
        fns: dict[str, Callable[[], object]] = {}
        keep = []
        point_rows = []
        for g, method in ((8, "GQA-8"), (h, "MHA"), (1, "MQA")):
            config = AttentionConfig(d_model, h, g)
            torch.manual_seed(0)
            layer = GroupedQueryAttention(config).to(device=device, dtype=dtype).eval()
            x = torch.randn(b, seq_len, d_model, device=device, dtype=dtype)
            token = torch.randn(b, 1, d_model, device=device, dtype=dtype)
            cache = layer.new_cache(b, seq_len + 1)

            def step(layer=layer, cache=cache, token=token) -> torch.Tensor:
                cache.truncate(seq_len)  # every timed step reads the same seq_len cached tokens
                with torch.no_grad():
                    return layer(token, cache)

            def forward(layer=layer, x=x) -> torch.Tensor:
                with torch.no_grad():
                    return layer(x)

            with torch.no_grad():
                layer(x, cache)  # prefill the cache once
            forward_peak = peak_extra_bytes(forward, device)
            fns[f"{method}:forward"], fns[f"{method}:decode"] = forward, step
            keep.append((layer, x, cache))
            kv_read = cost.kv_cache_bytes(b, seq_len, 1, g, config.head_dim, element)
            activations = 2 * b * (d_model + h * config.head_dim) * element  # the token in, q, the output
            with_weights = cost.decode_step_bytes(b, seq_len, d_model, h, g, bytes_per_element=element)
            point_rows.append({
                "method": method,
                "n_kv_heads": g,
                "seq_len": seq_len,
                "forward_peak_mib": forward_peak / MIB,
                "forward_gflop": cost.prefill_flops(b, seq_len, d_model, h, g, causal=True) / 1e9,
                "kv_cache_mib": kv_read / MIB,
                "decode_mib_read": (kv_read + activations) / MIB,  # as in section 2: K, V, q, out; no weights
                "decode_mib_read_with_weights": with_weights / MIB,
                # the decode step re-reads the same cache and weights every call: they can stay in cache
                "resident_possible": pool.resident_possible(with_weights + activations),
            })
        samples = timer.alternate(fns)
        for row in point_rows:
            fwd, dec = spread(samples[f"{row['method']}:forward"]), spread(samples[f"{row['method']}:decode"])
            row.update({"forward": fwd, "decode": dec, "forward_ms": fwd["median"] * 1e3, "decode_ms": dec["median"] * 1e3})
        rows.extend(point_rows)
        del keep, fns
    return rows


# --- 4. generation ---------------------------------------------------------------------------------------------


def bench_generation(plan: Plan, device: torch.device, dtype: torch.dtype, timer: Timer) -> dict:
    """Greedy generation of ``new_tokens`` tokens, recomputing the prefix each step vs with a KV cache."""
    torch.manual_seed(0)
    model = TinyDecoder(plan.generation).to(device=device, dtype=dtype).eval()
    prompt = torch.randint(0, plan.generation.vocab, (1, plan.prompt_len), device=device)
    fns = {
        "without": lambda: model.generate(prompt, plan.new_tokens, False),
        "with": lambda: model.generate(prompt, plan.new_tokens, True),
    }
    # one call per fn per round (each call is longer than a sample): three times the rounds for a steady median
    samples = dataclasses.replace(timer, samples=3 * timer.samples).alternate(fns)
    rows = []
    for key, use_cache in (("without", False), ("with", True)):
        s = spread(samples[key])
        rows.append({"kv_cache": use_cache, "new_tokens": plan.new_tokens, "seconds": s["median"], "spread": s,
                     "ms_per_token": s["median"] / plan.new_tokens * 1e3})
    return {"rows": rows, "speedup": paired_ratio(samples["without"], samples["with"]),
            "launch_bound": device.type == "cuda"}


# --- the run ---------------------------------------------------------------------------------------------------


def machine(device: torch.device | None = None) -> dict[str, str | int]:
    info: dict[str, str | int] = {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "cpus": os.cpu_count() or 0,
        "threads": torch.get_num_threads(),
    }
    try:
        with open("/proc/cpuinfo") as f:
            names = [line.split(":", 1)[1].strip() for line in f if line.startswith("model name")]
        if names:
            info["cpu"] = names[0]
    except OSError:
        pass
    if hasattr(os, "getloadavg"):
        info["load_1min"] = f"{os.getloadavg()[0]:.2f}"
    if torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name()
    return info


def run(
    quick: bool,
    command: str = "python -m reference_impl.bench",
    plan: Plan | None = None,
    device: torch.device | None = None,
    emit: Callable[[str], None] | None = None,
) -> dict:
    """Measure every section with ``plan`` (by default the one for the device) and return the record.

    ``emit`` receives each section's text as soon as it is measured (the command prints and flushes it).
    """
    device = device or default_device()
    plan = plan or make_plan(device, quick)
    dtype = getattr(torch, plan.dtype)
    say = emit or (lambda text: None)
    started = time.perf_counter()
    result: dict = {
        "command": command,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(device),
        "device": device.type,
        "plan": asdict(plan),
    }
    spec = lookup_device(plan.device) if device.type == "cuda" else None
    result["device_spec"] = asdict(spec) if spec else None
    say(render_header(result))
    pool = make_pool(plan, device, dtype)
    flush = None
    if device.type == "cuda":
        flush = torch.empty(4 * pool.llc_bytes // 4, dtype=torch.float32, device=device)
    timer = Timer(device, plan.samples, plan.sample_s, plan.warmups, flush)
    result["bandwidth"] = measure_bandwidth(pool, timer)
    say(render_bandwidth(result))
    decode = bench_decode(plan, device, dtype, pool, timer)
    result["decode"] = decode
    result["ratios"] = decode_ratios(decode, plan)
    result["backends"] = backend_report(plan, device, dtype)
    say(render_decode(result))
    llc_only = Pool(torch.empty(0), pool.llc_bytes, pool.llc_source, capped=False)  # the article needs no buffer
    del pool
    if device.type == "cuda":
        torch.cuda.empty_cache()
    result["article"] = bench_article(plan, device, dtype, llc_only, timer)
    say(render_article(result))
    result["generation"] = bench_generation(plan, device, dtype, timer)
    result["wall_s"] = time.perf_counter() - started
    say(render_generation(result))
    return result


# --- the text report ---------------------------------------------------------------------------------------


def render_header(result: dict) -> str:
    p = result["plan"]
    lines = [
        f"reference_impl benchmark  {result['date']}  device={result['device']} ({p['device']})  dtype={p['dtype']}",
        f"torch {result['machine']['torch']}, {result['machine']['threads']} threads"
        + (f", load average {result['machine']['load_1min']} at the start" if "load_1min" in result["machine"] else ""),
        f"every time is the median [min-max] of {p['samples']} samples of >= {p['sample_s']:g} s; figures compared "
        "with each other are timed in alternation and their ratios are medians of per-round ratios",
    ]
    if p["scaled_down"]:
        lines.append(
            f"CPU run: sizes scaled down (H={p['n_heads']}, D={p['head_dim']}, d_model={p['article_d_model']}); "
            "the GPU targets are for Llama-3-8B sizes in bf16 and are not measured here."
        )
    if result["device"] == "cuda":
        spec = result.get("device_spec")
        if spec:
            lines.append(f"device: {spec['name']}, published memory bandwidth {spec['bytes_per_s'] / 1e12:.2f} TB/s")
        else:
            lines.append(f"device: {p['device']} is not in the device table: no published bandwidth to compare with")
    return "\n".join(lines)


def render_bandwidth(result: dict) -> str:
    bw = result["bandwidth"]
    lines = [
        "",
        f"1. memory bandwidth over {bw['pool_bytes'] / MIB:.0f} MiB; last-level cache {bw['llc_bytes'] / MIB:.0f} MiB "
        f"({bw['llc_source']})",
        f"read (reduce the buffer):     {bw['read_bytes_per_s'] / 1e9:8.1f} GB/s   {_ms(bw['read_s'])} ms  <- the limit below",
        f"copy (half into the other):   {bw['copy_bytes_per_s'] / 1e9:8.1f} GB/s   {_ms(bw['copy_s'])} ms  "
        "(read + write counted; a CPU also reads each destination line first, so this understates traffic)",
    ]
    spec = result.get("device_spec")
    if spec:
        lines.append(f"read bandwidth is {bw['read_bytes_per_s'] / spec['bytes_per_s']:.0%} of the {spec['name']}'s "
                     f"published {spec['bytes_per_s'] / 1e12:.2f} TB/s")
    if bw["pool_capped"]:
        lines.append("(c) memory did not allow a buffer 4x the last-level cache: these figures could include cache hits")
    return "\n".join(lines)


def render_decode(result: dict) -> str:
    p = result["plan"]
    spec = result.get("device_spec")
    targets = bool(spec and spec["targets"] and p["dtype"] == "bfloat16" and not p["scaled_down"])
    lines = [
        "",
        f"2. one decoding step of one layer's attention (H={p['n_heads']}, D={p['head_dim']}, T=1), K/V rotated through "
        "the buffer; MiB read = K, V, q and the output (no weights); eff = MiB read / read bandwidth / time, with the "
        "read bandwidth timed in the same rounds (median of per-round figures); "
        "times in ms, median [min-max]; (c) = the working set could be cache-resident",
        f"{'batch':>5} {'ctx':>6} {'G':>3} {'MiB read':>9}  "
        + "  ".join(f"{name + ' ms':>24} {'eff':>5}" for name in DECODE_CORES),
    ]
    for r in result["decode"]:
        if "skipped" in r:
            lines.append(f"{r['batch']:>5} {r['context']:>6} {r['n_kv_heads']:>3}  skipped: {r['skipped']}")
            continue
        cells = "  ".join(f"{_ms(r[name]):>24} {r[name + '_efficiency']:>5.0%}" for name in DECODE_CORES)
        mark = " (c)" if r["resident_possible"] else ""
        lines.append(f"{r['batch']:>5} {r['context']:>6} {r['n_kv_heads']:>3} {r['bytes_read'] / MIB:>9.1f}  {cells}{mark}")
    ra = result["ratios"]
    eb, ec = p["efficiency_point"]
    rb, rc = p["ratio_point"]
    if targets:
        target_eff, target_ratios = "   (target >= 75%)", "   (targets >= 3.3x, >= 16x, >= 5x)"
    elif result["device"] == "cuda":
        target_eff = target_ratios = "   (the targets are for H100/H200 in bf16; not this device)"
    else:
        target_eff = target_ratios = ""
    read_then = next((r["read_bytes_per_s"] for r in result["decode"]
                      if (r["batch"], r["context"]) == (eb, ec) and "read_bytes_per_s" in r), None)
    lines += [
        f"GQA-8 sdpa efficiency at batch {eb}, context {ec}: {_fmt(ra['gqa8_sdpa_efficiency'], '.0%')} of the read bandwidth"
        + (f" ({read_then / 1e9:.1f} GB/s in those rounds)" if read_then else "") + target_eff,
        f"at batch {rb}, context {rc} (medians of paired ratios): MHA/GQA-8 {_fmt(ra['mha_over_gqa8'], '.2f')}x, "
        f"MHA/MQA {_fmt(ra['mha_over_mqa'], '.2f')}x" + target_ratios,
        f"repeat/sdpa: GQA-8 {_fmt(ra['repeat_over_sdpa_gqa8'], '.2f')}x, MQA {_fmt(ra['repeat_over_sdpa_mqa'], '.2f')}x "
        "(fresh copies each call); into a preallocated buffer: "
        f"GQA-8 {_fmt(ra['repeat_prealloc_over_sdpa_gqa8'], '.2f')}x, MQA {_fmt(ra['repeat_prealloc_over_sdpa_mqa'], '.2f')}x",
        "SDPA backend (attend_sdpa): " + "; ".join(f"{b['case']}: {b['backend']}" for b in result["backends"]),
    ]
    return "\n".join(lines)


def render_article(result: dict) -> str:
    p = result["plan"]
    lines = [
        "",
        f"3. the article's table (Yue Shui 2025; one layer, d_model={p['article_d_model']}, H={p['n_heads']}, batch {p['article_batch']}) "
        "beside one decoding step from a KV cache of the same length; times in ms, median [min-max]; "
        "GFLOP counts the causal half; MiB read as in section 2 (no weights), then with the weights",
        f"{'method':>6} {'G':>3} {'seq':>5} {'causal fwd ms':>26} {'peak MiB':>9} {'GFLOP':>7} {'decode ms':>24} "
        f"{'KV MiB':>7} {'MiB read':>9} {'+weights':>9}",
    ]
    for r in result["article"]:
        mark = " (c)" if r["resident_possible"] else ""
        lines.append(
            f"{r['method']:>6} {r['n_kv_heads']:>3} {r['seq_len']:>5} {_ms(r['forward']):>26} {r['forward_peak_mib']:>9.1f} "
            f"{r['forward_gflop']:>7.2f} {_ms(r['decode']):>24} {r['kv_cache_mib']:>7.2f} {r['decode_mib_read']:>9.2f} "
            f"{r['decode_mib_read_with_weights']:>9.2f}{mark}"
        )
    if any(r["resident_possible"] for r in result["article"]):
        lines.append("(c) the decode step re-reads the same weights and cache each call and they fit in the last-level "
                     "cache: these decode times can be cache speed, not memory speed")
    return "\n".join(lines)


def render_generation(result: dict) -> str:
    p = result["plan"]
    gen = result["generation"]
    g = gen["rows"]
    dc = p["generation"]
    lines = [
        "",
        f"4. greedy generation of {g[0]['new_tokens']} tokens after {p['prompt_len']} prompt tokens, random decoder "
        f"(d_model={dc['d_model']}, layers={dc['n_layers']}, H={dc['n_heads']}, G={dc['n_kv_heads']}), "
        f"{3 * p['samples']} rounds",
    ]
    for r in g:
        label = "with KV cache   " if r["kv_cache"] else "without KV cache"
        s = r["spread"]
        lines.append(f"{label} {s['median']:>8.3f} s [{s['min']:.3f}-{s['max']:.3f}]  {r['ms_per_token']:>8.3f} ms/token")
    lines.append(f"speed-up from the cache (median of paired ratios): {gen['speedup']:.2f}x")
    if gen["launch_bound"]:
        lines.append("caveat: on a GPU this small decoder is launch-bound (one kernel launch per op per token, not "
                     "captured with CUDA graphs or torch.compile): these times measure Python and launches, not memory")
    lines += ["", f"total {result['wall_s']:.1f} s"]
    return "\n".join(lines)


def render(result: dict) -> str:
    """The run as plain-text tables."""
    return "\n".join([render_header(result), render_bandwidth(result), render_decode(result),
                      render_article(result), render_generation(result)])


def _jsonable(result: dict) -> dict:
    return json.loads(json.dumps(result, default=str))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reference_impl.bench", description=(
            "Measure why MQA and GQA exist: read and copy bandwidth, one decoding step per KV-head count and core, "
            "the SDPA backends, the article's forward table (Yue Shui 2025) beside cached decoding, and generation with and "
            "without a KV cache."
        ))
    parser.add_argument("--json", action="store_true", help="print the full record as JSON instead of tables")
    parser.add_argument("--quick", action="store_true", help="one size per section (about a minute on a CPU)")
    parser.add_argument(
        "--threads", type=int, default=None, metavar="N",
        help="CPU threads for torch (default on a CPU: 1, whose figures stay steady on a shared machine; "
        "the header says how many ran); the bandwidth is measured with the same N",
    )
    args = parser.parse_args(argv)
    if args.threads is not None:
        if args.threads < 1:
            parser.error(f"--threads must be at least 1, got {args.threads}")
        torch.set_num_threads(args.threads)
    elif not torch.cuda.is_available():
        torch.set_num_threads(1)  # steady figures on a shared machine: no thread barriers waiting on a busy core
    command = " ".join(["python -m reference_impl.bench", *(argv if argv is not None else sys.argv[1:])])
    if args.json:
        print(json.dumps(_jsonable(run(args.quick, command)), indent=2))
    else:
        run(args.quick, command, emit=lambda text: print(text, flush=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
