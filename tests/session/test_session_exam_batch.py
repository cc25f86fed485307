"""Exams (deterministic per-student papers) and batch grading (gradebook, CSV, shards, merge)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from session_tiny_bank import RIGHT, UNREADABLE, WRONG

from tutor.exam.batch import (
    Gradebook, GradebookError, find_submissions, grade_files, merge, parse_shard, shard,
)
from tutor.exam.paper import (
    ExamError, make_papers, paper_file, question_seed, read_paper, read_roster, submission_file, write_atomic,
)

QUESTIONS = ("t-mha-heads", "t-mqa-params", "t-gqa-groups")


def _roster(tmp_path: Path, ids: list[str]) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "roster.csv"
    path.write_text("student_id,name\n" + "".join(f"{i},Student {i}\n" for i in ids), encoding="utf-8")
    return path


def _write_exam(tmp_path: Path, bank, bank_dir: Path, students: list[str], seed: int = 42) -> Path:
    out = tmp_path / "exam"
    roster = read_roster(_roster(tmp_path, students))
    for paper in make_papers(bank, QUESTIONS, roster, seed, [str(bank_dir)]):
        write_atomic(paper_file(out, paper.student), paper.to_yaml())
    return out


def _answer(out: Path, student: str, answers: dict[str, str]) -> Path:
    paper = read_paper(paper_file(out, student))
    for i, q in enumerate(paper.questions):
        if q.id in answers:
            paper = paper.with_answer(i, answers[q.id])
    target = submission_file(paper_file(out, student))
    write_atomic(target, paper.to_yaml())
    return target


def test_same_seed_and_roster_write_identical_files(tmp_path, bank, bank_dir):
    a = _write_exam(tmp_path / "a", bank, bank_dir, ["s1", "s2", "s3"])
    b = _write_exam(tmp_path / "b", bank, bank_dir, ["s1", "s2", "s3"])
    for student in ("s1", "s2", "s3"):
        assert paper_file(a, student).read_bytes() == paper_file(b, student).read_bytes()
    c = _write_exam(tmp_path / "c", bank, bank_dir, ["s1", "s2", "s3"], seed=43)
    assert paper_file(a, "s1").read_bytes() != paper_file(c, "s1").read_bytes()


def test_each_student_gets_their_own_variants(tmp_path, bank, bank_dir):
    out = _write_exam(tmp_path, bank, bank_dir, ["s1", "s2"])
    p1, p2 = read_paper(paper_file(out, "s1")), read_paper(paper_file(out, "s2"))
    assert [q.id for q in p1.questions] == list(QUESTIONS) == [q.id for q in p2.questions]
    assert [q.seed for q in p1.questions] != [q.seed for q in p2.questions]
    assert p1.questions[0].seed == question_seed(42, "s1", "t-mha-heads")
    assert p1.questions[0].options and "{h}" not in p1.questions[0].prompt
    assert p1.name == "Student s1" and all(q.answer == "" for q in p1.questions)


def test_roster_problems_name_the_line(tmp_path):
    bad = tmp_path / "r.csv"
    bad.write_text("student_id\ns1\ns1\n", encoding="utf-8")
    with pytest.raises(ExamError, match=r"r.csv:3: student id 's1' repeats line 2"):
        read_roster(bad)
    bad.write_text("name\nAda\n", encoding="utf-8")
    with pytest.raises(ExamError, match="needs a student id column"):
        read_roster(bad)
    bad.write_text("id\n../evil\n", encoding="utf-8")
    with pytest.raises(ExamError, match="may use only"):
        read_roster(bad)


def test_grading_a_class(tmp_path, bank, bank_dir):
    out = _write_exam(tmp_path, bank, bank_dir, ["s1", "s2", "s3"])
    _answer(out, "s1", {q: RIGHT[q] for q in QUESTIONS})
    _answer(out, "s2", {"t-mha-heads": WRONG["t-mha-heads"], "t-mqa-params": UNREADABLE["t-mqa-params"]})
    _answer(out, "s3", {"t-gqa-groups": RIGHT["t-gqa-groups"]})
    files = find_submissions([out])
    assert [f.name for f in files] == ["s1.submission.yaml", "s2.submission.yaml", "s3.submission.yaml"]
    book = grade_files(files, [str(bank_dir)], workers=1, builtin=False)
    assert book.questions == QUESTIONS and book.errors == ()
    by = {s.student: s for s in book.students}
    assert [r.score for r in by["s1"].results] == [5, 5, 5]
    assert [r.status for r in by["s2"].results] == ["incorrect", "invalid", "unanswered"]
    assert [r.score for r in by["s2"].results] == [1, 1, 1]
    assert (by["s3"].total, round(by["s3"].mean, 2)) == (7, 2.33)
    rows = list(csv.reader(io.StringIO(book.csv_text())))
    assert rows[0] == ["student_id", *QUESTIONS, "total", "mean"]
    assert rows[1] == ["s1", "5", "5", "5", "15", "5.00"]
    assert rows[3] == ["s3", "1", "1", "5", "7", "2.33"]
    # two worker processes give the same gradebook
    assert grade_files(files, [str(bank_dir)], workers=2, builtin=False).to_json() == book.to_json()


def test_a_changed_seed_is_caught(tmp_path, bank, bank_dir):
    out = _write_exam(tmp_path, bank, bank_dir, ["s1", "s2"])
    target = _answer(out, "s1", {q: RIGHT[q] for q in QUESTIONS})
    s2_seed = read_paper(paper_file(out, "s2")).questions[1].seed
    s1_seed = read_paper(target).questions[1].seed
    target.write_text(target.read_text(encoding="utf-8").replace(f"seed: {s1_seed}", f"seed: {s2_seed}"), encoding="utf-8")
    _answer(out, "s2", {})
    book = grade_files(find_submissions([out]), [str(bank_dir)], builtin=False)
    assert [s.student for s in book.students] == ["s2"]
    ((file, message),) = book.errors
    assert file.endswith("s1.submission.yaml") and "seed was changed" in message


def test_shards_cover_everything_once_and_merge_back(tmp_path, bank, bank_dir):
    students = [f"s{i:02d}" for i in range(7)]
    out = _write_exam(tmp_path, bank, bank_dir, students)
    for i, s in enumerate(students):
        _answer(out, s, {q: (RIGHT if (i + j) % 2 else WRONG)[q] for j, q in enumerate(QUESTIONS)})
    files = find_submissions([out])
    parts = [shard(files, i, 3) for i in (1, 2, 3)]
    assert sorted(f for p in parts for f in p) == files
    assert [len(p) for p in parts] == [3, 2, 2]
    books = [grade_files(p, [str(bank_dir)], shard_label=f"{i}/3", builtin=False) for i, p in enumerate(parts, start=1)]
    reloaded = [Gradebook.from_json(b.to_json()) for b in books]
    merged = merge(reloaded)
    whole = grade_files(files, [str(bank_dir)], builtin=False)
    assert merged.csv_text() == whole.csv_text()
    with pytest.raises(GradebookError, match="in two shards"):
        merge([books[0], books[0]])


def test_parse_shard():
    assert parse_shard("2/5") == (2, 5)
    for bad in ("0/3", "4/3", "x", "1/0"):
        with pytest.raises(ValueError):
            parse_shard(bad)


def test_not_an_exam_file(tmp_path):
    path = tmp_path / "x.submission.yaml"
    path.write_text("just: text\n", encoding="utf-8")
    with pytest.raises(ExamError, match="not an exam or submission file"):
        read_paper(path)
    path.write_text("a: [\n", encoding="utf-8")
    with pytest.raises(ExamError, match=r"x.submission.yaml:\d+:\d+: not valid YAML"):
        read_paper(path)
