"""`tutor quiz --plain` as a user runs it: piped stdin/stdout, a real subprocess, a real history file."""

from __future__ import annotations

import os
import selectors
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

BANK = """\
questions:
  - id: t-quiz-mqa-heads
    kind: numeric
    topic: mqa
    difficulty: 2
    prompt: How many K/V heads does multi-query attention have?
    answer: 1
    hints: ["Multi-QUERY, one key.", "Exactly one."]
    explanation: All query heads share one K/V head.
  - id: t-quiz-gqa-groups
    kind: numeric
    topic: gqa
    difficulty: 3
    prompt: With 32 query heads and 8 K/V heads, how many query heads share one K/V head?
    answer: 4
  - id: t-quiz-kv-bytes
    kind: numeric
    topic: kv-cache
    prompt: Bytes per token per layer of a bf16 KV cache with 8 K/V heads of size 128?
    answer: 4096
"""
QUESTIONS = ["--question", "t-quiz-mqa-heads", "--question", "t-quiz-gqa-groups", "--question", "t-quiz-kv-bytes"]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    bank = tmp_path / "bank.yaml"
    bank.write_text(BANK, encoding="utf-8")
    out = {k: v for k, v in os.environ.items() if k not in ("TUTOR_BANK", "TUTOR_DATA_DIR")}
    out.update(TUTOR_BANK=str(bank), TUTOR_DATA_DIR=str(tmp_path / "data"), PYTHONIOENCODING="utf-8")
    return out


def tutor(args: list[str], env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tutor", *args], input=stdin, capture_output=True, text=True,
                          env=env, cwd=REPO, timeout=120)


def stored_answers(env: dict[str, str]) -> list[tuple[str, str, int]]:
    conn = sqlite3.connect(Path(env["TUTOR_DATA_DIR"]) / "history.sqlite3")
    try:
        return conn.execute("SELECT question_id, answer, score FROM attempts ORDER BY id").fetchall()
    finally:
        conn.close()


