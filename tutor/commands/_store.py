"""The `--data-dir` option and opening the history store for the commands that keep or read history."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

if TYPE_CHECKING:
    from tutor.session.store import Store


def add_data_dir_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="where the history is kept (default: the user data dir; also $TUTOR_DATA_DIR)",
    )


def open_store_or_exit(args: argparse.Namespace) -> "Store":
    """Open the history; a refused history (newer tutor) prints its message and exits 1; a notice goes to stderr."""
    from tutor.session.store import Store, StoreError

    try:
        store = Store.at(getattr(args, "data_dir", None))
    except StoreError as exc:
        print(f"tutor: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    if store.notice:
        print(f"tutor: {store.notice}", file=sys.stderr)
    return store


def bank_paths(args: argparse.Namespace) -> tuple[str, ...]:
    """--bank paths then $TUTOR_BANK paths, absolute, so a stored session finds them again on resume."""
    from tutor.bank import bank_paths_from_env

    paths = [Path(p) for p in getattr(args, "bank", [])] + list(bank_paths_from_env())
    return tuple(str(p.expanduser().resolve()) for p in paths)


def load_bank_or_exit(paths: Sequence[str]) -> Any:
    """The built-in bank plus `paths`; every problem printed and exit 1 on a bad bank."""
    from tutor.bank import BankError, load_bank

    try:
        return load_bank([Path(p) for p in paths])
    except BankError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"tutor: the question bank has {len(exc.problems)} problem(s); nothing was run", file=sys.stderr)
        raise SystemExit(1) from None
