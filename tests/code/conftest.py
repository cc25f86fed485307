"""Shared fixtures for the code-exercise tests: the built-in code questions, loaded once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from tutor.bank.model import BankFile, CodeQuestion

def sandbox_processes(requests: str) -> list[str]:
    """Live (non-zombie) processes whose HOME lies under `requests`: left over from a sandbox child."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/environ", "rb") as f:
                environ = f.read()
            with open(f"/proc/{name}/stat", "rb") as f:
                state = f.read().rsplit(b")", 1)[1].split()[0]
            with open(f"/proc/{name}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if state != b"Z" and requests.encode() in environ:
            found.append(f"{name} (state {state.decode()}): {cmdline}")
    return found


BANK = Path(__file__).resolve().parents[2] / "question_bank" / "code.yaml"
# Every bank file of coding exercises: code.yaml and code_serving.yaml (online softmax, paged KV, RoPE).
BANK_FILES = sorted(BANK.parent.glob("code*.yaml"))


@pytest.fixture(scope="session")
def code_questions() -> dict[str, CodeQuestion]:
    out: dict[str, CodeQuestion] = {}
    for path in BANK_FILES:
        bank = BankFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        out.update({q.id: q for q in bank.questions if isinstance(q, CodeQuestion)})
    return out


@pytest.fixture(scope="session", autouse=True)
def private_tempdir(tmp_path_factory):
    """Sandbox request directories go to a directory of this session's own, so the leftover
    checks see only what these tests started (other processes on the machine may grade too)."""
    import shutil
    import tempfile

    # Beside pytest's own folders, not below them: pytest-of-USER is 0700, which the sandbox's view must
    # cover for the child's uid to reach its work directory, and a request folder below a cover takes
    # the per-run path, never the warm sandbox that `tutor grade` and the app use.
    path = Path(tempfile.mkdtemp(prefix="tutor-test-requests-"))
    os.chmod(path, 0o711)
    saved = tempfile.tempdir
    tempfile.tempdir = str(path)
    yield path
    tempfile.tempdir = saved
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def leftover_processes(private_tempdir):
    """A check to call: the live processes left over from this session's sandbox children."""
    return lambda: sandbox_processes(str(private_tempdir))
