"""The code-heavy class (40 x 3 code questions, a mutant every 4th student) graded by another checkout
(e.g. a `git worktree` of the round's start, 0be20ff, whose only path recomputes every reference and mutant
output per answer) and by this checkout (--no-cache, cache cold, cache warm), 2 workers, in alternation.

    git worktree add --detach /tmp/old0 0be20ff
    python bench/batch_vs_round_start.py [ROUNDS] [--old /tmp/old0]

Each checkout builds the class with its own exam functions (the paper format changed in between);
the answers are the same: the model answer, and the question's mutants for every 4th student.
"""
import os, subprocess, sys, tempfile, time, statistics
from pathlib import Path

NEW = Path(__file__).resolve().parents[1]
OLD = Path(sys.argv[sys.argv.index("--old") + 1]) if "--old" in sys.argv else Path("/tmp/old0")
CODE = ("code.mqa-forward", "code.gqa-forward", "code.gqa-decode")
BUILD = r'''
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
try:
    from tutor.exam.paper import make_papers, paper_file, submission_file, write_atomic
except ImportError:
    from tutor.session.exam import make_papers, paper_file, submission_file, write_atomic
from tutor.bank import load_bank
bank = load_bank()
ids = ["code.mqa-forward", "code.gqa-forward", "code.gqa-decode"]
qs = [bank.get(i) for i in ids]
roster = [(f"s{i:03d}", "") for i in range(40)]
for k, paper in enumerate(make_papers(bank, ids, roster, 2026, [])):
    for i, q in enumerate(qs):
        paper = paper.with_answer(i, q.mutants[(k // 4) % len(q.mutants)].code if k % 4 == 3 else q.answer)
    write_atomic(submission_file(paper_file(Path(sys.argv[2]), paper.student)), paper.to_yaml())
'''

def run(repo, exam, out, extra, cache):
    env = {**os.environ, "PYTHONPATH": str(repo), "TUTOR_CACHE_DIR": str(cache)}
    cmd = [sys.executable, "-m", "tutor", "grade", str(exam), "--workers", "2", "--csv", str(out) + ".csv"] + extra
    t = time.perf_counter()
    r = subprocess.run(cmd, cwd=repo, env=env, capture_output=True, text=True)
    dt = time.perf_counter() - t
    if r.returncode:
        sys.exit(f"{repo}: {r.stderr[-2000:]}")
    return dt

with tempfile.TemporaryDirectory() as tmp:
    tmp = Path(tmp)
    for name, repo in (("old", OLD), ("new", NEW)):
        subprocess.run([sys.executable, "-c", BUILD, str(repo), str(tmp / f"exam-{name}")], cwd=repo, check=True,
                       env={**os.environ, "PYTHONPATH": str(repo)})
    print("load", os.getloadavg())
    times = {"0be20ff (round start)": [], "this checkout --no-cache": [], "this checkout, cache cold": [],
             "this checkout, cache warm": []}
    for r in range(int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 2):
        times["0be20ff (round start)"].append(run(OLD, tmp / "exam-old", tmp / f"old{r}", [], tmp / "c-old"))
        times["this checkout --no-cache"].append(run(NEW, tmp / "exam-new", tmp / f"nc{r}", ["--no-cache", "--progress", "none"], tmp / f"c-nc{r}"))
        times["this checkout, cache cold"].append(run(NEW, tmp / "exam-new", tmp / f"cold{r}", ["--progress", "none"], tmp / f"c{r}"))
        times["this checkout, cache warm"].append(run(NEW, tmp / "exam-new", tmp / f"warm{r}", ["--progress", "none"], tmp / f"c{r}"))
        print(r, {k: round(v[-1], 1) for k, v in times.items()}, flush=True)
    base = statistics.median(times["0be20ff (round start)"])
    print("load", os.getloadavg())
    for k, v in times.items():
        m = statistics.median(v)
        print(f"| {k} | {m:.1f} s | {base / m:.2f}x |")
