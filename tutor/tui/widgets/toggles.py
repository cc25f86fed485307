"""Rows the learner marks from the keyboard: the T/F claims of a `statements` question, the options of a
`multi` question, and the rubric checklist of a written answer.

Every state has its own glyph (`[T]`/`[F]`, `☑`/`☐`, `[~]` for a machine suggestion), so nothing is told
by colour alone. Keys: ↑/↓ move; space cycles the row under the cursor; a number key cycles that row;
`t`/`f` mark a claim and move on (statements). The answer widgets have the interface of
`tutor.tui.widgets.answers`: `value()`, `focus_answer()`, `show_problem(position)`.
"""

from __future__ import annotations

from typing import Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.events import Key
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Static

from tutor.bank.labels import option_label, option_letter
from tutor.bank.variant import Variant, render
from tutor.notation.latex import plain_math


class ToggleRows(Widget, can_focus=True):
    """Rows of `labels`, each in a state drawn by its glyph; space (or the row's number) moves the row to
    the next state of `cycle` (a starting state outside `cycle`, like a suggestion, moves to its first)."""

    DEFAULT_CSS = """
    ToggleRows { height: auto; padding: 0 1; }
    """
    BINDINGS = [
        Binding("up,k", "move(-1)", "Up", show=False),
        Binding("down,j", "move(1)", "Down", show=False),
        Binding("space", "toggle", "Toggle"),
    ]

    cursor: reactive[int] = reactive(0)

    class Toggled(Message):
        """A row changed state."""

        def __init__(self, rows: "ToggleRows", row: int) -> None:
            super().__init__()
            self.rows = rows
            self.row = row

    def __init__(
        self,
        labels: Sequence[str],
        states: Sequence[str],
        cycle: Sequence[str],
        glyphs: dict[str, str],
        *,
        notes: Sequence[str] = (),
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.labels = list(labels)
        self.states = list(states)
        self.cycle = tuple(cycle)
        self.glyphs = dict(glyphs)
        self.notes = list(notes) or [""] * len(self.labels)

    def render(self) -> Content:
        lines = []
        for i, (label, state) in enumerate(zip(self.labels, self.states)):
            here = i == self.cursor
            parts: list[tuple[str, str] | str] = [
                "▸ " if here else "  ",
                (f"{self.glyphs[state]} {i + 1}. {label}", "reverse" if here and self.has_focus else ""),
            ]
            if self.notes[i]:
                parts.append((f"  {self.notes[i]}", "italic"))
            lines.append(Content.assemble(*parts))
        return Content("\n").join(lines)

    def set_state(self, row: int, state: str) -> None:
        self.states[row] = state
        self.refresh()
        self.post_message(self.Toggled(self, row))

    def next_state(self, row: int) -> None:
        state = self.states[row]
        following = self.cycle[(self.cycle.index(state) + 1) % len(self.cycle)] if state in self.cycle else self.cycle[0]
        self.set_state(row, following)

    def action_move(self, step: int) -> None:
        self.cursor = max(0, min(len(self.labels) - 1, self.cursor + step))

    def action_toggle(self) -> None:
        self.next_state(self.cursor)

    def watch_cursor(self) -> None:
        self.refresh()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def on_key(self, event: Key) -> None:
        char = event.character or ""
        if char.isdigit() and 1 <= int(char) <= len(self.labels):
            event.stop()
            event.prevent_default()
            self.cursor = int(char) - 1
            self.next_state(self.cursor)


# ---- statements: a row of T/F toggles per claim ---------------------------------------------------

UNMARKED = "?"
CLAIM_GLYPHS = {UNMARKED: " T   F ", "T": "[T]  F ", "F": " T  [F]"}


class StatementsAnswer(Vertical):
    """One row per claim: `t`/`f` mark the claim under the cursor and move on; space flips it; the
    value is the marks in order (`TFFT`), `?` for a claim not marked yet (the grader says which)."""

    DEFAULT_CLASSES = "answer"

    def __init__(self, variant: Variant, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.variant = variant

    def compose(self) -> ComposeResult:
        claims = [plain_math(render(s.text, self.variant.params)) for s in getattr(self.variant.question, "statements", ())]
        yield ToggleRows(claims, [UNMARKED] * len(claims), ("T", "F"), CLAIM_GLYPHS, id="claims")
        yield Static("t / f mark the claim under the cursor · space flips it · ↑/↓ move · ctrl+s submits",
                     classes="answer-help", markup=False)

    @property
    def rows(self) -> ToggleRows:
        return self.query_one("#claims", ToggleRows)

    def on_key(self, event: Key) -> None:
        char = (event.character or "").upper()
        if char in ("T", "F"):
            event.stop()
            event.prevent_default()
            rows = self.rows
            rows.set_state(rows.cursor, char)
            rows.action_move(1)

    def value(self) -> str:
        return "".join(self.rows.states)

    def focus_answer(self) -> None:
        self.rows.focus()

    def show_problem(self, position: int | None) -> None:
        rows = self.rows
        rows.focus()
        if position is not None and 0 <= position < len(rows.states):
            rows.cursor = position
        elif UNMARKED in rows.states:
            rows.cursor = rows.states.index(UNMARKED)


# ---- multi: select all that apply --------------------------------------------------------------------

PICK_GLYPHS = {"no": "☐", "yes": "☑"}


class MultiAnswer(Vertical):
    """Checkboxes (☐ / ☑) for select-all-that-apply; space or the option's number ticks it; the value is
    the ticked letters (`A, C`) as the choice grader reads them."""

    DEFAULT_CLASSES = "answer"

    def __init__(self, variant: Variant, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.variant = variant

    def compose(self) -> ComposeResult:
        labels = [option_label(i, plain_math(o)) for i, o in enumerate(self.variant.options)]
        yield ToggleRows(labels, ["no"] * len(labels), ("yes", "no"), PICK_GLYPHS, id="picks")
        yield Static("select all that apply: space or a number ticks an option · ↑/↓ move · ctrl+s submits",
                     classes="answer-help", markup=False)

    @property
    def rows(self) -> ToggleRows:
        return self.query_one("#picks", ToggleRows)

    def value(self) -> str:
        return ", ".join(option_letter(i) for i, s in enumerate(self.rows.states) if s == "yes")

    def focus_answer(self) -> None:
        self.rows.focus()

    def show_problem(self, position: int | None) -> None:
        self.rows.focus()


# ---- the rubric checklist of a written answer -----------------------------------------------------

SUGGESTED = "suggested"
CHECK_GLYPHS = {SUGGESTED: "[~]", "yes": "☑", "no": "☐"}
SUGGESTION_NOTE = "(seems present: a machine suggestion)"


def checklist_rows(points: Sequence[str], suggested: Sequence[int], *, id: str = "checklist") -> ToggleRows:
    """The rubric as rows: a point the patterns found starts as a suggestion (`[~]`), the rest unticked."""
    states = [SUGGESTED if i in suggested else "no" for i in range(len(points))]
    notes = [SUGGESTION_NOTE if i in suggested else "" for i in range(len(points))]
    return ToggleRows([plain_math(p) for p in points], states, ("yes", "no"), CHECK_GLYPHS, notes=notes, id=id)
