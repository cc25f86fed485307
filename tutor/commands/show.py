"""`tutor show ID`: a question's full prompt as a learner reads it; `--starter` writes a code question's starter.

`tutor show ID --starter > mine.py` is for those who prefer their own editor; `tutor check ID mine.py`
(or pasting into the app) grades it.
"""

from __future__ import annotations

import argparse
import sys

from tutor.commands._common import add_bank_option, load_bank_or_exit
from tutor.errors import UserError


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("question", metavar="ID", help="a question id (see `tutor list`)")
    parser.add_argument("--starter", action="store_true", help="print only a code question's starter code (to a file: > mine.py)")
    parser.add_argument("--seed", type=int, default=0, help="which variant of a parameterized question (default 0, as `tutor list`)")
    add_bank_option(parser)


def run(args: argparse.Namespace) -> int:
    from tutor.bank import UnknownQuestion
    from tutor.bank.labels import prompt_listing
    from tutor.bank.names import kind_name, topic_name
    from tutor.bank.variant import make_variant
    from tutor.plain import prose

    bank = load_bank_or_exit(args)
    try:
        question = bank.get(args.question)
    except UnknownQuestion as exc:
        raise UserError(str(exc)) from None
    if args.starter:
        starter = getattr(question, "starter", None)
        if question.kind != "code" or starter is None:
            raise UserError(f"{question.id} is a {kind_name(question.kind)} question; only code questions have a starter")
        sys.stdout.write(starter if starter.endswith("\n") else starter + "\n")
        return 0
    variant = make_variant(question, args.seed)
    print(f"{question.id}  ·  {topic_name(question.topic)}  ·  {kind_name(question.kind)}  ·  difficulty {question.difficulty}")
    print()
    print(prose(variant.prompt))
    for line in prompt_listing(variant):
        print(f"  {line}")
    if question.kind == "statements":
        from tutor.grading.statements import example_marks  # deferred: commands import only what they run

        n = len(getattr(question, "statements", ()))
        print(f"\nMark each statement T (true) or F (false), in order: {n} letters, e.g."
              f" tutor check {question.id} {example_marks(n)}")
    elif question.kind == "multi":
        print(f"\nSelect all that apply: give the letters of every option you pick, e.g. tutor check {question.id} \"A, C\"")
    if question.kind == "code":
        print(f"\nStarter code: tutor show {question.id} --starter > mine.py; then tutor check {question.id} --answer-file mine.py")
    return 0
