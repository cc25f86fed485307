"""The `tutor` command: a thin argparse front over one module per sub-command.

Each module in `tutor.commands` defines `configure(parser)` and `run(args) -> int`;
its one-line help is in `COMMANDS` here. Command modules import nothing heavy at module level,
so `tutor --help` and `tutor check` start fast; torch is never imported here.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import sys
from typing import Sequence

from tutor import __version__
from tutor.errors import UserError

# Sub-command name -> (module under tutor.commands, one-line help). Only the module of the command
# being run is imported, so `tutor quiz` does not pay for the other ten.
COMMANDS: dict[str, tuple[str, str]] = {
    "quiz": ("quiz", "practise questions (the app; --plain for a line-based quiz on stdin/stdout)"),
    "list": ("list_cmd", "list the questions in the bank"),
    "show": ("show", "print a question's full prompt (--starter: a code question's starter code)"),
    "check": ("check", "grade an answer to a question from the shell"),
    "validate": ("validate", "check question-bank files: format, answers, feedback rules, examples and variants (exit 1 on any problem)"),
    "new": ("new", "print a commented YAML template for a new question of KIND"),
    "doctor": ("doctor", "report the code sandbox's layers on this machine, and the torch version and device"),
    "stats": ("stats", "your progress: mean score by topic and kind, trend, weakest areas"),
    "history": ("history", "list your recorded answers"),
    "report": ("report", "export a session (Markdown or JSON)"),
    "explore": ("explore", "the KV-cache explorer: cache size and decode-step bytes of real models (--plain: as text)"),
    "exam": ("exam", "instructor tools: write one exam file per student (`tutor exam make`)"),
    "grade": ("grade", "grade submission files into a gradebook (parallel; --shard/--merge for clusters)"),
}


def _command_in(argv: Sequence[str]) -> str | None:
    """The sub-command named in argv (its first word that is not an option), if any."""
    words = iter(argv)
    for word in words:
        if word == "--data-dir":  # the main parser's one option with a value: skip the value
            next(words, None)
            continue
        if not word.startswith("-"):
            return word if word in COMMANDS else None
    return None


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole parser; with `only`, the options of that one command alone are loaded."""
    parser = argparse.ArgumentParser(
        prog="tutor",
        description="Practise and examine multi-head, multi-query and grouped-query attention and the KV cache.",
    )
    parser.add_argument("--version", action="version", version=f"attention-tutor {__version__}")
    parser.add_argument(
        "--data-dir", metavar="DIR", default=None,
        help="where the history is kept, for every command (also after the command; $TUTOR_DATA_DIR)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        if only is None or name == only:
            module = importlib.import_module(f"tutor.commands.{module_name}")
            module.configure(p)
            p.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # Importing the command's module (for most, pydantic and the bank's models) creates many objects
    # and frees none: the cyclic collector's passes over them are wasted start-up time, so it is paused.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        parser = build_parser(only=_command_in(argv) or "")
    finally:
        if was_enabled:
            gc.enable()
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
    except BrokenPipeError:  # `tutor list | head`: the reader left; not an error
        return 0
    except OSError as exc:
        # A file or folder a user named (or the terminal) refused: one line, not a traceback.
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"tutor: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("tutor: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
