# question: code.online-softmax-attention
# verdict: incorrect
# needs: cgroup
# feedback: your code used more than 96 MiB: it seems to build the full score matrix; compute it block by block
# Red team R1: plain full-matrix softmax, the very thing the exercise replaces. It ignores block_size and
# builds the [b, h, s, s] scores the prompt forbids; its outputs are right, so only the memory budget
# (the run's cgroup) can tell: on the long case (s = 4100) the full fp32 matrix alone is 128 MiB.
import torch


def online_softmax_attention(q, k, v, block_size, softmax_scale):
    s = q.shape[-2]
    sc = (q @ k.transpose(-1, -2)) * softmax_scale
    mask = torch.ones(s, s, dtype=torch.bool).tril()
    return sc.masked_fill(~mask, float("-inf")).softmax(-1) @ v
