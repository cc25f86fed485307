# question: code.repeat-kv
# verdict: incorrect
# feedback: returned a sparse tensor
# The right values in a sparse layout: the exact-type rule asks for an ordinary dense tensor, and
# the copy no longer takes the whole run down.


def repeat_kv(kv, num_heads):
    return kv.repeat_interleave(num_heads // kv.shape[1], dim=1).to_sparse()
