"""Batch-grading throughput: 200 exam submissions of mixed kinds (code included) through `tutor grade`.

Builds a class in a temporary folder: an exam of one built-in question per kind (shape, einsum,
numeric, symbolic, complexity, choice, text, code), a roster of STUDENTS, one paper each from
`tutor exam make`'s own functions, and answers drawn per student from each question's model answer,
accept/reject examples, feedback (misconception) answers and, for code, its known-wrong mutants.
Then it times the real command, `python -m tutor grade DIR --workers N --csv OUT`, from process
start to exit (cold: spawning workers, loading the bank, starting the code sandbox), for each N.

    .venv/bin/python bench/batch_grading.py [--students 200] [--workers 1 2] [--out FILE.md]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tutor.bank import load_bank  # noqa: E402
from tutor.bank.variant import is_parameterized  # noqa: E402
from tutor.grading import answer_text  # noqa: E402
from tutor.exam.paper import make_papers, paper_file, submission_file, write_atomic  # noqa: E402

from machine import cpu_model  # bench/machine.py: these scripts run as `python bench/NAME.py`

KINDS = ("shape", "einsum", "numeric", "symbolic", "complexity", "choice", "text", "code")


def candidates(question) -> list[str]:
    """Answers a class might give: the model answer, accept/reject fixtures, misconceptions, mutants."""
    out = [answer_text(question.answer)]
    out += [answer_text(a) for a in question.examples.accept + question.examples.reject]
    out += [answer_text(rule.answer) for rule in question.feedback]
    out += [m.code for m in getattr(question, "mutants", [])]
    return out


def pick_questions(bank, kinds: tuple[str, ...] = KINDS) -> list:
    """The first question of each kind without drawn params (so its answer key is a valid typed answer)."""
    chosen = []
    for kind in kinds:
        q = next((q for q in bank.questions if q.kind == kind and not is_parameterized(q)), None)
        if q is None:
            raise SystemExit(f"the built-in bank has no unparameterized {kind} question")
        chosen.append(q)
    return chosen


def build_class(folder: Path, students: int, seed: int, kinds: tuple[str, ...]) -> tuple[Path, list[str]]:
    bank = load_bank()
    questions = pick_questions(bank, kinds)
    roster = [(f"s{i:03d}", "") for i in range(students)]
    out = folder / "exam"
    rng = random.Random(seed)
    for paper in make_papers(bank, [q.id for q in questions], roster, seed, []):
        for i, q in enumerate(questions):
            paper = paper.with_answer(i, rng.choice(candidates(q)))
        write_atomic(submission_file(paper_file(out, paper.student)), paper.to_yaml())
    return out, [q.id for q in questions]


def time_grade(exam: Path, workers: int, csv_out: Path) -> float:
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "tutor", "grade", str(exam), "--workers", str(workers), "--csv", str(csv_out)],
        capture_output=True, text=True, cwd=REPO,
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"tutor grade failed ({result.returncode}):\n{result.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--kinds", nargs="+", default=list(KINDS), choices=KINDS, help="one question of each of these kinds")
    parser.add_argument("--out", type=Path, help="write the Markdown report here")
    args = parser.parse_args()

    import os

    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        exam, qids = build_class(Path(tmp), args.students, args.seed, tuple(args.kinds))
        answers = args.students * len(qids)
        rows = []
        gradebooks = []
        for workers in args.workers:
            csv_out = Path(tmp) / f"gradebook-{workers}.csv"
            elapsed = time_grade(exam, workers, csv_out)
            gradebooks.append(csv_out.read_text())
            rows.append((workers, elapsed, args.students / elapsed, answers / elapsed))
            print(f"workers={workers}: {elapsed:.1f} s, {args.students / elapsed:.1f} submissions/s, "
                  f"{answers / elapsed:.1f} answers/s", flush=True)
        same = all(g == gradebooks[0] for g in gradebooks)
        table = list(csv.reader(gradebooks[0].splitlines()))
        scores = [int(v) for row in table[1:] for v in row[1 : 1 + len(qids)]]
        spread = {s: scores.count(s) for s in range(1, 6)}

    cpu = _cpu()
    lines = [
        "# Progress and instructor tools: batch-grading throughput",
        "",
        f"- date: {dt.datetime.now(dt.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- machine: {cpu}; Python {platform.python_version()}; no GPU (code answers run on the CPU)",
        f"- command: `.venv/bin/python bench/batch_grading.py --students {args.students} --workers {' '.join(map(str, args.workers))}"
        + ("" if tuple(args.kinds) == KINDS else f" --kinds {' '.join(args.kinds)}") + "`",
        f"- load average before the run (1/5/15 min): {load_before[0]:.1f} / {load_before[1]:.1f} / {load_before[2]:.1f}"
        " (a shared machine: other jobs were running)",
        f"- workload: {args.students} submissions x {len(qids)} questions = {answers} answers, one question per kind: "
        + ", ".join(f"`{q}`" for q in qids),
        "- answers drawn per student from each question's model answer, accept/reject examples, misconception "
        "answers and (code) known-wrong mutants; score spread over all answers: "
        + ", ".join(f"{s}: {n}" for s, n in spread.items()),
        "- timed: the whole `python -m tutor grade DIR --workers N --csv OUT` process, start to exit "
        "(includes spawning workers, loading the bank, starting the code sandbox; strong sandbox required)",
        f"- the gradebooks of every run are identical: {'yes' if same else 'NO'}",
        "",
        "| workers | wall time (s) | submissions / s | answers / s |",
        "| --- | --- | --- | --- |",
    ]
    lines += [f"| {w} | {t:.1f} | {s:.2f} | {a:.1f} |" for w, t, s, a in rows]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")


def _cpu() -> str:
    import os

    model = cpu_model() or platform.processor() or "unknown CPU"
    return f"{model}, {len(os.sched_getaffinity(0))} cores (nproc)"


if __name__ == "__main__":
    main()
