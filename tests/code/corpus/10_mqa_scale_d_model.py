# question: code.mqa-forward
# verdict: partial
# feedback: Diagnosis: your output equals attention scaled by 1/sqrt(d_model)
import math

import torch


def mqa_forward(x, w_q, w_k, w_v, w_o, num_heads):
    b, s, d = x.shape
    k = d // num_heads
    q = torch.einsum("bsd,dn->bsn", x, w_q).reshape(b, s, num_heads, k)
    scores = torch.einsum("bthk,bsk->bhts", q, x @ w_k) / math.sqrt(d)
    scores = scores.masked_fill(torch.ones(s, s, dtype=torch.bool).triu(1), float("-inf"))
    out = torch.einsum("bhts,bsk->bthk", scores.softmax(-1), x @ w_v)
    return out.reshape(b, s, d) @ w_o
