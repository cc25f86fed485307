# question: code.repeat-kv
# verdict: incorrect
# feedback: the child's status is malformed
# Writes a status file of 200,000 nested arrays itself and exits: the grader's json.loads once
# raised RecursionError, which crashed `tutor check` instead of grading.
import os

STATUS = next(int(fd) for fd in os.listdir("/proc/self/fd")
              if os.path.exists(f"/proc/self/fd/{fd}") and os.readlink(f"/proc/self/fd/{fd}").endswith("status.json"))


def repeat_kv(kv, num_heads):
    os.write(STATUS, b'{"programs": ' + b"[" * 200_000 + b"]" * 200_000 + b"}")
    os._exit(0)
