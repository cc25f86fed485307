"""`tutor exam make`: one exam file per student (deterministic variants); and the `tutor quiz --exam` answering loop."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from tutor.cli import UserError
from tutor.commands.quiz import CODE_END, read_answer
from tutor.notation.latex import plain_math
from tutor.commands._common import add_bank_option, bank_paths, load_banks_or_exit

if TYPE_CHECKING:
    from tutor.session.exam import ExamPaper



def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="exam_command", metavar="ACTION", required=True)
    make = sub.add_parser("make", help="write one exam file per student in the roster", description=(
        "Write DIR/<student>.exam.yaml for every student: the same questions, each student's own variants, "
        "drawn from --seed (the same seed and roster always write the same files)."
    ))
    add_bank_option(make)
    make.add_argument("--questions", nargs="+", action="extend", required=True, metavar="ID", help="question ids, in exam order")
    make.add_argument("--roster", required=True, metavar="CSV", help="CSV with a header and a student_id (or id) column; name optional")
    make.add_argument("--seed", type=int, required=True, help="exam seed")
    make.add_argument("--out", required=True, metavar="DIR", help="folder for the exam files")


def run(args: argparse.Namespace) -> int:
    from tutor.session.exam import ExamError, make_papers, paper_file, read_roster, write_atomic

    if len(set(args.questions)) != len(args.questions):
        raise UserError("--questions: a question id is listed twice")
    try:
        roster = read_roster(Path(args.roster))
    except ExamError as exc:
        raise UserError(str(exc)) from None
    banks = bank_paths(args)
    bank = load_banks_or_exit(banks)
    try:
        papers = make_papers(bank, args.questions, roster, args.seed, banks)
    except KeyError as exc:
        raise UserError(str(exc.args[0]) if exc.args else "unknown question") from None
    out = Path(args.out)
    for paper in papers:
        write_atomic(paper_file(out, paper.student), paper.to_yaml())
    print(f"wrote {len(papers)} exam files ({len(args.questions)} questions each) to {out}/")
    print("students answer with: tutor quiz --exam <student>.exam.yaml   (or fill in the `answer:` fields)")
    print(f"grade with: tutor grade {out}/ --csv gradebook.csv")
    return 0


# -- answering an exam: `tutor quiz --exam FILE` ---------------------------------------------------


def _bank_questions(paper: "ExamPaper") -> dict[str, Any]:
    """The exam's questions from the built-in bank and the exam's banks that exist here; used only to re-ask unreadable answers."""
    from tutor.bank import BankError, bank_paths_from_env, load_bank

    paths = [Path(p) for p in paper.banks if Path(p).exists()] + list(bank_paths_from_env())
    try:
        bank = load_bank(paths)
    except BankError:
        return {}
    found = {}
    for q in paper.questions:
        try:
            found[q.id] = bank.get(q.id)
        except KeyError:
            continue
    return found


def answer_exam(exam_file: str, submission: str | None, inp: TextIO, out: TextIO) -> int:
    """Ask every unanswered question of an exam file; each answer is saved to the submission file at once.

    No feedback or score is shown; an answer that cannot be read is asked again.
    Running it again continues where the submission file left off.
    """
    from tutor.bank.variant import make_variant
    from tutor.grading import Status, grade
    from tutor.session.exam import ExamError, read_paper, submission_file, write_atomic

    exam_path = Path(exam_file)
    target = Path(submission) if submission else submission_file(exam_path)
    try:
        paper = read_paper(target) if target.exists() else read_paper(exam_path)
    except ExamError as exc:
        raise UserError(str(exc)) from None
    questions = _bank_questions(paper)
    total = len(paper.questions)
    print(f"Exam {paper.exam} for {paper.name or paper.student}: {total} questions. No feedback until it is graded.", file=out)
    print(f"Answers are saved to {target} as you go. Commands: :skip (leave blank for now), :quit.", file=out)
    for index, item in enumerate(paper.questions):
        if item.answer:
            continue
        print(f"\n[{index + 1}/{total}] {item.kind} · {item.id}", file=out)
        print(plain_math(item.prompt.rstrip()), file=out)
        for i, option in enumerate(item.options):
            print(f"  {chr(ord('A') + i)}) {plain_math(option)}", file=out)
        if item.kind == "code":
            print(f"Type your code, then a line with only `{CODE_END}`.", file=out)
        while True:
            print("> ", end="", file=out, flush=True)
            answer = read_answer(inp, code=item.kind == "code", commands=(":skip", ":quit"))
            if answer is None or answer == ":quit":
                return _finish(paper, target, out)
            if answer == ":skip" or not answer.strip():
                break
            question = questions.get(item.id)
            if question is not None and item.kind != "code":
                result = grade(make_variant(question, item.seed), answer)
                if result.status is Status.INVALID:
                    print(f"? could not read that answer: {result.feedback[0] if result.feedback else ''}", file=out)
                    print("Try again.", file=out)
                    continue
            paper = paper.with_answer(index, answer)
            write_atomic(target, paper.to_yaml())
            print("Saved.", file=out)
            break
    return _finish(paper, target, out)


def _finish(paper: "ExamPaper", target: Path, out: TextIO) -> int:
    from tutor.session.exam import write_atomic

    if not target.exists():
        write_atomic(target, paper.to_yaml())
    answered = sum(1 for q in paper.questions if q.answer)
    print(f"\nAnswered {answered} of {len(paper.questions)}. Hand in {target}.", file=out)
    if answered < len(paper.questions):
        print(f"Run `tutor quiz --exam {target}` again to answer the rest.", file=out)
    return 0
