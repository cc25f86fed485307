"""Batch grading of submission files into a gradebook: parallel, shardable, mergeable, CSV for an LMS.

One submission (a student's whole paper) is the unit of work: the parent lists and shards
the files, a pool of worker processes loads the bank once each and grades papers (code
answers in the sandbox), and the parent collects the results in file order. A gradebook
is JSON (`to_json`/`from_json`) so shards graded on different machines can be merged.

Scores: each question 1..5 as the grader gives it; an empty answer is `unanswered` with
score 1; an unreadable answer is `invalid` with score 1. `total` is the sum, `mean` the
mean over the exam's questions, both over the answers with a final score: a written answer still
without an instructor's mark (`needs_review`) has only the patterns' provisional reading, a machine
number that is no grade, so it is left out of both (and out of its CSV cell) until marked, and the
CSV's `provisional` column says which answers wait and what the patterns read.
"""

from __future__ import annotations

import csv
import io
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from tutor.exam.paper import ExamError, ExamPaper, question_seed, read_paper

GRADEBOOK_FORMAT = "attention-tutor-gradebook/1"
SUBMISSION_GLOB = "*.submission.yaml"


class GradebookError(Exception):
    """Gradebooks that cannot be merged, or a file that is not a gradebook; the message says which."""


@dataclass(frozen=True)
class QuestionResult:
    id: str
    seed: int
    status: str
    score: int
    interpreted: str = ""
    feedback: tuple[str, ...] = ()
    # A written answer: the patterns' provisional reading. Its status is `needs_review` until an
    # instructor's mark (`tutor grade --marks`) makes it `reviewed`, with the mark as its score.
    provisional: int | None = None

    @property
    def written(self) -> bool:
        """A written answer, which a person marks: `needs_review`, or `reviewed` once marked."""
        return self.status in ("needs_review", "reviewed")

    def to_json(self) -> dict[str, Any]:
        out = {"id": self.id, "seed": self.seed, "status": self.status, "score": self.score,
               "interpreted": self.interpreted, "feedback": list(self.feedback)}
        if self.provisional is not None:
            out["provisional_score"] = self.provisional
        return out


