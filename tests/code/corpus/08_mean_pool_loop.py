# question: code.mha-to-gqa-weights
# verdict: correct
import torch


def mean_pool_kv_heads(w, num_heads, num_kv_heads):
    k = w.shape[1] // num_heads
    r = num_heads // num_kv_heads
    groups = []
    for j in range(num_kv_heads):
        heads = [w[:, (j * r + i) * k:(j * r + i + 1) * k] for i in range(r)]
        groups.append(torch.stack(heads).mean(dim=0))
    return torch.cat(groups, dim=1)
