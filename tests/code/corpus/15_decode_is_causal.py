# question: code.gqa-decode
# verdict: partial
# feedback: Diagnosis: your output equals SDPA with is_causal=True on a single query
import torch
import torch.nn.functional as F


def gqa_decode(q, k_cache, v_cache):
    b, h, k = q.shape
    g = k_cache.shape[1]
    out = F.scaled_dot_product_attention(q[:, :, None], k_cache, v_cache, is_causal=True, enable_gqa=True)
    return out[:, :, 0]
