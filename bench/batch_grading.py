"""Batch-grading throughput: a class's exam submissions through `tutor grade`, with and without the cache.

Two classes, built in a temporary folder from `tutor exam make`'s own functions:

- `--class mixed` (default): an exam of one built-in question per kind (shape, einsum, numeric, symbolic,
  complexity, choice, text, code), a roster of STUDENTS, answers drawn per student from each question's
  model answer, accept/reject examples, feedback (misconception) answers and, for code, its mutants;
- `--class code`: STUDENTS (40 is the issue's class) x the three code questions (mqa-forward,
  gqa-forward, gqa-decode), the model answer, and a known-wrong mutant for every 4th student.

Then it times the real command, `python -m tutor grade DIR --workers N --csv OUT --json --out OUT`, from
process start to exit (spawning workers, loading the bank, starting the code sandbox), for each N, side by
side in one run, in this order: `--no-cache` (every reference and mutant output recomputed per answer, and
every code answer run in a sandbox made for it alone: the path before the cache and the warm sandbox), the
cache cold (a new, empty cache folder), the cache warm (the same folder again: a re-grade), both with each
code answer forked from the warm sandbox (tutor/sandbox/zygote.py), and the cache warm with
`--fresh-sandbox` (what the cache alone gives). The gradebooks must agree: the CSVs byte for byte, the JSON too (apart from the "Time on the
largest case" feedback lines a baseline older than untimed batch grading writes).

Batch grading runs code answers untimed (no warm-up calls, repetitions or reference timing: a time is
never graded), so this checkout's three gradebooks are identical byte for byte. `--baseline DIR` times
another checkout's `--no-cache` run first, in the same run (the "before" figure of a change).

    python bench/batch_grading.py [--class mixed|code] [--students 200] [--workers 1 2] [--baseline DIR] [--out FILE.md]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
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
CODE_CLASS = ("code.mqa-forward", "code.gqa-forward", "code.gqa-decode")
MODES = ("no-cache", "cold cache", "warm cache", "warm cache, fresh sandbox")
VALUES_SEED = 2026  # every run grades code on the same case values, so the gradebooks can be compared


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


def build_code_class(folder: Path, students: int, seed: int) -> tuple[Path, list[str]]:
    """STUDENTS x the three code questions: model answers, a mutant for every 4th student."""
    bank = load_bank()
    questions = [bank.get(qid) for qid in CODE_CLASS]
    roster = [(f"s{i:03d}", "") for i in range(students)]
    out = folder / "exam"
    for k, paper in enumerate(make_papers(bank, list(CODE_CLASS), roster, seed, [])):
        for i, q in enumerate(questions):
            paper = paper.with_answer(i, q.mutants[(k // 4) % len(q.mutants)].code if k % 4 == 3 else q.answer)
        write_atomic(submission_file(paper_file(out, paper.student)), paper.to_yaml())
    return out, list(CODE_CLASS)


def time_grade(exam: Path, workers: int, out: Path, mode: str, cache_dir: Path, repo: Path = REPO) -> float:
    cmd = [sys.executable, "-m", "tutor", "grade", str(exam), "--workers", str(workers), "--csv", str(out.with_suffix(".csv")),
           "--json", "--out", str(out.with_suffix(".json")), "--progress", "none", "--values-seed", str(VALUES_SEED)]
    if mode == "no-cache":
        cmd.append("--no-cache")
    if mode.endswith("fresh sandbox"):
        cmd.append("--fresh-sandbox")
    env = {**os.environ, "TUTOR_CACHE_DIR": str(cache_dir), "PYTHONPATH": str(repo)}
    start = time.perf_counter()
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=repo, env=env)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"tutor grade failed ({result.returncode}):\n{result.stderr}")
    return elapsed


def comparable_json(path: Path) -> str:
    """The gradebook JSON without time measurements in the code feedback (only a --baseline checkout
    older than batch grading's untimed code runs writes any)."""
    data = json.loads(path.read_text())
    for student in data["students"]:
        for q in student["questions"]:
            q["feedback"] = [line for line in q["feedback"] if not line.startswith("Time on the largest case")]
    return json.dumps(data, indent=1, sort_keys=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--class", dest="klass", choices=("mixed", "code"), default="mixed")
    parser.add_argument("--students", type=int, default=None, help="default: 200 (mixed), 40 (code)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--kinds", nargs="+", default=list(KINDS), choices=KINDS, help="one question of each of these kinds")
    parser.add_argument("--out", type=Path, help="write the Markdown report here")
    parser.add_argument("--baseline", type=Path, help="another checkout of the project (e.g. a `git worktree` of an "
                        "older commit): its `--no-cache` run is timed first, in the same run, as the 'before' figure")
    args = parser.parse_args()

    if args.students is None:
        args.students = 40 if args.klass == "code" else 200
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        if args.klass == "code":
            exam, qids = build_code_class(Path(tmp), args.students, args.seed)
        else:
            exam, qids = build_class(Path(tmp), args.students, args.seed, tuple(args.kinds))
        answers = args.students * len(qids)
        rows = []
        csvs, jsons, exact, baseline_jsons, floors = [], [], [], [], []
        for workers in args.workers:
            cache_dir = Path(tmp) / f"cache-{workers}"
            base = None
            if args.baseline:
                out = Path(tmp) / f"gradebook-{workers}-baseline"
                elapsed = time_grade(exam, workers, out, "no-cache", Path(tmp) / f"cache-b{workers}", args.baseline)
                csvs.append(out.with_suffix(".csv").read_text())
                baseline_jsons.append(comparable_json(out.with_suffix(".json")))
                base = elapsed
                rows.append((workers, "baseline no-cache", elapsed, args.students / elapsed, answers / elapsed, 1.0))
                print(f"workers={workers} baseline no-cache: {elapsed:.1f} s", flush=True)
            for mode in MODES:
                out = Path(tmp) / f"gradebook-{workers}-{mode.replace(' ', '-')}"
                elapsed = time_grade(exam, workers, out, mode, cache_dir)
                csvs.append(out.with_suffix(".csv").read_text())
                jsons.append(comparable_json(out.with_suffix(".json")))
                exact.append(out.with_suffix(".json").read_text())
                base = base or elapsed
                rows.append((workers, mode, elapsed, args.students / elapsed, answers / elapsed, base / elapsed))
                print(f"workers={workers} {mode}: {elapsed:.1f} s, {answers / elapsed:.1f} answers/s, "
                      f"{base / elapsed:.2f}x the no-cache run", flush=True)
            # The floor: the same command on one submission per worker (start-up, spawning the workers,
            # loading the bank, torch and the sandbox, one paper each), which every mode pays; no change
            # to grading can make a mode faster than no-cache / floor.
            floor_dir = Path(tmp) / f"floor-{workers}"
            floor_dir.mkdir()
            for paper in sorted(exam.glob("*.submission.yaml"))[:workers]:
                (floor_dir / paper.name).write_text(paper.read_text())
            elapsed = time_grade(floor_dir, workers, Path(tmp) / f"gradebook-{workers}-floor", "warm cache", cache_dir)
            no_cache = next(r[2] for r in rows if r[0] == workers and r[1] == "no-cache")
            floors.append((workers, elapsed, no_cache / elapsed))
            print(f"workers={workers} floor ({workers} submission(s)): {elapsed:.1f} s; no-cache / floor "
                  f"{no_cache / elapsed:.2f}x", flush=True)
        same = all(g == csvs[0] for g in csvs) and all(j == jsons[0] for j in jsons + baseline_jsons)
        identical = all(j == exact[0] for j in exact)
        table = list(csv.reader(csvs[0].splitlines()))
        scores = [int(v) for row in table[1:] for v in row[1 : 1 + len(qids)] if v]  # (unmarked written: empty)
        spread = {s: scores.count(s) for s in range(1, 6)}

    cpu = _cpu()
    lines = [
        "# Progress and instructor tools: batch-grading throughput",
        "",
        f"- date: {dt.datetime.now(dt.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- machine: {cpu}; Python {platform.python_version()}; no GPU (code answers run on the CPU)",
        f"- command: `python bench/batch_grading.py --class {args.klass} --students {args.students} "
        f"--workers {' '.join(map(str, args.workers))}"
        + ("" if tuple(args.kinds) == KINDS or args.klass == "code" else f" --kinds {' '.join(args.kinds)}") + "`",
        f"- load average before the run (1/5/15 min): {load_before[0]:.1f} / {load_before[1]:.1f} / {load_before[2]:.1f}"
        " (a shared machine: other jobs were running)",
        f"- workload: {args.students} submissions x {len(qids)} questions = {answers} answers"
        + (", the questions " if args.klass == "code" else ", one question per kind: ")
        + ", ".join(f"`{q}`" for q in qids),
        ("- answers: the model answer, and a known-wrong mutant for every 4th student" if args.klass == "code" else
         "- answers drawn per student from each question's model answer, accept/reject examples, misconception "
         "answers and (code) known-wrong mutants")
        + "; score spread over all answers: " + ", ".join(f"{s}: {n}" for s, n in spread.items()),
        "- timed: the whole `python -m tutor grade DIR --workers N --csv OUT --json --out OUT` process, start to "
        "exit (spawning workers, loading the bank, starting the code sandbox; strong sandbox required), in the "
        "order no-cache (no cache, every code answer in a sandbox made for it alone: the path before issue 16), "
        "cold cache (empty folder), warm cache (the same folder: a re-grade), both forking each code answer from "
        "the warm sandbox, then the warm cache with `--fresh-sandbox` (the cache's share alone)",
        f"- the gradebooks of every run agree (CSV byte for byte; JSON apart from \"Time on the largest case\" "
        f"lines, which only a baseline writes): {'yes' if same else 'NO'}; the JSON of this checkout's runs "
        f"(every mode) byte for byte: {'yes' if identical else 'NO'}"
        + (f"\n- baseline: `{args.baseline}` (`git -C {args.baseline} rev-parse --short HEAD`: {_rev(args.baseline)}), "
           "its `--no-cache` run timed first; the ratios are against it" if args.baseline else ""),
        "",
        "| workers | mode | wall time (s) | submissions / s | answers / s | vs " + ("baseline" if args.baseline else "no-cache") + " |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    lines += [f"| {w} | {m} | {t:.1f} | {s:.2f} | {a:.1f} | {x:.2f}x |" for w, m, t, s, a, x in rows]
    lines += ["", "The floor: the same command on one submission per worker (start-up, spawning the workers, loading "
              "the bank, torch and the sandbox, one paper each). Every mode pays it, so no change to grading can make "
              "a mode faster than no-cache / floor.", "",
              "| workers | floor (s) | no-cache / floor: the most any mode can gain |", "| --- | --- | --- |"]
    lines += [f"| {w} | {t:.1f} | {x:.2f}x |" for w, t, x in floors]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")


def _rev(repo: Path) -> str:
    result = subprocess.run(["git", "-C", str(repo), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return result.stdout.strip() or "unknown"


def _cpu() -> str:
    import os

    model = cpu_model() or platform.processor() or "unknown CPU"
    return f"{model}, {len(os.sched_getaffinity(0))} cores (nproc)"


if __name__ == "__main__":
    main()
