"""Why MQA and GQA exist, measured: ``python -m reference_impl.bench [--json] [--quick]``.

One run measures, side by side:

1. the machine's memory bandwidth from a large copy, the denominator of every efficiency figure;
2. one decoding step of one layer's attention for G in {H, 8, 1} with the three cores, as a
   fraction of that bandwidth, and the ratios MHA/GQA-8, MHA/MQA and repeat/fused;
3. the seed article's table (forward latency and peak memory of MHA, GQA-8 and MQA at sequence
   lengths 512, 1024, 1536) beside the same layer decoding one token from a KV cache;
4. the seed notebook's experiment: generating N tokens with and without a KV cache on a small
   randomly initialised decoder.

On CUDA it uses Llama-3-8B head sizes in bf16. On a CPU the sizes are scaled down (and the
output says so) so that a run takes minutes, not hours; the ratios are figures, not gates.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import torch

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
    copy_bytes: int
    # decode step of one layer's attention core
    n_heads: int
    head_dim: int
    kv_heads: tuple[int, ...]
    decode_grid: tuple[tuple[int, int], ...]  # (batch, context)
    efficiency_point: tuple[int, int]
    ratio_point: tuple[int, int]
    # the seed article's forward table
    article_d_model: int
    article_batch: int
    article_seq_lens: tuple[int, ...]
    # the seed notebook's generation experiment
    generation: DecoderConfig = field(default_factory=DecoderConfig)
    prompt_len: int = 8
    new_tokens: int = 200
    generation_runs: int = 2  # the best of these is reported
    min_time_s: float = 0.2


def make_plan(device: torch.device, quick: bool) -> Plan:
    """Llama-3-8B head sizes in bf16 on a GPU; scaled-down float32 sizes on a CPU."""
    if device.type == "cuda":
        return Plan(
            device=torch.cuda.get_device_name(device),
            dtype="bfloat16",
            scaled_down=False,
            copy_bytes=(1 if quick else 4) * GIB,
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
            generation_runs=1 if quick else 2,
            min_time_s=0.05 if quick else 0.3,
        )
    return Plan(
        device=platform.processor() or platform.machine(),
        dtype="float32",
        scaled_down=True,
        copy_bytes=(128 if quick else 512) * MIB,
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
        generation_runs=1 if quick else 2,
        min_time_s=0.03 if quick else 0.2,
    )


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_call(fn: Callable[[], object], device: torch.device, min_time_s: float, max_reps: int = 50) -> float:
    """Best (least) seconds per call of ``fn`` after a warm-up, over at least 3 samples and ``min_time_s``.

    The least time, not the median: on a shared machine the extra time of a sample is other
    processes, not the kernel. On CUDA one sample runs enough calls back to back (about 2 ms) that
    the synchronisation after them does not count for much.
    """
    fn()
    _sync(device)
    t0 = time.perf_counter()
    fn()
    _sync(device)
    single = time.perf_counter() - t0
    inner = max(1, min(200, int(2e-3 / max(single, 1e-7)))) if device.type == "cuda" else 1
    times: list[float] = []
    start = time.perf_counter()
    while len(times) < 3 or (time.perf_counter() - start < min_time_s and len(times) < max_reps):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        _sync(device)
        times.append((time.perf_counter() - t0) / inner)
    return min(times)


def measure_bandwidth(device: torch.device, nbytes: int, min_time_s: float) -> dict[str, float]:
    """Bytes per second of ``dst.copy_(src)``, counting the read and the write."""
    src = torch.empty(nbytes // 4, dtype=torch.float32, device=device).uniform_()
    dst = torch.empty_like(src)
    seconds = time_call(lambda: dst.copy_(src), device, min_time_s)
    return {"copy_bytes": nbytes, "seconds": seconds, "bytes_per_s": 2 * nbytes / seconds}


def _fits(device: torch.device, needed: int) -> bool:
    if device.type != "cuda":
        return True
    free, _ = torch.cuda.mem_get_info(device)
    return needed < 0.85 * free


def bench_decode(plan: Plan, device: torch.device, dtype: torch.dtype, bandwidth: float) -> list[dict]:
    """One decoding step (T = 1) of the attention core for every (batch, context, G, core)."""
    rows = []
    h, d = plan.n_heads, plan.head_dim
    element = torch.empty(0, dtype=dtype).element_size()
    gen = torch.Generator(device=device).manual_seed(0)
    for batch, context in plan.decode_grid:
        for g in plan.kv_heads:
            kv_bytes = 2 * batch * g * context * d * element
            must_read = kv_bytes + 2 * batch * h * d * element  # K, V, then q in and out
            if not _fits(device, kv_bytes + 2 * batch * h * context * d * element):
                rows.append({"batch": batch, "context": context, "n_kv_heads": g, "skipped": "does not fit"})
                continue
            q = torch.randn(batch, h, 1, d, device=device, dtype=dtype, generator=gen)
            k = torch.randn(batch, g, context, d, device=device, dtype=dtype, generator=gen)
            v = torch.randn(batch, g, context, d, device=device, dtype=dtype, generator=gen)
            row: dict = {"batch": batch, "context": context, "n_kv_heads": g, "bytes_read": must_read}
            for name, core in CORES.items():
                seconds = time_call(lambda: core(q, k, v), device, plan.min_time_s)
                row[f"{name}_s"] = seconds
                row[f"{name}_efficiency"] = must_read / bandwidth / seconds
            rows.append(row)
            del q, k, v
            if device.type == "cuda":
                torch.cuda.empty_cache()
    return rows


def decode_ratios(rows: list[dict], plan: Plan) -> dict[str, float | None]:
    """MHA/GQA-8 and MHA/MQA step times (sdpa), and repeat/fused, at the plan's headline points."""
    def time_of(point: tuple[int, int], g: int, core: str = "sdpa") -> float | None:
        for r in rows:
            if (r["batch"], r["context"], r["n_kv_heads"]) == (*point, g) and f"{core}_s" in r:
                return r[f"{core}_s"]
        return None

    def ratio(a: float | None, b: float | None) -> float | None:
        return a / b if a is not None and b is not None else None

    h = plan.n_heads
    eff = next(
        (r.get("sdpa_efficiency") for r in rows if (r["batch"], r["context"], r["n_kv_heads"]) == (*plan.efficiency_point, 8)),
        None,
    )
    return {
        "gqa8_sdpa_efficiency": eff,
        "mha_over_gqa8": ratio(time_of(plan.ratio_point, h), time_of(plan.ratio_point, 8)),
        "mha_over_mqa": ratio(time_of(plan.ratio_point, h), time_of(plan.ratio_point, 1)),
        "repeat_over_sdpa_gqa8": ratio(time_of(plan.ratio_point, 8, "repeat"), time_of(plan.ratio_point, 8)),
        "repeat_over_sdpa_mqa": ratio(time_of(plan.ratio_point, 1, "repeat"), time_of(plan.ratio_point, 1)),
    }


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

    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        fn()
    events = sorted(
        (e for e in prof.profiler.kineto_results.events() if e.name() == "[memory]"), key=lambda e: e.start_ns()
    )
    running = peak = 0
    for e in events:
        running += e.nbytes()
        peak = max(peak, running)
    return peak


