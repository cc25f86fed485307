# question: code.repeat-kv
# verdict: incorrect
# feedback: returned a nested tensor
# A nested tensor passes `type(x) is torch.Tensor` but safetensors cannot write it: it once crashed
# the child's result writer; now that case fails with a message of its own.
import warnings

import torch

warnings.simplefilter("ignore")


def repeat_kv(kv, num_heads):
    out = kv.repeat_interleave(num_heads // kv.shape[1], dim=1)
    return torch.nested.nested_tensor(list(out))
