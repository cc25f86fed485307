"""A seccomp filter, hand-built as classic BPF and installed with prctl (no library needed).

It denies, with EPERM, the system calls that reach outside the sandbox or leave kernel objects
behind: creating sockets of any family (`socket`, `socketpair`: UNIX pathname and abstract sockets,
VSOCK, NETLINK, INET), io_uring (which can open sockets and files on its own), the keyring calls
(`add_key`, `request_key`, `keyctl`), and, where no cgroup limits the run's memory as a whole,
`memfd_create` and `memfd_secret` (memory no process limit counts), and new namespaces: `unshare`,
`setns`, and `clone` with any `CLONE_NEW*` flag (a user namespace is a large kernel surface, and the
child needs none: it is in its namespaces already); `clone3`, whose flags a filter cannot read,
returns ENOSYS, so the C library falls back to `clone` for threads and processes. Every other call is allowed:
it is a deny list on top of the other layers, not a full policy. A call made through another
architecture's ABI (i386 `int 0x80`, x32) is denied outright, so the numbers cannot be dodged.

Supported: x86_64 and aarch64 (`supported()` says so; elsewhere the layer is reported missing).
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform

from tutor.sandbox import kernel

_AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
_X32_SYSCALL_BIT = 0x40000000
_SYSCALLS = {
    "x86_64": {"socket": 41, "socketpair": 53, "add_key": 248, "request_key": 249, "keyctl": 250,
               "memfd_create": 319, "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427,
               "memfd_secret": 447, "unshare": 272, "setns": 308, "clone": 56, "clone3": 435},
    "aarch64": {"socket": 198, "socketpair": 199, "add_key": 217, "request_key": 218, "keyctl": 219,
                "memfd_create": 279, "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427,
                "memfd_secret": 447, "unshare": 97, "setns": 268, "clone": 220, "clone3": 435},
}
ALWAYS_DENIED = ("socket", "socketpair", "add_key", "request_key", "keyctl",
                 "io_uring_setup", "io_uring_enter", "io_uring_register", "unshare", "setns")
# clone's flags (its first argument) that make a namespace: NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET
CLONE_NAMESPACE_FLAGS = 0x7E020000
MEMFD = ("memfd_create", "memfd_secret")

_SYS_SECCOMP = {"x86_64": 317, "aarch64": 277}
_SECCOMP_SET_MODE_FILTER, _SECCOMP_FILTER_FLAG_TSYNC = 1, 1
_LD_W_ABS, _JEQ_K, _JGE_K, _JSET_K, _RET_K = 0x20, 0x15, 0x35, 0x45, 0x06
_ARG0_LOW = 16  # offsetof(struct seccomp_data, args[0]): its low 32 bits on a little-endian machine
_RET_ALLOW, _RET_ERRNO = 0x7FFF0000, 0x00050000


class _Filter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8), ("k", ctypes.c_uint32)]


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_uint16), ("filter", ctypes.POINTER(_Filter))]


def _arch() -> str:
    return platform.machine()


def supported() -> bool:
    return _arch() in _SYSCALLS and os.path.exists("/proc/sys/kernel/seccomp/actions_avail")


def denied(deny_memfd: bool) -> tuple[str, ...]:
    return ALWAYS_DENIED + (MEMFD if deny_memfd else ())


def program(deny_memfd: bool) -> list[tuple[int, int, int, int]]:
    """The BPF instructions (code, jt, jf, k) for this machine's architecture."""
    arch = _arch()
    numbers = [_SYSCALLS[arch][name] for name in denied(deny_memfd)]
    deny = _RET_ERRNO | errno.EPERM
    prog = [(_LD_W_ABS, 0, 0, 4),  # seccomp_data.arch
            (_JEQ_K, 1, 0, _AUDIT_ARCH[arch]),
            (_RET_K, 0, 0, deny),  # another ABI: nothing allowed
            (_LD_W_ABS, 0, 0, 0)]  # seccomp_data.nr
    if arch == "x86_64":
        prog += [(_JGE_K, 0, 1, _X32_SYSCALL_BIT), (_RET_K, 0, 0, deny)]
    for nr in numbers:
        prog += [(_JEQ_K, 0, 1, nr), (_RET_K, 0, 0, deny)]
    prog += [(_JEQ_K, 0, 1, _SYSCALLS[arch]["clone3"]), (_RET_K, 0, 0, _RET_ERRNO | errno.ENOSYS),
             (_JEQ_K, 0, 3, _SYSCALLS[arch]["clone"]),  # not clone: allowed (skip the three below)
             (_LD_W_ABS, 0, 0, _ARG0_LOW),
             (_JSET_K, 0, 1, CLONE_NAMESPACE_FLAGS),
             (_RET_K, 0, 0, deny)]
    prog.append((_RET_K, 0, 0, _RET_ALLOW))
    return prog


def install(deny_memfd: bool) -> None:
    """Install the filter on every thread of this process (TSYNC: CUDA's threads too) and on all it
    starts afterwards. `no_new_privs` must already be set."""
    instructions = program(deny_memfd)
    filters = (_Filter * len(instructions))(*[_Filter(*i) for i in instructions])
    prog = _Program(len(instructions), filters)
    libc = kernel.libc()
    libc.syscall.restype = ctypes.c_long
    result = libc.syscall(ctypes.c_long(_SYS_SECCOMP[_arch()]), ctypes.c_uint(_SECCOMP_SET_MODE_FILTER),
                          ctypes.c_uint(_SECCOMP_FILTER_FLAG_TSYNC), ctypes.byref(prog))
    kernel.check(int(result), "seccomp(SET_MODE_FILTER, TSYNC)")
