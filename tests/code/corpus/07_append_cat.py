# question: code.kv-cache-append
# verdict: correct
# Rebuilds the cache from three slices (correct, though it copies the whole cache).
import torch


def append_kv(cache, new, pos):
    t = new.shape[2]
    return torch.cat([cache[:, :, :pos], new, cache[:, :, pos + t:]], dim=2)
