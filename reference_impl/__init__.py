"""Attention done right: MHA, MQA and GQA as one grouped-query core, a KV cache, cost formulas and a benchmark.

A standalone package that never imports ``tutor``. ``reference_impl.cost`` and
``reference_impl.models`` are pure Python; every name below that needs torch is loaded on first
use through the module ``__getattr__``, so ``import reference_impl.cost`` does not load torch.
"""

from __future__ import annotations

import importlib
from typing import Any

# Public name -> submodule that defines it. Deferred: importing torch costs about a second.
_LAZY: dict[str, str] = {
    "AttentionConfig": "config",
    "GroupedQueryAttention": "module",
    "KVCache": "kv_cache",
    "attend_einsum": "attention",
    "attend_repeat": "attention",
    "attend_sdpa": "attention",
    "causal_mask": "attention",
    "default_device": "device",
    "gqa_decode": "functional",
    "gqa_forward": "functional",
    "mqa_forward": "functional",
    "ModelConfig": "models",
    "MODELS": "models",
    "get_model": "models",
    "DecoderConfig": "decoder",
    "TinyDecoder": "decoder",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'reference_impl' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)
