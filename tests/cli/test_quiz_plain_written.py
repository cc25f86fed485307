"""The plain quiz over stdin with a written answer, a statements and a multi question: the checklist
with suggestions and a contradiction warning, the learner's confirmation gives the (self-assessed) score."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TABLE_ANSWER = ("In MQA a single query is shared by all heads, while each head keeps its own separate keys and values. "
                "This was proposed to reduce memory.")


def _run(tmp_path: Path, args: list[str], stdin: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TUTOR_BANK", "TUTOR_DATA_DIR")}
    env.update(TUTOR_DATA_DIR=str(tmp_path / "data"), PYTHONIOENCODING="utf-8")
    return subprocess.run([sys.executable, "-m", "tutor", "quiz", "--plain", *args], input=stdin, capture_output=True,
                          text=True, env=env, cwd=REPO, timeout=120)


def _stored(tmp_path: Path) -> list[tuple[str, str, int, str]]:
    conn = sqlite3.connect(tmp_path / "data" / "history.sqlite3")
    try:
        return conn.execute("SELECT question_id, status, score, assessed FROM attempts ORDER BY id").fetchall()
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
    assert _stored(tmp_path) == []


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
