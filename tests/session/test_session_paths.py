"""Where the history lives: --data-dir, then $TUTOR_DATA_DIR, then the platform's user data dir."""

from __future__ import annotations

from pathlib import Path

import platformdirs

from tutor.paths import data_dir, db_path


def test_precedence(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("TUTOR_DATA_DIR", str(tmp_path / "env"))
    assert data_dir(tmp_path / "flag") == tmp_path / "flag"
    assert data_dir() == tmp_path / "env"
    assert db_path() == tmp_path / "env" / "history.sqlite3"
    monkeypatch.delenv("TUTOR_DATA_DIR")
    assert data_dir() == Path(platformdirs.user_data_dir("attention-tutor", appauthor=False))
    assert not (tmp_path / "env").exists(), "finding the folder does not create it"
