"""Options and helpers shared by several sub-commands (kept light: no heavy imports)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, Sequence

from tutor.bank.model import KINDS, TOPICS
from tutor.bank.names import flag_value, kind_name, parse_kind, parse_topic, topic_name
from tutor.errors import print_bank_problems


def add_bank_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--bank",
        action="append",
        default=[],
        metavar="PATH",
        help="a bank file or folder to add to the built-in questions (repeatable; also $TUTOR_BANK)",
    )


def add_filter_options(parser: argparse.ArgumentParser) -> None:
    topics = ", ".join(flag_value(topic_name(t)) for t in TOPICS)
    kinds = ", ".join(kind_name(k) for k in KINDS)
    parser.add_argument(
        "--topic", action="append", default=[], type=topic_arg, metavar="TOPIC",
        help=f"only this topic (repeatable): {topics}; the YAML keys (kv-cache) work too",
    )
    parser.add_argument(
        "--kind", action="append", default=[], type=kind_arg, metavar="KIND",
        help=f"only this kind (repeatable): {kinds}; the YAML keys (numeric, complexity, ...) work too",
    )


def topic_arg(text: str) -> str:
    """argparse type for --topic: any accepted spelling -> the YAML key."""
    try:
        return parse_topic(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def kind_arg(text: str) -> str:
    """argparse type for --kind: any accepted spelling -> the YAML key."""
    try:
        return parse_kind(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def bank_paths(args: argparse.Namespace) -> tuple[str, ...]:
    """--bank paths then $TUTOR_BANK paths, absolute, so a stored session finds them again on resume."""
    from tutor.bank import bank_paths_from_env

    paths = [Path(p) for p in getattr(args, "bank", [])] + list(bank_paths_from_env())
    return tuple(str(p.expanduser().resolve()) for p in paths)


def load_banks_or_exit(paths: Sequence[str]) -> Any:
    """The built-in bank plus `paths`; every problem printed and exit 1 on a bad bank."""
    from tutor.bank import BankError, load_bank

    try:
        return load_bank([Path(p) for p in paths])
    except BankError as exc:
        print_bank_problems(exc)
        raise SystemExit(1) from None


def load_bank_or_exit(args: argparse.Namespace) -> Any:
    """Load the built-in bank plus --bank and $TUTOR_BANK (see `load_banks_or_exit`)."""
    return load_banks_or_exit(bank_paths(args))
