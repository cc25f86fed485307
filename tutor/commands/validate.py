"""`tutor validate [PATH ...]`: check bank files, and grade every question's answer, feedback and examples."""

from __future__ import annotations

import argparse
import json
import sys

from tutor.errors import UserError


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="bank files or folders (default: the built-in bank and $TUTOR_BANK)",
    )
    parser.add_argument("--no-code", action="store_true", help="skip code questions (they run in a sandbox: slow)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of lines")
    parser.add_argument(
        "--variants",
        type=int,
        default=5,
        metavar="N",
        help="variants (seeds 0..N-1) to grade for each parameterized question (default 5)",
    )
    parser.add_argument(
        "--schema",
        action="store_true",
        help="print the JSON Schema of bank files (for editors) and exit",
    )


def run(args: argparse.Namespace) -> int:
    if args.schema:
        from tutor.bank.schema import shipped_schema_path  # deferred: only this flag needs it

        sys.stdout.write(shipped_schema_path().read_text(encoding="utf-8"))
        return 0
    if args.variants < 1:
        raise UserError("--variants must be at least 1")

    from tutor.bank.loader import bank_paths_from_env  # deferred: pydantic and yaml load here, not at start-up
    from tutor.grading.selfcheck import validate

    if args.paths:
        paths, builtin = list(args.paths), False
    else:
        paths, builtin = [str(p) for p in bank_paths_from_env()], True
    progress = _show_progress if sys.stderr.isatty() and not args.json else None
    report = validate(paths, builtin=builtin, code=not args.no_code, variants=args.variants, progress=progress)
    if progress is not None:
        sys.stderr.write("\r\033[K")
    if args.json:
        print(json.dumps(report.to_json(), indent=2))
    else:
        for problem in report.problems:
            print(problem)
        for warning in report.warnings:
            print(warning)
        print(report.summary())
    return 0 if report.ok else 1


def _show_progress(index: int, total: int, question: object) -> None:
    """One self-overwriting status line on a terminal: code questions take seconds each."""
    sys.stderr.write(f"\r\033[Kchecking {index + 1}/{total}: {getattr(question, 'id', '')}")
    sys.stderr.flush()
