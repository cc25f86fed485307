# question: code.repeat-kv
# verdict: invalid
# feedback: line 5
def repeat_kv(kv, num_heads):
    return kv.repeat_interleave(num_heads // kv.shape[1], dim=1


x = 1
