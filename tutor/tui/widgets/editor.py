"""The editor for code and written answers, behaving like one.

- `enter` keeps the line's indentation, and indents one level more after a line ending in `:`;
- `ctrl+a` selects everything (`home` still goes to the line start);
- `ctrl+e` opens the text in `$VISUAL` or `$EDITOR` (the app suspends, as lazygit does, and reads
  the file back when the editor exits; `end` still goes to the line end).
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from pathlib import Path

from textual import events
from textual.binding import Binding
from textual.widgets import TextArea


def editor_command() -> list[str] | None:
    """The user's editor from $VISUAL, then $EDITOR, split as a shell would; None when neither is set."""
    for name in ("VISUAL", "EDITOR"):
        value = os.environ.get(name, "").strip()
        if value:
            try:
                return shlex.split(value)
            except ValueError:
                return [value]
    return None


def edit_externally(text: str, command: list[str], suffix: str = ".py") -> tuple[str, str | None]:
    """Run `command FILE` on a temporary file holding `text`; the file's text afterwards, and a problem
    (the editor could not start, or exited with an error) or None. The text is kept on any problem."""
    with tempfile.TemporaryDirectory(prefix="tutor-edit-") as folder:
        path = Path(folder) / f"answer{suffix}"
        path.write_text(text, encoding="utf-8")
        try:
            done = subprocess.run([*command, str(path)], check=False)
        except OSError as exc:
            return text, f"could not start {command[0]!r}: {exc.strerror or exc}"
        if done.returncode != 0:
            return text, f"{command[0]} exited with status {done.returncode}; the answer was not changed"
        try:
            return path.read_text(encoding="utf-8"), None
        except (OSError, UnicodeDecodeError) as exc:
            return text, f"could not read the edited file back: {exc}"


def next_line_indent(line_before_cursor: str, indent_width: int = 4) -> str:
    """The indentation a new line gets: the current line's, one level more after a trailing `:`."""
    indent = line_before_cursor[: len(line_before_cursor) - len(line_before_cursor.lstrip(" \t"))]
    code = line_before_cursor.split("#", 1)[0].rstrip() if "#" in line_before_cursor else line_before_cursor.rstrip()
    if code.endswith(":"):
        indent += " " * indent_width
    return indent


class AnswerEditor(TextArea):
    """A TextArea with auto-indent (for code), select-all on ctrl+a and $EDITOR on ctrl+e."""

    BINDINGS = [
        Binding("ctrl+a", "select_all", "Select all", show=False),
        Binding("ctrl+e", "external_editor", "$EDITOR", show=False),
    ]

    def __init__(self, *args: object, auto_indent: bool = True, suffix: str = ".py", **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.auto_indent = auto_indent
        self.suffix = suffix

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter" and self.auto_indent and not self.read_only:
            event.stop()
            event.prevent_default()
            start, end = self.selection
            top = min(start, end)
            line = self.document[top[0]][: top[1]]
            self._replace_via_keyboard("\n" + next_line_indent(line, self.indent_width), start, end)
            return
        await super()._on_key(event)

    def action_external_editor(self) -> None:
        command = editor_command()
        if command is None:
            self.notify("Set $VISUAL or $EDITOR (e.g. export EDITOR=vim) to edit the answer in your own editor.", severity="warning")
            return
        from textual.app import SuspendNotSupported

        try:
            with self.app.suspend():
                text, problem = edit_externally(self.text, command, self.suffix)
        except SuspendNotSupported:
            self.notify("This terminal cannot hand over to another program.", severity="warning")
            return
        self.app.refresh(layout=True)
        if problem:
            self.notify(problem, severity="warning")
        if text != self.text:
            self.replace(text, (0, 0), self.document.end)  # one undoable edit: ctrl+z brings the old text back
