"""Shared fixtures for the code-exercise tests: the built-in code questions, loaded once."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tutor.bank.model import BankFile, CodeQuestion

BANK = Path(__file__).resolve().parents[2] / "question_bank" / "code.yaml"


@pytest.fixture(scope="session")
def code_questions() -> dict[str, CodeQuestion]:
    bank = BankFile.model_validate(yaml.safe_load(BANK.read_text(encoding="utf-8")))
    return {q.id: q for q in bank.questions}


@pytest.fixture(scope="session", autouse=True)
def private_tempdir(tmp_path_factory):
    """Sandbox request directories go to a directory of this session's own, so the leftover
    checks see only what these tests started (other processes on the machine may grade too)."""
    import tempfile

    path = tmp_path_factory.mktemp("sandbox-requests")
    saved = tempfile.tempdir
    tempfile.tempdir = str(path)
    yield path
    tempfile.tempdir = saved
