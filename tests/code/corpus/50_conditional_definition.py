# question: code.repeat-kv
# verdict: correct
# A correct answer defined inside if/else at the top level: once reported as invalid ("define a
# function named repeat_kv at the top level").
import torch

if hasattr(torch.Tensor, "repeat_interleave"):
    def repeat_kv(kv, num_heads):
        return kv.repeat_interleave(num_heads // kv.shape[1], dim=1)
else:
    def repeat_kv(kv, num_heads):
        b, g, n, k = kv.shape
        return kv[:, :, None].expand(b, g, num_heads // g, n, k).reshape(b, num_heads, n, k)
