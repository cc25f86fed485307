"""A tiny bank of readable questions (choice and numeric) and a history store in a temporary folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from session_tiny_bank import BANK_YAML


@pytest.fixture
def bank_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "bank"
    folder.mkdir()
    (folder / "tiny.yaml").write_text(BANK_YAML, encoding="utf-8")
    return folder


@pytest.fixture
def bank(bank_dir: Path):
    from tutor.bank import load_bank

    return load_bank([bank_dir], builtin=False)


@pytest.fixture
def store(tmp_path: Path):
    from tutor.session.store import Store

    s = Store(tmp_path / "data" / "history.sqlite3")
    yield s
    s.close()
