"""The cluster recipes in docs/progress.md work: the Slurm array script and the Kubernetes Indexed Job's command
run as N separate processes (with the variables Slurm and Kubernetes set), and the merged gradebook equals a
single run's (issue 16)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml
from session_tiny_bank import RIGHT, WRONG

from tutor.exam.paper import make_papers, paper_file, read_roster, submission_file, write_atomic

REPO = Path(__file__).resolve().parents[2]
QUESTIONS = ("t-mha-heads", "t-mqa-params", "t-gqa-groups")
SHARDS = 3
VALUES_SEED = "12345"


def _class(tmp_path: Path, bank, bank_dir: Path) -> Path:
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,name\n" + "".join(f"s{i},S {i}\n" for i in range(7)), encoding="utf-8")
    out = tmp_path / "class" / "exam"
    for k, paper in enumerate(make_papers(bank, QUESTIONS, read_roster(roster), 5, [str(bank_dir)])):
        for i, q in enumerate(paper.questions):
            paper = paper.with_answer(i, (RIGHT if (k + i) % 3 else WRONG).get(q.id, ""))
        write_atomic(submission_file(paper_file(out, paper.student)), paper.to_yaml())
    return out


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    shim = tmp_path / "bin"
    shim.mkdir(exist_ok=True)
    (shim / "tutor").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m tutor "$@"\n')
    (shim / "tutor").chmod(0o755)
    return {**os.environ, "PATH": f"{shim}:{os.environ['PATH']}", "PYTHONPATH": str(REPO),
            "TUTOR_CACHE_DIR": str(tmp_path / "cache"), **extra}


def _run_all(commands: list[tuple[list[str], dict[str, str]]], cwd: Path) -> None:
    procs = [subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for cmd, env in commands]
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err


def _merged(files: list[Path], tmp_path: Path, name: str) -> dict:
    out = tmp_path / f"{name}.json"
    cmd = [sys.executable, "-m", "tutor", "grade", "--merge", *map(str, files), "--json", "--out", str(out)]
    done = subprocess.run(cmd, env=_env(tmp_path), capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return json.loads(out.read_text())


def test_slurm_and_kubernetes_recipes_merge_to_the_single_run(tmp_path: Path, bank, bank_dir: Path) -> None:
    exam = _class(tmp_path, bank, bank_dir)
    whole_file = tmp_path / "whole.json"
    single = subprocess.run([sys.executable, "-m", "tutor", "grade", str(exam), "--workers", "1", "--json",
                             "--values-seed", VALUES_SEED, "--out", str(whole_file)], env=_env(tmp_path), capture_output=True, text=True, cwd=tmp_path)
    assert single.returncode == 0, single.stderr
    whole = json.loads(whole_file.read_text())
    assert len(whole["students"]) == 7 and whole["values_seed"] == int(VALUES_SEED)

    # Slurm: the array script itself, once per task, as Slurm would start it
    script = REPO / "docs" / "recipes" / "slurm-grade.sh"
    slurm = [(["bash", str(script), str(exam)],
              _env(tmp_path, SLURM_ARRAY_TASK_ID=str(i), SLURM_ARRAY_TASK_COUNT=str(SHARDS), SLURM_CPUS_PER_TASK="1",
                   VALUES_SEED=VALUES_SEED, GRADEBOOKS=str(tmp_path / "slurm")))
             for i in range(1, SHARDS + 1)]
    _run_all(slurm, tmp_path)
    shards = sorted((tmp_path / "slurm").glob("shard-*.json"))
    assert len(shards) == SHARDS
    assert _merged(shards, tmp_path, "slurm-merged") == whole

    # Kubernetes: the Indexed Job's container command, once per completion index, /class on a temporary folder
    job = yaml.safe_load((REPO / "docs" / "recipes" / "k8s-grade-job.yaml").read_text())
    container = job["spec"]["template"]["spec"]["containers"][0]
    assert job["spec"]["completionMode"] == "Indexed"
    command = container["command"] + [container["args"][0].replace("/class", str(exam.parent))]
    k8s = [(command, _env(tmp_path, JOB_COMPLETION_INDEX=str(i), SHARDS=str(SHARDS), VALUES_SEED=VALUES_SEED)) for i in range(SHARDS)]
    _run_all(k8s, tmp_path)
    shards = sorted((exam.parent / "gradebooks").glob("shard-*.json"))
    assert [p.name for p in shards] == [f"shard-{i}.json" for i in range(1, SHARDS + 1)]
    assert _merged(shards, tmp_path, "k8s-merged") == whole


def test_shards_with_different_values_seeds_do_not_merge() -> None:
    import pytest

    from tutor.exam.batch import Gradebook, GradebookError, merge

    assert merge([Gradebook((), values_seed=3), Gradebook((), values_seed=3)]).values_seed == 3
    with pytest.raises(GradebookError, match="different values seeds \\(3, 4\\).*same --values-seed"):
        merge([Gradebook((), values_seed=3), Gradebook((), values_seed=4)])
    assert Gradebook.from_json(Gradebook((), values_seed=7).to_json()).values_seed == 7
