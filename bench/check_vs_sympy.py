"""`tutor check` from a cold start against `python -c "import sympy"`, side by side in one run.

    python bench/check_vs_sympy.py [--runs 9]

sympy is the floor for a formula answer: a new interpreter that only imports sympy. Each round
runs `import sympy` and then every `tutor check` case once, alternating, so machine load hits all
of them alike; the figure is the ratio of medians (target, issue 10: <= 1.4x). A second floor,
sympy's first arithmetic, shows what sympy itself imports on first use. Also prints the CPU time
(user + sys of the child), which a loaded machine disturbs less than wall time. The bank cache
(tutor.bank.cache) is warmed by the first, untimed round, as it is after a learner's first command.
That round also writes the project's bytecode (`__pycache__`), which $PYTHONDONTWRITEBYTECODE would
otherwise forbid: sympy's is compiled when it is installed, and an installed tutor's is too, so the
children run without that variable and neither side recompiles its source on every start.
A last reference row, `import sympy` with the cyclic garbage collector paused, shows how much of the
floor is the collector's passes (which `tutor check` pauses while it starts).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import cpu_model  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CASES = [
    ("formula", ["quiz3-gqa-kv-params", "2*G*d^2/H"]),
    ("shape", ["p4a-mqa-wq-shape", "[h, d, q]"]),
    # a shape whose `where` is an expression (k = d/h): read by the sympy path
    ("shape, where k = d/h", ["mha-q-heads-shape", "[b, h, n, k]"]),
    ("einsum", ["attn-single-head-einsum", "nk,mk->nm"]),
    ("choice", ["attn-softmax-axis-choice", "A"]),
]


def timed(argv: list[str]) -> tuple[float, float]:
    """(wall seconds, child CPU seconds) of one new process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # see the module docstring
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):  # 1: a wrong answer is still a completed check
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}): {proc.stderr.strip()}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    commands = {
        "import sympy": [sys.executable, "-c", "import sympy"],
        # sympy's first arithmetic imports more of sympy (Add.flatten loads sympy.tensor, matrices...):
        # a floor no formula answer can go under; shown for reference, the target is against the line above.
        "sympy, first use": [sys.executable, "-c", "import sympy; sympy.Symbol('a') * 2 + 1"],
    }
    for name, case in CASES:
        commands[f"tutor check ({name})"] = [sys.executable, "-m", "tutor", "check", *case, "--json"]
    commands["import sympy, gc paused"] = [sys.executable, "-c", "import gc; gc.disable(); import sympy"]
    load_before = os.getloadavg()[0]
    for argv in commands.values():
        timed(argv)  # warm the OS file cache once; every timed run is a new process
    walls: dict[str, list[float]] = {k: [] for k in commands}
    cpus: dict[str, list[float]] = {k: [] for k in commands}
    for _ in range(args.runs):
        for label, argv in commands.items():
            wall, cpu = timed(argv)
            walls[label].append(wall)
            cpus[label].append(cpu)
    print(f"python {sys.version.split()[0]} on {cpu_model()}, {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f}"
          f" (at the start: {load_before:.1f})")
    floor_wall = statistics.median(walls["import sympy"])
    floor_cpu = statistics.median(cpus["import sympy"])
    print(f"| command | median wall | ratio to import sympy | median CPU | CPU ratio |")
    print(f"| --- | --- | --- | --- | --- |")
    for label in commands:
        wall, cpu = statistics.median(walls[label]), statistics.median(cpus[label])
        print(f"| `{label}` | {wall * 1000:.0f} ms | {wall / floor_wall:.2f}x | {cpu * 1000:.0f} ms | {cpu / floor_cpu:.2f}x |")
    print(f"({args.runs} alternating runs each)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
