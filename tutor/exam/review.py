"""The instructor's review of written answers: a sheet to fill in, and the marks read back.

The machine cannot judge prose (see docs/grading.md), so `tutor grade` leaves every written answer
`needs_review`, scored with the patterns' *provisional* reading, and writes a review sheet (CSV):
one row per written answer with the student, question, answer, the rubric points that seem
present or missing, the provisional score and an empty `final_mark`. The instructor fills in
`final_mark` (a whole mark 1-5) and runs `tutor grade ... --marks SHEET`: each marked answer becomes
`reviewed` with the mark as its score. A mark is kept with the answer it was given for: re-running
`tutor grade` rewrites the sheet with the marks already given (so nobody is asked twice), and a mark
whose answer has since changed is not applied.
"""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from pathlib import Path

from tutor.exam.batch import Gradebook, QuestionResult, StudentResult

COLUMNS = ("student_id", "question", "seed", "answer", "rubric_points", "provisional_score", "final_mark")
MARKS = range(1, 6)

# (student, question id, variant seed) -> (the answer the mark was given for, the mark)
Marks = dict[tuple[str, str, int], tuple[str, int]]


class ReviewError(Exception):
    """A marks file that cannot be used; the message says which file, line and column."""


def _points(result: QuestionResult) -> str:
    """The rubric points as the patterns read them, e.g. `seems present: ...; seems missing: ...`."""
    keep = [line for line in result.feedback if line.startswith(("seems present:", "seems missing:", "your answer seems"))]
    return "\n".join(keep)


def read_marks(path: str | Path) -> Marks:
    """The final marks filled into a review sheet (rows without a mark are skipped)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ReviewError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ReviewError(f"{path} is not UTF-8 text (save the sheet as CSV UTF-8)") from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in ("student_id", "question", "seed", "answer", "final_mark") if c not in (reader.fieldnames or ())]
    if missing:
        raise ReviewError(f"{path}:1: not a review sheet: missing column(s) {', '.join(missing)}")
    marks: Marks = {}
    for row in reader:
        line = reader.line_num
        raw = (row.get("final_mark") or "").strip()
        if not raw:
            continue
        try:
            mark = int(raw)
        except ValueError:
            mark = 0
        if mark not in MARKS:
            raise ReviewError(f"{path}:{line}: final_mark {raw!r} for {row.get('student_id')} / {row.get('question')}"
                              " is not a whole mark from 1 to 5")
        try:
            seed = int(row.get("seed") or "")
        except ValueError:
            raise ReviewError(f"{path}:{line}: seed {row.get('seed')!r} is not a whole number") from None
        marks[(row["student_id"], row["question"], seed)] = (row.get("answer") or "", mark)
    return marks


def apply_marks(book: Gradebook, marks: Marks) -> Gradebook:
    """The gradebook with each written answer that has a mark (for this very answer) `reviewed`."""
    students = []
    for student in book.students:
        results = []
        for r in student.results:
            given = marks.get((student.student, r.id, r.seed))
            if r.written and given is not None and given[0] == r.interpreted:
                provisional = r.provisional if r.provisional is not None else r.score
                r = replace(r, status="reviewed", score=given[1], provisional=provisional)
            results.append(r)
        students.append(replace(student, results=tuple(results)))
    return replace(book, students=tuple(students))


def sheet_text(book: Gradebook) -> str:
    """The review sheet: every written answer, the marks already given filled in."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for student in book.students:
        for r in student.results:
            if not r.written:
                continue
            provisional = r.provisional if r.provisional is not None else r.score
            mark = r.score if r.status == "reviewed" else ""
            writer.writerow([student.student, r.id, r.seed, r.interpreted, _points(r), provisional, mark])
    return buffer.getvalue()


__all__ = ["COLUMNS", "Marks", "ReviewError", "StudentResult", "apply_marks", "read_marks", "sheet_text"]
