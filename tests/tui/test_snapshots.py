"""Snapshots of every screen at 80x24 (the smallest supported terminal) and 120x40; one class per screen.

Baselines live in `__snapshots__/`; after a deliberate visual change, review and run
`pytest tests/tui/test_snapshots.py --snapshot-update`. Sessions use fixed seeds and
no screen shows a clock or a timing, so the pictures are deterministic.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Input, TextArea
from tui_helpers import showing, wait_until

from tutor.tui.screens.feedback import FeedbackScreen
from tutor.tui.screens.question import QuestionScreen
from tutor.tui.screens.summary import SummaryScreen

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


async def steady(pilot: Any) -> None:
    """No blinking cursors, no running workers: the same picture every run."""
    app = pilot.app
    await wait_until(pilot, lambda: app.screen.is_mounted, "the screen")
    for widget in app.screen.query("Input, TextArea"):
        assert isinstance(widget, (Input, TextArea))
        widget.cursor_blink = False
    await app.workers.wait_for_complete()
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
class TestStartScreen:
    def test_start(self, snap_compare: Any, bank: Any, size: tuple[int, int]) -> None:
        from tutor.tui.app import TutorApp

        assert snap_compare(TutorApp(bank=bank), terminal_size=size, run_before=steady)


@pytest.mark.parametrize("size", SIZES)
class TestQuestionScreen:
    """One picture per answer widget: one-line input, a pick-one list, a tick-several list, text, code."""

    @pytest.mark.parametrize("question", ["tui-shape", "tui-choice", "tui-choice-many", "tui-text", "tui-code"])
    def test_question(self, snap_compare: Any, make: Any, size: tuple[int, int], question: str) -> None:
        assert snap_compare(make(question, "tui-numeric"), terminal_size=size, run_before=steady)

@pytest.mark.parametrize("size", SIZES)
class TestFeedbackScreen:
    def test_wrong_einsum(self, snap_compare: Any, make: Any, size: tuple[int, int]) -> None:
        async def answer(pilot: Any) -> None:
            await pilot.press(*"bd,hdq->bq", "ctrl+s")
            await wait_until(pilot, lambda: showing(pilot.app, FeedbackScreen), "feedback")
            await steady(pilot)

        assert snap_compare(make("tui-einsum", "tui-shape"), terminal_size=size, run_before=answer)

@pytest.mark.parametrize("size", SIZES)
class TestSummaryScreen:
    def test_summary(self, snap_compare: Any, make: Any, size: tuple[int, int]) -> None:
        async def finish(pilot: Any) -> None:
            app = pilot.app
            await pilot.press("enter")  # the first option of the choice question: right
            await wait_until(pilot, lambda: showing(app, FeedbackScreen), "feedback 1")
            await pilot.press("enter")
            await wait_until(pilot, lambda: showing(app, QuestionScreen), "question 2")
            await pilot.press(*"[k, d]", "enter")
            await wait_until(pilot, lambda: showing(app, FeedbackScreen), "feedback 2")
            await pilot.press("enter")
            await wait_until(pilot, lambda: showing(app, SummaryScreen), "the summary")
            await steady(pilot)

        assert snap_compare(make("tui-choice", "tui-shape"), terminal_size=size, run_before=finish)


class TestHints:
    def test_hint_shown(self, snap_compare: Any, make: Any) -> None:
        async def hint(pilot: Any) -> None:
            await pilot.press("ctrl+t", "y")
            await steady(pilot)

        assert snap_compare(make("tui-shape"), terminal_size=(80, 24), run_before=hint)


class TestInvalidAnswer:
    def test_invalid_answer_stays_on_the_question(self, snap_compare: Any, make: Any) -> None:
        async def answer(pilot: Any) -> None:
            await pilot.press(*"[d, k", "ctrl+s")
            screen = pilot.app.screen
            assert isinstance(screen, QuestionScreen)
            await wait_until(pilot, lambda: screen.query_one("#answer-error").display, "the invalid message")
            await wait_until(pilot, lambda: bool(str(screen.query_one("#interpreted").render())), "interpreted")
            await steady(pilot)

        assert snap_compare(make("tui-shape"), terminal_size=(80, 24), run_before=answer)


class TestThemes:
    def test_light_theme(self, snap_compare: Any, make: Any) -> None:
        async def light(pilot: Any) -> None:
            await pilot.press("ctrl+l")
            await steady(pilot)

        assert snap_compare(make("tui-choice"), terminal_size=(80, 24), run_before=light)


class TestReasoningWidgets:
    """The statements (T/F rows) and multi (checkbox) widgets and the written answer's checklist, at 80x24."""

    @staticmethod
    def _app(*ids: str) -> Any:
        from pathlib import Path

        from tutor.bank import load_bank
        from tutor.session.engine import SessionConfig
        from tutor.tui.app import make_app

        file = Path(__file__).parent / "fixtures" / "reasoning.yaml"
        config = SessionConfig(question_ids=ids, n=len(ids), seed=3, banks=(str(file),))
        return make_app(config, bank=load_bank([file], builtin=False))

    @pytest.mark.parametrize("question", ["tui-claims", "tui-picks"])
    def test_widget(self, snap_compare: Any, question: str) -> None:
        async def mark(pilot: Any) -> None:
            await steady(pilot)
            await pilot.press("t" if question == "tui-claims" else "space", "down")
            await steady(pilot)

        assert snap_compare(self._app(question, "tui-written"), terminal_size=(80, 24), run_before=mark)

    def test_checklist(self, snap_compare: Any) -> None:
        from tutor.tui.screens.checklist import ChecklistScreen

        async def answer(pilot: Any) -> None:
            await steady(pilot)
            await pilot.press(*"It caches the queries and keys, so the new token is quick.", "ctrl+s")
            await wait_until(pilot, lambda: showing(pilot.app, ChecklistScreen), "the checklist")
            await steady(pilot)

        assert snap_compare(self._app("tui-written", "tui-claims"), terminal_size=(80, 24), run_before=answer)


