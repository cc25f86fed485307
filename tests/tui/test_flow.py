"""A whole session through every kind in the real app (Pilot): correct, wrong, invalid and retry, hints, code, summary."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from textual.widgets import DataTable, Input, OptionList, Static, TextArea
from tui_helpers import showing, wait_until

from tutor.tui.screens.checklist import ChecklistScreen
from tutor.tui.screens.confirm import ConfirmScreen
from tutor.tui.widgets.options import OptionPicker
from tutor.tui.screens.feedback import FeedbackScreen
from tutor.tui.screens.question import QuestionScreen
from tutor.tui.screens.start import StartScreen
from tutor.tui.screens.summary import SummaryScreen

EVERY_KIND = (
    "tui-shape",
    "tui-einsum",
    "tui-numeric",
    "tui-symbolic",
    "tui-complexity",
    "tui-choice",
    "tui-choice-many",
    "tui-text",
    "tui-code",
)


def text_of(screen: Any, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def feedback_after_submit(pilot: Any) -> FeedbackScreen:
    """Submit with ctrl+s and wait for the grading worker to hand over to the feedback screen."""
    app = pilot.app
    await pilot.press("ctrl+s")
    await wait_until(pilot, lambda: showing(app, FeedbackScreen), "the feedback screen")
    return app.screen


async def type_line(pilot: Any, text: str) -> None:
    screen = pilot.app.screen
    field = screen.query_one("#answer-input", Input)
    field.value = ""
    await pilot.press(*text)


def test_a_whole_session_through_every_kind(make: Any) -> None:
    async def scenario() -> None:
        app = make(*EVERY_KIND)
        async with app.run_test(size=(100, 34)) as pilot:
            # -- shape: an invalid answer stays on the question, with the cursor at the problem ------
            screen = app.screen
            assert isinstance(screen, QuestionScreen)
            assert "Question 1 of 9" in text_of(screen, "#question-bar")
            await type_line(pilot, "[d, k")
            # the live line says how it was read (or where it stops), never whether it is right
            await wait_until(pilot, lambda: text_of(screen, "#interpreted") != "", "the interpreted line")
            assert "correct" not in text_of(screen, "#interpreted").lower()
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: screen.query_one("#answer-error").display, "the invalid message")
            assert isinstance(app.screen, QuestionScreen) and app.screen is screen
            assert not screen.grading
            field = screen.query_one("#answer-input", Input)
            assert field.has_focus
            assert app.session.summary().rows == ()  # an invalid answer records nothing

            # -- a hint: its cost is shown before it is revealed ------------------------------------
            await pilot.press("ctrl+t")
            await wait_until(pilot, lambda: showing(app, ConfirmScreen), "the hint confirmation")
            assert "Costs 1 point" in text_of(app.screen, "#dialog-message")
            await pilot.press("y")
            await wait_until(pilot, lambda: app.screen is screen, "the question again")
            assert "Hint 1:" in text_of(screen, "#hints")
            assert "hints 1/2" in text_of(screen, "#question-bar")

            # retry: a correct answer, scored 4 after one hint
            await type_line(pilot, "[d, k]")
            feedback = await feedback_after_submit(pilot)
            assert "Correct" in text_of(feedback, "#status")
            assert "score 4 / 5" in text_of(feedback, "#score-line")
            await pilot.press("enter")

            # -- einsum: a wrong answer, with what was read and what was expected ------------------------
            await wait_until(pilot, lambda: showing(app, QuestionScreen), "question 2")
            await type_line(pilot, "bd,hdq->bq")
            feedback = await feedback_after_submit(pilot)
            assert "Correct" not in text_of(feedback, "#status")
            assert "bd,hdq->bq" in text_of(feedback, "#interpreted-as")
            assert "bd,hdq->bhq" in text_of(feedback, "#expected")
            assert feedback.query("#feedback-lines")
            await pilot.press("enter")

            # -- numeric, symbolic, complexity: correct answers typed in the one-line input ---------------
            for answer in ("2*1024^2", "2 G d^2 / H", "O(b d^2 + b n d)"):
                await wait_until(pilot, lambda: showing(app, QuestionScreen), "the next question")
                await type_line(pilot, answer)
                await pilot.press("enter")  # enter submits a one-line answer too
                await wait_until(pilot, lambda: showing(app, FeedbackScreen), "feedback")
                assert "Correct" in text_of(app.screen, "#status"), answer
                assert "score 5 / 5" in text_of(app.screen, "#score-line")
                await pilot.press("enter")

            # -- choice: pick one with the arrows and enter ----------------------------------------------
            await wait_until(pilot, lambda: showing(app, QuestionScreen), "the choice question")
            options = app.screen.query_one(OptionList)
            assert options.has_focus
            await pilot.press("down", "up", "enter")
            await wait_until(pilot, lambda: showing(app, FeedbackScreen), "feedback")
            assert "Correct" in text_of(app.screen, "#status")
            await pilot.press("enter")

            # -- choice with several answers: tick with space, submit with ctrl+s --------------------------
            await wait_until(pilot, lambda: showing(app, QuestionScreen), "the multiple choice")
            ticks = app.screen.query_one(OptionPicker)
            assert ticks.has_focus
            await pilot.press("space", "down", "space")
            feedback = await feedback_after_submit(pilot)
            assert "Correct" in text_of(feedback, "#status")
            await pilot.press("enter")

            # -- text: a written answer in the text area -------------------------------------------------
            await wait_until(pilot, lambda: showing(app, QuestionScreen), "the text question")
            editor = app.screen.query_one(TextArea)
            assert editor.has_focus
            await pilot.press(*"caches keys; new token only")
            # a written answer gets no machine verdict: the learner confirms the suggested points
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: showing(app, ChecklistScreen), "the checklist")
            await pilot.press("1", "2", "enter")
            await wait_until(pilot, lambda: showing(app, FeedbackScreen), "the feedback")
            feedback = app.screen
            assert "Every point made, by your assessment" in text_of(feedback, "#status")  # the learner's verdict, not "Correct"
            assert "self-assessed" in text_of(feedback, "#score-line")
            await pilot.press("enter")

            # -- code: the editor starts with the starter; grading runs in a worker with a progress line --
            await wait_until(pilot, lambda: showing(app, QuestionScreen), "the code question")
            screen = app.screen
            editor = screen.query_one(TextArea)
            assert "def decode(q, k_cache, v_cache):" in editor.text
            editor.load_text(screen.variant.question.answer)
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: screen.grading or isinstance(app.screen, FeedbackScreen), "grading")
            if app.screen is screen:  # still grading: the progress line is up and the editor is locked
                assert screen.query_one("#grading").display
                assert screen.query_one("#answer").disabled
            await wait_until(pilot, lambda: showing(app, FeedbackScreen), "the code feedback", limit=120)
            feedback = app.screen
            assert "Correct" in text_of(feedback, "#status")
            cases = feedback.query_one("#cases", DataTable)
            assert cases.row_count == 2
            await pilot.press("enter")

            # -- the summary: every question, the mean, per topic, weakest; p practises again -------------
            await wait_until(pilot, lambda: showing(app, SummaryScreen), "the summary")
            summary = app.screen
            table = summary.query_one("#scores", DataTable)
            assert table.row_count == 9
            mean = app.session.summary().mean
            assert f"{mean:.1f} / 5" in text_of(summary, "#mean")
            assert text_of(summary, "#level")
            assert "Weakest topic" in text_of(summary, "#weakest")
            weakest = app.session.summary().weakest_topic
            await pilot.press("p")
            await wait_until(pilot, lambda: showing(app, QuestionScreen), "a new session")
            assert {v.question.topic for v in app.session.variants} == {weakest}

    asyncio.run(scenario())


def test_code_grading_can_be_cancelled_and_records_nothing(make: Any) -> None:
    async def scenario() -> None:
        app = make("tui-code")
        async with app.run_test(size=(100, 34)) as pilot:
            await wait_until(pilot, lambda: showing(app, QuestionScreen), "the code question")
            screen = app.screen
            editor = screen.query_one(TextArea)
            editor.load_text("def decode(q, k_cache, v_cache):\n    while True:\n        pass\n")  # never finishes
            await pilot.press("ctrl+s")
            assert screen.grading
            await pilot.press("escape")
            assert not screen.grading
            assert not screen.query_one("#grading").display
            assert app.screen is screen
            assert editor.has_focus and not screen.query_one("#answer").disabled
            await wait_until(pilot, lambda: not screen._worker.is_running, "the cancelled worker to stop", limit=120)
            await pilot.pause()
            assert app.screen is screen  # the cancelled grade never shows
            assert app.session.summary().rows == ()

    asyncio.run(scenario())


def test_quitting_during_code_grading_cancels_it_and_exits_at_once(make: Any, tmp_path: Any) -> None:
    import time

    from tutor.session.store import Store

    store = Store.at(str(tmp_path))

    async def scenario() -> float:
        app = make("tui-code", store=store)
        async with app.run_test(size=(100, 34)) as pilot:
            await wait_until(pilot, lambda: showing(app, QuestionScreen), "the code question")
            screen = app.screen
            screen.query_one(TextArea).load_text("def decode(q, k_cache, v_cache):\n    while True:\n        pass\n")
            await pilot.press("ctrl+s")
            assert screen.grading
            started = time.monotonic()
            await pilot.press("ctrl+q")  # no "are you sure?": the answer is not graded, the app leaves
            assert not showing(app, ConfirmScreen)
            await wait_until(pilot, lambda: app._exit, "the app to exit", limit=10)
            return time.monotonic() - started

    took = asyncio.run(scenario())
    assert took < 5
    assert store.attempts() == []  # cancelled: nothing recorded (it used to be 1 / 5)


def test_quitting_mid_session_asks_first(make: Any) -> None:
    async def scenario() -> None:
        app = make("tui-choice", "tui-shape")
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("ctrl+q")
            assert isinstance(app.screen, ConfirmScreen)
            await pilot.press("n")
            assert isinstance(app.screen, QuestionScreen)
            await pilot.press("ctrl+q", "y")
            await pilot.pause()
        assert app.return_code == 0

    asyncio.run(scenario())


def test_skip_counts_as_one_and_moves_on(make: Any) -> None:
    async def scenario() -> None:
        app = make("tui-choice", "tui-shape")
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("ctrl+n")
            assert isinstance(app.screen, ConfirmScreen)
            await pilot.press("y")
            # a skip teaches (issue 14): the answer and why, like a wrong answer's feedback
            await wait_until(pilot, lambda: showing(app, FeedbackScreen), "the skipped question's answer")
            assert "Skipped" in text_of(app.screen, "#status") and "score 1 / 5" in text_of(app.screen, "#score-line")
            assert "the key and value projections" in text_of(app.screen, "#expected")
            assert app.screen.query("#explanation")
            assert [r.score for r in app.session.summary().rows] == [None]  # recorded before it is shown
            await pilot.press("enter")
            await wait_until(pilot, lambda: showing(app, QuestionScreen), "question 2")
            assert "Question 2 of 2" in text_of(app.screen, "#question-bar")
            assert [r.score for r in app.session.summary().rows] == [None]

    asyncio.run(scenario())


def test_skipping_code_shows_the_model_solution_kept_whole(make: Any, tmp_path: Any) -> None:
    from tutor.session.store import Store

    async def scenario() -> None:
        store = Store.at(str(tmp_path))
        app = make("tui-code", store=store)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: showing(app, QuestionScreen), "the code question")
            await pilot.press("ctrl+n", "y")
            await wait_until(pilot, lambda: showing(app, FeedbackScreen), "the model solution")
            model = app.screen.query_one("#model-answer", Static)
            solution = app.session.variants[0].question.answer.rstrip()
            assert str(model.render()) == solution
            assert not app.screen.query("#expected")  # shown once, as the model solution
            # lines kept whole: the block is as wide as its longest line (it scrolls sideways)
            assert model.size.width >= max(len(line) for line in solution.splitlines())
        stored = store.first_attempts()[0]
        assert stored.skipped and stored.expected.strip() == solution

    asyncio.run(scenario())


def test_light_and_dark_themes_toggle(make: Any) -> None:
    async def scenario() -> None:
        app = make("tui-choice")
        async with app.run_test(size=(80, 24)) as pilot:
            assert app.current_theme.dark
            await pilot.press("ctrl+l")
            assert not app.current_theme.dark
            await pilot.press("ctrl+l")
            assert app.current_theme.dark

    asyncio.run(scenario())


def test_start_screen_starts_a_session_with_the_chosen_options(bank: Any) -> None:
    from tutor.tui.app import TutorApp

    async def scenario() -> None:
        app = TutorApp(bank=bank)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            assert isinstance(screen, StartScreen)
            screen.query_one("#kinds", OptionPicker).select("choice")
            screen.query_one("#count", Input).value = "2"
            screen.query_one("#seed", Input).value = "3"
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: showing(app, QuestionScreen), "the first question")
            assert {v.kind for v in app.session.variants} == {"choice"}
            assert len(app.session.variants) == 2 and app.session.seed == 3

    asyncio.run(scenario())


def test_start_screen_says_why_nothing_started(bank: Any) -> None:
    from tutor.tui.app import TutorApp

    async def scenario() -> None:
        app = TutorApp(bank=bank)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            screen.query_one("#kinds", OptionPicker).select("code")
            screen.query_one("#difficulty-low", Input).value = "5"
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert app.screen is screen
            assert "no question matches" in text_of(screen, "#start-error")
            screen.query_one("#difficulty-low", Input).value = "9"
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert "Difficulty from: 9 is not between 1 and 5" in text_of(screen, "#start-error")
            screen.query_one("#difficulty-low", Input).value = "-"
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert "Difficulty from: '-' is not a whole number from 1 to 5" in text_of(screen, "#start-error")

    asyncio.run(scenario())


def test_a_session_that_cannot_start_is_reported_before_the_app_opens(bank: Any) -> None:
    from tutor.session.engine import SessionConfig, SessionError
    from tutor.tui.app import make_app

    with pytest.raises(SessionError, match="no-such-question"):
        make_app(SessionConfig(question_ids=("no-such-question",)), bank=bank)


def test_h_asks_for_a_hint_where_it_is_not_typed_text(make: Any) -> None:
    async def scenario() -> None:
        app = make("tui-choice", "tui-shape")
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: showing(app, QuestionScreen), "the choice question")
            await pilot.press("h")
            assert isinstance(app.screen, ConfirmScreen)
            await pilot.press("n")
            assert "hints 0/1" in text_of(app.screen, "#question-bar")  # declining costs nothing
            await pilot.press("enter")
            await wait_until(pilot, lambda: showing(app, FeedbackScreen), "feedback")
            await pilot.press("enter")
            await wait_until(pilot, lambda: showing(app, QuestionScreen), "the shape question")
            await pilot.press("h")  # typed into the answer, not a hint
            assert isinstance(app.screen, QuestionScreen)
            assert app.screen.query_one("#answer-input", Input).value == "h"

    asyncio.run(scenario())


def test_the_start_screen_resumes_an_unfinished_session(bank: Any, tmp_path: Any) -> None:
    """A session left after one answer (a crash, a closed terminal) continues from the start screen."""
    from tutor.session.engine import Session, SessionConfig
    from tutor.session.store import Store
    from tutor.tui.app import TutorApp

    from pathlib import Path

    BANK_FILE = Path(__file__).parent / "fixtures" / "bank.yaml"  # not `from conftest import`: another folder's conftest may hold that name

    store = Store(tmp_path / "history.sqlite3")
    config = SessionConfig(question_ids=("tui-shape", "tui-numeric"), n=2, seed=5, banks=(str(BANK_FILE),))
    earlier = Session.start(config, bank, store)
    first = earlier.submit("[h, d]")  # graded (wrong) and stored; the process then "dies"
    assert first.status.value != "invalid"

    async def scenario() -> None:
        app = TutorApp(bank=bank, store=store, banks=(str(BANK_FILE),))
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            assert isinstance(screen, StartScreen)
            assert "1 of 2 answered" in str(screen.query_one("#resume").label)
            await pilot.press("ctrl+r")
            await wait_until(pilot, lambda: showing(app, QuestionScreen), "the resumed question")
            assert app.session.session_id == earlier.session_id
            assert app.session.current.id == "tui-numeric"

    asyncio.run(scenario())
    store.close()


def test_the_resume_button_is_hidden_when_nothing_is_unfinished(bank: Any, tmp_path: Any) -> None:
    from tutor.session.store import Store
    from tutor.tui.app import TutorApp

    store = Store(tmp_path / "history.sqlite3")

    async def scenario() -> None:
        app = TutorApp(bank=bank, store=store)
        async with app.run_test(size=(80, 24)) as pilot:
            assert not app.screen.query_one("#resume").display
            await pilot.press("ctrl+r")
            await pilot.pause()
            assert isinstance(app.screen, StartScreen)

    asyncio.run(scenario())
    store.close()


def test_fixing_an_invalid_answer_keeps_what_was_typed(make: Any) -> None:
    """Back at the input after an invalid answer, the text stays and typing goes where the cursor is."""

    async def scenario() -> None:
        app = make("tui-shape")
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            await type_line(pilot, "[d, kz]")  # 'kz' is no dimension of this question
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: screen.query_one("#answer-error").display, "the invalid message")
            field = screen.query_one("#answer-input", Input)
            assert field.value == "[d, kz]"
            assert field.cursor_position == 4  # at the unknown name
            await pilot.press("right", "delete")
            assert field.value == "[d, k]"

    asyncio.run(scenario())


def test_summary_rows_open_their_feedback_again(make: Any) -> None:
    async def scenario() -> None:
        app = make("tui-choice", "tui-shape")
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("b", "enter")  # wrong
            await wait_until(pilot, lambda: showing(app, FeedbackScreen), "feedback 1")
            await pilot.press("enter")
            await wait_until(pilot, lambda: showing(app, QuestionScreen) and app.session.index == 1, "question 2")
            await pilot.press("ctrl+n", "y")
            await wait_until(pilot, lambda: showing(app, FeedbackScreen), "the skip's answer")
            await pilot.press("enter")
            await wait_until(pilot, lambda: showing(app, SummaryScreen), "the summary")
            summary = app.screen
            # the weakest topic is on screen at 80x24 without scrolling
            weakest = summary.query_one("#weakest")
            assert weakest.region.bottom <= 23 and weakest.region.height > 0
            await pilot.press("enter")  # the first row: the wrong choice
            await wait_until(pilot, lambda: showing(app, FeedbackScreen), "the first answer's feedback")
            past = app.screen
            assert "Question 1 of 2" in text_of(past, "#question-bar")
            assert text_of(past, "#your-answer") == "B"
            assert "the key and value projections" in text_of(past, "#expected")
            await pilot.press("escape")
            await wait_until(pilot, lambda: app.screen is summary, "back to the summary")
            await pilot.press("down", "enter")  # the skipped one
            await wait_until(pilot, lambda: showing(app, FeedbackScreen), "the skipped answer's feedback")
            assert "Skipped" in text_of(app.screen, "#status") and app.screen.query("#expected")

    asyncio.run(scenario())
