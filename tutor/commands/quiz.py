"""`tutor quiz`: practise questions in the app, or line by line on stdin/stdout with `--plain`.

Argument parsing only: the app is `tutor.tui`, the line-based quiz and the exam answering loop
(`--exam FILE`) are `tutor.plain`.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from tutor.commands._common import add_bank_option, add_filter_options, bank_paths, load_banks_or_exit
from tutor.commands._store import add_data_dir_option, open_store_or_exit
from tutor.errors import UserError

if TYPE_CHECKING:
    from tutor.session.engine import Session, SessionConfig
    from tutor.session.store import Store


def configure(parser: argparse.ArgumentParser) -> None:
    parser.epilog = (
        "--plain: one answer per line; a code answer ends with a line holding only `.`; "
        "commands :hint, :skip, :quit; the end of input ends the session with its summary. "
        "Every answer is saved as it is given (see docs/progress.md)."
    )
    parser.add_argument("--plain", action="store_true", help="a line-based quiz on stdin/stdout (works when piped)")
    add_filter_options(parser)
    parser.add_argument("-n", type=int, default=10, metavar="N", help="number of questions (default 10; every --question is asked)")
    parser.add_argument("--seed", type=int, help="session seed: the same seed asks the same variants in the same order")
    parser.add_argument("--question", action="append", default=[], metavar="ID", help="ask this question (repeatable; in the order given)")
    add_bank_option(parser)
    parser.add_argument("--difficulty", metavar="RANGE", help="a level 1-5 or a range such as 2-4")
    parser.add_argument("--review", action="store_true", help="what is due for review first, then the weakest topics")
    parser.add_argument(
        "--resume",
        nargs="?",
        const="latest",
        metavar="SESSION",
        help="continue an unfinished session (the latest one, or the id given)",
    )
    parser.add_argument("--exam", metavar="FILE", help="answer an exam file; answers go to a submission file (line-based)")
    parser.add_argument("--submission", metavar="FILE", help="with --exam: where to write the answers (default: beside the exam file)")
    add_data_dir_option(parser)


def parse_difficulty(text: str | None) -> tuple[int, int]:
    """`3` -> (3, 3); `2-4` -> (2, 4); levels are 1..5."""
    if not text:
        return (1, 5)
    parts = text.replace("..", "-").split("-")
    try:
        low, high = (int(parts[0]), int(parts[-1])) if len(parts) <= 2 else (0, 0)
    except ValueError:
        low = high = 0
    if not (1 <= low <= high <= 5):
        raise UserError(f"--difficulty {text!r}: give a level 1-5 or a range such as 2-4")
    return (low, high)


def config_from_args(args: argparse.Namespace) -> "SessionConfig":
    from tutor.session.engine import SessionConfig

    if args.n < 1:
        raise UserError(f"-n {args.n}: ask for at least one question")
    return SessionConfig(
        topics=tuple(args.topic),
        kinds=tuple(args.kind),
        n=args.n,
        seed=args.seed,
        question_ids=tuple(args.question),
        banks=bank_paths(args),
        difficulty=parse_difficulty(args.difficulty),
        review=args.review,
    )


def _resume_id(store: "Store", wanted: str) -> str:
    if wanted != "latest":
        from tutor.session.store import SessionNotFound

        try:
            return store.find_session(wanted).id
        except SessionNotFound as exc:
            raise UserError(f"--resume: {exc}") from None
    unfinished = store.unfinished_sessions()
    if not unfinished:
        raise UserError("--resume: there is no unfinished session to resume")
    return unfinished[0].id


def _need_a_terminal() -> None:
    """The app draws a full screen; piped, it would write escape codes into the pipe and wait forever."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UserError("the app needs a terminal; when piping, use `tutor quiz --plain`")


def run(args: argparse.Namespace) -> int:
    if not args.plain and not args.exam:
        _need_a_terminal()
    if args.exam:
        from tutor.plain import answer_exam  # deferred: exam files need YAML

        return answer_exam(args.exam, args.submission, sys.stdin, sys.stdout)
    config = config_from_args(args)
    store = open_store_or_exit(args)
    try:
        resume = _resume_id(store, args.resume) if args.resume else None
        if not args.plain:
            from tutor.tui import run_app  # deferred: textual is loaded only for the app

            return run_app(config, store=store, resume=resume)
        session = _open_session(config, store, resume)
        note = session.shortfall_note() if resume is None else None
        if note:
            print(note)
        if session.config.review and resume is None:
            due = {qid for qid, _ in store.due_questions()}
            count = sum(1 for v in session.variants if v.id in due)
            print(f"Review: {count} question(s) due now" + (", then your weakest topics." if count < len(session.variants) else "."))
        from tutor.plain import run_plain

        return run_plain(session, sys.stdin, sys.stdout)
    finally:
        store.close()


def open_start_screen(args: argparse.Namespace) -> int:
    """Plain `tutor`: the app at its start screen."""
    _need_a_terminal()
    from tutor.tui import run_app  # deferred: textual is loaded only for the app

    store = open_store_or_exit(args)
    try:
        return run_app(None, store=store, resume=None)
    finally:
        store.close()


def _open_session(config: "SessionConfig", store: "Store", resume: str | None) -> "Session":
    from tutor.session.engine import Session, SessionConfig, SessionError

    try:
        if resume is not None:
            record = store.session(resume)
            assert record is not None  # _resume_id found it
            bank = load_banks_or_exit(SessionConfig.from_json(record.config).banks)
            return Session.from_record(record, store, bank)
        return Session.start(config, load_banks_or_exit(config.banks), store)
    except SessionError as exc:
        raise UserError(str(exc)) from None
