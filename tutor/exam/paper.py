"""Exam files: one deterministic variant set per student, answered in the file, graded in bulk.

An exam file and a submission file are the same YAML document (`format: attention-tutor-exam/1`):
the student, the exam seed, and per question its id, variant seed, kind, rendered prompt,
options (choice) and `answer` (empty until answered). A question's variant seed is derived
from the exam seed, the student id and the question id, so the same seed and roster always
write byte-identical files, each student gets their own variants, and `tutor grade` can
check that no seed was changed.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Sequence

from tutor.grading import answer_text
from tutor.grading.statements import example_marks

FORMAT = "attention-tutor-exam/1"
STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]*$")
ROSTER_ID_COLUMNS = ("student_id", "id", "student", "username", "email")


class ExamError(Exception):
    """A roster, exam or submission file a user gave cannot be used; the message names the file and the spot."""


@dataclass(frozen=True)
class ExamQuestion:
    id: str
    seed: int
    kind: str
    prompt: str
    options: tuple[str, ...] = ()
    answer: str = ""


@dataclass(frozen=True)
class ExamPaper:
    """One student's exam (or submission, once answers are filled in)."""

    exam: str
    student: str
    name: str
    seed: int
    banks: tuple[str, ...]
    questions: tuple[ExamQuestion, ...]

    def with_answer(self, index: int, answer: str) -> "ExamPaper":
        questions = list(self.questions)
        questions[index] = replace(questions[index], answer=answer)
        return replace(self, questions=tuple(questions))

    def to_yaml(self) -> str:
        return _dump(
            {
                "format": FORMAT,
                "exam": self.exam,
                "student": self.student,
                "name": self.name,
                "seed": self.seed,
                "banks": list(self.banks),
                "questions": [
                    {
                        "id": q.id,
                        "seed": q.seed,
                        "kind": q.kind,
                        "prompt": q.prompt,
                        **({"options": list(q.options)} if q.options else {}),
                        "answer": q.answer,
                    }
                    for q in self.questions
                ],
            }
        )


def question_seed(exam_seed: int, student: str, question_id: str) -> int:
    """The variant seed of one question for one student: stable across runs and machines."""
    digest = hashlib.sha256(f"{exam_seed}:{student}:{question_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 2**31


def exam_id(seed: int, question_ids: Sequence[str]) -> str:
    return hashlib.sha256(f"{seed}:{','.join(question_ids)}".encode()).hexdigest()[:12]


def read_roster(path: Path) -> list[tuple[str, str]]:
    """(student id, name) from a CSV with a header naming a `student_id` (or `id`, `student`, ...) column."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ExamError(f"{path}: cannot read the roster ({exc.strerror})") from None
    rows = list(csv.DictReader(text.splitlines()))
    if not rows:
        raise ExamError(f"{path}: the roster has no students (expected a header line, then one student per line)")
    header = {h.strip().lower(): h for h in rows[0].keys() if h}
    id_column = next((header[c] for c in ROSTER_ID_COLUMNS if c in header), None)
    if id_column is None:
        raise ExamError(f"{path}:1: the roster header needs a student id column (one of {', '.join(ROSTER_ID_COLUMNS)})")
    name_column = header.get("name")
    students: list[tuple[str, str]] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(rows, start=2):
        student = (row.get(id_column) or "").strip()
        if not student:
            raise ExamError(f"{path}:{line}: empty student id")
        if not STUDENT_ID.match(student):
            raise ExamError(f"{path}:{line}: student id {student!r} may use only letters, digits and . _ @ - (it names a file)")
        if student in seen:
            raise ExamError(f"{path}:{line}: student id {student!r} repeats line {seen[student]}")
        seen[student] = line
        students.append((student, (row.get(name_column) or "").strip() if name_column else ""))
    return students


def make_papers(
    bank: Any, question_ids: Sequence[str], roster: Sequence[tuple[str, str]], seed: int, banks: Sequence[str]
) -> list[ExamPaper]:
    """One paper per student; `bank.get` raises KeyError for an unknown question id."""
    from tutor.bank.variant import make_variant

    questions = [bank.get(qid) for qid in question_ids]
    ident = exam_id(seed, question_ids)
    papers = []
    for student, name in roster:
        items = []
        for q in questions:
            v = make_variant(q, question_seed(seed, student, q.id))
            items.append(ExamQuestion(id=q.id, seed=v.seed, kind=q.kind, prompt=exam_prompt(v), options=v.options))
        papers.append(ExamPaper(exam=ident, student=student, name=name, seed=seed, banks=tuple(banks), questions=tuple(items)))
    return papers


def exam_prompt(variant: Any) -> str:
    """The prompt as printed on a paper: a `statements` question lists its claims and a `multi` one says
    how to answer, since a paper has only the prompt and the options."""
    from tutor.bank.variant import render

    prompt = variant.prompt.rstrip()
    if variant.kind == "statements":
        claims = variant.question.statements
        lines = [f"{i}. {render(c.text, variant.params)}" for i, c in enumerate(claims, start=1)]
        example = example_marks(len(claims))
        return f"{prompt}\n\n" + "\n".join(lines) + (
            f"\n\nAnswer with one T (true) or F (false) per statement, in order, e.g. {example}.")
    if variant.kind == "multi":
        return f"{prompt}\n\nSelect all that apply: answer with the letters of every option you pick, e.g. A, C."
    return variant.prompt


def paper_file(out: Path, student: str) -> Path:
    return out / f"{student}.exam.yaml"


def submission_file(exam_path: Path) -> Path:
    """Where `tutor quiz --exam` writes answers: `s1.exam.yaml` -> `s1.submission.yaml` beside it."""
    name = exam_path.name
    if name.endswith(".submission.yaml"):
        return exam_path
    stem = name[: -len(".exam.yaml")] if name.endswith(".exam.yaml") else exam_path.stem
    return exam_path.with_name(f"{stem}.submission.yaml")


def write_atomic(path: Path, text: str) -> None:
    """Write through a temporary file and rename, so a crash never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_paper(path: Path) -> ExamPaper:
    """An exam or submission file; every problem is an ExamError naming the file."""
    import yaml  # deferred: only exam commands read YAML here

    from tutor.bank.loader import parse_yaml

    try:
        data, _ = parse_yaml(path.read_text(encoding="utf-8"))
    except RecursionError:
        raise ExamError(f"{path}: not valid YAML (nested too deeply)") from None
    except OSError as exc:
        raise ExamError(f"{path}: cannot read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ExamError(f"{path}: not UTF-8 text") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise ExamError(f"{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ExamError(f"{path}: not an exam or submission file (expected `format: {FORMAT}`)")
    try:
        questions = tuple(
            ExamQuestion(
                id=str(q["id"]),
                seed=int(q["seed"]),
                kind=str(q.get("kind", "")),
                prompt=str(q.get("prompt", "")),
                options=tuple(str(o) for o in q.get("options") or ()),
                answer=answer_text(q.get("answer")),
            )
            for q in data["questions"]
        )
        return ExamPaper(
            exam=str(data.get("exam", "")),
            student=str(data["student"]),
            name=str(data.get("name") or ""),
            seed=int(data["seed"]),
            banks=tuple(str(b) for b in data.get("banks") or ()),
            questions=questions,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ExamError(f"{path}: malformed exam file ({type(exc).__name__}: {exc}); expected student, seed and questions with id and seed") from None


def _dump(data: dict[str, Any]) -> str:
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    def text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
        style = "|" if "\n" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    Dumper.add_representer(str, text)
    return yaml.dump(data, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=100)
