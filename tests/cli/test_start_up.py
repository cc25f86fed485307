"""What `tutor check` loads from a cold start: only what the answer's kind needs.

Einsum and choice answers never load sympy, nor does a right shape answer of names and numbers; once the bank is in the cache (tutor.bank.cache), no
command that only reads it loads PyYAML or builds pydantic's validators. (The timings are
bench/check_vs_sympy.py's; these are the properties that keep them low.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import sys, json, contextlib, io\n"
    "from tutor.cli import main\n"
    "with contextlib.redirect_stdout(io.StringIO()):\n"
    "    code = main(sys.argv[1:])\n"
    "import tutor.bank.model as m\n"
    "print(json.dumps({'code': code, 'modules': sorted(k for k in sys.modules if k.split('.')[0] in ('sympy', 'yaml')),\n"
    "                  'built': sorted(c.__name__ for c in vars(m).values()\n"
    "                                  if isinstance(c, type) and getattr(c, '__pydantic_complete__', False))}))\n"
)


def _check(tmp_path: Path, *args: str) -> dict:
    env = {**os.environ, "TUTOR_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(ROOT)}
    env.pop("TUTOR_BANK", None)
    env.pop("TUTOR_BANK_CACHE", None)
    result = subprocess.run([sys.executable, "-c", PROBE, "check", *args, "--json"], capture_output=True, text=True,
                            cwd=ROOT, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("args", [("attn-single-head-einsum", "nk,mk->nm"), ("attn-softmax-axis-choice", "A")])
def test_einsum_and_choice_answers_never_load_sympy(tmp_path: Path, args: tuple[str, str]) -> None:
    first = _check(tmp_path, *args)
    assert first["code"] in (0, 1)
    assert not [m for m in first["modules"] if m.startswith("sympy")]


@pytest.mark.parametrize("args", [("p4a-mqa-wq-shape", "[h, d, q]"), ("window-buffer-shape", "[b, g, W, k]")])
def test_a_right_shape_answer_of_names_never_loads_sympy(tmp_path: Path, args: tuple[str, str]) -> None:
    result = _check(tmp_path, *args)
    assert result["code"] == 0
    assert not [m for m in result["modules"] if m.startswith("sympy")]


def test_a_shape_answer_with_an_expression_still_grades(tmp_path: Path) -> None:
    """The sympy path stays reachable from the command: an expression, a wrong order."""
    for answer in ("[h, d, 2*q/2]", "[h, q, d]"):
        assert _check(tmp_path, "p4a-mqa-wq-shape", answer)["code"] == 0


def test_a_cached_bank_needs_no_yaml_and_builds_no_validators(tmp_path: Path) -> None:
    cold = _check(tmp_path, "attn-softmax-axis-choice", "A")
    assert "yaml" in cold["modules"] and cold["built"]  # the first run read and checked the files
    warm = _check(tmp_path, "attn-softmax-axis-choice", "A")
    assert warm["code"] == cold["code"]
    assert "yaml" not in warm["modules"]
    assert warm["built"] == []
