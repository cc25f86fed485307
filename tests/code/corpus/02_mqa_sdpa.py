# question: code.mqa-forward
# verdict: correct
# scaled_dot_product_attention with the single K/V head expanded (a view, no copy).
import torch
import torch.nn.functional as F


def mqa_forward(x, w_q, w_k, w_v, w_o, num_heads):
    b, s, d = x.shape
    k = d // num_heads
    q = (x @ w_q).view(b, s, num_heads, k).transpose(1, 2)
    keys = (x @ w_k).view(b, 1, s, k).expand(b, num_heads, s, k)
    values = (x @ w_v).view(b, 1, s, k).expand(b, num_heads, s, k)
    out = F.scaled_dot_product_attention(q, keys, values, is_causal=True)
    return out.transpose(1, 2).reshape(b, s, d) @ w_o
