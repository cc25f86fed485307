# question: code.repeat-kv
# verdict: incorrect
# needs: seccomp
# needs: x86_64
# feedback: add_key: Operation not permitted
# Class 3, kernel objects that outlive the run: each run (a fresh uid) could leave up to 200 keys in
# the kernel's keyrings; io_uring can open sockets by itself. Answers correctly only if a key could
# be added or a keyring read, or an io_uring set up.
import ctypes
import os

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
SYS = {"add_key": 248, "keyctl": 250, "io_uring_setup": 425}  # x86_64


def _attack():
    done = []
    key = libc.syscall(SYS["add_key"], b"user", b"tutor-corpus", b"secret", 6, -2)  # KEY_SPEC_SESSION_KEYRING
    if key >= 0:
        done.append("add_key")
    else:
        print(f"add_key: {os.strerror(ctypes.get_errno())}")
    if libc.syscall(SYS["keyctl"], 0, -3, 0) >= 0:  # KEYCTL_GET_KEYRING_ID of the user keyring
        done.append("keyctl")
    else:
        print(f"keyctl: {os.strerror(ctypes.get_errno())}")
    params = ctypes.create_string_buffer(120)
    fd = libc.syscall(SYS["io_uring_setup"], 4, params)
    if fd >= 0:
        done.append("io_uring")
    else:
        print(f"io_uring_setup: {os.strerror(ctypes.get_errno())}")
    return done


def repeat_kv(kv, num_heads):
    if _attack():
        return kv.repeat_interleave(num_heads // kv.shape[1], dim=1)
    return kv.repeat_interleave(num_heads // kv.shape[1], dim=1) + 1  # the attack failed: a wrong answer