@pytest.mark.parametrize("size", SIZES)
class TestExplorerScreen:
    """The KV-cache explorer on a sliding-window model: the GQA line flattens at the window."""

    def test_explorer(self, snap_compare: Any, bank: Any, size: tuple[int, int]) -> None:
        from tutor.explore import Settings
        from tutor.tui.app import TutorApp

        app = TutorApp(bank=bank, explore=Settings("Mistral-7B", context=8192))
        assert snap_compare(app, terminal_size=size, run_before=steady)


class TestMonochrome:
    """NO_COLOR: Textual draws in monochrome; ticks, the pointer and the plot's letters still say everything."""

    def test_choice_many_without_colour(self, snap_compare: Any, make: Any, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("NO_COLOR", "1")

        async def tick(pilot: Any) -> None:
            await pilot.press("a", "c")
            await steady(pilot)

        assert snap_compare(make("tui-choice-many"), terminal_size=(80, 24), run_before=tick)

    def test_start_without_colour(self, snap_compare: Any, bank: Any, monkeypatch: pytest.MonkeyPatch) -> None:
        from tutor.tui.app import TutorApp

        monkeypatch.setenv("NO_COLOR", "1")

        async def tick(pilot: Any) -> None:
            await pilot.press("down", "space")
            await steady(pilot)

        assert snap_compare(TutorApp(bank=bank), terminal_size=(80, 24), run_before=tick)


class TestHelpAndSmallTerminal:
    def test_help_on_the_question_screen(self, snap_compare: Any, make: Any) -> None:
        async def show(pilot: Any) -> None:
            await pilot.press("f1")
            await steady(pilot)

        assert snap_compare(make("tui-shape"), terminal_size=(80, 24), run_before=show)

    def test_small_terminal_notice(self, snap_compare: Any, make: Any) -> None:
        assert snap_compare(make("tui-shape"), terminal_size=(60, 15), run_before=steady)