def bench_article(plan: Plan, device: torch.device, dtype: torch.dtype) -> list[dict]:
    """The article's forward table, beside one cached decoding step at the same lengths."""
    rows = []
    d_model, h, b = plan.article_d_model, plan.n_heads, plan.article_batch
    element = torch.empty(0, dtype=dtype).element_size()
    for seq_len in plan.article_seq_lens:
        for g, method in ((8, "GQA-8"), (h, "MHA"), (1, "MQA")):
            config = AttentionConfig(d_model, h, g)
            torch.manual_seed(0)
            layer = GroupedQueryAttention(config).to(device=device, dtype=dtype).eval()
            x = torch.randn(b, seq_len, d_model, device=device, dtype=dtype)
            token = torch.randn(b, 1, d_model, device=device, dtype=dtype)
            cache = layer.new_cache(b, seq_len + 1)

            def step() -> torch.Tensor:
                cache.truncate(seq_len)  # every timed step reads the same seq_len cached tokens
                return layer(token, cache)

            with torch.no_grad():
                layer(x, cache)  # prefill the cache once
                forward_s = time_call(lambda: layer(x), device, plan.min_time_s)
                forward_peak = peak_extra_bytes(lambda: layer(x), device)
                decode_s = time_call(step, device, plan.min_time_s)
            rows.append({
                "method": method,
                "n_kv_heads": g,
                "seq_len": seq_len,
                "forward_ms": forward_s * 1e3,
                "forward_peak_mib": forward_peak / MIB,
                "forward_gflop": cost.prefill_flops(b, seq_len, d_model, h, g) / 1e9,
                "decode_ms": decode_s * 1e3,
                "kv_cache_mib": cost.kv_cache_bytes(b, seq_len, 1, g, config.head_dim, element) / MIB,
                "decode_mib_read": cost.decode_step_bytes(b, seq_len, d_model, h, g, bytes_per_element=element) / MIB,
            })
            del layer, x, cache
    return rows


