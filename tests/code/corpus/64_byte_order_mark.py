# question: code.repeat-kv
# verdict: correct
# Class 8: a file that starts with a UTF-8 byte-order mark (some Windows editors write one) is code.
import torch


def repeat_kv(kv, num_heads):
    return kv.repeat_interleave(num_heads // kv.shape[1], dim=1)
