"""The app with a written answer (the learner's checklist decides the score) and the statements / multi
widgets (T/F toggles, checkboxes), driven by the keyboard through Pilot."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static, TextArea
from tui_helpers import showing, wait_until

from tutor.tui.screens.checklist import ChecklistScreen
from tutor.tui.screens.feedback import FeedbackScreen
from tutor.tui.screens.question import QuestionScreen
from tutor.tui.widgets.toggles import ToggleRows

BANK_FILE = Path(__file__).parent / "fixtures" / "reasoning.yaml"


@pytest.fixture
def make_reasoning() -> Any:
    from tutor.bank import load_bank
    from tutor.session.engine import SessionConfig
    from tutor.tui.app import make_app

    bank = load_bank([BANK_FILE], builtin=False)

    def build(*ids: str, store: Any = None) -> Any:
        config = SessionConfig(question_ids=ids, n=len(ids), seed=3, banks=(str(BANK_FILE),))
        return make_app(config, bank=bank, store=store)

    return build


def text_of(screen: Any, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


def test_a_written_answer_is_scored_by_the_learners_checklist(make_reasoning: Any, tmp_path: Path) -> None:
    from tutor.session.store import Store

    store = Store(tmp_path / "history.sqlite3")

    async def scenario() -> None:
        app = make_reasoning("tui-written", "tui-claims", store=store)
        async with app.run_test(size=(100, 40)) as pilot:
            await wait_until(pilot, lambda: showing(app, QuestionScreen), "the written question")
            assert app.screen.query_one(TextArea).has_focus
            await pilot.press(*"It caches the queries and keys, so the new token is quick.")
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: showing(app, ChecklistScreen), "the checklist")
            screen = app.screen
            # the model answer beside the learner's, the warning, the suggestions drawn as suggestions
            assert "caches the queries" in text_of(screen, "#your-answer")
            assert "stores the keys and values" in text_of(screen, "#model-answer")
            warning = text_of(screen, "#contradictions")
            assert 'your answer seems to say "The cache stores the queries of earlier tokens"' in warning
            assert "which is wrong because a query is used once" in warning
            rows = screen.query_one(ToggleRows)
            assert rows.states == ["suggested", "suggested", "no"]
            drawn = str(rows.render())
            assert "[~] 1." in drawn and "(seems present: a machine suggestion)" in drawn and "☐ 3." in drawn
            # enter with suggestions left: nothing is scored, the learner must decide
            await pilot.press("enter")
            assert isinstance(app.screen, ChecklistScreen)
            assert [(a.status, a.assessed) for a in store.attempts()] == [("needs_review", "")]  # kept, not scored
            # confirm points 1 and 3 (2 was only suggested, cleared by two presses: confirm, then clear)
            await pilot.press("1", "2", "2", "3")
            assert rows.states == ["yes", "no", "yes"]
            assert "☑ 1." in str(rows.render())
            assert "your score: 4 / 5" in text_of(screen, "#checklist-score")
            await pilot.press("enter")
            await wait_until(pilot, lambda: showing(app, FeedbackScreen), "the feedback")
            feedback = app.screen
            assert "Some points made, by your assessment" in text_of(feedback, "#status")  # the verdict is the learner's
            assert "self-assessed" in text_of(feedback, "#score-line")
            attempt = store.attempts()[0]
            assert (attempt.score, attempt.assessed, attempt.status) == (4, "self", "partial")

    asyncio.run(scenario())
    store.close()


WRITTEN = "It caches the queries and keys, so the new token is quick."


async def answer_to_checklist(app: Any, pilot: Any) -> None:
    """Type WRITTEN to the written question and submit it: the checklist opens."""
    await wait_until(pilot, lambda: showing(app, QuestionScreen), "the written question")
    await pilot.press(*WRITTEN)
    await pilot.press("ctrl+s")
    await wait_until(pilot, lambda: showing(app, ChecklistScreen), "the checklist")


def test_a_checklist_confirmed_after_another_window_assessed_the_answer_says_so_and_moves_on(
        make_reasoning: Any, tmp_path: Path) -> None:
    """Another window on the same session confirmed this answer's checklist first: that assessment stands,
    this window says so (no traceback) and goes on to the next question."""
    from tutor.session.store import Store

    store = Store(tmp_path / "history.sqlite3")

    async def scenario() -> None:
        app = make_reasoning("tui-written", "tui-claims", store=store)
        async with app.run_test(size=(100, 40)) as pilot:
            await answer_to_checklist(app, pilot)
            (stored,) = store.attempts()
            with Store(tmp_path / "history.sqlite3") as other:  # the other window confirms first
                other.complete_attempt(stored.id, status="partial", score=3, assessed="self")
            await pilot.press("1", "1", "2", "2")  # decide each suggestion, then confirm
            await pilot.press("enter")
            await wait_until(pilot, lambda: showing(app, QuestionScreen) and app.screen.session.index == 1,
                             "the next question")
            assert any("assessed meanwhile in another window" in str(n.message) for n in app._notifications)
            assert [(a.score, a.assessed) for a in store.attempts()] == [(3, "self")]

    asyncio.run(scenario())
    store.close()


def test_quit_at_the_checklist_then_resume_opens_it_again_for_the_same_answer(make_reasoning: Any, tmp_path: Path) -> None:
    """The answer is stored at submit: quitting (or a closed terminal) at the checklist loses nothing;
    resuming (the start screen's resume, or `tutor quiz --resume`) shows the checklist for that answer."""
    from tutor.bank import load_bank
    from tutor.session.store import Store
    from tutor.tui.app import TutorApp, make_app
    from tutor.tui.screens.confirm import ConfirmScreen
    from tutor.tui.screens.start import StartScreen

    store = Store(tmp_path / "history.sqlite3")
    bank = load_bank([BANK_FILE], builtin=False)

    async def answer_then_quit() -> str:
        app = make_reasoning("tui-written", "tui-claims", store=store)
        async with app.run_test(size=(100, 40)) as pilot:
            await answer_to_checklist(app, pilot)
            await pilot.press("ctrl+q")
            await wait_until(pilot, lambda: showing(app, ConfirmScreen), "the quit question")
            assert "Your answers so far are saved" in text_of(app.screen, "#dialog-message")
            await pilot.press("y")
            await wait_until(pilot, lambda: app._exit, "the app to exit", limit=10)
            return app.session.session_id

    async def checklist_again(app: Any, pilot: Any) -> ChecklistScreen:
        await wait_until(pilot, lambda: showing(app, ChecklistScreen), "the checklist again")
        screen = app.screen
        assert "caches the queries" in text_of(screen, "#your-answer")
        assert 'seems to say "The cache stores the queries of earlier tokens"' in text_of(screen, "#contradictions")
        assert screen.query_one(ToggleRows).states == ["suggested", "suggested", "no"]
        return screen

    async def resume_from_the_start_screen_and_quit() -> None:
        app = TutorApp(bank=bank, store=store, banks=(str(BANK_FILE),))
        async with app.run_test(size=(100, 40)) as pilot:
            assert isinstance(app.screen, StartScreen)
            assert "0 of 2 answered, 1 to assess" in str(app.screen.query_one("#resume").label)
            await pilot.press("ctrl+r")
            await checklist_again(app, pilot)
            await pilot.press("ctrl+q", "y")
            await wait_until(pilot, lambda: app._exit, "the app to exit", limit=10)

    async def resume_by_id_and_assess(session_id: str) -> None:
        app = make_app(None, bank=bank, store=store, resume=session_id)  # what `tutor quiz --resume` runs
        async with app.run_test(size=(100, 40)) as pilot:
            screen = await checklist_again(app, pilot)
            await pilot.press("1", "2", "2", "3", "enter")
            await wait_until(pilot, lambda: showing(app, FeedbackScreen), "the feedback")
            assert "self-assessed" in text_of(app.screen, "#score-line")
            await pilot.press("enter")
            await wait_until(pilot, lambda: showing(app, QuestionScreen), "the next question")
            assert app.session.current.id == "tui-claims"
            assert screen is not app.screen

    session_id = asyncio.run(answer_then_quit())
    (stored,) = store.attempts()
    assert (stored.answer, stored.status, stored.awaiting_assessment) == (WRITTEN, "needs_review", True)
    asyncio.run(resume_from_the_start_screen_and_quit())
    asyncio.run(resume_by_id_and_assess(session_id))
    (done,) = store.attempts()
    assert (done.id, done.answer, done.status, done.score, done.assessed) == (stored.id, WRITTEN, "partial", 4, "self")
    store.close()


def test_statements_widget_marks_each_claim_by_keyboard(make_reasoning: Any) -> None:
    async def scenario() -> None:
        app = make_reasoning("tui-claims", "tui-picks")
        async with app.run_test(size=(100, 34)) as pilot:
            await wait_until(pilot, lambda: showing(app, QuestionScreen), "the statements question")
            screen = app.screen
            rows = screen.query_one(ToggleRows)
            assert rows.has_focus
            await pilot.press("t", "t")  # the second is wrong; one claim left unmarked
            await pilot.press("t")
            assert screen.answer.value() == "TTT?"
            drawn = str(rows.render())
            assert "[T]  F  1." in drawn and " T   F  4." in drawn
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: screen.query_one("#answer-error").display, "the invalid line")
            assert "'?' is not a mark" in text_of(screen, "#answer-error")
            assert rows.cursor == 3  # the cursor is put on the unmarked claim
            await pilot.press("f", "up", "up", "space")  # mark 4 false, then flip claim 2 from T to F
            assert screen.answer.value() == "TFTF"
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: showing(app, FeedbackScreen), "the feedback")
            assert "Correct" in text_of(app.screen, "#status")

    asyncio.run(scenario())


def test_multi_widget_ticks_with_space_and_numbers(make_reasoning: Any) -> None:
    async def scenario() -> None:
        app = make_reasoning("tui-picks", "tui-claims")
        async with app.run_test(size=(100, 34)) as pilot:
            await wait_until(pilot, lambda: showing(app, QuestionScreen), "the multi question")
            screen = app.screen
            rows = screen.query_one(ToggleRows)
            await pilot.press("space", "3", "2", "3")  # tick A, tick C, tick B, untick C
            assert screen.answer.value() == "A, B"
            drawn = str(rows.render())
            assert "☑ 1. A) W_K" in drawn and "☐ 3. C) W_Q" in drawn
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: showing(app, FeedbackScreen), "the feedback")
            assert "Correct" in text_of(app.screen, "#status")

    asyncio.run(scenario())
