# question: code.repeat-kv
# verdict: incorrect
# feedback: returned list, not a torch.Tensor
def repeat_kv(kv, num_heads):
    return kv.repeat_interleave(num_heads // kv.shape[1], dim=1).tolist()
