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
from textual.screen import Screen
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
        Binding("e", "app.explore", "KV explorer", priority=True),
    ]

    class Begin(Message):
        """Start a new session from `config`."""

        def __init__(self, config: "SessionConfig") -> None:
            super().__init__()
            self.config = config

    class Resume(Message):
        """Continue the stored session `record` where it stopped."""

        def __init__(self, record: "SessionRecord") -> None:
            super().__init__()
            self.record = record

    def __init__(self, *, resumable: "SessionRecord | None" = None, banks: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.resumable = resumable  # the newest unfinished session, offered by the Resume button
        self.banks = banks  # the extra bank paths a new session loads

    def compose(self) -> ComposeResult:
        yield Static("Attention Tutor  ·  practise MHA, MQA, GQA and the KV cache", id="title-bar", markup=False)
        with Vertical(id="start-form"):
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

    def on_mount(self) -> None:
        self.query_one("#topics").focus()
        record = self.resumable
        button = self.query_one("#resume", Button)
        button.display = record is not None
        if record is not None:
            button.label = f"Resume: {record.answered} of {record.total} answered  (ctrl+r)"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "resume":
            return self.query_one("#resume", Button).display  # shown in the footer only when there is one
        return True

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "start":
            self.action_start()
        elif event.button.id == "resume":
            self.action_resume()
        elif event.button.id == "explore":
            self.run_action("app.explore")

    def action_resume(self) -> None:
        """Continue the newest unfinished session where it stopped (nothing answered is lost)."""
        if self.resumable is None:
            return
        self.show_problem("")
        self.post_message(self.Resume(self.resumable))

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
