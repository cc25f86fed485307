"""The start screen: pick topics, kinds, how many questions, a difficulty range and a seed; start.

It posts `Begin` (a new session's config) or `Resume` (a stored session) and the app opens the
session; when it cannot, the app hands the reason back with `show_problem`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Footer, Input, Label, Static

from tutor.bank.model import KINDS, TOPICS
from tutor.tui.widgets.options import OptionPicker
from tutor.tui.labels import kind_name, topic_name

if TYPE_CHECKING:
    from tutor.session.engine import SessionConfig
    from tutor.session.store import SessionRecord


class StartScreen(Screen[None]):
    """Options for a new session; nothing ticked means every topic (or kind)."""

    BINDINGS = [
        Binding("ctrl+s", "start", "Start", priority=True),
        Binding("ctrl+r", "resume", "Resume", priority=True),
        # Letters are free here: the only text fields take digits.
        Binding("r", "review", "Review", priority=True),
        Binding("e", "app.explore", "KV explorer", priority=True),
    ]

    class Begin(Message):
        """Start a new session from `config`."""

        def __init__(self, config: "SessionConfig") -> None:
            super().__init__()
            self.config = config

    class Review(Message):
        """Start a review session: what is due first, then the weakest topics."""

        def __init__(self, n: int) -> None:
            super().__init__()
            self.n = n

    class Resume(Message):
        """Continue the stored session `record` where it stopped."""

        def __init__(self, record: "SessionRecord") -> None:
            super().__init__()
            self.record = record

    def __init__(
        self,
        *,
        banks: tuple[str, ...] = (),
        unfinished: "tuple[SessionRecord, ...]" = (),
        due: int | None = None,
    ) -> None:
        super().__init__()
        self.unfinished = unfinished  # newest first
        self.resumable = self.unfinished[0] if self.unfinished else None  # the newest, for the Resume button
        self.banks = banks  # the extra bank paths a new session loads
        self.due = due  # review cards due now; None: no history is kept

    def compose(self) -> ComposeResult:
        yield Static("Attention Tutor  ·  practise MHA, MQA, GQA and the KV cache", id="title-bar", markup=False)
        with Vertical(id="start-form"):
            yield Static(self._due_text(), id="due", markup=False)
            with Horizontal(id="pickers"):
                with Vertical(classes="picker"):
                    yield Label("Topics (none ticked: all)")
                    yield OptionPicker([(t, topic_name(t)) for t in TOPICS], multiple=True, lettered=False, id="topics")
                with Vertical(classes="picker"):
                    yield Label("Kinds (none ticked: all)")
                    yield OptionPicker([(k, kind_name(k)) for k in KINDS], multiple=True, lettered=False, id="kinds")
            with Horizontal(id="numbers"):
                with Vertical(classes="field"):
                    yield Label("Questions")
                    yield Input("10", type="integer", id="count", max_length=3)
                with Vertical(classes="field"):
                    yield Label("Difficulty from")
                    yield Input("1", type="integer", id="difficulty-low", max_length=1)
                with Vertical(classes="field"):
                    yield Label("to")
                    yield Input("5", type="integer", id="difficulty-high", max_length=1)
                with Vertical(classes="field"):
                    yield Label("Seed (blank: random)")
                    yield Input("", type="integer", id="seed", max_length=12)
            with Horizontal(id="start-row"):
                yield Button("Start  (ctrl+s)", id="start", variant="primary")
                yield Button("Resume  (ctrl+r)", id="resume")
                yield Button("KV-cache explorer  (e)", id="explore")
                yield Static("", id="start-error", markup=False)
        yield Footer()

    def _due_text(self) -> str:
        if self.due is None:
            return "No history is kept in this run, so nothing is due for review."
        if self.due == 0:
            return "Nothing is due for review  ·  r practises your weakest topics"
        return f"{self.due} due for review  ·  r starts a review session"

    def on_mount(self) -> None:
        self.query_one("#topics").focus()
        record = self.resumable
        button = self.query_one("#resume", Button)
        button.display = record is not None
        if len(self.unfinished) > 1:
            button.label = f"Resume: {len(self.unfinished)} unfinished  (ctrl+r)"
        elif record is not None:
            button.label = f"Resume: {record.answered} of {record.total} answered{_to_assess(record)}  (ctrl+r)"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "resume":
            return self.query_one("#resume", Button).display  # shown in the footer only when there is one
        if action == "review":
            return self.due is not None
        return True

    def action_review(self) -> None:
        """What is due first, then the weakest topics; as many questions as the Questions field says."""
        try:
            n = self._int("count", "Questions", 1, 500)
        except ValueError as exc:
            self.show_problem(str(exc))
            return
        self.show_problem("")
        self.post_message(self.Review(n or 10))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "start":
            self.action_start()
        elif event.button.id == "resume":
            self.action_resume()
        elif event.button.id == "explore":
            self.run_action("app.explore")

    def action_resume(self) -> None:
        """Continue an unfinished session where it stopped (nothing answered is lost): the only one,
        or the one picked from the list of every unfinished session, newest first."""
        if self.resumable is None:
            return
        self.show_problem("")
        if len(self.unfinished) == 1:
            self.post_message(self.Resume(self.resumable))
            return
        self.app.push_screen(ResumePicker(self.unfinished), self._picked)

    def _picked(self, record: "SessionRecord | None") -> None:
        if record is not None:
            self.post_message(self.Resume(record))

    def show_problem(self, message: str) -> None:
        """Say why the session could not be opened (empty: clear it)."""
        self.query_one("#start-error", Static).update(message)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_start()

    def _int(self, widget_id: str, name: str, low: int, high: int, *, blank: int | None = None) -> int | None:
        text = self.query_one(f"#{widget_id}", Input).value.strip()
        if not text:
            if blank is None:
                raise ValueError(f"{name}: enter a whole number from {low} to {high}")
            return None
        try:
            value = int(text)
        except ValueError:
            raise ValueError(f"{name}: {text!r} is not a whole number from {low} to {high}") from None
        if not low <= value <= high:
            raise ValueError(f"{name}: {value} is not between {low} and {high}")
        return value

    def action_start(self) -> None:
        from tutor.session.engine import SessionConfig  # deferred: the engine is only needed to start

        error = self.query_one("#start-error", Static)
        try:
            n = self._int("count", "Questions", 1, 500)
            low = self._int("difficulty-low", "Difficulty from", 1, 5)
            high = self._int("difficulty-high", "Difficulty to", 1, 5)
            seed = self._int("seed", "Seed", 0, 2**63 - 1, blank=-1)
        except ValueError as exc:
            error.update(str(exc))
            return
        assert n is not None and low is not None and high is not None
        if low > high:
            error.update(f"Difficulty from {low} is above difficulty to {high}")
            return
        config = SessionConfig(
            topics=tuple(self.query_one("#topics", OptionPicker).selected),
            kinds=tuple(self.query_one("#kinds", OptionPicker).selected),
            n=n,
            seed=seed,
            difficulty=(low, high),
            banks=self.banks,
        )
        error.update("")
        self.post_message(self.Begin(config))


class ResumePicker(ModalScreen["SessionRecord | None"]):
    """Every unfinished session, newest first; enter (or its letter) resumes it, escape closes."""

    BINDINGS = [Binding("escape", "close", "Close")]

    def __init__(self, records: "tuple[SessionRecord, ...]") -> None:
        super().__init__()
        self.records = records

    def compose(self) -> ComposeResult:
        from tutor.session.store import iso_time

        def label(r: "SessionRecord") -> str:
            return f"{iso_time(r.created)[:16].replace('T', ' ')}  {r.answered} of {r.total} answered{_to_assess(r)}  ({r.mode})"

        with Vertical(id="dialog"):
            yield Static("Resume which session?", id="dialog-title", markup=False)
            yield OptionPicker([(str(i), label(r)) for i, r in enumerate(self.records)], id="sessions")
            yield Static("a letter or ↑/↓, then enter  ·  esc closes", classes="answer-help", markup=False)

    def on_mount(self) -> None:
        self.query_one("#sessions", OptionPicker).highlighted = 0
        self.query_one("#sessions").focus()

    def on_option_list_option_selected(self, event: OptionPicker.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.records[int(event.option.id or 0)])

    def action_close(self) -> None:
        self.dismiss(None)


def _to_assess(record: "SessionRecord") -> str:
    """`, 1 to assess`: written answers stored whose checklist the learner has not confirmed (resuming opens it)."""
    return f", {record.awaiting} to assess" if record.awaiting else ""
