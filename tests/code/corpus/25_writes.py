# question: code.repeat-kv
# verdict: correct
# needs: writes_confined
# Writing to HOME (the fresh temp directory) is allowed; every write outside it must fail.
import os

with open(os.path.expanduser("~/notes.txt"), "w") as f:
    f.write("HOME is the sandbox's temp directory\n")

for target in ["/tmp/tutor-escape-marker", "/var/tmp/tutor-escape-marker", "/dev/shm/tutor-escape-marker",
               "/root/tutor-escape-marker", os.path.join(os.path.dirname(os.getcwd()), "tutor-escape-marker"),
               os.path.join(os.path.dirname(os.path.dirname(os.getcwd())), "tutor-escape-marker"),
               os.path.join(os.path.dirname(os.__file__), "tutor-escape-marker")]:
    try:
        with open(target, "w") as f:
            f.write("escaped")
    except OSError:
        pass


def repeat_kv(kv, num_heads):
    return kv.repeat_interleave(num_heads // kv.shape[1], dim=1)
