"""Linux constants and the libc handle the sandbox modules share (one home, no import cycle).

`child` (which applies the confinement) and `layers` (which probes what this machine allows) both
need the same flags; they live here so that neither imports the other's private names.
"""

from __future__ import annotations

import ctypes
import os

# clone(2)/unshare(2) namespace flags
CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
# The namespaces the child enters (plus CLONE_NEWUSER when not root).
NAMESPACES = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS

# mount(2) flags
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 0x4000, 1 << 18

# prctl(2) options
PR_SET_PDEATHSIG, PR_SET_DUMPABLE = 1, 4
PR_SET_NAME = 15
PR_CAPBSET_DROP = 24
PR_SET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS = 36, 38
PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 47, 4

# capabilities(7)
CAP_SETPCAP = 8


def libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def check(result: int, what: str) -> None:
    """Raise OSError (with errno's text) when a libc call returned non-zero."""
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def get_errno() -> int:
    return ctypes.get_errno()
