"""The end of a session: every question's score, the mean and what it means, per-topic scores, what next.

What next is posted to the app: `Practise` (a new session on the weakest topic) or `NewSession`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Digits, Footer, Static

from tutor.tui.labels import kind_name, topic_name

if TYPE_CHECKING:
    from tutor.session.engine import SessionConfig


def score_bar(value: float, width: int = 10) -> str:
    """`██████░░░░` for 3.4 of 5 (the bar starts at 1, the lowest score)."""
    filled = round((max(1.0, min(5.0, value)) - 1.0) / 4.0 * width)
    return "█" * filled + "░" * (width - filled)


class SummaryScreen(Screen[None]):
    """The session is over; `p` practises the weakest topic again, `n` opens the start screen."""

    BINDINGS = [
        Binding("p", "practise", "Practise weakest"),
        Binding("n", "new", "New session"),
        Binding("q", "app.quit", "Quit", show=False),
    ]

    class Practise(Message):
        """Start a new session from `config` (this one's weakest topic)."""

        def __init__(self, config: "SessionConfig") -> None:
            super().__init__()
            self.config = config

    class NewSession(Message):
        """Open the start screen."""

    def __init__(self, session: Any) -> None:
        super().__init__()
        self.session = session
        self.summary = session.summary()

    def compose(self) -> ComposeResult:
        summary = self.summary
        yield Static(f"Session summary  ·  {len(summary.rows)} question(s)", id="question-bar", markup=False)
        with Horizontal(id="verdict"):
            with Vertical(id="verdict-text"):
                yield Static(Content.styled(f"{summary.mean:.1f} / 5", "bold"), id="mean")
                yield Static(summary.level, id="level", markup=False)
            yield Digits(f"{summary.mean:.1f}", id="score")
        with VerticalScroll(id="summary-body"):
            # What to do next first, so it shows without scrolling at 80x24; the rows open their feedback.
            if summary.weakest_topic:
                yield Static(
                    Content.assemble(
                        ("Weakest topic  ", "$text-muted"),
                        (topic_name(summary.weakest_topic), "bold"),
                        ("   p practises it again · enter on a row shows its feedback", "$text-muted"),
                    ),
                    id="weakest",
                )
            table: DataTable[str] = DataTable(id="scores", cursor_type="row", zebra_stripes=True)
            table.add_columns("#", "question", "topic", "kind", "score")
            for row in summary.rows:
                score = "skipped" if row.score is None else f"{row.score} / 5"
                table.add_row(
                    str(row.index + 1), row.question_id, topic_name(row.topic), kind_name(row.kind), score, key=str(row.index)
                )
            yield table
            if summary.per_topic:
                lines = [
                    Content.assemble(
                        (f"{topic_name(topic):<10}", "bold"), f" {score_bar(mean)} {mean:.1f} / 5"
                    )
                    for topic, mean in summary.per_topic.items()
                ]
                yield Static("By topic", classes="section-title", markup=False)
                yield Static(Content("\n").join(lines), id="per-topic")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#scores").focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a row: that question's feedback again (the answer given, the expected one, why)."""
        event.stop()
        from tutor.tui.screens.feedback import FeedbackScreen

        past = self.session.past(int(event.row_key.value or 0))
        if past is None:
            self.notify("That answer is not stored, so its feedback cannot be shown again.")
            return
        self.app.push_screen(FeedbackScreen.for_past(past, len(self.session.variants)))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "practise":
            return bool(self.summary.rows)
        return True

    def action_practise(self) -> None:
        self.post_message(self.Practise(self.session.retry_weakest()))

    def action_new(self) -> None:
        self.post_message(self.NewSession())
