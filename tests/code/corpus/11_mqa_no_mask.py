# question: code.mqa-forward
# verdict: partial
# feedback: Diagnosis: your output equals attention without the causal mask
import math

import torch


def mqa_forward(x, w_q, w_k, w_v, w_o, num_heads):
    b, s, d = x.shape
    k = d // num_heads
    q = (x @ w_q).view(b, s, num_heads, k).transpose(1, 2)
    scores = q @ (x @ w_k).unsqueeze(1).transpose(-1, -2) / math.sqrt(k)
    out = scores.softmax(-1) @ (x @ w_v).unsqueeze(1)
    return out.transpose(1, 2).reshape(b, s, d) @ w_o
