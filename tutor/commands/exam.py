"""`tutor exam make`: one exam file per student (deterministic variants; the papers are `tutor.exam.paper`).

Students answer with `tutor quiz --exam FILE` (the loop is in `tutor.plain`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tutor.commands._common import add_bank_option, bank_paths, load_banks_or_exit
from tutor.errors import UserError


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
    from tutor.exam.paper import ExamError, make_papers, paper_file, read_roster, write_atomic

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
