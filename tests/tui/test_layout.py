"""Layout and input: the answer sits under the prompt, the code editor keeps >= 12 lines at 80x24, a long
paste is never echoed whole, and a changed answer clears what was said about the old one."""

from __future__ import annotations

import asyncio
from typing import Any

from textual.widgets import Input, Static, TextArea
from tui_helpers import showing, wait_until

from tutor.tui.screens.question import QuestionScreen
from tutor.tui.widgets.answers import ECHO_WIDTH, excerpt


def test_excerpt_keeps_the_place() -> None:
    assert excerpt("short", 2) == ("short", 2)
    text = "x" * 10_000 + "?" + "y" * 10_000
    shown, at = excerpt(text, 10_000)
    assert len(shown) <= ECHO_WIDTH + 2 and shown[at] == "?" and shown.startswith("…") and shown.endswith("…")


def test_the_answer_sits_right_under_the_prompt(make: Any) -> None:
    async def scenario() -> None:
        app = make("tui-shape")
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: showing(app, QuestionScreen), "the question")
            await pilot.pause()
            prompt = app.screen.query_one("#prompt-scroll")
            answer = app.screen.query_one("#answer")
            assert answer.region.y == prompt.region.bottom
            assert prompt.region.height <= prompt.virtual_size.height  # the prompt takes what it needs, no blank lines
            assert answer.region.y < 8  # a two-line prompt: the input is near the top at 120x40

    asyncio.run(scenario())


def test_the_code_editor_keeps_twelve_lines_under_a_standard_prompt() -> None:
    from tutor.bank import load_bank
    from tutor.session.engine import SessionConfig
    from tutor.tui.app import make_app

    async def scenario() -> None:
        config = SessionConfig(question_ids=("code.mqa-forward",), n=1, seed=1)
        app = make_app(config, bank=load_bank([]))
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: showing(app, QuestionScreen), "the code question")
            await pilot.pause()
            editor = app.screen.query_one(TextArea)
            assert editor.scrollable_content_region.height >= 12
            prompt = app.screen.query_one("#prompt-scroll")
            assert prompt.max_scroll_y > 0  # the long prompt scrolls instead of taking the editor's room

    asyncio.run(scenario())


def test_a_long_paste_is_not_echoed_whole_and_stale_messages_go(make: Any) -> None:
    async def scenario() -> None:
        app = make("tui-shape")
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: showing(app, QuestionScreen), "the question")
            screen = app.screen
            field = screen.query_one("#answer-input", Input)
            field.value = "[d, k" + ", k" * 7000  # about 20,000 characters, never closed
            await pilot.press("ctrl+s")
            error = screen.query_one("#answer-error", Static)
            await wait_until(pilot, lambda: error.display, "the message")
            shown = str(error.render())
            assert len(shown) < 400 and "…" in shown
            await wait_until(pilot, lambda: str(screen.query_one("#interpreted").render()) != "", "the live line")
            assert len(str(screen.query_one("#interpreted").render())) < 400
            field.value = "[d, k]"  # a new answer: the old message goes at once
            await pilot.pause()
            assert not error.display
            await wait_until(pilot, lambda: "interpreted as" in str(screen.query_one("#interpreted").render()), "reading")

    asyncio.run(scenario())