def test_a_whole_piped_session(env):
    result = tutor(["quiz", "--plain", *QUESTIONS, "--seed", "3"], env, "seven\n:hint\n1\n8\n:skip\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "[1/3] MQA · number · difficulty 2 · t-quiz-mqa-heads" in out  # one vocabulary (issue 14)
    assert "could not read that answer" in out and "Try again (nothing was recorded)." in out
    assert "Hint 1: Multi-QUERY, one key." in out and "costs 1 point (max score 4)" in out
    assert "score 4 / 5 (max 4 after hints)" in out
    assert "All query heads share one K/V head." in out
    assert "✗ incorrect · score 1 / 5" in out and "expected: 4" in out
    assert "Skipped." in out
    # a skip teaches (issue 14): the answer after the skip
    assert out.split("Skipped.")[1].splitlines()[1].strip() == "expected: 4,096"  # the canonical form a wrong answer shows
    assert "Mean: 2.0 / 5 (beginning" in out
    assert stored_answers(env) == [("t-quiz-mqa-heads", "1", 4), ("t-quiz-gqa-groups", "8", 1), ("t-quiz-kv-bytes", "", 1)]


def test_end_of_input_ends_with_the_summary(env):
    result = tutor(["quiz", "--plain", *QUESTIONS], env, "1\n")
    assert result.returncode == 0, result.stderr
    assert "Mean: 5.0 / 5 (mastery" in result.stdout
    assert "is unfinished; resume with: tutor quiz --plain --resume" in result.stdout


def test_quit_then_resume_with_nothing_lost(env):
    first = tutor(["quiz", "--plain", *QUESTIONS], env, "1\n:quit\n")
    assert "Mean: 5.0 / 5" in first.stdout
    second = tutor(["quiz", "--plain", "--resume"], env, "4\n4096\n")
    assert second.returncode == 0, second.stderr
    assert "Resuming session" in second.stdout and "at question 2 of 3" in second.stdout
    assert "t-quiz-mqa-heads" not in second.stdout.split("Summary")[0], "answered questions are not asked again"
    assert "Mean: 5.0 / 5" in second.stdout
    third = tutor(["quiz", "--plain", "--resume"], env, "")
    assert third.returncode == 2 and "no unfinished session" in third.stderr


class Reader:
    """Read a child's stdout line by line, giving up (and failing) after a generous deadline."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self.proc, self.buffer, self.seen = proc, b"", ""
        self.selector = selectors.DefaultSelector()
        self.selector.register(proc.stdout, selectors.EVENT_READ)

    def until(self, text: str, deadline_s: float = 60.0) -> None:
        end = time.monotonic() + deadline_s
        while text not in self.seen:
            left = end - time.monotonic()
            assert left > 0, f"never saw {text!r}; got:\n{self.seen}"
            if self.selector.select(left):
                chunk = os.read(self.proc.stdout.fileno(), 65536)
                assert chunk, f"the quiz ended before {text!r}; got:\n{self.seen}"
                self.seen += chunk.decode("utf-8", "replace")


def test_kill_9_after_two_answers_then_resume(env):
    proc = subprocess.Popen([sys.executable, "-m", "tutor", "quiz", "--plain", *QUESTIONS, "--seed", "5"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, cwd=REPO)
    reader = Reader(proc)
    try:
        reader.until("[1/3]")
        proc.stdin.write(b"1\n")
        proc.stdin.flush()
        reader.until("[2/3]")
        proc.stdin.write(b"8\n")
        proc.stdin.flush()
        reader.until("[3/3]")  # feedback for the second answer has been shown
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert stored_answers(env) == [("t-quiz-mqa-heads", "1", 5), ("t-quiz-gqa-groups", "8", 1)]
    resumed = tutor(["quiz", "--plain", "--resume"], env, "4096\n")
    assert resumed.returncode == 0, resumed.stderr
    assert "at question 3 of 3" in resumed.stdout
    summary = resumed.stdout.split("Summary")[1]
    assert "t-quiz-mqa-heads" in summary and "t-quiz-gqa-groups" in summary and "t-quiz-kv-bytes" in summary
    assert "Mean: 3.7 / 5" in summary
    assert len(stored_answers(env)) == 3


def test_a_bad_bank_prints_its_problems(env, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("questions:\n  - id: Bad Id\n    kind: numeric\n", encoding="utf-8")
    result = tutor(["quiz", "--plain", "--bank", str(bad)], env, "")
    assert result.returncode == 1
    assert "bad.yaml:" in result.stderr and "Traceback" not in result.stderr


def test_flag_mistakes_are_one_line(env):
    result = tutor(["quiz", "--plain", "--difficulty", "4-2"], env, "")
    assert result.returncode == 2 and "--difficulty '4-2'" in result.stderr
    result = tutor(["quiz", "--plain", "--question", "t-quiz-nope"], env, "")
    assert result.returncode == 2 and "t-quiz-nope" in result.stderr and "Traceback" not in result.stderr


def test_review_works_when_nothing_is_due(env):
    result = tutor(["quiz", "--plain", "--review", "-n", "2", "--topic", "gqa", "--kind", "numeric"], env, "")
    assert result.returncode == 0, result.stderr
    assert "Review: 0 question(s) due now, then your weakest topics." in result.stdout
    assert "[1/2]" in result.stdout


def test_a_code_answer_ends_at_a_dot_line(env):
    from tutor.bank import load_bank

    bank = load_bank()
    assert "code.repeat-kv" in bank  # the question this test answers (renamed: update the test, never skip it)
    wrong = "import torch\n\ndef repeat_kv(kv, num_heads):\n    return kv.repeat(1, num_heads // kv.shape[1], 1, 1)\n.\n"
    result = tutor(["quiz", "--plain", "--question", "code.repeat-kv"], env, wrong)
    assert result.returncode == 0, result.stderr
    assert "a line with only `.` to submit" in result.stdout
    assert "score 5 / 5" not in result.stdout and "Mean:" in result.stdout
    ((qid, answer, score),) = stored_answers(env)
    assert qid == "code.repeat-kv" and answer == wrong[: -len("\n.\n")] and score < 5
