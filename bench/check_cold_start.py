"""Cold-start time of `tutor check ID ANSWER`: a new process each time, as a shell user runs it.

    python bench/check_cold_start.py [--runs 15] [--id ID --answer ANSWER]

Prints min / median / p90 wall time. Target (issue 2): <= 0.8 s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import subprocess
import sys
import time

CASES = [
    ("p4a-mqa-wq-shape", "[h, d, q]"),
    ("quiz3-gqa-kv-params", "2*G*d^2/H"),
]


def time_once(question_id: str, answer: str) -> float:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "tutor", "check", question_id, answer, "--json"],
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"tutor check failed ({proc.returncode}): {proc.stderr.strip()}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--id")
    parser.add_argument("--answer")
    args = parser.parse_args()
    cases = [(args.id, args.answer)] if args.id else CASES
    print(f"python {platform.python_version()} on {platform.machine()}, {platform.node()}")
    for question_id, answer in cases:
        time_once(question_id, answer)  # warm the OS file cache once; every timed run is a new process
        times = sorted(time_once(question_id, answer) for _ in range(args.runs))
        p90 = times[min(len(times) - 1, int(0.9 * len(times)))]
        print(
            f"tutor check {question_id} {answer!r}: min {times[0]*1000:.0f} ms, "
            f"median {statistics.median(times)*1000:.0f} ms, p90 {p90*1000:.0f} ms over {args.runs} runs"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
