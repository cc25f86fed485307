"""Fixtures for the app's tests: a small bank with one question per kind, and an app factory over it."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
BANK_FILE = FIXTURES / "bank.yaml"
SEED = 7


@pytest.fixture(scope="session")
def bank() -> Any:
    from tutor.bank import load_bank

    return load_bank([BANK_FILE], builtin=False)


@pytest.fixture
def make(bank: Any) -> Callable[..., Any]:
    """`make("tui-shape", ...)`: the app (through the same factory as the CLI) on those questions, in order."""
    from tutor.session.engine import SessionConfig
    from tutor.tui.app import make_app

    def build(*ids: str, store: Any = None) -> Any:
        config = SessionConfig(question_ids=ids, n=len(ids), seed=SEED, banks=(str(BANK_FILE),))
        return make_app(config, bank=bank, store=store)

    return build
