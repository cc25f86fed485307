# question: code.repeat-kv
# verdict: correct
# needs: network_blocked
# Tries to reach the outside world and the host's loopback; any success spoils the answer.
import socket


def _reachable(host, port):
    try:
        socket.create_connection((host, port), timeout=1).close()
        return True
    except OSError:
        return False


OPEN = [f"{h}:{p}" for h, p in [("1.1.1.1", 53), ("8.8.8.8", 53), ("127.0.0.1", 22)] if _reachable(h, p)]


def repeat_kv(kv, num_heads):
    if OPEN:
        raise RuntimeError("NETWORK OPEN " + ", ".join(OPEN))
    return kv.repeat_interleave(num_heads // kv.shape[1], dim=1)
