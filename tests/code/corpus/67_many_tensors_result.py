# question: code.repeat-kv
# verdict: incorrect
# feedback: the result file's header is
# Class 11, results parsed before limits: the child writes its own status (valid) and a result file
# of 250,000 empty tensors into its result descriptors, then exits. The header is checked (length,
# entry count, names, dtypes, shapes) before any tensor is loaded, so this is refused at once.
import json
import os


def _fd(name):
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}").endswith(name):
                return int(fd)
        except OSError:
            pass


def repeat_kv(kv, num_heads):
    header = {f"p0.c{i}": {"dtype": "F32", "shape": [0], "data_offsets": [0, 0]} for i in range(250_000)}
    raw = json.dumps(header).encode()
    os.write(_fd("result.safetensors"), len(raw).to_bytes(8, "little") + raw)
    status = {"programs": [{"load_error": None, "cases": [{"error": None, "seconds": 0.0}] * 15}]}
    os.write(_fd("status.json"), json.dumps(status).encode())
    os._exit(0)
