# question: code.gqa-forward
# verdict: partial
# feedback: Diagnosis: your head mapping is tiled
import torch
import torch.nn.functional as F


def gqa_forward(x, w_q, w_k, w_v, w_o, num_heads, num_kv_heads):
    b, s, d = x.shape
    hd = d // num_heads
    r = num_heads // num_kv_heads
    q = (x @ w_q).view(b, s, num_heads, hd).transpose(1, 2)
    k = (x @ w_k).view(b, s, num_kv_heads, hd).transpose(1, 2).repeat(1, r, 1, 1)
    v = (x @ w_v).view(b, s, num_kv_heads, hd).transpose(1, 2).repeat(1, r, 1, 1)
    out = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    return out.transpose(1, 2).reshape(b, s, d) @ w_o
