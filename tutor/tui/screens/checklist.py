"""After a written answer: the learner's answer beside the model answer, the rubric as a checklist
pre-marked where the patterns *seem* to find a point (a suggestion, drawn `[~]`), and a warning for each
wrong claim the answer seems to make. The learner confirms (☑) or clears (☐) every point; the score is
theirs: `1 + 4 × confirmed weight / total weight`, recorded as self-assessed. The screen dismisses
with the assessed grade.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from tutor.grading.grade import score_for
from tutor.grading.text import CONTRADICTION_LEAD, confirmed_fraction
from tutor.tui.widgets.toggles import SUGGESTED, ToggleRows, checklist_rows

if TYPE_CHECKING:
    from tutor.bank.variant import Variant
    from tutor.grading.grade import Grade


class ChecklistScreen(Screen["Grade"]):
    """The learner decides which rubric points their written answer makes; enter scores it."""

    BINDINGS = [Binding("enter,ctrl+s", "confirm", "Score my answer", priority=True)]

    def __init__(self, session: Any, variant: "Variant", grade: "Grade") -> None:
        super().__init__()
        self.session = session
        self.variant = variant
        self.grade = grade
        self.rubric = list(getattr(variant.question, "rubric", ()))

    def compose(self) -> ComposeResult:
        total = len(self.session.variants)
        yield Static(f"Question {self.session.index + 1} of {total}  │  written answer: you decide the score",
                     id="question-bar", markup=False)
        with VerticalScroll(id="checklist-body"):
            with Horizontal(id="answers-side-by-side"):
                with Vertical(classes="side"):
                    yield Static("Your answer", classes="section-title", markup=False)
                    yield Static(self.grade.interpreted, id="your-answer", markup=False)
                with Vertical(classes="side"):
                    yield Static("A model answer", classes="section-title", markup=False)
                    yield Static(self.grade.expected, id="model-answer", markup=False)
            warnings = [line for line in self.grade.feedback if line.startswith(CONTRADICTION_LEAD)]
            if warnings:
                yield Static("\n".join(f"⚠ {line}" for line in warnings), id="contradictions", markup=False)
            yield Static("Which points does your answer make? [~] is only the machine's guess: confirm or clear each.",
                         classes="section-title", markup=False)
            yield checklist_rows([p.point for p in self.rubric], self.grade.details.get("suggested", ()))
            yield Static("", id="checklist-score", markup=False)
        yield Footer()

    @property
    def rows(self) -> ToggleRows:
        return self.query_one("#checklist", ToggleRows)

    def on_mount(self) -> None:
        self.rows.focus()
        self._update_score()

    def on_toggle_rows_toggled(self, event: ToggleRows.Toggled) -> None:
        self._update_score()

    def _update_score(self) -> None:
        states = self.rows.states
        left = states.count(SUGGESTED)
        chosen = [i for i, s in enumerate(states) if s == "yes"]
        total = sum(p.weight for p in self.rubric)
        confirmed = sum(self.rubric[i].weight for i in chosen)
        score = score_for(confirmed_fraction(self.rubric, chosen))  # as Session.assess will score it
        line = f"your score: {score} / 5 (1 + 4 × {confirmed:g}/{total:g} of the points' weight)"
        if left:
            line += f"  ·  {left} suggestion(s) still to confirm or clear"
        else:
            line += "  ·  enter scores it"
        self.query_one("#checklist-score", Static).update(line)

    def action_confirm(self) -> None:
        states = self.rows.states
        if SUGGESTED in states:
            self.rows.cursor = states.index(SUGGESTED)
            self.notify("Confirm (space) or clear each point marked [~] first: the score is yours, not the machine's.",
                        severity="warning")
            return
        from tutor.session.engine import SessionError

        try:
            result = self.session.assess([i for i, s in enumerate(states) if s == "yes"])
        except SessionError as exc:  # assessed meanwhile in another window: that one stands
            self.notify(str(exc), severity="error", timeout=10)
            self.dismiss(None)
            return
        self.dismiss(result)
