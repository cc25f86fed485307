# question: code.mqa-forward
# verdict: correct
# A correct answer computed in float64 throughout and returned as float32.
import torch


def mqa_forward(x, w_q, w_k, w_v, w_o, num_heads):
    x, w_q, w_k, w_v, w_o = (t.double() for t in (x, w_q, w_k, w_v, w_o))
    b, s, d = x.shape
    k = d // num_heads
    q = torch.einsum("bsd,dn->bsn", x, w_q).reshape(b, s, num_heads, k)
    kk, vv = x @ w_k, x @ w_v
    scores = torch.einsum("bthk,bsk->bhts", q, kk) * k ** -0.5
    scores = scores + torch.full((s, s), float("-inf"), dtype=torch.float64).triu(1)
    out = torch.einsum("bhts,bsk->bthk", scores.softmax(-1), vv).reshape(b, s, d)
    return (out @ w_o).float()
