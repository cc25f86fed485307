# question: code.gqa-decode
# verdict: correct
import math

import torch


def gqa_decode(q, k_cache, v_cache):
    b, h, k = q.shape
    g = k_cache.shape[1]
    qg = q.view(b, g, h // g, k)
    scores = torch.einsum("bgrk,bgnk->bgrn", qg, k_cache) / math.sqrt(k)
    return torch.einsum("bgrn,bgnk->bgrk", scores.softmax(-1), v_cache).reshape(b, h, k)
