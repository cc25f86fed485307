# question: code.mqa-forward
# verdict: partial
# The right algorithm computed in float16 and cast back: about 1e-3 off, outside rtol=1e-4.
import math

import torch


def mqa_forward(x, w_q, w_k, w_v, w_o, num_heads):
    x, w_q, w_k, w_v, w_o = (t.half() for t in (x, w_q, w_k, w_v, w_o))
    b, s, d = x.shape
    k = d // num_heads
    q = (x @ w_q).view(b, s, num_heads, k).transpose(1, 2)
    kk, vv = (x @ w_k).unsqueeze(1), (x @ w_v).unsqueeze(1)
    scores = (q @ kk.transpose(-1, -2) / math.sqrt(k)).float()
    scores = scores.masked_fill(torch.ones(s, s, dtype=torch.bool).triu(1), float("-inf"))
    out = scores.softmax(-1).half() @ vv
    return (out.transpose(1, 2).reshape(b, s, d) @ w_o).float()
