"""`?`/F1 show the current screen's keys; below 80x24 a notice says so and the app still works."""

from __future__ import annotations

import asyncio
from typing import Any

from textual.widgets import Static
from tui_helpers import showing, wait_until

from tutor.tui.screens.feedback import FeedbackScreen
from tutor.tui.screens.help import HelpScreen
from tutor.tui.screens.question import QuestionScreen


def help_text(app: Any) -> str:
    return "\n".join(str(w.render()) for w in app.screen.query(Static))


def test_help_shows_the_keys_of_the_current_screen(make: Any) -> None:
    async def scenario() -> None:
        app = make("tui-choice", "tui-code")
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: showing(app, QuestionScreen), "the question")
            await pilot.press("f1")
            await wait_until(pilot, lambda: showing(app, HelpScreen), "help")
            text = help_text(app)
            assert "Keys: question" in text and "ctrl+s" in text and "Submit" in text and "Hint" in text
            assert "a-z, 1-9" in text  # the keys widgets handle themselves too
            await pilot.press("escape")
            await wait_until(pilot, lambda: showing(app, QuestionScreen), "the question again")
            await pilot.press("enter")
            await wait_until(pilot, lambda: showing(app, FeedbackScreen), "feedback")
            await pilot.press("question_mark")  # ? where no text is typed
            await wait_until(pilot, lambda: showing(app, HelpScreen), "help on the feedback screen")
            assert "Keys: feedback" in help_text(app) and "Continue" in help_text(app)

    asyncio.run(scenario())


def test_a_small_terminal_gets_a_notice_and_still_works(make: Any) -> None:
    async def scenario() -> None:
        app = make("tui-shape")
        async with app.run_test(size=(60, 15)) as pilot:
            await wait_until(pilot, lambda: showing(app, QuestionScreen), "the question")
            notes = [n.message for n in app._notifications]
            assert any("60x15" in n and "at least 80x24" in n for n in notes)
            await pilot.press(*"[d, k]", "enter")
            await wait_until(pilot, lambda: showing(app, FeedbackScreen), "feedback")

    asyncio.run(scenario())
