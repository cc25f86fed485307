# question: code.repeat-kv
# verdict: incorrect
# feedback: torch.compile is not available when grading
# Class 9: torch.compile needs a C compiler, the Python headers and ~30 s; the learner is told so
# plainly instead of seeing the sandbox's internals.
import torch


@torch.compile
def repeat_kv(kv, num_heads):
    return kv.repeat_interleave(num_heads // kv.shape[1], dim=1)
