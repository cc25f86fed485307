# question: code.repeat-kv
# verdict: incorrect
# feedback: wrong shape
def repeat_kv(kv, num_heads):
    out = kv.repeat_interleave(num_heads // kv.shape[1], dim=1)
    return out.transpose(1, 2)
