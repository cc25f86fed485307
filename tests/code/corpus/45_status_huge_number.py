# question: code.repeat-kv
# verdict: incorrect
# feedback: the child's status is malformed
# Forges a well-formed status whose case times are a 400-digit integer: math.isfinite() on it
# once raised OverflowError in the grader, which crashed `tutor check` instead of grading.
import json
import os

STATUS = next(int(fd) for fd in os.listdir("/proc/self/fd")
              if os.path.exists(f"/proc/self/fd/{fd}") and os.readlink(f"/proc/self/fd/{fd}").endswith("status.json"))


def repeat_kv(kv, num_heads):
    status = {"programs": [{"load_error": None, "cases": [{"error": None, "seconds": 10**400}] * 6}]}
    os.write(STATUS, json.dumps(status).encode())
    os._exit(0)
