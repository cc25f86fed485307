"""A real terminal: `tutor quiz --question ID` under tmux; type an answer, submit, read the score off the screen."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

BANK = Path(__file__).parent / "fixtures" / "bank.yaml"

pytestmark = pytest.mark.skipif(
    shutil.which("tmux") is None, reason="tmux is not installed (.ci/run installs it for CI)"
)


class Tmux:
    """One tmux server on a private socket, so the test never touches the user's own sessions."""

    def __init__(self, name: str) -> None:
        self.socket = name
        self.target = "tutor"

    def __call__(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, "-f", "/dev/null", *args], capture_output=True, text=True, timeout=30
        )
        if done.returncode != 0:
            raise AssertionError(f"tmux {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    def screen(self) -> str:
        return self("capture-pane", "-p", "-t", self.target)

    def wait_for(self, text: str, limit: float = 60.0) -> str:
        """Poll the captured screen until `text` shows up (the app runs in another process)."""
        deadline = time.monotonic() + limit
        while True:
            screen = self.screen()
            if text in screen:
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} never appeared; the screen was:\n{screen}")
            time.sleep(0.1)


def test_quiz_in_a_real_terminal(tmp_path: Path) -> None:
    tmux = Tmux(f"tutor-test-{os.getpid()}")
    command = " ".join(
        shlex.quote(part)
        for part in (sys.executable, "-m", "tutor", "quiz", "--question", "tui-numeric", "--bank", str(BANK))
    )
    env = f"TUTOR_DATA_DIR={shlex.quote(str(tmp_path / 'data'))} TERM=xterm-256color"
    shell = f"env {env} {command}; echo \"[tutor exited $?]\"; read _"
    tmux("new-session", "-d", "-s", tmux.target, "-x", "80", "-y", "24", shell)
    try:
        tmux.wait_for("Question 1 of 1")
        tmux("send-keys", "-t", tmux.target, "-l", "2*1024^2")
        tmux.wait_for("interpreted as")
        tmux("send-keys", "-t", tmux.target, "C-s")
        screen = tmux.wait_for("/ 5")
        assert "Correct" in screen
        assert "score 5 / 5" in screen
        tmux("send-keys", "-t", tmux.target, "Enter")
        tmux.wait_for("Session summary")
        tmux("send-keys", "-t", tmux.target, "q")
        tmux.wait_for("[tutor exited 0]")
    finally:
        subprocess.run(["tmux", "-L", tmux.socket, "kill-server"], capture_output=True, timeout=30)
