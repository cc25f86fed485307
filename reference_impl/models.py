"""Published attention shapes of real models, for questions and benchmarks that use real sizes.

Pure Python (no torch). Figures are copied from each model's published config or paper; the
source is named beside each entry.
"""

from __future__ import annotations

from dataclasses import dataclass

from reference_impl import cost
from reference_impl.config import attention_kind


@dataclass(frozen=True)
class ModelConfig:
    """The attention-relevant shape of one published model."""

    name: str
    n_layers: int
    d_model: int
    n_heads: int
    n_kv_heads: int
    head_dim: int
    vocab: int | None = None
    # Hidden size of the MLP (`intermediate_size`); None where a question never needs it.
    d_ff: int | None = None
    # Parameters in the published checkpoint (every tensor summed); None where not recorded.
    n_params: int | None = None
    # Positions a layer attends to (a rolling-buffer cache holds no more); None: the whole context.
    sliding_window: int | None = None
    # The exact release these figures are from, where later releases of the same name differ
    # (Mistral-7B-v0.2 and later have no sliding window); None: the name says it all.
    release: str | None = None

    @property
    def label(self) -> str:
        """The name to show a learner: the exact release where that matters."""
        return self.release or self.name

    @property
    def kind(self) -> str:
        """``"MHA"``, ``"MQA"`` or ``"GQA"``, from the head counts."""
        return attention_kind(self.n_heads, self.n_kv_heads)

    @property
    def group_size(self) -> int:
        """Query heads that share one KV head (``H / G``)."""
        return self.n_heads // self.n_kv_heads


MODELS: dict[str, ModelConfig] = {
    m.name: m
    for m in (
        # meta-llama/Meta-Llama-3-8B config.json: num_hidden_layers 32, hidden_size 4096,
        # num_attention_heads 32, num_key_value_heads 8, vocab_size 128256 (head_dim 4096/32),
        # intermediate_size 14336 (SwiGLU MLP).
        ModelConfig("Llama-3-8B", 32, 4096, 32, 8, 128, 128256, d_ff=14336, n_params=8_030_261_248),
        # meta-llama/Meta-Llama-3-70B config.json: 80 layers, hidden 8192, 64 heads, 8 KV heads,
        # vocab 128256, intermediate_size 28672 (SwiGLU MLP).
        ModelConfig("Llama-3-70B", 80, 8192, 64, 8, 128, 128256, d_ff=28672, n_params=70_553_706_496),
        # meta-llama/Llama-2-7b-hf config.json: 32 layers, hidden 4096, 32 heads and 32 KV heads
        # (plain MHA), vocab 32000, intermediate_size 11008 (SwiGLU MLP).
        ModelConfig("Llama-2-7B", 32, 4096, 32, 32, 128, 32000, d_ff=11008, n_params=6_738_415_616),
        # mistralai/Mistral-7B-v0.1 config.json and Jiang et al. 2023, Table 1: 32 layers,
        # dim 4096, 32 heads, 8 KV heads, head_dim 128, vocab 32000, hidden_dim 14336 (SwiGLU MLP),
        # sliding_window 4096 (the paper's rolling buffer cache holds W = 4096 positions).
        ModelConfig("Mistral-7B", 32, 4096, 32, 8, 128, 32000, d_ff=14336, n_params=7_241_732_096, sliding_window=4096,
                    release="Mistral-7B-v0.1"),
        # tiiuae/falcon-7b config.json: n_layer 32, hidden_size 4544, n_head 71, multi_query true
        # (one KV head), head_dim 4544/71 = 64, vocab_size 65024.
        ModelConfig("Falcon-7B", 32, 4544, 71, 1, 64, 65024, n_params=6_921_720_704),
        # Chowdhery et al. 2022, "PaLM", Table 1 and section 2: 118 layers, d_model 18432,
        # 48 heads of size 256 (so H*D = 12288 != d_model), multi-query attention. The paper gives the vocabulary only as "256k", so vocab is left unset.
        # Parameters: 540.35B (Table 1).
        ModelConfig("PaLM-540B", 118, 18432, 48, 1, 256, None, n_params=540_350_000_000),
    )
}


@dataclass(frozen=True)
class MLAConfig:
    """The attention shape of a multi-head latent attention (MLA) model: what its cache holds."""

    name: str
    n_layers: int
    d_model: int
    n_heads: int
    kv_lora_rank: int  # the latent c_KV cached per token and layer (keys and values together)
    qk_rope_head_dim: int  # the decoupled rotary key, cached per token and layer, shared by all heads
    qk_nope_head_dim: int  # per-head key/query size without position, reconstructed from the latent
    v_head_dim: int
    n_params: int | None = None  # the published total
    active_params: int | None = None  # mixture of experts: the parameters one token uses

    @property
    def kind(self) -> str:
        return "MLA"

    @property
    def label(self) -> str:
        return self.name


