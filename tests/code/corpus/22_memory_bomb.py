# question: code.repeat-kv
# verdict: incorrect
# memory_limit: 512
# feedback: memory
# Asks for 8 GiB, far over the 512 MiB limit: the allocation fails inside the child.
import torch


def repeat_kv(kv, num_heads):
    hog = torch.ones(1 << 33, dtype=torch.uint8)
    return hog
