"""`tutor explore`: the KV-cache explorer in the app (a terminal), or its figures as text (`--plain`, piped)."""

from __future__ import annotations

import argparse
import sys

from tutor.errors import UserError
from tutor.explore import DEFAULT_BANDWIDTH_GBS, DEFAULT_MODEL, DTYPES, Settings


def configure(parser: argparse.ArgumentParser) -> None:
    from reference_impl.models import all_models  # pure Python: the model tables

    parser.add_argument("--model", default=DEFAULT_MODEL, metavar="NAME", help=f"one of: {', '.join(all_models())} (default {DEFAULT_MODEL})")
    parser.add_argument("--dtype", default="bf16", choices=tuple(DTYPES), help="weights and cache element type (default bf16)")
    parser.add_argument("--batch", type=int, default=1, help="sequences decoded together (default 1)")
    parser.add_argument("--context", type=int, default=8192, help="tokens in each sequence's context (default 8192)")
    parser.add_argument(
        "--bandwidth", type=float, default=DEFAULT_BANDWIDTH_GBS, metavar="GB/S",
        help=f"memory bandwidth for the time floor (default {DEFAULT_BANDWIDTH_GBS:g}, an H100 SXM)",
    )
    parser.add_argument("--plain", action="store_true", help="print the figures and a table instead of opening the app")


def settings_from_args(args: argparse.Namespace) -> Settings:
    from reference_impl.models import all_models

    models = all_models()
    by_lower = {name.lower(): name for name in models} | {m.label.lower(): name for name, m in models.items()}
    model = by_lower.get(args.model.lower())
    if model is None:
        raise UserError(f"--model {args.model!r}: models: {', '.join(models)}")
    try:
        return Settings(model, args.dtype, args.batch, args.context, args.bandwidth).check()
    except ValueError as exc:
        raise UserError(str(exc)) from None


def run(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    if args.plain or not (sys.stdin.isatty() and sys.stdout.isatty()):
        from tutor.explore import text_report

        print(text_report(settings))
        return 0
    from tutor.tui import run_app  # deferred: textual only for the app

    return run_app(None, explore=settings)
