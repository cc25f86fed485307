"""bench/gpu_check.py's CPU part on a tiny size: it runs, says there is no GPU, writes its JSON and Markdown,
and its calibration grades the model answer as passing and the half-precision versions and mutants as failing."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[2]


def _load():
    spec = importlib.util.spec_from_file_location("gpu_check", REPO / "bench" / "gpu_check.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(torch.cuda.is_available(), reason="the CPU-only path; a GPU machine runs the whole check")
def test_cpu_part_runs_and_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gpu_check = _load()
    status = gpu_check.main(["--no-install", "--tiny", "--questions", "code.gqa-decode", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert status == 0
    assert "no CUDA device here" in out
    record = json.loads((tmp_path / "gpu_check.json").read_text())
    steps = record["steps"]
    assert not record["has_cuda"] and "skipped" in steps["cuda_tests"] and "skipped" in steps["bench"]
    assert {r["dtype"] for r in steps["cores"]["rows"]} == {"float32", "bfloat16"}
    assert {r["form"] for r in steps["cores"]["rows"]} == {"T=S", "T=1", "T<S"}
    assert all(r["backend"] != "unknown" for r in steps["backends"]["rows"])
    rows = steps["calibration"]["rows"]
    assert [r["program"] for r in rows[:3]] == ["fp32", "fp16-inside", "bf16-inside"]
    assert all(r["ok"] for r in rows), rows  # fp32 passes; half precision and every mutant fail
    assert "no CUDA device" in (tmp_path / "gpu_check.md").read_text()


def test_tolerance_proposal_and_rounding() -> None:
    gpu_check = _load()
    assert gpu_check._round_up(3e-6) == 5e-6 and gpu_check._round_up(1e-5) == 1e-5 and gpu_check._round_up(0.011) == 0.02
    rows = [{"program": "fp32", "max_abs": 2e-7}, {"program": "fp16-inside", "max_abs": 1e-3},
            {"program": "bf16-inside", "max_abs": 8e-3}]
    p = gpu_check.propose_tolerance(rows)
    assert p["proposed_atol_rtol"] == 2e-6 and p["separates"]
