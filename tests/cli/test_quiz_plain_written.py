"""The plain quiz over stdin with a written answer, a statements and a multi question: the checklist
with suggestions and a contradiction warning, the learner's confirmation gives the (self-assessed) score.
A written answer is stored when it is submitted: the end of input or a kill at its checklist loses
nothing, and resuming opens the checklist again for that very answer."""

from __future__ import annotations

import os
import selectors
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TABLE_ANSWER = ("In MQA a single query is shared by all heads, while each head keeps its own separate keys and values. "
                "This was proposed to reduce memory.")
MULTI = "The key head, The value head"  # reason-mqa-shared, answered right
TWO = ["--question", "reason-mqa-shared", "--question", "quiz1-mha-vs-mqa"]


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TUTOR_BANK", "TUTOR_DATA_DIR")}
    env.update(TUTOR_DATA_DIR=str(tmp_path / "data"), PYTHONIOENCODING="utf-8")
    return env


def _tutor(tmp_path: Path, args: list[str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tutor", *args], input=stdin, capture_output=True, text=True,
                          env=_env(tmp_path), cwd=REPO, timeout=120)


def _run(tmp_path: Path, args: list[str], stdin: str) -> subprocess.CompletedProcess[str]:
    return _tutor(tmp_path, ["quiz", "--plain", *args], stdin)


def _stored(tmp_path: Path, columns: str = "question_id, status, score, assessed") -> list[tuple[object, ...]]:
    conn = sqlite3.connect(tmp_path / "data" / "history.sqlite3")
    try:
        return conn.execute(f"SELECT {columns} FROM attempts ORDER BY id").fetchall()
    finally:
        conn.close()


def test_a_written_answer_is_scored_by_the_points_the_learner_confirms(tmp_path: Path) -> None:
    # quiz1-mha-vs-mqa has 4 equal points; the learner confirms two of them (after a typo): 1 + 4 * 2/4 = 3.
    done = _run(tmp_path, ["--question", "quiz1-mha-vs-mqa"], f"{TABLE_ANSWER}\n1 9\n1 3\n")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Model answer:" in out and "Your answer:" in out
    assert '! your answer seems to say "In MQA a single query is shared by all heads", which is wrong because' in out
    assert "[~] 1." in out and "(seems present)" in out and "[ ] 3." in out
    assert "'9' is not a point number" in out
    assert "score 3 / 5 (self-assessed)" in out
    assert _stored(tmp_path) == [("quiz1-mha-vs-mqa", "partial", 3, "self")]


def test_the_end_of_input_at_the_checklist_records_no_machine_verdict(tmp_path: Path) -> None:
    done = _run(tmp_path, ["--question", "quiz1-mha-vs-mqa"], f"{TABLE_ANSWER}\n")
    assert done.returncode == 0, done.stderr
    assert "Not scored: the checklist was not confirmed." in done.stdout
    ((qid, status, _provisional, assessed),) = _stored(tmp_path)  # kept, awaiting: no verdict, no self-assessment
    assert (qid, status, assessed) == ("quiz1-mha-vs-mqa", "needs_review", "")


def _answers(tmp_path: Path) -> list[tuple[object, ...]]:
    return _stored(tmp_path, "answer, status, assessed")


def _resume_at_the_checklist(tmp_path: Path) -> None:
    """Resume the session left at a written answer's checklist: the checklist again for the typed answer."""
    done = _run(tmp_path, ["--resume"], "1 3\n")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Resuming session" in out and "at question 2 of 2" in out
    assert "Your answer to this question was saved; it is scored by its checklist." in out
    assert f"Your answer:\n    {TABLE_ANSWER}\n" in out and "[~] 1." in out
    assert "score 3 / 5 (self-assessed)" in out and "Mean: 4.0 / 5" in out  # (5 + 3) / 2
    assert _answers(tmp_path) == [(MULTI, "correct", ""), (TABLE_ANSWER, "partial", "self")]  # completed in place


def _output(tmp_path: Path, *args: str) -> str:
    done = _tutor(tmp_path, list(args))
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_end_of_input_at_the_checklist_then_resume_opens_it_again(tmp_path: Path) -> None:
    done = _run(tmp_path, TWO, f"{MULTI}\n{TABLE_ANSWER}\n")
    assert done.returncode == 0, done.stderr
    assert "Your answer is saved, awaiting your assessment" in done.stdout
    assert "is unfinished; resume with: tutor quiz --plain --resume" in done.stdout
    assert _answers(tmp_path) == [(MULTI, "correct", ""), (TABLE_ANSWER, "needs_review", "")]
    # until assessed it is no score: history says so, the mean leaves it out
    history = _output(tmp_path, "history")
    assert "awaiting your assessment" in history and "5/5" in history
    assert "1/2 answered, 1 awaiting your assessment  unfinished" in _output(tmp_path, "history", "--sessions")
    stats = _output(tmp_path, "stats")
    assert "1 questions answered" in stats and "mean 5.0 / 5" in stats and "1 written answer(s) await your assessment" in stats
    _resume_at_the_checklist(tmp_path)


def test_killed_at_the_checklist_then_resume_opens_it_again(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "tutor", "quiz", "--plain", *TWO], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=_env(tmp_path), cwd=REPO)
    seen, selector = "", selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    try:
        proc.stdin.write(f"{MULTI}\n{TABLE_ANSWER}\n".encode())
        proc.stdin.flush()  # the input stays open: the quiz waits at the checklist, as a learner would
        end = time.monotonic() + 60
        while "Type the numbers of the points you make" not in seen:
            assert time.monotonic() < end, f"never reached the checklist; got:\n{seen}"
            if selector.select(1.0):
                chunk = os.read(proc.stdout.fileno(), 65536)
                assert chunk, f"the quiz ended before the checklist; got:\n{seen}"
                seen += chunk.decode("utf-8", "replace")
        os.kill(proc.pid, signal.SIGKILL)  # the terminal closes
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert _answers(tmp_path) == [(MULTI, "correct", ""), (TABLE_ANSWER, "needs_review", "")]
    _resume_at_the_checklist(tmp_path)


def test_statements_and_multi_in_the_plain_quiz(tmp_path: Path) -> None:
    # The first statements answer is one mark short: sent back, nothing recorded. Then 3 of 5 right.
    stdin = "TFTF\nTTTTT\nThe key head, The value head\n"
    done = _run(tmp_path, ["--question", "reason-mqa-claims", "--question", "reason-mqa-shared"], stdin)
    assert done.returncode == 0, done.stderr
    assert "Mark each statement T (true) or F (false)" in done.stdout
    assert "you marked 4 of the 5 statements" in done.stdout
    assert "statement 2 is false: In MQA a single query is shared by all heads." in done.stdout
    assert "Select all that apply" in done.stdout
    assert _stored(tmp_path) == [("reason-mqa-claims", "partial", 3, ""), ("reason-mqa-shared", "correct", 5, "")]
