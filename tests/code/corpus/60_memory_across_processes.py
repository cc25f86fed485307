# question: code.repeat-kv
# verdict: incorrect
# memory_limit: 256
# needs: cgroup
# Class 4, memory per submission, not per process: four children and the parent each hold 120 MiB
# (each under the per-process limit, 600 MiB together), plus a 120 MiB memfd. Answers correctly only
# if all of it was held at once; the run's cgroup (256 MiB for the whole submission) stops it.
import os
import time


def _hold(mib):
    block = bytearray(mib << 20)
    for i in range(0, len(block), 4096):
        block[i] = 1
    return block


def _attack():
    children = []
    for _ in range(4):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            try:
                held = _hold(120)
                os.write(w, b"1")
                time.sleep(30)
                del held
            finally:
                os._exit(0)
        os.close(w)
        children.append((pid, r))
    mine = _hold(120)
    try:
        fd = os.memfd_create("hold")
        os.ftruncate(fd, 120 << 20)
        with os.fdopen(os.dup(fd), "r+b") as f:
            for i in range(0, 120 << 20, 1 << 20):
                f.seek(i)
                f.write(b"1" * 4096)
    except OSError as exc:
        print("memfd:", exc.strerror)
    ok = all(os.read(r, 1) == b"1" for _, r in children)
    alive = all(os.waitpid(pid, os.WNOHANG) == (0, 0) for pid, _ in children)
    del mine
    return ok and alive


_HELD = []


def repeat_kv(kv, num_heads):
    if not _HELD:
        _HELD.append(_attack())  # once: every case reuses the verdict
    if _HELD[0]:
        return kv.repeat_interleave(num_heads // kv.shape[1], dim=1)
    return kv.repeat_interleave(num_heads // kv.shape[1], dim=1) + 1  # the attack failed: a wrong answer
