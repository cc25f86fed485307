"""`tutor list`: the questions in the bank, filtered by topic, kind and tag."""

from __future__ import annotations

import argparse
import json

from tutor.errors import UserError
from tutor.commands._common import add_bank_option, add_filter_options, load_bank_or_exit


def configure(parser: argparse.ArgumentParser) -> None:
    add_filter_options(parser)
    parser.add_argument(
        "--tag",
        action="append",
        default=[],
        metavar="TAG",
        help="only questions with this tag, e.g. paged-kv, flash, rope (repeatable: any of them)",
    )
    add_bank_option(parser)
    parser.add_argument("--json", action="store_true", help="one JSON list of questions")


def _first_line(text: str, width: int) -> str:
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 1] + "…"


def run(args: argparse.Namespace) -> int:
    bank = load_bank_or_exit(args)
    try:
        questions = bank.select(topics=tuple(args.topic), kinds=tuple(args.kind), tags=tuple(args.tag))
    except ValueError as exc:  # a tag no question carries: named, with the closest ones
        raise UserError(str(exc)) from None
    if args.json:
        rows = [
            {
                "id": q.id,
                "kind": q.kind,
                "topic": q.topic,
                "difficulty": q.difficulty,
                "tags": list(q.tags),
                "parameterized": any(isinstance(v, list) and len(v) > 1 for v in q.params.values()),
                "prompt": q.prompt,
                "source": q.source,
            }
            for q in questions
        ]
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    if not questions:
        print("no questions match")
        return 0
    width = max(len(q.id) for q in questions)
    from tutor.bank.variant import make_variant
    from tutor.notation.latex import plain_math

    from tutor.bank.names import kind_name, topic_name

    for q in questions:
        preview = plain_math(make_variant(q, 0).prompt)  # as a learner sees it: params filled in, math as unicode
        print(f"{q.id:<{width}}  {kind_name(q.kind):<10} {topic_name(q.topic):<9} d{q.difficulty}  {_first_line(preview, 60)}")
    print(f"{len(questions)} question(s)")
    return 0
