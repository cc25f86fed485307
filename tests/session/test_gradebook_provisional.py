"""A written answer without an instructor's mark has only a provisional machine reading: it is left
out of the gradebook's total and mean (and its CSV cell), and said to be provisional (red team R10)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tutor.cli import main
from tutor.exam.batch import Gradebook, QuestionResult, StudentResult


def _student(sid: str, *results: QuestionResult) -> StudentResult:
    return StudentResult(student=sid, name="", file=f"{sid}.submission.yaml", results=results)


WRITTEN = QuestionResult(id="w", seed=1, status="needs_review", score=2, provisional=2)
MARKED = QuestionResult(id="w", seed=1, status="reviewed", score=4, provisional=2)
BOOK = Gradebook(students=(
    _student("s1", QuestionResult(id="a", seed=1, status="correct", score=5), WRITTEN,
             QuestionResult(id="b", seed=1, status="partial", score=3)),
    _student("s2", QuestionResult(id="a", seed=1, status="correct", score=5), MARKED,
             QuestionResult(id="b", seed=1, status="correct", score=5)),
    _student("s3", WRITTEN),
))


def test_an_unmarked_written_answer_is_in_neither_total_nor_mean() -> None:
    s1, s2, s3 = BOOK.students
    assert (s1.total, s1.mean, s1.unmarked) == (8, 4.0, 1)  # 5 + 3 over two answers; the provisional 2 waits
    assert (s2.total, round(s2.mean, 2), s2.unmarked) == (14, 4.67, 0)  # a mark counts like any score
    assert (s3.total, s3.mean) == (0, 0.0) and s3.counted == ()
    assert s1.score("w") is None and s2.score("w") == 4


def test_the_csv_leaves_the_cell_empty_and_says_what_is_provisional() -> None:
    rows = list(csv.DictReader(io.StringIO(BOOK.csv_text())))
    by = {r["student_id"]: r for r in rows}
    assert (by["s1"]["w"], by["s1"]["total"], by["s1"]["mean"]) == ("", "8", "4.00")
    assert (by["s1"]["unmarked_written"], by["s1"]["provisional"]) == ("1", "w=2")
    assert (by["s2"]["w"], by["s2"]["total"], by["s2"]["provisional"]) == ("4", "14", "")
    assert (by["s3"]["total"], by["s3"]["mean"]) == ("0", "")
    again = Gradebook.from_json(json.loads(json.dumps(BOOK.to_json())))
    assert again.csv_text() == BOOK.csv_text()  # shards merged later keep the rule


WRONG = "In MQA a single query is shared by all heads, while each head keeps its own separate keys and values."


def test_tutor_grade_says_so_and_does_not_contradict_itself(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TUTOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("TUTOR_BANK", raising=False)
    (tmp_path / "roster.csv").write_text("student_id\nann\n", encoding="utf-8")
    assert main(["exam", "make", "--questions", "quiz1-mha-vs-mqa", "reason-mqa-shared", "--roster", "roster.csv",
                 "--seed", "3", "--out", "exam"]) == 0
    from tutor.exam.paper import paper_file, read_paper, submission_file, write_atomic
    from dataclasses import replace

    paper = read_paper(paper_file(tmp_path / "exam", "ann"))
    answers = {"quiz1-mha-vs-mqa": WRONG, "reason-mqa-shared": "A"}
    paper = replace(paper, questions=tuple(replace(q, answer=answers[q.id]) for q in paper.questions))
    write_atomic(submission_file(paper_file(tmp_path / "exam", "ann")), paper.to_yaml())
    capsys.readouterr()
    assert main(["grade", "exam", "--csv", "book.csv", "--workers", "1"]) == 0
    out, err = capsys.readouterr()
    assert "(1 written unmarked: provisional, not in total or mean)" in out
    assert "left out of total and mean until marked" in out
    assert "1 without a final mark, left out of total and mean" in err
    row = next(csv.DictReader(io.StringIO((tmp_path / "book.csv").read_text(encoding="utf-8"))))
    assert row["quiz1-mha-vs-mqa"] == "" and row["provisional"].startswith("quiz1-mha-vs-mqa=")
    sheet = tmp_path / "book.review.csv"
    rows = list(csv.DictReader(io.StringIO(sheet.read_text(encoding="utf-8"))))
    rows[0]["final_mark"] = "3"
    with (tmp_path / "marks.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    assert main(["grade", "exam", "--csv", "book.csv", "--workers", "1", "--marks", "marks.csv"]) == 0
    out, err = capsys.readouterr()
    assert "(all marked; the marks are in the gradebook)" in err
    assert "fill in final_mark" not in err and "unmarked" not in out
    row = next(csv.DictReader(io.StringIO((tmp_path / "book.csv").read_text(encoding="utf-8"))))
    assert row["quiz1-mha-vs-mqa"] == "3" and row["provisional"] == ""
