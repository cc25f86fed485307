"""The `--data-dir` option and opening the history store for the commands that keep or read history."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tutor.session.store import Store


def add_data_dir_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        default=argparse.SUPPRESS,  # absent here: keep what `tutor --data-dir DIR COMMAND` set
        help="where the history is kept (default: the user data dir; also $TUTOR_DATA_DIR); also before the command",
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


def no_history_at(args: argparse.Namespace) -> str | None:
    """For a command that only reads the history: the data dir when no history file is there, else None.

    Such a command must not create the folder or an empty database (a mistyped --data-dir would
    quietly start a new, empty history); it says "no history at DIR" instead.
    """
    from tutor.paths import db_path

    path = db_path(getattr(args, "data_dir", None))
    return None if path.exists() else str(path.parent)


def say_no_history(where: str, as_json: bool = False) -> int:
    """`tutor history`/`stats` with no history file: a fact, not a mistake: the line, exit 0 (stderr
    under --json, so that stdout stays empty rather than holding text that is not JSON)."""
    print(f"No answers recorded yet: no history at {where}", file=sys.stderr if as_json else sys.stdout)
    return 0
