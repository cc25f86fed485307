"""`tutor report SESSION`: one stored session as Markdown or JSON."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from tutor.errors import UserError
from tutor.commands._store import add_data_dir_option, no_history_at, open_store_or_exit


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("session", help="a session id (or its prefix), or `last`; see `tutor history --sessions`")
    parser.add_argument("--format", choices=("md", "json"), default="md", help="Markdown (default) or JSON")
    parser.add_argument("--out", metavar="FILE", help="write to FILE instead of standard output")
    add_data_dir_option(parser)


def _prompts(config: dict[str, Any], variants: tuple[tuple[str, int], ...]) -> dict[str, dict[str, str]]:
    """Rendered prompts and explanations (and code's model solutions) from the bank the session used,
    where it still loads (the report stands without them)."""
    from tutor.bank import BankError, load_bank
    from tutor.bank.variant import make_variant

    try:
        bank = load_bank([Path(p) for p in config.get("banks", [])])
    except BankError:
        return {}
    out = {}
    for qid, seed in variants:
        try:
            variant = make_variant(bank.get(qid), seed)
        except KeyError:
            continue
        texts = {"prompt": variant.prompt, "explanation": variant.explanation}
        model = getattr(variant.question, "answer", None)
        if variant.kind == "code" and isinstance(model, str):
            texts["model_solution"] = model
        out[qid] = texts
    return out


def run(args: argparse.Namespace) -> int:
    from tutor.session.report import report_json, report_markdown

    if (where := no_history_at(args)) is not None:  # no session to report: a mistake, exit 2
        raise UserError(f"no history at {where}: no session {args.session!r} to report (check --data-dir)")
    store = open_store_or_exit(args)
    try:
        if args.session == "last":
            sessions = store.sessions(1)
            record = sessions[0] if sessions else None
        else:
            from tutor.session.store import SessionNotFound

            try:
                record = store.find_session(args.session)
            except SessionNotFound as exc:
                raise UserError(str(exc)) from None
        if record is None:
            raise UserError("there is no session yet (see `tutor history --sessions`)")
        data = report_json(record, store, _prompts(record.config, record.variants))
    finally:
        store.close()
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n" if args.format == "json" else report_markdown(data)
    if args.out:
        try:
            Path(args.out).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UserError(f"cannot write {args.out}: {exc.strerror}") from None
    else:
        sys.stdout.write(text)
    return 0
