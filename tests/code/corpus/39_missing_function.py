# question: code.repeat-kv
# verdict: invalid
# feedback: define a function named repeat_kv
def repeat_keys(kv, num_heads):
    return kv.repeat_interleave(num_heads // kv.shape[1], dim=1)
