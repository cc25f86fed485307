"""`tutor quiz`: practise questions in the app, or line by line on stdin/stdout with `--plain`.

The plain quiz works when piped. One answer is one line; a code answer is every line up
to a line holding only `.` (or the end of input). `:hint`, `:skip` and `:quit` are commands
wherever an answer is expected. The end of input ends the session with its summary.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, TextIO

from tutor.cli import UserError
from tutor.notation.latex import plain_math
from tutor.commands._common import add_bank_option, add_filter_options, bank_paths, load_banks_or_exit, visible
from tutor.commands._store import add_data_dir_option, open_store_or_exit

if TYPE_CHECKING:
    from tutor.grading.grade import Grade
    from tutor.session.engine import Session, SessionConfig
    from tutor.session.store import Store

CODE_END = "."
MARKS = {"correct": "✓", "partial": "~", "incorrect": "✗"}


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
        from tutor.commands.exam import answer_exam  # deferred: exam files need YAML

        return answer_exam(args.exam, args.submission, sys.stdin, sys.stdout)
    config = config_from_args(args)
    store = open_store_or_exit(args)
    try:
        resume = _resume_id(store, args.resume) if args.resume else None
        if not args.plain:
            from tutor.tui import run_app  # deferred: textual is loaded only for the app

            return run_app(config, store=store, resume=resume)
        session = _open_session(config, store, resume)
        if session.config.review and resume is None:
            due = {qid for qid, _ in store.due_questions()}
            count = sum(1 for v in session.variants if v.id in due)
            print(f"Review: {count} question(s) due now" + (", then your weakest topics." if count < len(session.variants) else "."))
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


# -- the line-based quiz ---------------------------------------------------------------------------


def read_answer(inp: TextIO, *, code: bool, commands: tuple[str, ...] = (":hint", ":skip", ":quit")) -> str | None:
    """One answer (or command) from input; None at the end of input.

    A code answer runs up to a line holding only `CODE_END`; a command is recognised only
    as its first line. Anything else is one line.
    """
    if not code:
        line = inp.readline()
        return line.strip() if line else None
    lines: list[str] = []
    while True:
        line = inp.readline()
        if not line:
            return "\n".join(lines) if lines else None
        text = line.rstrip("\n").rstrip("\r")
        if not lines and text.strip() in commands:
            return text.strip()
        if text == CODE_END:
            return "\n".join(lines)
        lines.append(text)


def _show_question(session: "Session", out: TextIO) -> None:
    variant = session.current
    assert variant is not None
    q = variant.question
    total = len(session.variants)
    print(f"\n[{session.index + 1}/{total}] {q.topic} · {q.kind} · difficulty {q.difficulty} · {q.id}", file=out)
    print(plain_math(variant.prompt.rstrip()), file=out)
    for i, option in enumerate(variant.options):
        print(f"  {chr(ord('a') + i)}) {option}", file=out)
    if variant.kind == "code":
        starter = getattr(q, "starter", "")
        if starter:
            print("Starter code:", file=out)
            for line in starter.rstrip().splitlines():
                print(f"    {line}".rstrip(), file=out)
        print(f"Type your code, then a line with only `{CODE_END}` to submit.", file=out)
    for n, text in enumerate(session.hints_shown(), start=1):
        print(f"Hint {n}: {plain_math(text)}", file=out)
    commands = ":skip, :quit"
    cost = session.next_hint_cost()
    if cost is not None:
        commands = f":hint — {cost}; " + commands
    print(f"Commands: {commands}", file=out)


def _show_grade(result: "Grade", score: int, session: "Session", out: TextIO) -> None:
    variant = session.current
    assert variant is not None
    mark = MARKS.get(result.status.value, "")
    capped = f" (max {score} after hints)" if score < result.score else ""
    print(f"{mark} {result.status.value} · score {score} / 5{capped}", file=out)
    if result.interpreted and variant.kind != "code":
        print(f"  interpreted as: {result.interpreted}", file=out)
    for line in result.feedback:
        print(f"  - {line}", file=out)
    if result.status.value != "correct" and result.expected:
        print(f"  expected: {result.expected}", file=out)
    explanation = variant.explanation.strip()
    if explanation:
        print("", file=out)
        print(plain_math(explanation), file=out)


def _show_invalid(result: "Grade", answer: str, out: TextIO) -> None:
    message = result.feedback[0] if result.feedback else "could not read that answer"
    print(f"? could not read that answer: {visible(message)}", file=out)
    if result.position is not None and "\n" not in answer:
        print(f"    {visible(answer)}", file=out)
        print(f"    {' ' * result.position}^", file=out)
    for line in result.feedback[1:]:
        print(f"  - {visible(line)}", file=out)
    print("Try again (nothing was recorded).", file=out)


def show_summary(session: "Session", out: TextIO) -> None:
    summary = session.summary()
    print("\nSummary", file=out)
    if not summary.rows:
        print("  No question was answered.", file=out)
    width = max((len(r.question_id) for r in summary.rows), default=0)
    for row in summary.rows:
        score = "skipped" if row.score is None else f"{row.score} / 5"
        print(f"  {row.index + 1:>2}. {row.question_id:<{width}}  {row.topic:<9} {row.kind:<10} {score}", file=out)
    if summary.rows:
        print(f"Mean: {summary.mean:.1f} / 5 ({summary.level})", file=out)
        if len(summary.per_topic) > 1:
            topics = ", ".join(f"{t} {m:.1f}" for t, m in summary.per_topic.items())
            print(f"By topic: {topics}", file=out)
        if summary.weakest_topic and summary.per_topic[summary.weakest_topic] < 5:
            print(f"Practise next: tutor quiz --plain --topic {summary.weakest_topic}", file=out)
    if not session.done:
        print(f"Session {session.session_id} is unfinished; resume with: tutor quiz --plain --resume {session.session_id}", file=out)


def run_plain(session: "Session", inp: TextIO, out: TextIO) -> int:
    """Ask every remaining question of `session` on `inp`/`out`, then print the summary.

    Ctrl-C also ends with the summary (exit 130); what was answered is already stored.
    """
    if session.index > 0:
        print(f"Resuming session {session.session_id} at question {session.index + 1} of {len(session.variants)}.", file=out)
    try:
        _ask_all(session, inp, out)
    except KeyboardInterrupt:
        print("", file=out)
        show_summary(session, out)
        return 130
    show_summary(session, out)
    return 0


def _ask_all(session: "Session", inp: TextIO, out: TextIO) -> None:
    from tutor.grading.grade import Status

    while not session.done:
        _show_question(session, out)
        while True:
            print("> ", end="", file=out, flush=True)
            answer = read_answer(inp, code=session.current.kind == "code")
            if answer is None or answer == ":quit":
                if answer is None:
                    print("", file=out)
                return
            if answer == ":hint":
                text = session.hint()
                if text is None:
                    print("No more hints for this question.", file=out)
                else:
                    print(f"Hint {session.hints_used}: {plain_math(text)}", file=out)
                    cost = session.next_hint_cost()
                    if cost is not None:
                        print(f"(another hint {cost})", file=out)
                continue
            if answer == ":skip":
                print("Skipped.", file=out)
                session.skip()
                break
            if not answer.strip():
                print("Type an answer, or :hint, :skip, :quit.", file=out)
                continue
            result = session.submit(answer)
            if result.status is Status.INVALID:
                _show_invalid(result, answer, out)
                continue
            attempt = session.current_attempt
            _show_grade(result, attempt.score if attempt else result.score, session, out)
            session.advance()
            break
