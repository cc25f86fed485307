"""The KV-cache explorer: a real model, a dtype, a batch and a context; the cache, one step's bytes, a plot.

The figures come from `tutor.explore` (which asks `reference_impl.cost`/`models`; no torch).
Keyboard only: tab moves between the fields, enter opens a list, typing changes a number and
the figures follow at once; escape goes back.
"""

from __future__ import annotations

import math
import time
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, Label, Select, Static

from tutor.explore import DTYPES, Settings, curves, figures, human_bytes, summary_lines, with_settings

# One letter per line, so the plot reads without colour (NO_COLOR, monochrome terminals).
MARKERS = {"MHA": "M", "GQA": "G", "MQA": "Q", "MLA": "L"}


def marker_for(label: str) -> str:
    if "window" in label:
        return "W"
    return MARKERS.get(label.split("-")[0].split(" ")[0], "*")


class ExplorerScreen(Screen[None]):
    """Settings across the top, the figures under them, the plot of cache size vs context below."""

    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("pageup", "double_context", "Context x2"),
        Binding("pagedown", "halve_context", "Context /2"),
    ]
    HELP = (
        "tab / shift+tab: next / previous field · enter on a list: open it, ↑/↓ then enter: choose · "
        "type a number: the figures follow · page up / page down: double / halve the context · esc: back"
    )

    def __init__(self, settings: Settings | None = None) -> None:
        super().__init__()
        self.created_at = time.perf_counter()  # the moment it was asked for: opening time is measured from here
        self.settings = (settings or Settings()).check()

    def compose(self) -> ComposeResult:
        from reference_impl.models import all_models

        s = self.settings
        yield Static("KV-cache explorer  ·  cache size and the decode-step floor of real models", id="title-bar", markup=False)
        with Horizontal(id="explore-fields"):
            with Vertical(classes="explore-field wide"):
                yield Label("Model")
                yield Select([(f"{m.label} ({m.kind})", m.name) for m in all_models().values()], value=s.model, allow_blank=False, id="model")
            with Vertical(classes="explore-field"):
                yield Label("dtype")
                yield Select([(d, d) for d in DTYPES], value=s.dtype, allow_blank=False, id="dtype")
            with Vertical(classes="explore-field"):
                yield Label("Batch")
                yield Input(str(s.batch), type="integer", id="batch", max_length=7)
            with Vertical(classes="explore-field"):
                yield Label("Context")
                yield Input(str(s.context), type="integer", id="context", max_length=9)
            with Vertical(classes="explore-field"):
                yield Label("GB/s")
                yield Input(f"{s.bandwidth_gbs:g}", type="number", id="bandwidth", max_length=9)
        yield Static("", id="explore-figures", markup=False)
        from textual_plotext import PlotextPlot  # deferred: only this screen draws plots

        yield PlotextPlot(id="explore-plot")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#model").focus()
        self.refresh_figures()
        self.call_after_refresh(self._shown)

    def _shown(self) -> None:
        """After the first paint: record how long opening took (bench/startup.py --explorer reads it)."""
        from tutor.tui.timing import record

        record(f"explorer shown in {(time.perf_counter() - self.created_at) * 1000:.0f} ms")

    # ---- reading the fields -----------------------------------------------------------------------

    def _read(self) -> Settings:
        def number(widget_id: str, name: str, cast: Any) -> Any:
            text = self.query_one(f"#{widget_id}", Input).value.strip()
            try:
                return cast(text)
            except ValueError:
                raise ValueError(f"{name}: {text!r} is not a number") from None

        settings = Settings(
            model=str(self.query_one("#model", Select).value),
            dtype=str(self.query_one("#dtype", Select).value),
            batch=number("batch", "batch", int),
            context=number("context", "context", int),
            bandwidth_gbs=number("bandwidth", "GB/s", float),
        )
        return settings.check()

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        self.refresh_figures()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.refresh_figures()

    def refresh_figures(self) -> None:
        panel = self.query_one("#explore-figures", Static)
        try:
            self.settings = self._read()
        except ValueError as exc:
            panel.update(f"✗ {exc}  (the figures below are for the last good settings)")
            return
        panel.update("\n".join(summary_lines(figures(self.settings))))
        self._draw()

    def _draw(self) -> None:
        from textual_plotext import PlotextPlot

        plot = self.query_one("#explore-plot", PlotextPlot)
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        lines = curves(self.settings)
        # A log scale drawn by hand (plotext's own rescales its data again on every re-render): y = log2(GiB).
        for curve in lines:
            mark = marker_for(curve.label)
            plt.plot(list(curve.contexts), [math.log2(y) for y in curve.gib], marker=mark, label=f"{mark} {curve.label}")
        plt.vline(self.settings.context)
        xs = lines[0].contexts
        ticks = [xs[-1] * i // 4 for i in range(1, 5)]
        plt.xticks(ticks, [f"{t:,}" for t in ticks])
        low = math.floor(min(math.log2(min(c.gib)) for c in lines))
        high = math.ceil(max(math.log2(max(c.gib)) for c in lines))
        powers = list(range(low, high + 1))[:: max(1, (high - low) // 5)]
        plt.yticks(powers, [human_bytes(2.0**k * 2**30) for k in powers])
        plt.title(f"KV cache (log scale) vs context, batch {self.settings.batch}, {self.settings.dtype}; | = yours")
        plt.xlabel("context (tokens)")
        plot.refresh()

    # ---- keys ---------------------------------------------------------------------------------------

    def _set_context(self, context: int) -> None:
        context = max(1, min(100_000_000, context))
        self.query_one("#context", Input).value = str(context)

    def action_double_context(self) -> None:
        self._set_context(self.settings.context * 2)

    def action_halve_context(self) -> None:
        self._set_context(self.settings.context // 2)

    def action_back(self) -> None:
        self.dismiss(None)

    def replace_settings(self, **changes: object) -> None:
        """Used by tests and links from explanations: set fields as if typed."""
        s = with_settings(self.settings, **changes).check()
        self.query_one("#model", Select).value = s.model
        self.query_one("#dtype", Select).value = s.dtype
        self.query_one("#batch", Input).value = str(s.batch)
        self.query_one("#context", Input).value = str(s.context)
        self.query_one("#bandwidth", Input).value = f"{s.bandwidth_gbs:g}"
