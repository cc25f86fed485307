# question: code.gqa-forward
# verdict: partial
# feedback: Diagnosis: your causal mask is off by one
import math

import torch


def gqa_forward(x, w_q, w_k, w_v, w_o, num_heads, num_kv_heads):
    b, s, d = x.shape
    hd = d // num_heads
    r = num_heads // num_kv_heads
    q = (x @ w_q).view(b, s, num_heads, hd).transpose(1, 2)
    k = (x @ w_k).view(b, s, num_kv_heads, hd).transpose(1, 2).repeat_interleave(r, 1)
    v = (x @ w_v).view(b, s, num_kv_heads, hd).transpose(1, 2).repeat_interleave(r, 1)
    scores = q @ k.transpose(-1, -2) / math.sqrt(hd)
    future = torch.ones(s, s, dtype=torch.bool).triu(2)  # should be triu(1)
    out = scores.masked_fill(future, float("-inf")).softmax(-1) @ v
    return out.transpose(1, 2).reshape(b, s, d) @ w_o
