"""`tutor grade`: grade a class's submission files in parallel into a gradebook (CSV for an LMS, JSON for shards)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from tutor.errors import UserError
from tutor.commands._common import add_bank_option, bank_paths, load_banks_or_exit

if TYPE_CHECKING:
    from tutor.exam.batch import Gradebook


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "submissions",
        nargs="*",
        metavar="SUBMISSIONS",
        help="submission files, or folders holding *.submission.yaml; with --merge: gradebook JSON files",
    )
    parser.add_argument("--workers", type=int, metavar="N", help="grading processes (default: one per CPU core)")
    parser.add_argument("--csv", metavar="OUT", help="write the gradebook CSV (student_id, per-question score, total, mean)")
    parser.add_argument("--json", action="store_true", help="print the gradebook as JSON (the form --merge reads)")
    parser.add_argument("--out", metavar="FILE", help="with --json: write the JSON to FILE instead of standard output")
    parser.add_argument("--shard", metavar="i/N", help="grade only every N-th submission starting at the i-th (1-based)")
    parser.add_argument("--merge", action="store_true", help="join gradebook JSON files (shards) instead of grading")
    parser.add_argument(
        "--allow-weak-sandbox",
        action="store_true",
        help="grade code even where only the weak sandbox is available (it runs other people's code: not advised)",
    )
    cache = parser.add_argument_group(
        "reference-output cache",
        "code questions' reference and mutant outputs are computed once and kept under the user cache dir "
        "($TUTOR_CACHE_DIR to move it), shared by the workers and by later runs",
    )
    cache.add_argument("--no-cache", action="store_true",
                       help="recompute every reference and mutant output for every answer, and run each in a fresh "
                       "sandbox (the path before the cache and the warm sandbox: slower; for comparison)")
    cache.add_argument("--fresh-sandbox", action="store_true",
                       help="run every code answer in a sandbox made for it alone (namespaces and view), not forked "
                       "from the warm sandbox; the verdicts are the same (for comparison)")
    cache.add_argument("--clear-cache", action="store_true",
                       help="empty the cache first (alone: empty it and stop)")
    cache.add_argument("--cache-max-mib", type=int, default=512, metavar="N",
                       help="keep at most N MiB of cached outputs, least recently used dropped first (default 512)")
    parser.add_argument(
        "--values-seed", type=int, default=None, metavar="N",
        help="code questions: the case values for every answer of the run (default: drawn now, recorded in the "
        "gradebook); give a gradebook's values_seed to replay it, and the same N to every shard of a class",
    )
    parser.add_argument("--progress", choices=("auto", "bar", "lines", "none"), default="auto",
                        help="progress on standard error: a bar on a terminal, a line every N submissions when "
                        "piped (auto, the default), or none")
    parser.add_argument(
        "--review-sheet", metavar="FILE",
        help="where to write the review sheet of written answers (CSV: student, question, answer, rubric points, "
        "provisional score, empty final_mark); default: OUT.review.csv beside --csv OUT, else review-sheet.csv; "
        "marks already in it are kept",
    )
    parser.add_argument(
        "--marks", metavar="FILE",
        help="a review sheet with final_mark filled in: the marked written answers take the instructor's mark",
    )
    add_bank_option(parser)


class Progress:
    """`done/total` with the rate and an ETA on standard error: a bar redrawn in place on a terminal,
    otherwise one line every `every` submissions (and at the end)."""

    def __init__(self, total: int, mode: str = "auto", stream=None, clock=None) -> None:  # noqa: ANN001
        import time

        self.stream = stream or sys.stderr
        self.clock = clock or time.monotonic
        self.total = total
        if mode == "auto":
            mode = "bar" if self.stream.isatty() else "lines"
        self.mode = mode
        self.every = max(1, min(50, total // 10))
        self.start = self.clock()

    def __call__(self, done: int, total: int) -> None:
        if self.mode == "none":
            return
        elapsed = self.clock() - self.start
        rate = done / elapsed if elapsed > 0 else 0.0
        eta = (total - done) / rate if rate > 0 else 0.0
        text = f"{done}/{total} graded, {rate:.1f}/s, " + (f"ETA {_clock(eta)}" if done < total else f"took {_clock(elapsed)}")
        if self.mode == "bar":
            width = 30
            filled = int(width * done / total) if total else width
            self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {text}  ")
            if done == total:
                self.stream.write("\n")
        elif done % self.every == 0 or done == total:
            self.stream.write(text + "\n")
        self.stream.flush()


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def _load_books(paths: list[str]) -> list["Gradebook"]:
    from tutor.exam.batch import Gradebook, GradebookError

    books = []
    for p in paths:
        try:
            data = json.loads(Path(p).read_text(encoding="utf-8"))
        except OSError as exc:
            raise UserError(f"cannot read {p}: {exc.strerror}") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise UserError(f"{p}: not JSON ({exc})") from None
        try:
            books.append(Gradebook.from_json(data, p))
        except GradebookError as exc:
            raise UserError(str(exc)) from None
    return books


def run(args: argparse.Namespace) -> int:
    from tutor.exam.batch import (
        GradebookError, default_workers, find_submissions, grade_files, merge, parse_shard, shard,
    )

    if args.out and not args.json:
        raise UserError("--out goes with --json")
    from tutor.grading import refcache

    if args.values_seed is not None and not 0 <= args.values_seed < 2**63:
        raise UserError(f"--values-seed {args.values_seed}: give a whole number from 0 to 2^63 - 1")
    if args.cache_max_mib < 1:
        raise UserError(f"--cache-max-mib {args.cache_max_mib}: give at least 1")
    if args.clear_cache:
        files, size = refcache.CACHE.clear(refcache.default_directory())
        print(f"cleared the reference-output cache ({refcache.default_directory()}): "
              f"{files} file(s), {size / 2**20:.1f} MiB", file=sys.stderr)
        if not args.submissions:
            return 0
    if not args.submissions:
        raise UserError("give the submission files or folders to grade (or gradebooks with --merge)")
    if args.merge:
        if args.shard:
            raise UserError("--merge joins shards; it does not take --shard")
        try:
            book = merge(_load_books(args.submissions))
        except GradebookError as exc:
            raise UserError(str(exc)) from None
    else:
        files = find_submissions(args.submissions)
        missing = [str(f) for f in files if not f.is_file()]
        if missing:
            raise UserError(f"no such submission file: {missing[0]}")
        label = None
        if args.shard:
            try:
                i, n = parse_shard(args.shard)
            except ValueError as exc:
                raise UserError(str(exc)) from None
            files, label = shard(files, i, n), f"{i}/{n}"
        if not files and not args.shard:
            raise UserError("no submission files found (folders are searched for *.submission.yaml)")
        _refuse_blank_papers(files)
        workers = args.workers if args.workers is not None else default_workers()
        if workers < 1:
            raise UserError(f"--workers {workers}: give at least 1")
        banks = bank_paths(args) or _exam_banks(files)
        load_banks_or_exit(banks)  # report a bad bank once, here, before any worker starts
        try:
            book = grade_files(
                files, banks, workers=workers, allow_weak_sandbox=args.allow_weak_sandbox, shard_label=label,
                cache=not args.no_cache, cache_dir=None if args.no_cache else refcache.default_directory(),
                cache_cap_bytes=args.cache_max_mib << 20, progress=Progress(len(files), args.progress),
                values_seed=args.values_seed, fresh_sandbox=args.no_cache or args.fresh_sandbox,
            )
        except GradebookError as exc:
            raise UserError(str(exc)) from None
    if book.values_seed is not None:
        print(f"code answers graded with values seed {book.values_seed} (replay: --values-seed {book.values_seed})",
              file=sys.stderr)
    book, sheet = _review(book, args)
    if args.csv:
        try:
            Path(args.csv).write_text(book.csv_text(), encoding="utf-8", newline="")
        except OSError as exc:
            raise UserError(f"cannot write {args.csv}: {exc.strerror}") from None
    if args.json:
        text = json.dumps(book.to_json(), indent=2, ensure_ascii=False) + "\n"
        if args.out:
            Path(args.out).write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
    else:
        _print_table(book)
    if sheet is not None:
        if book.unmarked:
            print(f"review sheet of written answers: {sheet} ({book.unmarked} without a final mark, left out of total"
                  f" and mean; fill in final_mark, then rerun with --marks {sheet})", file=sys.stderr)
        else:
            print(f"review sheet of written answers: {sheet} (all marked; the marks are in the gradebook)",
                  file=sys.stderr)
    for file, message in book.errors:
        print(f"tutor: {message}", file=sys.stderr)
    return 1 if book.errors else 0


def _review(book: "Gradebook", args: argparse.Namespace) -> tuple["Gradebook", Path | None]:
    """Bring in the marks (kept in the review sheet, and from --marks), then rewrite the sheet.

    Written answers are never given a machine verdict: each waits for the instructor's final mark.
    Returns the gradebook with the marks applied and the sheet's path (None: no written answers).
    """
    from tutor.exam.review import ReviewError, apply_marks, read_marks, sheet_text

    if not book.has_written and not args.marks:
        return book, None
    if args.review_sheet:
        sheet = Path(args.review_sheet)
    elif args.csv:
        sheet = Path(args.csv).with_suffix(".review.csv")
    else:
        sheet = Path("review-sheet.csv")
    marks = {}
    try:
        if sheet.is_file():
            marks.update(read_marks(sheet))  # marks given before are kept: nobody is asked twice
        if args.marks:
            marks.update(read_marks(args.marks))
    except ReviewError as exc:
        raise UserError(str(exc)) from None
    book = apply_marks(book, marks)
    if not book.has_written:
        return book, None
    try:
        sheet.write_text(sheet_text(book), encoding="utf-8", newline="")
    except OSError as exc:
        raise UserError(f"cannot write the review sheet {sheet}: {exc.strerror}") from None
    return book, sheet


def _exam_banks(files: list[Path]) -> tuple[str, ...]:
    """Without --bank: the banks the exam was made from (recorded in its files), where they exist here."""
    from tutor.exam.paper import ExamError, read_paper

    for file in files:
        try:
            recorded = read_paper(file).banks
        except ExamError:
            continue  # reported with the other grading problems
        found = tuple(b for b in recorded if Path(b).exists())
        if found:
            print(f"using the exam's bank(s): {', '.join(found)}", file=sys.stderr)
        return found
    return ()


def _refuse_blank_papers(files: list[Path]) -> None:
    """An exam paper with no answer at all given as a submission: it would grade as all wrong. Say so."""
    from tutor.exam.paper import ExamError, read_paper, submission_file

    for f in files:
        if not f.name.endswith(".exam.yaml"):
            continue  # a submission with every answer blank is a student's (all wrong), not a mistake
        try:
            paper = read_paper(f)
        except (ExamError, OSError, ValueError):
            continue  # grading reports an unreadable file itself, with the others graded
        if paper.questions and not any(q.answer.strip() for q in paper.questions):
            hint = f"; its answers go to {submission_file(f).name} (tutor quiz --exam {f.name})"
            raise UserError(f"{f}: no question is answered: a blank exam paper, not a submission{hint}")


def _print_table(book: "Gradebook") -> None:
    questions = book.questions
    print(f"graded {len(book.students)} submission(s), {len(questions)} question(s)" + (f", shard {book.shard}" if book.shard else ""))
    width = max((len(s.student) for s in book.students), default=7)
    # Column headers: the questions are numbered in the exam's order (the key follows the table).
    numbers = [f"q{i + 1}" for i in range(len(questions))]
    cells = [max(len(n), 1) for n in numbers]
    header = " ".join(f"{n:>{w}}" for n, w in zip(numbers, cells))
    print(f"  {'student':<{width}}  {header}   {'total':>9}  {'mean':>9}")
    for s in book.students:
        waiting = {r.id: f"{r.score}?" for r in s.provisional}  # a provisional reading, not a grade
        scores = " ".join(f"{waiting.get(q) or str(s.score(q) or '-'):>{w}}" for q, w in zip(questions, cells))
        unmarked = (f"  ({s.unmarked} written unmarked: provisional, not in total or mean)" if s.unmarked else "")
        mean = f"{s.mean:.2f}" if s.counted else "-"
        print(f"  {s.student:<{width}}  {scores}   total {s.total:>3}  mean {mean:>4}{unmarked}")
    if questions:
        print("  " + "; ".join(f"{n} = {q}" for n, q in zip(numbers, questions)))
    if book.unmarked:
        print(f"{book.unmarked} written answer(s) await an instructor's mark: shown as N? (the patterns' provisional"
              " reading), left out of total and mean until marked (see the review sheet)")
    if book.errors:
        print(f"{len(book.errors)} submission(s) could not be graded (see below)")
