"""Warm code-grading latency of this tree against another checkout, measured in alternation.

    .venv/bin/python bench/code_grading_compare.py OTHER_TREE [--rounds 6] [--runs 5] [--write FILE.md]

OTHER_TREE is a checkout of an earlier commit (e.g. `git worktree add /tmp/old 0be20ff`). Each round
starts one fresh process per tree (this tree first in even rounds, the other first in odd ones),
which warms its worker with one grading of each submission and then times `--runs` gradings of
each, end to end, through `tutor.grading.grade` (each tree with its own bank and sandbox). So both
trees see the same machine load, and the figures are a ratio measured side by side.

The submissions are those of bench/code_grading.py: three model answers and a mutant (whose
diagnosis needs the mutants' outputs).

The other tree's worker must import that tree's `tutor` (not an editable install of another): a
commit older than the one giving the worker its client's package needs that one-line change in
its `tutor/sandbox/client.py` (see docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from machine import cpu_model, emit  # bench/machine.py

ROOT = Path(__file__).resolve().parents[1]
TIMED = r"""
import json, sys, time, yaml
from tutor.bank.model import BankFile
from tutor.bank.variant import make_variant
from tutor.grading import grade

runs = int(sys.argv[1])
bank = BankFile.model_validate(yaml.safe_load(open("question_bank/code.yaml", encoding="utf-8")))
qs = {q.id: q for q in bank.questions}
subs = {
    "correct (gqa-forward)": (qs["code.gqa-forward"], qs["code.gqa-forward"].answer),
    "correct (mqa-forward)": (qs["code.mqa-forward"], qs["code.mqa-forward"].answer),
    "correct (gqa-decode)": (qs["code.gqa-decode"], qs["code.gqa-decode"].answer),
    "mutant + diagnosis (gqa-forward tiled)": (qs["code.gqa-forward"], qs["code.gqa-forward"].mutants[-1].code),
}
for q, src in subs.values():
    grade(make_variant(q, 0), src)
times = {name: [] for name in subs}
for _ in range(runs):
    for name, (q, src) in subs.items():
        t = time.perf_counter()
        grade(make_variant(q, 0), src)
        times[name].append(time.perf_counter() - t)
print(json.dumps(times))
"""


def _run(tree: Path, runs: int) -> dict[str, list[float]]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run([sys.executable, "-c", TIMED, str(runs)], cwd=tree, env=env, capture_output=True,
                          text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("other", type=Path, help="a checkout of the commit to compare with")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    trees = {"this tree": ROOT, f"other ({args.other})": args.other.resolve()}
    times: dict[str, dict[str, list[float]]] = {name: {} for name in trees}
    loads = []
    for r in range(args.rounds):
        order = list(trees) if r % 2 == 0 else list(reversed(list(trees)))
        for name in order:
            loads.append(os.getloadavg()[0])
            for sub, ts in _run(trees[name], args.runs).items():
                times[name].setdefault(sub, []).extend(ts)
    commits = {name: subprocess.run(["git", "-C", str(tree), "log", "-1", "--format=%h %s"], capture_output=True,
                                    text=True).stdout.strip()[:90] for name, tree in trees.items()}
    lines = [
        "# Code grading latency, side by side",
        "",
        f"- Date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {os.cpu_count()} CPUs (nproc), {cpu_model()}; no GPU",
        f"- Command: `.venv/bin/python bench/code_grading_compare.py {args.other} --rounds {args.rounds} "
        f"--runs {args.runs}`",
        *(f"- {name}: `{commit}`" for name, commit in commits.items()),
        f"- Load average (1 min) at each process start: min {min(loads):.1f}, median {statistics.median(loads):.1f}, "
        f"max {max(loads):.1f} on {os.cpu_count()} CPUs (shared with other jobs: wall-clock includes waiting).",
        "",
        "| submission | " + " | ".join(f"{n} p50" for n in trees) + " | ratio (this / other) |",
        "| --- | " + " | ".join("---:" for _ in trees) + " | ---: |",
    ]
    names = list(trees)
    for sub in times[names[0]]:
        a, b = statistics.median(times[names[0]][sub]), statistics.median(times[names[1]][sub])
        lines.append(f"| {sub} | {a:.3f} s | {b:.3f} s | {a / b:.2f} |")
    all_a = [t for ts in times[names[0]].values() for t in ts]
    all_b = [t for ts in times[names[1]].values() for t in ts]
    a, b = statistics.median(all_a), statistics.median(all_b)
    lines.append(f"| **all ({len(all_a)} gradings each)** | **{a:.3f} s** | **{b:.3f} s** | **{a / b:.2f}** |")
    lines.append("")
    report = "\n".join(lines)
    emit(report, args.write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
