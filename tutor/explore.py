"""The KV-cache explorer's figures: a real model, a dtype, a batch and a context -> bytes and a time floor.

Everything is computed by `reference_impl.cost` and `reference_impl.models` (pure Python, no
torch); this module only chooses what to show and formats it. The app's explorer screen and
`tutor explore` (its text form) both read `figures()` and `curves()`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

# dtype name -> bytes per element (weights and cache in the same type).
DTYPES: dict[str, int] = {"bf16": 2, "fp16": 2, "fp32": 4, "fp8": 1}
# H100 SXM's HBM3, 3.35 TB/s: a common reference point; any bandwidth can be typed in.
DEFAULT_BANDWIDTH_GBS = 3350.0
DEFAULT_MODEL = "Llama-3-8B"
WHAT_IF_GROUPS = 8
# What the weights in the step's bytes are, unless a note says otherwise (models.decode_weight_bytes).
WEIGHTS_COUNTED = "attention + MLP + LM head; not the input embedding table"  # the GQA line drawn for a model that is itself MHA, MQA or MLA


@dataclass(frozen=True)
class Settings:
    model: str = DEFAULT_MODEL
    dtype: str = "bf16"
    batch: int = 1
    context: int = 8192
    bandwidth_gbs: float = DEFAULT_BANDWIDTH_GBS

    def check(self) -> "Settings":
        """The settings, or ValueError saying which one is wrong and what would do."""
        from reference_impl.models import all_models

        models = all_models()
        if self.model not in models:
            raise ValueError(f"model {self.model!r} is not in the table; models: {', '.join(models)}")
        if self.dtype not in DTYPES:
            raise ValueError(f"dtype {self.dtype!r}: one of {', '.join(DTYPES)}")
        if not 1 <= self.batch <= 1_000_000:
            raise ValueError(f"batch {self.batch}: a whole number from 1 to 1000000")
        if not 1 <= self.context <= 100_000_000:
            raise ValueError(f"context {self.context}: a whole number of tokens from 1 to 100000000")
        if not 0 < self.bandwidth_gbs <= 1e6:
            raise ValueError(f"bandwidth {self.bandwidth_gbs:g} GB/s: a positive number up to 1000000")
        return self


@dataclass(frozen=True)
class Figures:
    """What the explorer shows for one setting."""

    settings: Settings
    kind: str  # MHA, MQA, GQA or MLA
    layout: str  # "32 layers, 8 KV heads of 128" or the latent's width
    per_token_bytes: int  # one token, all layers
    cache_bytes: int  # the whole batch at this context
    held_positions: int  # per sequence (the window caps it)
    weight_bytes: int
    weights_counted: str  # what weight_bytes counts (models.decode_weight_bytes says)
    step_bytes: int  # weights + cache: what one decoding step reads
    step_seconds: float  # step_bytes / bandwidth: no step is faster
    notes: tuple[str, ...]


def figures(settings: Settings) -> Figures:
    from reference_impl import cost
    from reference_impl.models import (
        DECODE_WEIGHTS_COUNTED, MLAConfig, all_models, cache_bytes, cache_bytes_per_token, decode_weight_bytes,
    )

    s = settings.check()
    m = all_models()[s.model]
    e = DTYPES[s.dtype]
    notes = []
    window = getattr(m, "sliding_window", None)
    if isinstance(m, MLAConfig):
        layout = f"{m.n_layers} layers, a latent of {m.kv_lora_rank} + RoPE key of {m.qk_rope_head_dim} per token"
        if m.active_params is not None:
            notes.append(f"mixture of experts: a step reads the {m.active_params / 1e9:.0f}B activated parameters (batch 1)")
    else:
        layout = f"{m.n_layers} layers, {m.n_kv_heads} KV head{'s' if m.n_kv_heads != 1 else ''} of {m.head_dim}"
    held = cost.sliding_window_cached(s.context, window) if window else s.context
    if window:
        notes.append(f"sliding window: the rolling-buffer cache holds at most {window} positions")
    weights, counted = decode_weight_bytes(m, e)
    if counted != DECODE_WEIGHTS_COUNTED:  # the table lacks what cost.decode_weight_params needs: say what was counted
        notes.append(f"weights counted: {counted}")
    cache = cache_bytes(m, s.batch, s.context, e)
    step = weights + cache
    return Figures(
        settings=s,
        kind=m.kind,
        layout=layout,
        per_token_bytes=cache_bytes_per_token(m, e),
        cache_bytes=cache,
        held_positions=held,
        weight_bytes=weights,
        weights_counted=counted,
        step_bytes=step,
        step_seconds=cost.decode_step_floor(weights, cache, s.bandwidth_gbs * 1e9),
        notes=tuple(notes),
    )


@dataclass(frozen=True)
class Curve:
    label: str
    contexts: tuple[int, ...]
    gib: tuple[float, ...]  # cache size at each context, GiB


def plot_contexts(settings: Settings, points: int = 48) -> tuple[int, ...]:
    """Context lengths for the x axis: up to twice the chosen context (and past a sliding window), from 1."""
    from reference_impl.models import all_models

    window = getattr(all_models()[settings.model], "sliding_window", None) or 0
    top = max(2 * settings.context, 2 * window, 16)
    return tuple(max(1, round(top * i / points)) for i in range(1, points + 1))


def curves(settings: Settings, points: int = 48) -> tuple[Curve, ...]:
    """Cache size vs context for MHA, GQA and MQA of the same model (and its own window or latent)."""
    from reference_impl.models import MLAConfig, all_models, cache_bytes

    s = settings.check()
    m = all_models()[s.model]
    e = DTYPES[s.dtype]
    xs = plot_contexts(s, points)
    gib = 2.0**30

    def line(label: str, **kw: object) -> Curve:
        ys = tuple(cache_bytes(m, s.batch, x, e, **kw) / gib for x in xs)  # type: ignore[arg-type]
        return Curve(label, xs, ys)

    mla = isinstance(m, MLAConfig)
    out = [line(f"MHA (G={m.n_heads})", n_kv_heads=m.n_heads, window=False)]
    own_gqa = not mla and 1 < m.n_kv_heads < m.n_heads  # type: ignore[union-attr]
    g = m.n_kv_heads if own_gqa else WHAT_IF_GROUPS  # type: ignore[union-attr]
    if 1 < g < m.n_heads and m.n_heads % g == 0:
        out.append(line(f"GQA-{g}" + ("" if own_gqa else " (what if)"), n_kv_heads=g, window=False))
    out.append(line("MQA (G=1)", n_kv_heads=1, window=False))
    window = getattr(m, "sliding_window", None)
    if window:
        out.append(line(f"GQA-{m.n_kv_heads}, window {window}", n_kv_heads=m.n_kv_heads))  # type: ignore[union-attr]
    if mla:
        out.append(line("MLA latent", window=False))
    return tuple(out)


def settings_for(params: dict[str, object], text: str) -> Settings:
    """The explorer's settings for a question's numbers: the batch and context from its params (`B`,
    `batch`; `S`, `T`, `context`, `seq_len`), a model named in its text, bf16 unless it says fp32/fp8."""
    from reference_impl.models import all_models

    def first(*names: str) -> int | None:
        for name in names:
            value = params.get(name)
            if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                return value
        return None

    model = next((name for name in all_models() if name.lower() in text.lower()), DEFAULT_MODEL)
    lowered = text.lower()
    dtype = "fp32" if "fp32" in lowered or "float32" in lowered else "fp8" if "fp8" in lowered else "bf16"
    batch = first("B", "batch", "b") or 1
    context = first("S", "T", "context", "context_len", "seq_len", "n") or Settings().context
    return Settings(model=model, dtype=dtype, batch=min(batch, 1_000_000), context=min(context, 100_000_000))


def with_settings(settings: Settings, **changes: object) -> Settings:
    return replace(settings, **changes)  # type: ignore[arg-type]


def human_bytes(n: float) -> str:
    """`4.00 GiB`, `128 KiB`, `512 B`: binary units, three significant figures."""
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= size:
            value = n / size
            return f"{value:.3g} {unit}" if value < 1000 else f"{value:.0f} {unit}"
    return f"{n:.0f} B"


def human_seconds(t: float) -> str:
    if t >= 1:
        return f"{t:.3g} s"
    if t >= 1e-3:
        return f"{t * 1e3:.3g} ms"
    return f"{t * 1e6:.3g} µs"


def summary_lines(f: Figures) -> list[str]:
    """The figures as lines of text (the screen's panel and `tutor explore --plain`)."""
    s = f.settings
    from reference_impl.models import all_models

    lines = [
        f"{all_models()[s.model].label} ({f.kind}): {f.layout}; {s.dtype}, {DTYPES[s.dtype]} byte(s) per element",
        f"KV cache: {human_bytes(f.per_token_bytes)} per token; batch {s.batch} x {f.held_positions} "
        f"position(s) held = {human_bytes(f.cache_bytes)}",
        f"one decode step reads {human_bytes(f.step_bytes)} (weights {human_bytes(f.weight_bytes)} "
        f"+ cache {human_bytes(f.cache_bytes)}); at {s.bandwidth_gbs:g} GB/s no step takes less than "
        f"{human_seconds(f.step_seconds)}",
    ]
    return lines + list(f.notes)


def text_report(settings: Settings) -> str:
    """`tutor explore --plain`: the figures, then the curves as a table."""
    f = figures(settings)
    out = summary_lines(f)
    cs = curves(settings, points=8)
    width = max(len(c.label) for c in cs)
    out += ["", "cache size (GiB) by context length:", " " * (width + 2) + "".join(f"{x:>10}" for x in cs[0].contexts)]
    for c in cs:
        out.append(f"{c.label:<{width}}  " + "".join(f"{y:>10.3g}" for y in c.gib))
    return "\n".join(out)
