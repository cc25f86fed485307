"""The `tutor` command: a thin argparse front over one module per sub-command.

Each module in `tutor.commands` defines `HELP` (one line), `configure(parser)`
and `run(args) -> int`. Command modules import nothing heavy at module level,
so `tutor --help` and `tutor check` start fast; torch is never imported here.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from tutor import __version__

# Sub-command name -> module under tutor.commands (the name `list` shadows a builtin).
COMMANDS: dict[str, str] = {
    "quiz": "quiz",
    "list": "list_cmd",
    "check": "check",
    "validate": "validate",
    "new": "new",
    "doctor": "doctor",
    "stats": "stats",
    "history": "history",
    "report": "report",
    "exam": "exam",
    "grade": "grade",
}


class UserError(Exception):
    """A mistake a user made (bad flag value, missing file): shown as one line, exit 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tutor",
        description="Practise and examine multi-head, multi-query and grouped-query attention and the KV cache.",
    )
    parser.add_argument("--version", action="version", version=f"attention-tutor {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module_name in COMMANDS.items():
        try:
            module = importlib.import_module(f"tutor.commands.{module_name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"tutor.commands.{module_name}":
                continue  # a command not built yet is simply absent from the CLI
            raise
        p = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.configure(p)
        p.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    run = getattr(args, "_run", None)
    try:
        if run is None:
            # Plain `tutor` opens the app at its start screen.
            from tutor.commands import quiz  # deferred: keeps `tutor --help` light

            return quiz.open_start_screen(args)
        return int(run(args) or 0)
    except UserError as exc:
        print(f"tutor: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("tutor: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
