# question: code.repeat-kv
# verdict: correct
# feedback: No space left on device
# needs: home_capped
# RLIMIT_FSIZE caps each file, not their number: 8 MiB files one after another once wrote 1 GiB to
# the temp directory in a second or two (the disk, or the memory where /tmp is a tmpfs). The work
# directory is now a 64 MiB tmpfs of the child's mount namespace. Bounded here at 256 MiB; answers
# wrongly if it got past the cap.
def repeat_kv(kv, num_heads):
    chunk = b"\0" * (8 << 20)
    total = 0
    for i in range(32):
        try:
            with open(f"fill{i}", "wb") as f:
                f.write(chunk)
            total += len(chunk)
        except OSError as exc:
            print(exc.strerror)
            break
    if total > 64 << 20:
        return kv
    return kv.repeat_interleave(num_heads // kv.shape[1], dim=1)
