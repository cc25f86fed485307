# question: code.repeat-kv
# verdict: incorrect
# feedback: wrong dtype
def repeat_kv(kv, num_heads):
    return kv.double().repeat_interleave(num_heads // kv.shape[1], dim=1)
