"""`tutor grade --clear-cache`, `--no-cache` and the progress report with its ETA (issue 16)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tutor.cli import main
from tutor.commands.grade import Progress


def test_clear_cache_alone_empties_the_folder_and_stops(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("TUTOR_CACHE_DIR", str(tmp_path))
    folder = tmp_path / "reference-outputs"
    folder.mkdir()
    for name in ("a.prepared.safetensors", "a.mutants.safetensors"):
        (folder / name).write_bytes(b"x" * 2048)
    assert main(["grade", "--clear-cache"]) == 0
    assert "2 file(s)" in capsys.readouterr().err
    assert not list(folder.iterdir())


def test_grade_without_submissions_says_what_to_give(capsys) -> None:
    assert main(["grade"]) != 0
    assert "give the submission files" in capsys.readouterr().err


def test_cache_size_must_be_positive(tmp_path: Path, capsys) -> None:
    assert main(["grade", str(tmp_path), "--cache-max-mib", "0"]) != 0
    assert "--cache-max-mib 0" in capsys.readouterr().err


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_progress_when_piped_is_one_line_per_n_with_an_eta() -> None:
    out, clock = io.StringIO(), _Clock()
    progress = Progress(40, "auto", stream=out, clock=clock)  # StringIO is not a terminal: lines
    for done in range(1, 41):
        clock.now = done * 0.5
        progress(done, 40)
    lines = out.getvalue().splitlines()
    assert len(lines) == 10  # every 4th of 40, the last included
    assert lines[0] == "4/40 graded, 2.0/s, ETA 0:18"
    assert lines[-1] == "40/40 graded, 2.0/s, took 0:20"


def test_progress_on_a_terminal_is_a_bar_redrawn_in_place() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    out, clock = Tty(), _Clock()
    progress = Progress(3, "auto", stream=out, clock=clock)
    for done in (1, 2, 3):
        clock.now = done
        progress(done, 3)
    text = out.getvalue()
    assert text.count("\r") == 3 and text.endswith("\n")
    assert "[##########....................] 1/3 graded, 1.0/s, ETA 0:02" in text


@pytest.mark.parametrize("mode", ["none"])
def test_progress_can_be_silenced(mode: str) -> None:
    out = io.StringIO()
    Progress(5, mode, stream=out)(5, 5)
    assert out.getvalue() == ""