def bench_generation(plan: Plan, device: torch.device, dtype: torch.dtype) -> list[dict]:
    """Greedy generation of ``new_tokens`` tokens, recomputing the prefix each step vs with a KV cache."""
    torch.manual_seed(0)
    model = TinyDecoder(plan.generation).to(device=device, dtype=dtype).eval()
    prompt = torch.randint(0, plan.generation.vocab, (1, plan.prompt_len), device=device)
    rows = []
    for use_cache in (False, True):
        model.generate(prompt, 4, use_cache)  # warm-up
        runs = []
        for _ in range(plan.generation_runs):
            _sync(device)
            t0 = time.perf_counter()
            model.generate(prompt, plan.new_tokens, use_cache)
            _sync(device)
            runs.append(time.perf_counter() - t0)
        seconds = min(runs)
        rows.append({
            "kv_cache": use_cache,
            "new_tokens": plan.new_tokens,
            "seconds": seconds,
            "ms_per_token": seconds / plan.new_tokens * 1e3,
        })
    return rows


def machine() -> dict[str, str | int]:
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
    if torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name()
    return info


def run(
    quick: bool,
    command: str = "python -m reference_impl.bench",
    plan: Plan | None = None,
    device: torch.device | None = None,
) -> dict:
    """Measure every section with ``plan`` (by default the one for the device) and return the record."""
    device = device or default_device()
    plan = plan or make_plan(device, quick)
    dtype = getattr(torch, plan.dtype)
    started = time.perf_counter()
    bandwidth = measure_bandwidth(device, plan.copy_bytes, plan.min_time_s)
    decode = bench_decode(plan, device, dtype, bandwidth["bytes_per_s"])
    return {
        "command": command,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        "device": device.type,
        "plan": asdict(plan),
        "bandwidth": bandwidth,
        "decode": decode,
        "ratios": decode_ratios(decode, plan),
        "article": bench_article(plan, device, dtype),
        "generation": bench_generation(plan, device, dtype),
        "wall_s": time.perf_counter() - started,
    }


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def render(result: dict) -> str:
    """The run as plain-text tables."""
    p = result["plan"]
    lines = [
        f"reference_impl benchmark  {result['date']}  device={result['device']} ({p['device']})  dtype={p['dtype']}",
        f"torch {result['machine']['torch']}, {result['machine']['threads']} threads",
    ]
    if p["scaled_down"]:
        lines.append(
            f"CPU run: sizes scaled down (H={p['n_heads']}, D={p['head_dim']}, d_model={p['article_d_model']}); "
            "the GPU targets are for Llama-3-8B sizes in bf16 and are not measured here."
        )
    bw = result["bandwidth"]
    lines += ["", f"1. copy bandwidth: {bw['bytes_per_s'] / 1e9:.1f} GB/s ({bw['copy_bytes'] / MIB:.0f} MiB copied, read + write)"]
    lines += [
        "",
        f"2. one decoding step of one layer's attention (H={p['n_heads']}, D={p['head_dim']}, T=1); "
        "eff = (bytes that must be read / bandwidth) / time",
        f"{'batch':>6} {'context':>8} {'G':>3} {'MiB read':>9} {'sdpa ms':>9} {'eff':>6} {'einsum ms':>10} {'eff':>6} {'repeat ms':>10} {'eff':>6}",
    ]
    for r in result["decode"]:
        if "skipped" in r:
            lines.append(f"{r['batch']:>6} {r['context']:>8} {r['n_kv_heads']:>3}  skipped: {r['skipped']}")
            continue
        lines.append(
            f"{r['batch']:>6} {r['context']:>8} {r['n_kv_heads']:>3} {r['bytes_read'] / MIB:>9.1f} "
            f"{r['sdpa_s'] * 1e3:>9.3f} {r['sdpa_efficiency']:>6.0%} {r['einsum_s'] * 1e3:>10.3f} "
            f"{r['einsum_efficiency']:>6.0%} {r['repeat_s'] * 1e3:>10.3f} {r['repeat_efficiency']:>6.0%}"
        )
    ra = result["ratios"]
    eb, ec = p["efficiency_point"]
    rb, rc = p["ratio_point"]
    lines += [
        f"GQA-8 sdpa efficiency at batch {eb}, context {ec}: {_fmt(ra['gqa8_sdpa_efficiency'], '.0%')}"
        + ("   (H100 target >= 75%)" if not p["scaled_down"] else ""),
        f"at batch {rb}, context {rc}: MHA/GQA-8 {_fmt(ra['mha_over_gqa8'], '.2f')}x, MHA/MQA {_fmt(ra['mha_over_mqa'], '.2f')}x, "
        f"repeat/sdpa GQA-8 {_fmt(ra['repeat_over_sdpa_gqa8'], '.2f')}x, MQA {_fmt(ra['repeat_over_sdpa_mqa'], '.2f')}x"
        + ("   (H100 targets >= 3.3x, >= 16x, >= 5x)" if not p["scaled_down"] else ""),
        "",
        f"3. the seed article's table (one layer, d_model={p['article_d_model']}, H={p['n_heads']}, batch {p['article_batch']}) "
        "beside one decoding step from a KV cache of the same length",
        f"{'method':>6} {'G':>3} {'seq':>5} {'fwd ms':>9} {'fwd peak MiB':>13} {'fwd GFLOP':>10} {'decode ms':>10} {'KV MiB':>8} {'MiB read':>9}",
    ]
    for r in result["article"]:
        lines.append(
            f"{r['method']:>6} {r['n_kv_heads']:>3} {r['seq_len']:>5} {r['forward_ms']:>9.2f} {r['forward_peak_mib']:>13.1f} "
            f"{r['forward_gflop']:>10.2f} {r['decode_ms']:>10.3f} {r['kv_cache_mib']:>8.2f} {r['decode_mib_read']:>9.2f}"
        )
    g = result["generation"]
    dc = p["generation"]
    lines += [
        "",
        f"4. greedy generation of {g[0]['new_tokens']} tokens after {p['prompt_len']} prompt tokens, random decoder "
        f"(d_model={dc['d_model']}, layers={dc['n_layers']}, H={dc['n_heads']}, G={dc['n_kv_heads']}), "
        f"best of {p['generation_runs']}",
    ]
    for r in g:
        label = "with KV cache   " if r["kv_cache"] else "without KV cache"
        lines.append(f"{label} {r['seconds']:>8.3f} s  {r['ms_per_token']:>8.3f} ms/token")
    lines.append(f"speed-up from the cache: {g[0]['seconds'] / g[1]['seconds']:.2f}x")
    lines += ["", f"total {result['wall_s']:.1f} s"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reference_impl.bench", description=(
            "Measure why MQA and GQA exist: copy bandwidth, one decoding step per KV-head count and core, "
            "the seed article's forward table beside cached decoding, and generation with and without a KV cache."
        ))
    parser.add_argument("--json", action="store_true", help="print the full record as JSON instead of tables")
    parser.add_argument("--quick", action="store_true", help="one size per section (under 30 s on a CPU)")
    parser.add_argument(
        "--threads", type=int, default=None, metavar="N",
        help="CPU threads for torch (default: torch's choice); the copy bandwidth is measured with the same N",
    )
    args = parser.parse_args(argv)
    if args.threads is not None:
        if args.threads < 1:
            parser.error(f"--threads must be at least 1, got {args.threads}")
        torch.set_num_threads(args.threads)
    result = run(args.quick, " ".join(["python -m reference_impl.bench", *(argv if argv is not None else sys.argv[1:])]))
    print(json.dumps(result, indent=2) if args.json else render(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
