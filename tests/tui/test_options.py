"""Choice by key and glyphs, not colour: letters or numbers pick an option, [x]/[ ] ticks, › points."""

from __future__ import annotations

import asyncio
from typing import Any

from tui_helpers import showing, wait_until

from tutor.tui.screens.feedback import FeedbackScreen
from tutor.tui.screens.question import QuestionScreen
from tutor.tui.widgets.options import OptionPicker, key_index


def lines(picker: OptionPicker) -> list[str]:
    return [str(picker.get_option_at_index(i).prompt) for i in range(picker.option_count)]


def test_key_index() -> None:
    assert key_index("d", 4) == 3 and key_index("D", 4) == 3 and key_index("4", 4) == 3
    assert key_index("e", 4) is None and key_index("5", 4) is None and key_index("0", 4) is None
    assert key_index(" ", 4) is None


def test_a_letter_or_a_number_picks_one_option(make: Any) -> None:
    async def scenario() -> None:
        app = make("tui-choice", "tui-choice-many")
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: showing(app, QuestionScreen), "the question")
            picker = app.screen.query_one(OptionPicker)
            await wait_until(pilot, lambda: picker.has_focus, "the focus on the options")
            await pilot.pause()
            assert lines(picker)[0].startswith("› A) ") and lines(picker)[1].startswith("  B) ")
            await pilot.press("c")
            assert picker.highlighted == 2 and app.screen.answer.value() == "C"
            assert lines(picker)[2].startswith("› C) ") and lines(picker)[0].startswith("  A) ")
            await pilot.press("1")  # numbers work too
            assert app.screen.answer.value() == "A"
            await pilot.press("enter")
            await wait_until(pilot, lambda: showing(app, FeedbackScreen), "feedback")
            assert "Correct" in str(app.screen.query_one("#status").render())
            await pilot.press("enter")

            # tick several: letters tick and untick, the box says which, colour is not needed
            await wait_until(pilot, lambda: showing(app, QuestionScreen) and app.session.index == 1, "question 2")
            picker = app.screen.query_one(OptionPicker)
            await pilot.press("a", "b", "d")
            assert [line[:6] for line in lines(picker)] == ["  [x] ", "  [x] ", "  [ ] ", "› [x] "]
            await pilot.press("d")  # again: unticked
            assert app.screen.answer.value() == "A, B"
            await pilot.press("up", "space", "space")  # space ticks and unticks the highlighted one
            assert app.screen.answer.value() == "A, B"
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: showing(app, FeedbackScreen), "feedback 2")
            assert "Correct" in str(app.screen.query_one("#status").render())

    asyncio.run(scenario())


def test_start_screen_ticks_are_glyphs(bank: Any) -> None:
    from tutor.tui.app import TutorApp
    from tutor.tui.screens.start import StartScreen

    async def scenario() -> None:
        app = TutorApp(bank=bank)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: showing(app, StartScreen), "the start screen")
            topics = app.screen.query_one("#topics", OptionPicker)
            assert topics.has_focus
            await pilot.press("down", "space")
            assert topics.selected == ["mqa"]
            assert lines(topics)[0] == "  [ ] MHA" and lines(topics)[1] == "› [x] MQA"
            await pilot.press("e")  # not a letter pick here: the start screen's explorer key still works
            from tutor.tui.screens.explorer import ExplorerScreen

            await wait_until(pilot, lambda: showing(app, ExplorerScreen), "the explorer")

    asyncio.run(scenario())
