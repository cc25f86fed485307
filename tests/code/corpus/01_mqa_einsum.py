# question: code.mqa-forward
# verdict: correct
# An einsum solution that never materialises the shared head per query head.
import math

import torch


def mqa_forward(x, w_q, w_k, w_v, w_o, num_heads):
    b, s, d = x.shape
    h, k = num_heads, d // num_heads
    q = torch.einsum("bsd,dn->bsn", x, w_q).reshape(b, s, h, k)  # [b, s, h, k]
    keys = torch.einsum("bsd,dk->bsk", x, w_k)                   # [b, s, k]
    values = torch.einsum("bsd,dk->bsk", x, w_v)                 # [b, s, k]
    scores = torch.einsum("bthk,bsk->bhts", q, keys) / math.sqrt(k)
    future = torch.ones(s, s, dtype=torch.bool).triu(1)
    weights = scores.masked_fill(future, float("-inf")).softmax(dim=-1)
    out = torch.einsum("bhts,bsk->bthk", weights, values)        # [b, s, h, k]
    return out.reshape(b, s, d) @ w_o
