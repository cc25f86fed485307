"""`tutor new KIND`: every template is a valid bank file that `tutor validate` passes unchanged."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tutor.bank.model import KINDS, BankFile
from tutor.commands.new import TEMPLATES, template

ROOT = Path(__file__).resolve().parents[2]


def _tutor(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tutor", *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


def test_there_is_a_template_for_every_kind() -> None:
    assert set(TEMPLATES) == set(KINDS)


@pytest.mark.parametrize("kind", KINDS)
def test_template_is_a_bank_file_of_that_kind(kind: str) -> None:
    data = yaml.safe_load(template(kind, "my-q"))
    bank = BankFile.model_validate(data)
    (question,) = bank.questions
    assert question.kind == kind
    assert question.id == "my-q"
    assert question.hints and question.explanation.strip() and question.source.strip()


def test_templates_pass_validate(tmp_path: Path) -> None:
    """All non-code templates in one `tutor validate` run: answers, feedback and examples grade as they should."""
    paths = []
    for kind in KINDS:
        if kind == "code":
            continue
        path = tmp_path / f"{kind}.yaml"
        path.write_text(template(kind, f"my-{kind}"), encoding="utf-8")
        paths.append(str(path))
    done = _tutor("validate", *paths)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"validated {len(paths)} questions" in done.stdout


@pytest.mark.slow
def test_code_template_passes_validate_in_the_sandbox(tmp_path: Path) -> None:
    path = tmp_path / "code.yaml"
    path.write_text(template("code", "my-code"), encoding="utf-8")
    done = _tutor("validate", str(path))
    assert done.returncode == 0, done.stdout + done.stderr


def test_cli_prints_the_template() -> None:
    done = _tutor("new", "shape", "--id", "my-shape-1")
    assert done.returncode == 0, done.stderr
    assert done.stdout == template("shape", "my-shape-1")
    assert "kind: shape" in done.stdout and "# " in done.stdout


def test_cli_lists_the_kinds() -> None:
    done = _tutor("new", "--list")
    assert done.returncode == 0, done.stderr
    assert [line.split()[0] for line in done.stdout.splitlines()] == list(KINDS)


def test_a_misspelt_kind_gets_a_suggestion() -> None:
    done = _tutor("new", "numric")
    assert done.returncode == 2
    assert "did you mean 'numeric'?" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_bad_id_is_refused() -> None:
    done = _tutor("new", "text", "--id", "Bad Id")
    assert done.returncode == 2
    assert "--id" in done.stderr and "Traceback" not in done.stderr