MLA_MODELS: dict[str, MLAConfig] = {
    m.name: m
    for m in (
        # deepseek-ai/DeepSeek-V3 config.json: num_hidden_layers 61, hidden_size 7168,
        # num_attention_heads 128, kv_lora_rank 512, qk_rope_head_dim 64, qk_nope_head_dim 128,
        # v_head_dim 128. DeepSeek-AI 2024, "DeepSeek-V3 Technical Report", abstract: 671B parameters,
        # 37B activated for each token.
        MLAConfig("DeepSeek-V3", 61, 7168, 128, 512, 64, 128, 128, n_params=671_000_000_000, active_params=37_000_000_000),
        # deepseek-ai/DeepSeek-V2 config.json: num_hidden_layers 60, hidden_size 5120,
        # num_attention_heads 128, kv_lora_rank 512, qk_rope_head_dim 64, qk_nope_head_dim 128,
        # v_head_dim 128.
        MLAConfig("DeepSeek-V2", 60, 5120, 128, 512, 64, 128, 128),
    )
}


def get_model(name: str) -> ModelConfig:
    """The published config called ``name`` (exact key of ``MODELS``)."""
    try:
        return MODELS[name]
    except KeyError:
        raise KeyError(f"unknown model {name!r}; known: {', '.join(MODELS)}") from None


# ---- whole-model cache and decode-step bytes (the KV-cache explorer) -------------------------------

AnyModel = ModelConfig | MLAConfig


def all_models() -> dict[str, AnyModel]:
    """Every model of both tables, by name (GQA/MHA/MQA first, then MLA)."""
    return {**MODELS, **MLA_MODELS}


def cache_bytes_per_token(model: AnyModel, bytes_per_element: int = 2, n_kv_heads: int | None = None) -> int:
    """Bytes one token adds to ``model``'s cache over all layers.

    ``n_kv_heads`` None: the model as published (its G KV heads, or the MLA latent). A number: the same
    model with that many K/V heads (H for MHA, 1 for MQA); for an MLA model K and V heads are the sizes
    its attention reconstructs (keys ``qk_nope + qk_rope``, values ``v_head_dim``), so ``n_kv_heads=H``
    is the MHA cache MLA replaces.
    """
    if isinstance(model, MLAConfig):
        if n_kv_heads is None:
            return cost.mla_cache_bytes_per_token(
                model.n_layers, model.kv_lora_rank, model.qk_rope_head_dim, bytes_per_element
            )
        k_plus_v = model.qk_nope_head_dim + model.qk_rope_head_dim + model.v_head_dim
        if k_plus_v % 2:
            raise ValueError(f"{model.name}: key and value head sizes add to an odd {k_plus_v}")
        return cost.kv_cache_bytes_per_token(model.n_layers, n_kv_heads, k_plus_v // 2, bytes_per_element)
    g = model.n_kv_heads if n_kv_heads is None else n_kv_heads
    return cost.kv_cache_bytes_per_token(model.n_layers, g, model.head_dim, bytes_per_element)


def cache_bytes(
    model: AnyModel,
    batch: int,
    context_len: int,
    bytes_per_element: int = 2,
    *,
    n_kv_heads: int | None = None,
    window: bool = True,
) -> int:
    """The whole cache for ``batch`` sequences of ``context_len`` tokens; with ``window`` (the default)
    a sliding-window model's rolling buffer holds at most its window of positions per sequence."""
    cost._positive("batch", batch)
    per_token = cache_bytes_per_token(model, bytes_per_element, n_kv_heads)
    w = getattr(model, "sliding_window", None) if window else None
    held = cost.sliding_window_cached(context_len, w) if w else context_len
    return batch * held * per_token


def weight_bytes(model: AnyModel, bytes_per_element: int = 2) -> int:
    """Bytes of the weights one decoding step reads: every parameter, or only the activated ones of a
    mixture of experts (exact at batch 1; a larger batch may touch more experts)."""
    params = getattr(model, "active_params", None) or model.n_params
    if params is None:
        raise ValueError(f"{model.name} has no published parameter count in this table")
    return params * bytes_per_element


DECODE_WEIGHTS_COUNTED = "attention + MLP + LM head; not the input embedding table"


def decode_weight_bytes(model: AnyModel, bytes_per_element: int = 2) -> tuple[int, str]:
    """Bytes of the weights one decoding step reads, and what was counted.

    Where the table has the MLP width and the vocabulary, the count is ``cost.decode_weight_params``
    (attention, MLP, LM head; not the input embedding, of which a step reads one row per token): the
    same count the bank's roofline questions use. Otherwise it falls back to ``weight_bytes`` (every
    published parameter, or a mixture of experts' activated ones), and says so.
    """
    if isinstance(model, ModelConfig) and model.d_ff is not None and model.vocab is not None:
        params = cost.decode_weight_params(
            model.n_layers, model.d_model, model.n_heads, model.n_kv_heads, model.d_ff, model.vocab, model.head_dim
        )
        return params * bytes_per_element, DECODE_WEIGHTS_COUNTED
    if getattr(model, "active_params", None):
        return weight_bytes(model, bytes_per_element), "the activated parameters (batch 1)"
    return weight_bytes(model, bytes_per_element), "all published parameters (MLP width not in the table)"
