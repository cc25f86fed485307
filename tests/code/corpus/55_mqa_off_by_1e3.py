# question: code.mqa-forward
# verdict: incorrect
# Right to a relative 1e-3 only (a float16-sized error everywhere, zero input aside): rejected.
import math

import torch


def mqa_forward(x, w_q, w_k, w_v, w_o, num_heads):
    b, s, d = x.shape
    k = d // num_heads
    q = (x @ w_q).view(b, s, num_heads, k).transpose(1, 2)
    scores = q @ (x @ w_k).unsqueeze(1).transpose(-1, -2) / math.sqrt(k)
    scores = scores.masked_fill(torch.ones(s, s, dtype=torch.bool).triu(1), float("-inf"))
    out = (scores.softmax(-1) @ (x @ w_v).unsqueeze(1)).transpose(1, 2).reshape(b, s, d) @ w_o
    return out * (1 + 1e-3) + 1e-4
