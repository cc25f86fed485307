"""The KV-cache explorer: opened from the start screen (`e`) and the palette, keyboard only, figures from
reference_impl, no torch; `tutor explore --plain` prints the same figures."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from textual.widgets import Input, Select, Static
from tui_helpers import showing, wait_until

from tutor.explore import Settings, figures, human_bytes, summary_lines
from tutor.tui.screens.explorer import ExplorerScreen
from tutor.tui.screens.start import StartScreen


def panel(app: Any) -> str:
    return str(app.screen.query_one("#explore-figures", Static).render())


def test_explorer_from_the_start_screen_follows_the_fields(bank: Any) -> None:
    asyncio.run(_explorer_follows_the_fields(bank))


async def _explorer_follows_the_fields(bank: Any) -> None:
    from tutor.tui.app import TutorApp

    app = TutorApp(bank=bank)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: showing(app, StartScreen), "the start screen")
        await pilot.press("e")
        await wait_until(pilot, lambda: showing(app, ExplorerScreen), "the explorer")
        assert "Llama-3-8B (GQA)" in panel(app) and "128 KiB per token" in panel(app)
        assert "= 1 GiB" in panel(app)  # 8192 tokens x 128 KiB
        assert "no step takes less than 4.8 ms" in panel(app)  # the bank's decode floor, not 5.11 ms (R3)
        # keyboard only: tab to the context field, type a new length
        for _ in range(3):
            await pilot.press("tab")
        context = app.screen.query_one("#context", Input)
        assert context.has_focus
        context.value = ""
        await pilot.press(*"32768")
        await wait_until(pilot, lambda: "= 4 GiB" in panel(app), "the figures for 32768 tokens")
        await pilot.press("pageup")
        await wait_until(pilot, lambda: "= 8 GiB" in panel(app), "double the context")
        await pilot.press("pagedown", "pagedown")
        await wait_until(pilot, lambda: "= 2 GiB" in panel(app), "a quarter of it")
        # a bad field says what is wrong and keeps the last good figures
        context.value = "0"
        await wait_until(pilot, lambda: "context 0" in panel(app), "the message")
        context.value = "1024"
        # choosing a model with the keyboard: focus the list, open it, move, choose
        app.screen.query_one("#model", Select).focus()
        await pilot.press("enter", "down", "down", "down", "enter")
        await wait_until(pilot, lambda: "Mistral-7B-v0.1 (GQA)" in panel(app), "Mistral, the release with the window")
        assert "sliding window" in panel(app)
        await pilot.press("escape")
        await wait_until(pilot, lambda: showing(app, StartScreen), "back to the start screen")


def test_the_palette_opens_the_explorer(bank: Any) -> None:
    asyncio.run(_palette_opens_the_explorer(bank))


async def _palette_opens_the_explorer(bank: Any) -> None:
    from tutor.tui.app import TutorApp

    app = TutorApp(bank=bank)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: showing(app, StartScreen), "the start screen")
        commands = [c.title for c in app.get_system_commands(app.screen)]
        assert "KV-cache explorer" in commands
        app.action_explore(Settings("DeepSeek-V3", context=4096))
        await wait_until(pilot, lambda: showing(app, ExplorerScreen), "the explorer")
        assert "(MLA)" in panel(app) and "latent of 512" in panel(app)


def test_figures_come_from_reference_impl() -> None:
    from reference_impl import cost

    f = figures(Settings("Llama-2-7B", "fp16", batch=4, context=4096, bandwidth_gbs=2000))
    assert f.cache_bytes == cost.kv_cache_bytes(4, 4096, 32, 32, 128, 2)
    weights = cost.decode_weight_params(32, 4096, 32, 32, 11008, 32000, 128)  # not the input embedding (R3)
    assert f.step_seconds == pytest.approx((weights * 2 + f.cache_bytes) / 2e12)
    assert human_bytes(f.cache_bytes) == "8 GiB"


def test_explore_plain_prints_the_figures(capsys: pytest.CaptureFixture[str]) -> None:
    from tutor.cli import main

    assert main(["explore", "--plain", "--model", "mistral-7b", "--context", "16384"]) == 0
    out = capsys.readouterr().out
    assert "Mistral-7B-v0.1 (GQA)" in out and "= 512 MiB" in out  # the release with the window (R3)
    assert "GQA-8, window 4096" in out
    assert main(["explore", "--plain", "--model", "GPT-9"]) == 2
    assert "models: Llama-3-8B" in capsys.readouterr().err


def test_opening_the_explorer_loads_no_torch(tmp_path: Any) -> None:
    import json
    import subprocess
    import sys

    code = """
