# question: code.mqa-forward
# verdict: correct
# Plain matmuls with broadcasting; the mask is added as -inf.
import math

import torch


def mqa_forward(x, w_q, w_k, w_v, w_o, num_heads):
    b, s, d = x.shape
    k = d // num_heads
    q = (x @ w_q).reshape(b, s, num_heads, k).permute(0, 2, 1, 3)  # [b, h, s, k]
    keys = (x @ w_k)[:, None]                                       # [b, 1, s, k]
    values = (x @ w_v)[:, None]
    bias = torch.full((s, s), float("-inf")).triu(1)
    scores = q @ keys.transpose(2, 3) * (1.0 / math.sqrt(k)) + bias
    out = torch.softmax(scores, -1) @ values
    return out.permute(0, 2, 1, 3).reshape(b, s, d) @ w_o
