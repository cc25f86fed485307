# question: code.repeat-kv
# verdict: correct
# needs: signals_contained
# Signals every process it can reach and its parent; the grader must survive and still grade.
import os
import signal


def repeat_kv(kv, num_heads):
    parent = os.getppid()  # 0 inside a private PID namespace
    for target in ([parent] if parent > 1 else []) + [1, -1]:
        try:
            os.kill(target, signal.SIGKILL)
        except OSError:
            pass
    return kv.repeat_interleave(num_heads // kv.shape[1], dim=1)