import asyncio, json, sys
from tutor.tui.app import TutorApp
from tutor.tui.screens.explorer import ExplorerScreen
async def main():
    app = TutorApp()
    async with app.run_test(size=(80, 24)) as pilot:
        app.action_explore()
        while not isinstance(app.screen, ExplorerScreen):
            await pilot.pause(0.02)
        await pilot.pause()
asyncio.run(main())
print(json.dumps({"torch": "torch" in sys.modules}))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**__import__("os").environ, "TUTOR_DATA_DIR": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"torch": False}


def test_settings_for_a_questions_numbers() -> None:
    from tutor.explore import settings_for

    s = settings_for({"B": 8, "S": 4096, "L": 32}, "For Mistral-7B in fp32, how large is the cache?")
    assert (s.model, s.dtype, s.batch, s.context) == ("Mistral-7B", "fp32", 8, 4096)
    assert settings_for({}, "no numbers here").model == "Llama-3-8B"


def test_a_kv_cache_questions_feedback_opens_the_explorer_with_its_numbers(make: Any) -> None:
    from tutor.tui.screens.feedback import FeedbackScreen
    from tutor.tui.screens.question import QuestionScreen

    async def scenario() -> None:
        app = make("tui-numeric", "tui-complexity")
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: showing(app, QuestionScreen), "the question")
            await pilot.press(*"1", "enter")
            await wait_until(pilot, lambda: showing(app, FeedbackScreen), "feedback")
            assert app.screen.check_action("explore", ()) is False  # an MHA question: no link
            await pilot.press("enter")
            await wait_until(pilot, lambda: showing(app, QuestionScreen) and app.session.index == 1, "question 2")
            await pilot.press(*"O(b*d)", "enter")
            await wait_until(pilot, lambda: showing(app, FeedbackScreen), "feedback 2")
            assert app.screen.check_action("explore", ()) is True
            await pilot.press("x")
            await wait_until(pilot, lambda: showing(app, ExplorerScreen), "the explorer")
            await pilot.press("escape")
            await wait_until(pilot, lambda: showing(app, FeedbackScreen), "back to the feedback")

    asyncio.run(scenario())


def test_decode_floor_agrees_with_the_bank_question(capsys: pytest.CaptureFixture[str]) -> None:
    """Redteam R3: the explorer's floor for Llama-3-8B (bf16, batch 1, context 8192, 3350 GB/s) is the bank's
    roofline-decode-floor-llama3-8b answer (4.80 ms), not all 8.03B parameters (5.11 ms), in the figures
    the screen shows and in `tutor explore --plain`."""
    from dataclasses import replace

    from tutor.bank.loader import load_bank
    from tutor.bank.variant import make_variant
    from tutor.cli import main
    from tutor.grading.numeric import expected_value

    question = load_bank().get("roofline-decode-floor-llama3-8b")
    variant = make_variant(question)
    variant = replace(variant, params={**variant.params, "B": 1, "S": 8192})
    bank_ms = float(expected_value(question, variant, question.answer))  # the bank's own formula
    assert bank_ms == pytest.approx(4.80, abs=0.005)
    f = figures(Settings("Llama-3-8B", "bf16", batch=1, context=8192, bandwidth_gbs=3350))
    assert f.step_seconds * 1000 == pytest.approx(bank_ms, rel=1e-12)
    assert "4.8 ms" in "\n".join(summary_lines(f)) and "input embedding" in f.weights_counted
    assert main(["explore", "--plain", "--model", "Llama-3-8B", "--context", "8192", "--bandwidth", "3350"]) == 0
    out = capsys.readouterr().out
    assert "no step takes less than 4.8 ms" in out and "5.11" not in out
