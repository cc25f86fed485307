"""`?` or `F1`: the keys of the screen underneath, read from its live bindings, and what it is for."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

# Keys the widgets handle themselves (not bindings), said per screen so help is complete.
EXTRA_KEYS: dict[str, tuple[tuple[str, str], ...]] = {
    "QuestionScreen": (
        ("enter", "submit a one-line answer, or choose the highlighted option"),
        ("a-z, 1-9", "choice: point at that option (tick it, when several may be ticked)"),
        ("space", "choice with several answers: tick or untick the highlighted option"),
        ("ctrl+a", "editor: select all (home: line start)"),
        ("ctrl+e", "editor: open the answer in $VISUAL or $EDITOR (end: line end)"),
        ("ctrl+z / ctrl+y", "editor: undo / redo"),
    ),
    "StartScreen": (("space", "tick or untick a topic or kind"),),
    "SummaryScreen": (("enter", "show the highlighted question's feedback again"),),
    "StatsScreen": (("enter", "practise the highlighted weak area"),),
    "ExplorerScreen": (("tab / shift+tab", "next / previous field"), ("enter", "open a list; choose in it")),
}


def key_lines(screen: object, bindings: dict[str, object]) -> list[tuple[str, str]]:
    """(key, what it does) for every binding of `screen` that has a description, then the widget keys."""
    seen: dict[str, str] = {}
    for key, active in bindings.items():
        binding = getattr(active, "binding", None)
        if binding is None or not binding.description or not getattr(active, "enabled", True):
            continue
        node = getattr(active, "node", None)
        if node is not screen and type(node).__name__ != "TutorApp" and not binding.show:
            continue  # a focused widget's own movement keys (up, home, ...) go without saying
        name = binding.key_display or key
        if binding.description not in seen.values():
            seen[name] = binding.description
    lines = list(seen.items())
    lines += list(EXTRA_KEYS.get(type(screen).__name__, ()))
    return lines


class HelpScreen(ModalScreen[None]):
    """The keys for the screen underneath; any of escape, q, ? or F1 closes it."""

    BINDINGS = [Binding("escape,q,question_mark,f1", "close", "Close")]

    def __init__(self, title: str, lines: list[tuple[str, str]], about: str = "") -> None:
        super().__init__()
        self._title = title
        self._lines = lines
        self._about = about

    def compose(self) -> ComposeResult:
        width = max((len(k) for k, _ in self._lines), default=4)
        text = "\n".join(f"{k:<{width}}  {d}" for k, d in self._lines)
        with Vertical(id="dialog"):
            yield Static(f"Keys: {self._title}", id="dialog-title", markup=False)
            if self._about:
                yield Static(self._about, id="help-about", markup=False)
            with VerticalScroll(id="help-keys"):
                yield Static(text, markup=False)
            yield Static("esc closes", classes="answer-help", markup=False)

    def action_close(self) -> None:
        self.dismiss(None)
