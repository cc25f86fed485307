# question: code.repeat-kv
# verdict: incorrect
# needs: seccomp
# feedback: Operation not permitted
# Class 1, host UNIX sockets and VSOCK: the test runner listens on pathname sockets on the host (a
# mode-0777 socket in /tmp, one inside a root-only 0700 directory) and answers "pong"; the network
# namespace and Landlock's TCP rules do not cover socket files. Also an abstract socket and AF_VSOCK.
# Answers correctly only if some socket could be created or reached.
import glob
import socket

TARGETS = sorted(glob.glob("/tmp/tutor-corpus-host*.sock") + glob.glob("/tmp/tutor-corpus-private*/host.sock"))
for _worker in [""] + [f"gw{i}" for i in range(16)]:  # by name too, where listing /tmp is refused
    TARGETS += [f"/tmp/tutor-corpus-host{_worker}.sock", f"/tmp/tutor-corpus-private{_worker}/host.sock"]


def _attack():
    reached = []
    for family, kind in ((socket.AF_UNIX, socket.SOCK_STREAM), (getattr(socket, "AF_VSOCK", 40), socket.SOCK_STREAM),
                         (socket.AF_NETLINK, socket.SOCK_RAW), (socket.AF_INET, socket.SOCK_DGRAM)):
        try:
            socket.socket(family, kind).close()
            reached.append(f"created family {family}")
        except OSError as exc:
            print(f"family {family}: {exc.strerror}")
    for path in TARGETS:
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(1)
            s.connect(path)
            s.sendall(b"ping")
            if s.recv(4) == b"pong":
                reached.append(path)
        except OSError as exc:
            print(f"{path}: {exc.strerror}")
    return reached


def repeat_kv(kv, num_heads):
    if _attack():
        return kv.repeat_interleave(num_heads // kv.shape[1], dim=1)
    return kv.repeat_interleave(num_heads // kv.shape[1], dim=1) + 1  # the attack failed: a wrong answer
