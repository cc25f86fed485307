# question: code.repeat-kv
# verdict: incorrect
# Returns 40 MB: more than the result file may hold (16 MiB here).
import torch


def repeat_kv(kv, num_heads):
    return torch.zeros(10_000_000)
