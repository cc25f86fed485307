"""Review is where you start: "N due" and `r`, the palette's review and weakest-topic commands, a review
header, practise-next from the progress screen, and every unfinished session offered for resume."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from textual.widgets import Static
from tui_helpers import showing, wait_until

from tutor.tui.screens.feedback import FeedbackScreen
from tutor.tui.screens.question import QuestionScreen
from tutor.tui.screens.start import ResumePicker, StartScreen
from tutor.tui.screens.stats import StatsScreen
from tutor.tui.widgets.options import OptionPicker

BANK = str(Path(__file__).parent / "fixtures" / "bank.yaml")


def text(screen: Any, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


def app_with_store(bank: Any, tmp_path: Path) -> Any:
    from tutor.session.store import Store
    from tutor.tui.app import TutorApp

    return TutorApp(bank=bank, store=Store.at(str(tmp_path)))


def answered_session(bank: Any, store: Any, ids: tuple[str, ...], answers: int) -> Any:
    """A stored session with its first `answers` questions skipped (scored 1), left unfinished."""
    from tutor.session.engine import Session, SessionConfig

    session = Session.start(SessionConfig(question_ids=ids, n=len(ids), seed=1, banks=(BANK,)), bank, store)
    for _ in range(answers):
        session.skip()
    return session


def test_review_from_the_start_screen(bank: Any, tmp_path: Path) -> None:
    async def scenario() -> None:
        app = app_with_store(bank, tmp_path)
        app.store.due_questions = lambda now=None: [("tui-shape", 0.0)]  # one card due now
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: showing(app, StartScreen), "the start screen")
            assert text(app.screen, "#due") == "1 due for review  ·  r starts a review session"
            await pilot.press("r")
            await wait_until(pilot, lambda: showing(app, QuestionScreen), "the review")
            bar = text(app.screen, "#question-bar")
            assert bar.startswith("Review · Question 1 of ") and app.session.variants[0].id == "tui-shape"

    asyncio.run(scenario())


def test_nothing_due_says_so_and_offers_the_weakest(bank: Any, tmp_path: Path) -> None:
    async def scenario() -> None:
        app = app_with_store(bank, tmp_path)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: showing(app, StartScreen), "the start screen")
            assert "Nothing is due for review" in text(app.screen, "#due")
            titles = {c.title: c.help for c in app.get_system_commands(app.screen)}
            assert "Review what is due" in titles and "Practise weakest topic" in titles
            assert "asks first" in titles["Quit"]  # the palette says what quitting does
            app.action_review()
            await wait_until(pilot, lambda: showing(app, QuestionScreen), "the review")
            assert any("Nothing is due for review" in n.message for n in app._notifications)
            assert text(app.screen, "#question-bar").startswith("Review · ")

    asyncio.run(scenario())


def test_practise_next_on_the_progress_screen_starts_a_session(bank: Any, tmp_path: Path) -> None:
    async def scenario() -> None:
        app = app_with_store(bank, tmp_path)
        answered_session(bank, app.store, ("tui-choice", "tui-shape"), 2)  # both skipped: MQA and MHA weak
        async with app.run_test(size=(100, 34)) as pilot:
            await wait_until(pilot, lambda: showing(app, StartScreen), "the start screen")
            await pilot.press("f3")
            await wait_until(pilot, lambda: showing(app, StatsScreen), "progress")
            picker = app.screen.query_one("#weakest", OptionPicker)
            assert picker.has_focus
            first = picker.highlighted_value
            area, name = first.split(":")
            await pilot.press("enter")
            await wait_until(pilot, lambda: showing(app, QuestionScreen), "a session on it")
            variants = app.session.variants
            assert all((v.question.topic if area == "topic" else v.kind) == name for v in variants)

    asyncio.run(scenario())


def test_every_unfinished_session_is_offered(bank: Any, tmp_path: Path) -> None:
    async def scenario() -> None:
        app = app_with_store(bank, tmp_path)
        older = answered_session(bank, app.store, ("tui-choice", "tui-shape", "tui-numeric"), 1)
        await asyncio.sleep(1.1)  # session ids and times are by the second
        newer = answered_session(bank, app.store, ("tui-einsum", "tui-shape"), 1)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: showing(app, StartScreen), "the start screen")
            assert "2 unfinished" in str(app.screen.query_one("#resume").label)
            await pilot.press("ctrl+r")
            await wait_until(pilot, lambda: showing(app, ResumePicker), "the list")
            picker = app.screen.query_one(OptionPicker)
            assert picker.option_count == 2 and "1 of 2 answered" in str(picker.get_option_at_index(0).prompt)
            await pilot.press("b", "enter")  # the older one
            await wait_until(pilot, lambda: showing(app, QuestionScreen), "the resumed session")
            assert app.session.session_id == older.session_id != newer.session_id
            assert app.session.index == 1

    asyncio.run(scenario())


def test_progress_plots_the_session_mean_by_date_and_topics_as_bars(bank: Any, tmp_path: Path) -> None:
    import time as _time

    async def scenario() -> None:
        app = app_with_store(bank, tmp_path)
        answered_session(bank, app.store, ("tui-choice", "tui-shape"), 2)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: showing(app, StartScreen), "the start screen")
            await pilot.press("f3")
            await wait_until(pilot, lambda: showing(app, StatsScreen), "progress")
            await pilot.pause()
            trend = app.screen.query_one("#trend-plot")
            topics = app.screen.query_one("#topic-plot")
            trend_text = str(trend.render())
            topic_text = str(topics.render())
            today = _time.strftime("%m-%d", _time.gmtime())
            assert "Session mean" in trend_text and today in trend_text  # dated, on a 1-5 scale
            assert "MQA" in topic_text and "█" in topic_text  # labelled bars
            assert not app.screen.query("#trend")  # the unlabelled sparkline is gone

    asyncio.run(scenario())
