"""CLI rough edges (issue 14): --data-dir before the command, -n larger than what matches says so."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tutor.cli import main

FIXTURE_BANK = Path(__file__).resolve().parents[1] / "tui" / "fixtures" / "bank.yaml"


@pytest.mark.parametrize("where", ["before", "after"])
def test_data_dir_before_or_after_the_command(where: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "history"
    args = ["--data-dir", str(data), "stats"] if where == "before" else ["stats", "--data-dir", str(data)]
    assert main(args) == 0
    assert f"no history at {data}" in capsys.readouterr().out
    assert not data.exists()  # a read-only command creates no folder and no empty database (redteam R6)


@pytest.mark.parametrize("command", [["history"], ["history", "--sessions"], ["stats"], ["stats", "--json"], ["report", "last"]])
def test_read_only_commands_create_no_history(command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`history`/`stats` on a data dir with no history say so and exit 0; `report` exits 2 (no session to report)."""
    data = tmp_path / "typo" / "q"
    code = main(["--data-dir", str(data), *command])
    captured = capsys.readouterr()
    assert code == (2 if command[0] == "report" else 0)
    assert f"no history at {data}" in captured.out + captured.err
    if "--json" in command:
        assert captured.out == ""  # stdout holds JSON or nothing
    assert not data.exists() and not data.parent.exists()


def test_asking_for_more_than_match_says_how_many(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    code = main(["quiz", "--plain", "--kind", "big-O", "-n", "500", "--data-dir", str(tmp_path), "--seed", "1"])
    assert code == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("500 question(s) asked for; ") and "match the chosen topics" in first


def test_the_app_says_how_many_matched(tmp_path: Path) -> None:
    from tutor.bank import load_bank
    from tutor.session.engine import SessionConfig
    from tutor.tui.app import make_app

    async def scenario() -> list[str]:
        config = SessionConfig(kinds=("shape",), n=500, seed=1, banks=(str(FIXTURE_BANK),))
        app = make_app(config, bank=load_bank([FIXTURE_BANK], builtin=False))
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            return [n.message for n in app._notifications]

    notes = asyncio.run(scenario())
    assert any(n.startswith("500 question(s) asked for; 1 match") for n in notes)
