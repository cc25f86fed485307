"""An exam with a written answer, a statements and a multi question, end to end through the CLI:
`tutor exam make`, `tutor quiz --exam` over stdin, `tutor grade` (needs_review, never a verdict; a
review sheet), the instructor's marks back with `--marks`, and marks kept when grading again."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
QUESTIONS = ["quiz1-mha-vs-mqa", "reason-mqa-claims", "reason-mqa-shared"]
WRONG = "In MQA a single query is shared by all heads, while each head keeps its own separate keys and values."


def tutor(args: list[str], cwd: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TUTOR_BANK", "TUTOR_DATA_DIR")}
    env.update(TUTOR_DATA_DIR=str(cwd / "data"), PYTHONIOENCODING="utf-8", PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, "-m", "tutor", *args], input=stdin, capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=300)


def _sheet(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_written_answers_go_to_the_instructor_and_their_marks_come_back(tmp_path: Path) -> None:
    (tmp_path / "roster.csv").write_text("student_id,name\nann,Ann\nbob,Bob\n", encoding="utf-8")
    made = tutor(["exam", "make", "--questions", *QUESTIONS, "--roster", "roster.csv", "--seed", "5", "--out", "exam"],
                 tmp_path)
    assert made.returncode == 0, made.stderr
    paper = (tmp_path / "exam" / "ann.exam.yaml").read_text(encoding="utf-8")
    assert "Answer with one T (true) or F (false) per statement" in paper and "Select all that apply" in paper
    for student, written in (("ann", WRONG), ("bob", "MQA shares one key and value head; the cache is H times smaller.")):
        done = tutor(["quiz", "--exam", f"exam/{student}.exam.yaml"], tmp_path, f"{written}\nTFFTF\nA\n")
        assert done.returncode == 0, done.stderr + done.stdout

    graded = tutor(["grade", "exam", "--csv", "book.csv", "--workers", "1"], tmp_path)
    assert graded.returncode == 0, graded.stderr
    sheet = tmp_path / "book.review.csv"
    assert "2 written answer(s) await an instructor's mark" in graded.stdout
    assert f"review sheet of written answers: {sheet.name}" in graded.stderr
    rows = _sheet(sheet)
    assert [(r["student_id"], r["question"], r["final_mark"]) for r in rows] == [
        ("ann", "quiz1-mha-vs-mqa", ""), ("bob", "quiz1-mha-vs-mqa", "")]
    assert rows[0]["answer"] == WRONG and rows[0]["provisional_score"].isdigit()
    assert 'your answer seems to say "In MQA a single query is shared by all heads"' in rows[0]["rubric_points"]
    book = list(csv.DictReader(io.StringIO((tmp_path / "book.csv").read_text(encoding="utf-8"))))
    assert [b["unmarked_written"] for b in book] == ["1", "1"]

    # The instructor marks Ann only; the gradebook uses the mark and still flags Bob.
    rows[0]["final_mark"] = "2"
    marked = tmp_path / "marked.csv"
    with marked.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    again = tutor(["grade", "exam", "--csv", "book.csv", "--workers", "1", "--marks", "marked.csv"], tmp_path)
    assert again.returncode == 0, again.stderr
    book = {b["student_id"]: b for b in csv.DictReader(io.StringIO((tmp_path / "book.csv").read_text(encoding="utf-8")))}
    assert book["ann"]["quiz1-mha-vs-mqa"] == "2" and book["ann"]["unmarked_written"] == "0"
    assert book["bob"]["unmarked_written"] == "1"
    assert "1 written answer(s) await an instructor's mark" in again.stdout

    # Grading again without --marks does not ask twice: the mark is kept in the review sheet.
    third = tutor(["grade", "exam", "--csv", "book.csv", "--workers", "1"], tmp_path)
    assert third.returncode == 0, third.stderr
    assert [r["final_mark"] for r in _sheet(sheet)] == ["2", ""]
    book = {b["student_id"]: b for b in csv.DictReader(io.StringIO((tmp_path / "book.csv").read_text(encoding="utf-8")))}
    assert book["ann"]["quiz1-mha-vs-mqa"] == "2"


def test_a_bad_mark_is_a_clear_message(tmp_path: Path) -> None:
    (tmp_path / "marks.csv").write_text(
        "student_id,question,seed,answer,rubric_points,provisional_score,final_mark\nann,q,1,x,,3,7\n", encoding="utf-8")
    (tmp_path / "roster.csv").write_text("student_id\nann\n", encoding="utf-8")
    tutor(["exam", "make", "--questions", "quiz1-mha-vs-mqa", "--roster", "roster.csv", "--seed", "1", "--out", "e"], tmp_path)
    tutor(["quiz", "--exam", "e/ann.exam.yaml"], tmp_path, "MQA shares one key head.\n")
    done = tutor(["grade", "e", "--workers", "1", "--marks", "marks.csv"], tmp_path)
    assert done.returncode != 0
    assert "marks.csv:2: final_mark '7' for ann / q is not a whole mark from 1 to 5" in done.stderr
    assert "Traceback" not in done.stderr


def test_tutor_check_never_gives_a_written_answer_a_verdict(tmp_path: Path) -> None:
    import json

    done = tutor(["check", "quiz1-mha-vs-mqa", WRONG, "--json"], tmp_path)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["status"] == "needs_review" and result["score"] == result["provisional_score"]
    human = tutor(["check", "quiz1-mha-vs-mqa", WRONG], tmp_path).stdout
    assert "needs_review   provisional score" in human and "not a verdict" in human
    claims = json.loads(tutor(["check", "reason-mqa-claims", "T F F T F", "--json"], tmp_path).stdout)
    assert claims["status"] == "correct" and claims["score"] == 5
    picks = json.loads(tutor(["check", "reason-gqa-what-shrinks", "A B C D E F", "--json"], tmp_path).stdout)
    assert picks["status"] == "incorrect"  # picking everything earns nothing