@dataclass(frozen=True)
class StudentResult:
    student: str
    name: str
    file: str
    results: tuple[QuestionResult, ...]

    @property
    def counted(self) -> tuple[QuestionResult, ...]:
        """The answers with a final score: all but the written ones still awaiting a mark."""
        return tuple(r for r in self.results if r.status != "needs_review")

    @property
    def total(self) -> int:
        """The sum of the final scores (unmarked written answers are left out until marked)."""
        return sum(r.score for r in self.counted)

    @property
    def mean(self) -> float:
        """The mean of the final scores (over the answers counted in `total`); 0.0 when none is final."""
        counted = self.counted
        return self.total / len(counted) if counted else 0.0

    def score(self, question_id: str) -> int | None:
        """A question's final score; None when it is not on the paper or is a written answer awaiting a mark."""
        return next((r.score for r in self.counted if r.id == question_id), None)

    @property
    def provisional(self) -> tuple[QuestionResult, ...]:
        """Written answers awaiting a mark: their score is the patterns' provisional reading, not a grade."""
        return tuple(r for r in self.results if r.status == "needs_review")

    @property
    def unmarked(self) -> int:
        """Written answers still without an instructor's mark (their score is the provisional reading)."""
        return len(self.provisional)

    def to_json(self) -> dict[str, Any]:
        return {"student": self.student, "name": self.name, "file": self.file, "total": self.total,
                "mean": round(self.mean, 4), "unmarked_written": self.unmarked,
                "questions": [r.to_json() for r in self.results]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "StudentResult":
        return cls(
            student=data["student"], name=data.get("name", ""), file=data["file"],
            results=tuple(
                QuestionResult(id=q["id"], seed=q["seed"], status=q["status"], score=q["score"],
                               interpreted=q.get("interpreted", ""), feedback=tuple(q.get("feedback", ())),
                               provisional=q.get("provisional_score"))
                for q in data["questions"]
            ),
        )


@dataclass(frozen=True)
class Gradebook:
    students: tuple[StudentResult, ...]
    errors: tuple[tuple[str, str], ...] = ()  # (file, message) of submissions that could not be graded
    shard: str | None = None
    values_seed: int | None = None  # the code questions' case values (`--values-seed` replays them)

    @property
    def questions(self) -> tuple[str, ...]:
        """Question ids in exam order (the union over students, first seen first)."""
        seen: dict[str, None] = {}
        for s in self.students:
            for r in s.results:
                seen.setdefault(r.id)
        return tuple(seen)

    def to_json(self) -> dict[str, Any]:
        return {"format": GRADEBOOK_FORMAT, "shard": self.shard, "values_seed": self.values_seed,
                "questions": list(self.questions),
                "students": [s.to_json() for s in self.students],
                "errors": [{"file": f, "message": m} for f, m in self.errors]}

    @classmethod
    def from_json(cls, data: Any, source: str = "<gradebook>") -> "Gradebook":
        if not isinstance(data, dict) or data.get("format") != GRADEBOOK_FORMAT:
            raise GradebookError(f"{source}: not a gradebook written by `tutor grade --json` (format {GRADEBOOK_FORMAT})")
        try:
            return cls(
                students=tuple(StudentResult.from_json(s) for s in data["students"]),
                errors=tuple((e["file"], e["message"]) for e in data.get("errors", ())),
                shard=data.get("shard"),
                values_seed=data.get("values_seed"),
            )
        except (KeyError, TypeError) as exc:
            raise GradebookError(f"{source}: malformed gradebook ({type(exc).__name__}: {exc})") from None

    def csv_text(self) -> str:
        """student_id, one column per question (score 1..5), total, mean: the shape LMS gradebooks import.

        With written answers, two more columns: `unmarked_written` (how many await a mark) and
        `provisional` (`question=reading; ...`, the patterns' provisional scores of those answers).
        An unmarked written answer's cell is empty and it is in neither total nor mean."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        questions = self.questions
        written = self.has_written
        writer.writerow(["student_id", *questions, "total", "mean",
                         *(["unmarked_written", "provisional"] if written else [])])
        for s in self.students:
            scores = [s.score(q) for q in questions]
            waiting = "; ".join(f"{r.id}={r.score}" for r in s.provisional)
            writer.writerow([s.student, *("" if v is None else v for v in scores), s.total,
                             f"{s.mean:.2f}" if s.counted else "",
                             *([s.unmarked, waiting] if written else [])])
        return buffer.getvalue()

    @property
    def has_written(self) -> bool:
        """Whether any answer is a written one (a person marks it: `needs_review` or `reviewed`)."""
        return any(r.written for s in self.students for r in s.results)

    @property
    def unmarked(self) -> int:
        return sum(s.unmarked for s in self.students)


def merge(books: Sequence[Gradebook]) -> Gradebook:
    """Join shards into one gradebook (students sorted by id); a student graded twice is an error."""
    seen: dict[str, str] = {}
    students: list[StudentResult] = []
    for book in books:
        for s in book.students:
            if s.student in seen:
                raise GradebookError(f"student {s.student!r} is in two shards ({seen[s.student]} and {s.file})")
            seen[s.student] = s.file
            students.append(s)
    errors = tuple(e for b in books for e in b.errors)
    seeds = sorted({b.values_seed for b in books if b.values_seed is not None})
    if len(seeds) > 1:
        raise GradebookError(
            f"the shards were graded with different values seeds ({', '.join(map(str, seeds))}): the class's code "
            "answers would not be graded on the same cases; grade every shard with the same --values-seed N")
    return Gradebook(students=tuple(sorted(students, key=lambda s: s.student)), errors=errors, shard=None,
                     values_seed=seeds[0] if seeds else None)


# -- finding and sharding submissions -------------------------------------------------------------


def find_submissions(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given, and `*.submission.yaml` inside folders (recursively); sorted, each once."""
    found: dict[Path, None] = {}
    for p in map(Path, paths):
        if p.is_dir():
            for f in sorted(p.rglob(SUBMISSION_GLOB)):
                found.setdefault(f)
        else:
            found.setdefault(p)
    return sorted(found)


def parse_shard(text: str) -> tuple[int, int]:
    """`i/N` (1-based: 1/4 .. 4/4) -> (i, N)."""
    try:
        i_text, n_text = text.split("/")
        i, n = int(i_text), int(n_text)
    except ValueError:
        raise ValueError(f"--shard {text!r}: write i/N, e.g. 1/4 (shards are numbered from 1)") from None
    if not (n >= 1 and 1 <= i <= n):
        raise ValueError(f"--shard {text!r}: i must be between 1 and N")
    return i, n


def shard(files: Sequence[Path], i: int, n: int) -> list[Path]:
    """Every N-th file, starting at the i-th (1-based), of the sorted list: shards are disjoint and cover it."""
    return list(files[i - 1 :: n])


# -- grading -------------------------------------------------------------------------------------------

_BANK: Any = None
_ALLOW_WEAK = False
_VALUES_SEED: int | None = None
_FRESH = False


def _init_worker(bank_paths: tuple[str, ...], allow_weak_sandbox: bool, builtin: bool = True,
                 cache: tuple[bool, str | None, int | None] = (True, None, None), values_seed: int | None = None,
                 fresh_sandbox: bool = False) -> None:
    """Each worker loads the bank once, remembers the sandbox policy and the values seed, sets up the cache.

    `cache` is (enabled, directory or None for memory only, size cap in bytes or None).
    """
    global _BANK, _ALLOW_WEAK, _VALUES_SEED, _FRESH
    from tutor.bank import load_bank
    from tutor.grading import refcache

    _BANK = load_bank([Path(p) for p in bank_paths], builtin=builtin)
    _ALLOW_WEAK = allow_weak_sandbox
    _VALUES_SEED = values_seed
    _FRESH = fresh_sandbox
    enabled, directory, cap = cache
    refcache.CACHE.configure(enabled=enabled, directory=Path(directory) if directory else None, cap_bytes=cap)


def grade_paper(paper: ExamPaper, file: str, bank: Any, values_seed: int | None = None,
                fresh_sandbox: bool = False) -> StudentResult:
    """Grade every answer of one paper; a changed variant seed or an unknown question is an ExamError."""
    from tutor.bank.variant import make_variant
    from tutor.grading import code, grade

    results = []
    for item in paper.questions:
        if item.seed != question_seed(paper.seed, paper.student, item.id):
            raise ExamError(f"{file}: question {item.id}: the variant seed was changed (it is not this student's exam)")
        try:
            question = bank.get(item.id)
        except KeyError:
            raise ExamError(f"{file}: question {item.id} is not in the bank (pass the exam's --bank)") from None
        if not item.answer.strip():
            results.append(QuestionResult(id=item.id, seed=item.seed, status="unanswered", score=1))
            continue
        variant = make_variant(question, item.seed)
        if question.kind == "code":
            # Other people's code: a strong sandbox is required unless --allow-weak-sandbox.
            g = code.grade(variant, item.answer, require_strong_sandbox=True, allow_weak_sandbox=_ALLOW_WEAK,
                           values_seed=values_seed, timed=False, fresh_sandbox=fresh_sandbox)
        else:
            g = grade(variant, item.answer)
        results.append(QuestionResult(id=item.id, seed=item.seed, status=g.status.value, score=g.score,
                                      interpreted=g.interpreted if item.kind != "code" else "", feedback=g.feedback,
                                      provisional=g.provisional_score))
    return StudentResult(student=paper.student, name=paper.name, file=file, results=tuple(results))


def _grade_file(path: str) -> StudentResult | tuple[str, str]:
    try:
        return grade_paper(read_paper(Path(path)), path, _BANK, _VALUES_SEED, _FRESH)
    except ExamError as exc:
        return (path, str(exc))


def grade_files(
    files: Sequence[Path],
    bank_paths: Sequence[str] = (),
    *,
    workers: int = 1,
    allow_weak_sandbox: bool = False,
    shard_label: str | None = None,
    builtin: bool = True,
    cache: bool = True,
    cache_dir: Path | None = None,
    cache_cap_bytes: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    values_seed: int | None = None,
    fresh_sandbox: bool = False,
) -> Gradebook:
    """Grade `files` with `workers` processes (1: in this process); results in file order.

    The bank is the built-in one (unless `builtin=False`) plus `bank_paths`.

    Code questions' reference and mutant outputs go through the reference cache (`tutor.grading.refcache`):
    in memory in each worker, and with `cache_dir` also on disk, shared by the workers and later runs.
    `cache=False` recomputes them for every answer (the path before the cache, kept for comparison).
    `fresh_sandbox=True`: every code answer on the sandbox's per-run path, not forked from the warm
    sandbox (tutor/sandbox/zygote.py); `tutor grade --no-cache` sets both, the path before either.
    `progress(done, total)` is called in the calling process after each submission.
    `values_seed`: the case values of every code answer of the run (None draws one when the papers have
    code questions; it is recorded in the gradebook), so all submissions share one reference computation
    per question.

    A code answer on a machine with only the weak sandbox stops everything with a GradebookError
    unless `allow_weak_sandbox`.
    """
    from tutor.grading.code import WeakSandboxError

    paths = [str(f) for f in files]
    if values_seed is None and _has_code(paths):
        from tutor.grading.code import new_values_seed

        values_seed = new_values_seed()
    policy = (cache, str(cache_dir) if cache and cache_dir else None, cache_cap_bytes)
    outcomes: list[StudentResult | tuple[str, str]] = []

    def collect(results: Iterable[StudentResult | tuple[str, str]]) -> None:
        for outcome in results:
            outcomes.append(outcome)
            if progress is not None:
                progress(len(outcomes), len(paths))

    try:
        if workers <= 1 or len(paths) <= 1:
            _init_worker(tuple(bank_paths), allow_weak_sandbox, builtin, policy, values_seed, fresh_sandbox)
            collect(_grade_file(p) for p in paths)
        else:
            # spawn: workers start clean (no inherited threads or locks), the same on every platform
            with ProcessPoolExecutor(max_workers=min(workers, len(paths)), mp_context=get_context("spawn"),
                                     initializer=_init_worker,
                                     initargs=(tuple(bank_paths), allow_weak_sandbox, builtin, policy, values_seed,
                                               fresh_sandbox)) as pool:
                collect(pool.map(_grade_file, paths))
    except WeakSandboxError as exc:
        raise GradebookError(str(exc)) from None
    students = tuple(o for o in outcomes if isinstance(o, StudentResult))
    errors = tuple(o for o in outcomes if isinstance(o, tuple))
    duplicate = _first_duplicate(s.student for s in students)
    if duplicate:
        files_of = [s.file for s in students if s.student == duplicate]
        raise GradebookError(f"student {duplicate!r} has more than one submission: {', '.join(files_of)}")
    return Gradebook(students=students, errors=errors, shard=shard_label, values_seed=values_seed)


def _has_code(paths: Sequence[str]) -> bool:
    """Whether any readable paper has a code question (only then is a values seed drawn and recorded)."""
    for path in paths:
        try:
            if any(item.kind == "code" for item in read_paper(Path(path)).questions):
                return True
        except ExamError:
            continue
    return False


def _first_duplicate(values: Iterable[str]) -> str | None:
    seen: set[str] = set()
    for v in values:
        if v in seen:
            return v
        seen.add(v)
    return None


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))
