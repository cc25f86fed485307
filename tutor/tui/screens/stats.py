"""Where the learner stands over all stored sessions: means by topic and kind, the trend, weakest areas."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from tutor.tui.labels import kind_name, topic_name
from tutor.tui.widgets.options import OptionPicker
from tutor.tui.screens.summary import score_bar


class StatsScreen(Screen[None]):
    """`tutor.session.stats.compute(store)` as a screen; escape goes back."""

    BINDINGS = [Binding("escape,q", "back", "Back")]

    def __init__(self, stats: Any) -> None:
        super().__init__()
        self.stats = stats

    def compose(self) -> ComposeResult:
        s = self.stats
        yield Static("Your progress", id="question-bar", markup=False)
        with VerticalScroll(id="summary-body"):
            if not s.answers:
                yield Static("Nothing answered yet: start a session and your scores will show here.", markup=False)
            else:
                mean = "-" if s.mean is None else f"{s.mean:.1f} / 5"
                yield Static(
                    Content.assemble(
                        ("Mean ", "$text-muted"), (mean, "bold"),
                        (f"   over {s.answers} answer(s) in {s.sessions} session(s)", "$text-muted"),
                        (f"   {s.due} review(s) due", "$text-muted"),
                    ),
                    id="stats-mean",
                )
                from textual_plotext import PlotextPlot  # deferred: only this screen and the explorer plot

                with Horizontal(id="stats-plots"):
                    yield PlotextPlot(id="trend-plot")
                    yield PlotextPlot(id="topic-plot")
                with Horizontal(id="stats-tables"):
                    for title, rows, namer in (("Topic", s.by_topic, topic_name), ("Kind", s.by_kind, kind_name)):
                        table: DataTable[str] = DataTable(cursor_type="none", zebra_stripes=True, classes="stats-table")
                        table.add_columns(title, "mean", "", "answers")
                        for a in rows:
                            table.add_row(namer(a.name), f"{a.mean:.1f}", score_bar(a.mean, 8), str(a.count))
                        yield table
                if s.weakest:
                    yield Static("Practise next  (enter starts a session on it)", classes="section-title", markup=False)
                    yield OptionPicker(
                        [
                            (f"{a.area}:{a.name}", f"{a.area} {topic_name(a.name) if a.area == 'topic' else kind_name(a.name)}"
                             f"  ({a.mean:.1f} / 5)")
                            for a in s.weakest
                        ],
                        lettered=False,
                        id="weakest",
                    )
        yield Footer()

    class Practise(Message):
        """Start a session on one weak area (`area` is "topic" or "kind")."""

        def __init__(self, area: str, name: str) -> None:
            super().__init__()
            self.area = area
            self.name = name

    def on_mount(self) -> None:
        for picker in self.query("#weakest"):
            picker.focus()
        if self.stats.answers:
            self._plot()

    def _plot(self) -> None:
        """The session mean by date (scale 1-5, dates on the axis) and the mean per topic as bars."""
        from textual_plotext import PlotextPlot

        s = self.stats
        trend = self.query_one("#trend-plot", PlotextPlot).plt
        xs = list(range(1, len(s.trend) + 1))
        trend.plot(xs, list(s.trend), marker="●")
        trend.ylim(1, 5)
        trend.yticks([1, 2, 3, 4, 5])
        dates = list(s.trend_dates) or [str(x) for x in xs]
        step = max(1, len(xs) // 3)
        trend.xticks(xs[::step], [d[5:] for d in dates[::step]])  # MM-DD
        trend.title(f"Session mean (1-5) by date, last {len(xs)}")
        topics = self.query_one("#topic-plot", PlotextPlot).plt
        topics.bar([topic_name(a.name) for a in s.by_topic], [a.mean for a in s.by_topic], marker="█")
        topics.ylim(0, 5)
        topics.yticks([1, 2, 3, 4, 5])
        topics.title("Mean score per topic (1-5)")

    def on_option_list_option_selected(self, event: OptionPicker.OptionSelected) -> None:
        event.stop()
        area, name = (event.option.id or ":").split(":", 1)
        self.dismiss(None)
        self.app.post_message(self.Practise(area, name))  # this screen is gone by the time it is handled

    def action_back(self) -> None:
        self.dismiss(None)
