# question: code.repeat-kv
# verdict: incorrect
# time_limit: 1.5
# feedback: Stopped
def repeat_kv(kv, num_heads):
    while True:
        pass
