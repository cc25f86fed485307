"""`tutor check --answers FILE --bank BANK` grades everything it can when one question's key cannot be read."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from tutor.cli import main

BANK = """
questions:
  - id: broken-key
    kind: symbolic
    topic: mha
    prompt: What is it?
    symbols: [d, H]
    answer: "d +"
  - id: fine-key
    kind: symbolic
    topic: mha
    prompt: What is it?
    symbols: [d, H]
    answer: d/H
"""


def test_one_unreadable_key_does_not_stop_the_rest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bank = tmp_path / "bank.yaml"
    bank.write_text(textwrap.dedent(BANK), encoding="utf-8")
    answers = tmp_path / "answers.yaml"
    answers.write_text("- {id: broken-key, answer: d}\n- {id: fine-key, answer: d/H}\n", encoding="utf-8")
    code = main(["check", "--answers", str(answers), "--bank", str(bank), "--json"])
    results = json.loads(capsys.readouterr().out)
    assert code == 1  # one answer could not be graded
    assert [r["id"] for r in results] == ["broken-key", "fine-key"]
    assert results[0]["status"] == "error"
    assert "cannot be graded" in results[0]["feedback"][0] and "'d +' cannot be read" in results[0]["feedback"][0]
    assert results[1]["status"] == "correct"


def test_one_unreadable_key_alone_is_a_clear_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bank = tmp_path / "bank.yaml"
    bank.write_text(textwrap.dedent(BANK), encoding="utf-8")
    code = main(["check", "broken-key", "d", "--bank", str(bank)])
    err = capsys.readouterr().err
    assert code != 0 and "broken-key cannot be graded" in err and "Traceback" not in err
