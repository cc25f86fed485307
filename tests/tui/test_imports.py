"""Load-bearing walls: the domain packages never load Textual, and launching the app never loads torch."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

FIXTURE_BANK = Path(__file__).parent / "fixtures" / "bank.yaml"


def _run(code: str, env: dict[str, str] | None = None) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, **(env or {})},
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_bank_grading_and_session_do_not_import_textual() -> None:
    """Every module of the three domain packages, imported in a fresh interpreter, leaves textual unloaded."""
    loaded = _run(
        """
        import json, pkgutil, importlib, sys
        import tutor.bank, tutor.grading, tutor.session
        for package in (tutor.bank, tutor.grading, tutor.session):
            for info in pkgutil.iter_modules(package.__path__):
                importlib.import_module(f"{package.__name__}.{info.name}")
        print(json.dumps({"textual": sorted(m for m in sys.modules if m.split(".")[0] == "textual")}))
        """
    )
    assert loaded["textual"] == []


def test_launching_the_app_does_not_import_torch(tmp_path: Path) -> None:
    """Open the app on a code question (editor shown, sandbox worker started) and wait for the graders it
    preloads for the other kinds; torch stays out of the app's process.

    The run also writes the start-up line that bench/startup.py reads.
    """
    timing = tmp_path / "timing.txt"
    result = _run(
        f"""
        import asyncio, json, sys
        from tutor.bank import load_bank
        from tutor.session.engine import SessionConfig
        from tutor.tui.app import make_app

        ids = ("tui-code", "tui-symbolic", "tui-shape", "tui-choice")
        config = SessionConfig(question_ids=ids, n=len(ids), seed=1, banks=({str(FIXTURE_BANK)!r},))

        async def main():
            app = make_app(config, bank=load_bank(config.banks, builtin=False))
            async with app.run_test(size=(80, 24)) as pilot:
                while app.first_question_ms is None:
                    await pilot.pause(0.02)
                await app.workers.wait_for_complete()  # the graders preloaded after the first paint
                await pilot.pause()
                return app.first_question_ms is not None

        shown = asyncio.run(main())
        print(json.dumps({{"shown": shown, "torch": "torch" in sys.modules, "sympy": "sympy" in sys.modules}}))
        """,
        env={"TUTOR_TIMING": str(timing)},
    )
    assert result["shown"]
    assert result["torch"] is False
    assert re.fullmatch(r"first question shown in \d+ ms \(cpu \d+ ms\)\n", timing.read_text())


def test_the_tui_package_itself_is_light() -> None:
    """`import tutor.tui` (what `tutor quiz --plain` could touch) loads neither textual nor sympy."""
    loaded = _run(
        """
        import json, sys
        import tutor.tui
        print(json.dumps({"textual": "textual" in sys.modules, "sympy": "sympy" in sys.modules}))
        """
    )
    assert loaded == {"textual": False, "sympy": False}
