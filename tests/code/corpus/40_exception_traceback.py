# question: code.gqa-decode
# verdict: incorrect
# feedback: in gqa_decode
# feedback: RuntimeError
import torch


def _scores(q, k_cache):
    return q @ k_cache  # [b, h, k] @ [b, g, n, k]: wrong shapes


def gqa_decode(q, k_cache, v_cache):
    return _scores(q, k_cache)
