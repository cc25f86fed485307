# question: code.gqa-forward
# verdict: correct
# Explicit loops over batch, heads and positions: slow but right.
import math

import torch


def gqa_forward(x, w_q, w_k, w_v, w_o, num_heads, num_kv_heads):
    b, s, d = x.shape
    hd = d // num_heads
    r = num_heads // num_kv_heads
    q = (x @ w_q).view(b, s, num_heads, hd)
    keys = (x @ w_k).view(b, s, num_kv_heads, hd)
    values = (x @ w_v).view(b, s, num_kv_heads, hd)
    out = torch.zeros(b, s, num_heads, hd, dtype=x.dtype)
    for bi in range(b):
        for i in range(num_heads):
            j = i // r
            for t in range(s):
                scores = keys[bi, : t + 1, j] @ q[bi, t, i] / math.sqrt(hd)  # [t + 1]
                out[bi, t, i] = torch.softmax(scores, dim=0) @ values[bi, : t + 1, j]
    return out.reshape(b, s, d) @ w_o
