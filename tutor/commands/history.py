"""`tutor history`: the recorded answers (question id, seed, answer, score, time), oldest first."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from tutor.errors import UserError
from tutor.commands._store import add_data_dir_option, no_history_at, open_store_or_exit, say_no_history

if TYPE_CHECKING:
    from tutor.session.store import SessionRecord


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print a JSON list")
    parser.add_argument("--session", metavar="SESSION", help="only this session (an id or its prefix)")
    parser.add_argument("--limit", type=int, metavar="N", help="only the last N answers")
    parser.add_argument("--sessions", action="store_true", help="list sessions instead of answers")
    add_data_dir_option(parser)


def _one_line(text: str, width: int = 40) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def run(args: argparse.Namespace) -> int:
    from tutor.session.store import iso_time

    if args.limit is not None and args.limit < 1:
        raise UserError(f"--limit {args.limit}: give a positive number")
    if (where := no_history_at(args)) is not None:
        return say_no_history(where, getattr(args, "json", False))
    store = open_store_or_exit(args)
    try:
        if args.sessions:
            records = store.sessions(args.limit)
            if args.json:
                print(json.dumps([_session_json(r) for r in records], indent=2, ensure_ascii=False))
            else:
                for r in records:
                    state = "finished" if r.finished else ("complete" if r.answered >= r.total else "unfinished")
                    waiting = f", {r.awaiting} awaiting your assessment" if r.awaiting else ""
                    print(f"{r.id}  {iso_time(r.created)}  {r.mode:<6} {r.answered}/{r.total} answered{waiting}  {state}")
            return 0
        session_id = None
        if args.session:
            from tutor.session.store import SessionNotFound

            try:
                session_id = store.find_session(args.session).id
            except SessionNotFound as exc:
                raise UserError(f"--session: {exc}") from None
        attempts = store.attempts(session_id, limit=args.limit)
    finally:
        store.close()
    if args.json:
        print(json.dumps([a.to_json() for a in attempts], indent=2, ensure_ascii=False))
        return 0
    if not attempts:
        print("No answers recorded yet.")
        return 0
    for a in attempts:
        score = "skipped" if a.skipped else f"{a.score}/5"
        if a.awaiting_assessment:  # a written answer stored at submit; its checklist is not confirmed yet
            score = "awaiting your assessment"
        print(f"{iso_time(a.created)}  {a.session_id}  {a.question_id:<28} seed {a.seed:<10}  {score:<7}  {_one_line(a.answer)}")
    if any(a.awaiting_assessment for a in attempts):
        print("Awaiting your assessment: not scored yet (no mean counts it); tutor quiz --resume opens its checklist again.")
    return 0


def _session_json(r: "SessionRecord") -> dict[str, object]:
    from tutor.session.store import iso_time

    return {
        "id": r.id,
        "created": iso_time(r.created),
        "mode": r.mode,
        "seed": r.seed,
        "answered": r.answered,
        "awaiting_assessment": r.awaiting,
        "total": r.total,
        "finished": None if r.finished is None else iso_time(r.finished),
        "config": r.config,
        "questions": [{"id": q, "seed": s} for q, s in r.variants],
    }
