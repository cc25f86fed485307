# question: code.repeat-kv
# verdict: correct
# Starts daemons in their own sessions (double fork + setsid) and a subprocess, then answers correctly.
# The answer passes, and none of the daemons may outlive the grading.
import os
import subprocess
import time


def _daemon():
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            time.sleep(3600)
        os._exit(0)


_daemon()
try:
    subprocess.Popen(["sleep", "3600"], start_new_session=True)
except OSError:
    pass


def repeat_kv(kv, num_heads):
    _daemon()
    return kv.repeat_interleave(num_heads // kv.shape[1], dim=1)
