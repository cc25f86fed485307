# question: code.repeat-kv
# verdict: incorrect
# feedback: returned a meta tensor
# A tensor with no data: copying it out once crashed the whole child ("the sandbox could not start
# your code"), losing every case; now that case fails with a message of its own.
import torch


def repeat_kv(kv, num_heads):
    b, g, n, k = kv.shape
    return torch.empty(b, num_heads, n, k, device="meta")
