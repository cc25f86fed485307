"""Measure code-grading latency: warm (worker already running) and cold (a fresh process).

    .venv/bin/python bench/code_grading.py [--warm-runs 30] [--cold-runs 3] [--write FILE.md]

Warm: one process, the worker started and used once; then each `grade(...)` of a submission
(correct answers and mutants, whose diagnosis needs the mutants' outputs, cached after the first
time) is timed end to end. Cold: `python -c` that imports the grader and grades one answer, timed
from process start to exit (Python start-up, torch imported in the parent and in the worker, the
reference, one sandboxed run).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from machine import cpu_model, emit  # bench/machine.py: these scripts run as `python bench/NAME.py`

ROOT = Path(__file__).resolve().parents[1]
BANK = ROOT / "question_bank" / "code.yaml"
COLD = """
import time, yaml
t0 = time.perf_counter()
from tutor.bank.model import BankFile
from tutor.bank.variant import make_variant
from tutor.grading import grade

bank = BankFile.model_validate(yaml.safe_load(open({bank!r})))
q = {{x.id: x for x in bank.questions}}["code.gqa-forward"]
g = grade(make_variant(q, 0), q.answer)
assert g.status.value == "correct", g.feedback
print(time.perf_counter() - t0)
"""


def _questions():
    import yaml

    from tutor.bank.model import BankFile

    bank = BankFile.model_validate(yaml.safe_load(BANK.read_text(encoding="utf-8")))
    return {q.id: q for q in bank.questions}


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def warm(runs: int) -> dict[str, list[float]]:
    from tutor.bank.variant import make_variant
    from tutor.grading import grade

    qs = _questions()
    submissions = {
        "correct (gqa-forward)": (qs["code.gqa-forward"], qs["code.gqa-forward"].answer),
        "correct (mqa-forward)": (qs["code.mqa-forward"], qs["code.mqa-forward"].answer),
        "correct (gqa-decode)": (qs["code.gqa-decode"], qs["code.gqa-decode"].answer),
        "mutant + diagnosis (gqa-forward tiled)": (qs["code.gqa-forward"], qs["code.gqa-forward"].mutants[-1].code),
    }
    for q, source in submissions.values():
        grade(make_variant(q, 0), source)  # warm-up: worker started, references and mutants cached
    times: dict[str, list[float]] = {name: [] for name in submissions}
    for _ in range(runs):
        for name, (q, source) in submissions.items():
            start = time.perf_counter()
            grade(make_variant(q, 0), source)
            times[name].append(time.perf_counter() - start)
    return times


def _timed(argv: list[str]) -> tuple[float, float]:
    """Wall-clock seconds and CPU seconds (the whole process tree, worker and children included)."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, check=True, cwd=ROOT, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def cold(runs: int) -> tuple[list[float], list[float], list[float]]:
    """Per run: the cold grade's wall and CPU time, and a bare `import torch` beside it (the floor)."""
    walls, cpus, floors = [], [], []
    for _ in range(runs):
        wall, cpu = _timed([sys.executable, "-c", COLD.format(bank=str(BANK))])
        walls.append(wall)
        cpus.append(cpu)
        floors.append(_timed([sys.executable, "-c", "import torch"])[0])
    return walls, cpus, floors


def machine() -> str:
    model = cpu_model()
    return f"{os.cpu_count()} CPUs (nproc), {model or platform.processor()}, {platform.system()} {platform.release()}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warm-runs", type=int, default=30)
    parser.add_argument("--cold-runs", type=int, default=3)
    parser.add_argument("--write", type=Path, help="write the Markdown report here")
    args = parser.parse_args()
    import torch

    from tutor.sandbox.layers import detect

    load_before = os.getloadavg()[0]
    cold_times, cold_cpu, torch_floor = cold(args.cold_runs)
    warm_times = warm(args.warm_runs)
    all_warm = [t for ts in warm_times.values() for t in ts]
    lines = [
        "# Code grading latency",
        "",
        f"- Date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {machine()}; no GPU (CUDA not available: grading ran on the CPU)",
        f"- torch {torch.__version__}, Python {platform.python_version()}; sandbox layers: {detect().summary()}",
        f"- Command: `.venv/bin/python bench/code_grading.py --warm-runs {args.warm_runs} --cold-runs {args.cold_runs}"
        + (f" --write {args.write}`" if args.write else "`"),
        f"- Load average (1 min) when it started: {load_before:.1f} on {os.cpu_count()} CPUs: the machine was shared "
        "with other jobs, so wall-clock figures include waiting for a CPU.",
        "",
        "| measurement | runs | p50 | p90 | max | target |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, ts in warm_times.items():
        lines.append(f"| warm: {name} | {len(ts)} | {statistics.median(ts):.3f} s | {_pct(ts, 90):.3f} s | "
                     f"{max(ts):.3f} s | |")
    lines.append(f"| **warm: all submissions** | {len(all_warm)} | **{statistics.median(all_warm):.3f} s** | "
                 f"{_pct(all_warm, 90):.3f} s | {max(all_warm):.3f} s | p50 <= 1.0 s |")
    lines.append(f"| **cold: fresh process, first grade** | {len(cold_times)} | **{statistics.median(cold_times):.2f} s** | "
                 f"{_pct(cold_times, 90):.2f} s | {max(cold_times):.2f} s | <= 5 s |")
    lines.append(f"| cold: CPU time of the whole process tree | {len(cold_cpu)} | {statistics.median(cold_cpu):.2f} s | "
                 f"{_pct(cold_cpu, 90):.2f} s | {max(cold_cpu):.2f} s | |")
    lines.append(f"| floor: a bare `python -c 'import torch'`, same moments | {len(torch_floor)} | "
                 f"{statistics.median(torch_floor):.2f} s | {_pct(torch_floor, 90):.2f} s | {max(torch_floor):.2f} s | |")
    lines.append("")
    report = "\n".join(lines)
    emit(report, args.write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
