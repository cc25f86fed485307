# question: code.repeat-kv
# verdict: correct
# feedback: Time on the largest case: not shown (
# Class 12, timing noise: correct, but each call takes 0, 2 or 8 ms in turn. Both sides are timed the
# same way (warm-up, repetitions, median); a spread this wide shows no time at all rather than a
# ratio that means nothing.
import itertools
import time

_delays = itertools.cycle([0.0, 0.002, 0.008])


def repeat_kv(kv, num_heads):
    time.sleep(next(_delays))
    return kv.repeat_interleave(num_heads // kv.shape[1], dim=1)
