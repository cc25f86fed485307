"""Cost formulas for one attention layer: parameters, FLOPs, bytes and the bandwidth bound.

Pure Python on purpose (no torch): the question bank recomputes every numeric answer from these
functions, and ``symbolic()`` gives the same formulas as sympy expressions so symbolic answers
come from the same place. Every function counts **one layer** unless its name says otherwise.

Symbols (and parameter names) used throughout:

========================  ===================================================
``batch``                  B, sequences decoded or prefilled together
``seq_len``                T, tokens in a prefill
``context_len``            S, cached positions one decoding step reads
``d_model``                d, width of the residual stream
``n_heads``                H, query heads
``n_kv_heads``             G, key/value heads (H = MHA, 1 = MQA, between = GQA)
``head_dim``               D, size of one head; defaults to ``d_model // n_heads``
``n_layers``               L
``bytes_per_element``      e, 2 for bf16/fp16, 4 for fp32
========================  ===================================================
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sympy


def _positive(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return value


def _head_dim(d_model: int, n_heads: int, n_kv_heads: int, head_dim: int | None) -> int:
    """Validate the head counts and return the head size (``d_model // n_heads`` when not given)."""
    _positive("d_model", d_model)
    _positive("n_heads", n_heads)
    _positive("n_kv_heads", n_kv_heads)
    if n_heads % n_kv_heads != 0:
        raise ValueError(f"n_kv_heads={n_kv_heads} must divide n_heads={n_heads}")
    if head_dim is None:
        if d_model % n_heads != 0:
            raise ValueError(
                f"n_heads={n_heads} does not divide d_model={d_model}; pass head_dim explicitly"
            )
        return d_model // n_heads
    return _positive("head_dim", head_dim)


def attention_params(
    d_model: int, n_heads: int, n_kv_heads: int, head_dim: int | None = None, bias: bool = False
) -> int:
    """Parameters of ``wq, wk, wv, wo`` in one layer: ``d*H*D + 2*d*G*D + H*D*d`` (+ biases).

    With ``bias`` the projections carry biases of sizes ``H*D``, ``G*D``, ``G*D`` and ``d``.
    """
    hd = _head_dim(d_model, n_heads, n_kv_heads, head_dim)
    q_width, kv_width = n_heads * hd, n_kv_heads * hd
    weights = d_model * q_width + 2 * d_model * kv_width + q_width * d_model
    biases = q_width + 2 * kv_width + d_model if bias else 0
    return weights + biases


def kv_cache_bytes_per_token(
    n_layers: int, n_kv_heads: int, head_dim: int, bytes_per_element: int = 2
) -> int:
    """Bytes one token adds to the cache, K and V over all layers: ``2 * L * G * D * e``."""
    _positive("n_layers", n_layers)
    _positive("n_kv_heads", n_kv_heads)
    _positive("head_dim", head_dim)
    _positive("bytes_per_element", bytes_per_element)
    return 2 * n_layers * n_kv_heads * head_dim * bytes_per_element


def kv_cache_bytes(
    batch: int,
    seq_len: int,
    n_layers: int,
    n_kv_heads: int,
    head_dim: int,
    bytes_per_element: int = 2,
) -> int:
    """Bytes of the whole cache for ``batch`` sequences of ``seq_len`` tokens: ``B * T * 2*L*G*D*e``."""
    _positive("batch", batch)
    _positive("seq_len", seq_len)
    per_token = kv_cache_bytes_per_token(n_layers, n_kv_heads, head_dim, bytes_per_element)
    return batch * seq_len * per_token


def prefill_flops(
    batch: int,
    seq_len: int,
    d_model: int,
    n_heads: int,
    n_kv_heads: int,
    head_dim: int | None = None,
    causal: bool = False,
) -> int:
    """FLOPs of one layer's attention over a prompt of ``seq_len`` tokens (2 FLOPs per multiply-add).

    Counted: the four projections ``2*B*T*(d*H*D + 2*d*G*D + H*D*d)`` plus the two attention
    matmuls ``Q K^T`` and ``A V``, each ``2*B*H*T*T*D`` over the **full** T x T score matrix, as a
    dense kernel computes it (``causal=False``, the default). ``causal=True`` counts only the
    ``T*(T+1)/2`` query-key pairs the mask keeps. Not counted: softmax, scaling, masking, biases.
    Note the attention matmuls do not depend on G: sharing K/V saves bytes, not FLOPs.
    """
    _positive("batch", batch)
    _positive("seq_len", seq_len)
    hd = _head_dim(d_model, n_heads, n_kv_heads, head_dim)
    projections = 2 * batch * seq_len * attention_params(d_model, n_heads, n_kv_heads, hd)
    pairs = seq_len * (seq_len + 1) // 2 if causal else seq_len * seq_len
    scores_and_mix = 2 * (2 * batch * n_heads * pairs * hd)
    return projections + scores_and_mix


def decode_step_bytes(
    batch: int,
    context_len: int,
    d_model: int,
    n_heads: int,
    n_kv_heads: int,
    head_dim: int | None = None,
    bytes_per_element: int = 2,
) -> int:
    """Bytes one decoding step of one layer must read: the weights once plus every cached K and V.

    ``(d*H*D + 2*d*G*D + H*D*d) * e + B * S * 2*G*D * e``. The activations (the new token's x, q
    and output, and writing its K/V) are a few vectors and are left out: at real sizes they are
    well under 1% of the total.
    """
    _positive("batch", batch)
    _positive("context_len", context_len)
    _positive("bytes_per_element", bytes_per_element)
    hd = _head_dim(d_model, n_heads, n_kv_heads, head_dim)
    weights = attention_params(d_model, n_heads, n_kv_heads, hd) * bytes_per_element
    kv_read = batch * context_len * 2 * n_kv_heads * hd * bytes_per_element
    return weights + kv_read


def min_step_time(bytes_moved: int | float, bandwidth_bytes_per_s: int | float) -> float:
    """The fastest a memory-bound step can be: ``bytes / bandwidth`` seconds."""
    if bytes_moved < 0:
        raise ValueError(f"bytes_moved must not be negative, got {bytes_moved!r}")
    if bandwidth_bytes_per_s <= 0:
        raise ValueError(f"bandwidth_bytes_per_s must be positive, got {bandwidth_bytes_per_s!r}")
    return float(bytes_moved) / float(bandwidth_bytes_per_s)


def arithmetic_intensity(n_heads: int, n_kv_heads: int, bytes_per_element: int = 2) -> float:
    """FLOP per byte of K/V read by decode attention: ``2 * (H/G) / e``, which is ``H/G`` in 16-bit.

    Per cached position and KV head, one K row and one V row (``2*D*e`` bytes) are read; each of the
    ``H/G`` query heads sharing them spends ``2*D`` FLOPs on ``q.k`` and ``2*D`` on ``p*v``, so
    ``4*D*H/G`` FLOPs per ``2*D*e`` bytes. Weights and softmax are not counted. MHA sits at 1
    FLOP/byte in bf16, far below what any GPU needs to be compute-bound; GQA-8 of 32 heads at 4.
    """
    _positive("n_heads", n_heads)
    _positive("n_kv_heads", n_kv_heads)
    _positive("bytes_per_element", bytes_per_element)
    if n_heads % n_kv_heads != 0:
        raise ValueError(f"n_kv_heads={n_kv_heads} must divide n_heads={n_heads}")
    return 2 * (n_heads / n_kv_heads) / bytes_per_element


def cached_positions(context_len: int, window: int | None = None) -> int:
    """Positions a cache holds after ``context_len`` tokens: all of them, or at most ``window`` with a
    sliding window kept as a rolling buffer (Mistral-7B: W = 4096), where the cache stops growing."""
    _positive("context_len", context_len)
    if window is None:
        return context_len
    return min(context_len, _positive("window", window))


def mla_cache_bytes_per_token(
    n_layers: int, latent_dim: int, rope_dim: int, bytes_per_element: int = 2
) -> int:
    """Bytes one token adds to a multi-head latent attention (MLA) cache: ``L * (d_c + d_R) * e``.

    MLA (DeepSeek-V2/V3) caches one compressed latent of width ``d_c`` per token and layer, shared by
    every head, plus the decoupled RoPE key of width ``d_R``; K and V are re-projected from the latent.
    """
    _positive("n_layers", n_layers)
    _positive("latent_dim", latent_dim)
    _positive("rope_dim", rope_dim)
    _positive("bytes_per_element", bytes_per_element)
    return n_layers * (latent_dim + rope_dim) * bytes_per_element


def symbolic(rename: dict[str, str] | None = None) -> dict[str, sympy.Expr]:
    """The same formulas as sympy expressions over positive symbols, keyed by function name.

    Symbols are named after the function parameters (``d_model``, ``n_heads``, ``n_kv_heads``,
    ``head_dim``, ``batch``, ``seq_len``, ``context_len``, ``n_layers``, ``bytes_per_element``,
    ``bytes_moved``, ``bandwidth_bytes_per_s``), all ``positive=True``; ``rename`` maps a
    parameter name to the symbol name a question uses (e.g. ``{"n_heads": "h"}``). ``head_dim`` is
    its own symbol (not ``d_model/n_heads``) so that models with ``H*D != d`` are covered.
    Keys: every function above, plus ``attention_params_bias`` and ``prefill_flops_causal`` for
    the non-default forms. ``expr.subs`` with the symbols from ``cost_symbols(rename)`` evaluates
    them to the same numbers as the functions.
    """
    s = cost_symbols(rename)
    d, h, g, k = s["d_model"], s["n_heads"], s["n_kv_heads"], s["head_dim"]
    b, t, n, layers, e = s["batch"], s["seq_len"], s["context_len"], s["n_layers"], s["bytes_per_element"]
    params = d * h * k + 2 * d * g * k + h * k * d
    per_token = 2 * layers * g * k * e
    return {
        "attention_params": params,
        "attention_params_bias": params + h * k + 2 * g * k + d,
        "kv_cache_bytes_per_token": per_token,
        "kv_cache_bytes": b * t * per_token,
        "prefill_flops": 2 * b * t * params + 4 * b * h * t * t * k,
        "prefill_flops_causal": 2 * b * t * params + 2 * b * h * t * (t + 1) * k,
        "decode_step_bytes": params * e + b * n * 2 * g * k * e,
        "min_step_time": s["bytes_moved"] / s["bandwidth_bytes_per_s"],
        "arithmetic_intensity": 2 * h / (g * e),
    }


def cost_symbols(rename: dict[str, str] | None = None) -> dict[str, sympy.Symbol]:
    """The positive sympy symbols ``symbolic`` uses, keyed by parameter name."""
    import sympy  # deferred: sympy takes a noticeable time to import and most callers need only numbers

    names = (
        "d_model", "n_heads", "n_kv_heads", "head_dim", "batch", "seq_len", "context_len",
        "n_layers", "bytes_per_element", "bytes_moved", "bandwidth_bytes_per_s",
    )
    rename = rename or {}
    unknown = sorted(set(rename) - set(names))
    if unknown:
        raise ValueError(f"rename names unknown parameters {unknown}; known: {list(names)}")
    return {name: sympy.Symbol(rename.get(name, name), positive=True) for name in names}
