"""The reference-output cache behind code grading (issue 16): what the key covers, files shared between
processes, mutant outputs made only for a failing answer, the size cap, clearing, and `--no-cache`."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
import torch

from tutor.bank.variant import make_variant
from tutor.grading import Status, code, refcache


@pytest.fixture
def disk_cache(tmp_path: Path):
    refcache.CACHE.configure(enabled=True, directory=tmp_path / "ref", cap_bytes=refcache.DEFAULT_CAP_BYTES)
    yield tmp_path / "ref"
    refcache.CACHE.configure(enabled=True, directory=None, cap_bytes=refcache.DEFAULT_CAP_BYTES)


def test_the_key_covers_content_values_seed_and_device(code_questions) -> None:
    q = code_questions["code.gqa-decode"]
    key = refcache.entry_key(q, 1, "cpu")
    assert key == refcache.entry_key(q, 1, "cpu")
    changed = q.model_copy(update={"cases": q.cases[:-1]})
    assert len({key, refcache.entry_key(q, 2, "cpu"), refcache.entry_key(q, 1, "cuda"),
                refcache.entry_key(changed, 1, "cpu")}) == 4


def test_every_variant_gets_the_same_inputs_for_one_values_seed(code_questions) -> None:
    """Values come from the values seed alone, so a run's students share one reference computation."""
    q = code_questions["code.gqa-decode"]
    a, b = code.prepare(q, 1, "cpu", 9), code.prepare(q, 2, "cpu", 9)
    assert all(torch.equal(a.inputs[k], b.inputs[k]) for k in a.inputs)
    c = code.prepare(q, 1, "cpu", 10)
    assert not all(torch.equal(a.inputs[k], c.inputs[k]) for k in a.inputs if k in c.inputs)


def test_prepared_outputs_round_trip_through_a_file(code_questions, disk_cache: Path) -> None:
    q = code_questions["code.gqa-decode"]
    made = code._prepared(q, 3, "cpu", 3)
    files = list(disk_cache.glob("*.prepared.safetensors"))
    assert len(files) == 1
    other = refcache.ReferenceCache()  # another worker process: nothing in memory, the same folder
    other.configure(directory=disk_cache)
    loaded = other.get("prepared", refcache.entry_key(q, 3, "cpu"), code._load_prepared)
    assert loaded is not None and other.hits["disk"] == 1
    assert (loaded.cases, loaded.descriptions, loaded.labels, loaded.largest) == \
        (made.cases, made.descriptions, made.labels, made.largest)
    assert loaded.inputs.keys() == made.inputs.keys()
    for a, b in zip(loaded.expected + list(loaded.inputs.values()), made.expected + list(made.inputs.values())):
        assert a.dtype == b.dtype and torch.equal(a, b)


def test_mutant_outputs_are_made_only_for_a_failing_answer_and_then_reused(code_questions, disk_cache, monkeypatch) -> None:
    q = code_questions["code.gqa-decode"]
    variant = make_variant(q, 4)
    code_grade = code.grade
    monkeypatch.setattr(code, "grade", lambda v, a: code_grade(v, a, values_seed=4))
    runs: list[int] = []
    real_run = code._run
    monkeypatch.setattr(code, "_run", lambda question, prepared, programs, cancel, **kw: runs.append(len(programs))
                        or real_run(question, prepared, programs, cancel, **kw))
    assert code.grade(variant, q.answer).status is Status.CORRECT
    assert runs == [1] and not list(disk_cache.glob("*.mutants.safetensors"))  # a passing answer: no mutant run
    wrong = q.mutants[0].code
    first = code.grade(variant, wrong)
    assert runs == [1, 1, len(q.mutants)] and len(list(disk_cache.glob("*.mutants.safetensors"))) == 1
    refcache.CACHE.configure(enabled=True, directory=disk_cache)  # memory forgotten: the file must serve
    second = code.grade(variant, wrong)
    assert runs == [1, 1, len(q.mutants), 1]
    assert second.details["diagnosis"] == first.details["diagnosis"] == q.mutants[0].diagnosis


def test_no_cache_recomputes_every_time(code_questions, tmp_path, monkeypatch) -> None:
    q = code_questions["code.gqa-decode"]
    refcache.CACHE.configure(enabled=False, directory=tmp_path / "ref")
    calls: list[int] = []
    real = code.prepare
    monkeypatch.setattr(code, "prepare", lambda *a: calls.append(1) or real(*a))
    try:
        code._prepared(q, 5, "cpu", 5)
        code._prepared(q, 5, "cpu", 5)
    finally:
        refcache.CACHE.configure(enabled=True, directory=None)
    assert len(calls) == 2 and not (tmp_path / "ref").exists()


def test_a_damaged_file_is_a_miss_and_is_rewritten(code_questions, disk_cache) -> None:
    q = code_questions["code.gqa-decode"]
    code._prepared(q, 6, "cpu", 6)
    (path,) = disk_cache.glob("*.prepared.safetensors")
    path.write_bytes(b"not a safetensors file")
    refcache.CACHE.configure(enabled=True, directory=disk_cache)
    assert code._prepared(q, 6, "cpu", 6).expected
    assert path.stat().st_size > 100


def test_the_cap_drops_the_least_recently_used_files(tmp_path: Path) -> None:
    cache = refcache.ReferenceCache()
    cache.configure(directory=tmp_path, cap_bytes=3000)
    blob = lambda value: b"x" * 1000  # noqa: E731
    for i, key in enumerate("abc"):
        cache.put("prepared", key, i, blob)
        os.utime(tmp_path / f"{key}.prepared.safetensors", (time.time() - 100 + i, time.time() - 100 + i))
    cache.get("prepared", "a", lambda path: 0)  # a is used again: now the most recent
    cache.put("prepared", "d", 3, blob)
    assert sorted(p.name[0] for p in tmp_path.glob("*.safetensors")) == ["a", "c", "d"]
    assert cache.clear() == (3, 3000) and not list(tmp_path.glob("*"))


def test_the_default_folder_is_under_the_user_cache_dir(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv(refcache.ENV_CACHE_DIR, raising=False)
    assert refcache.default_directory().parts[-2:] == ("attention-tutor", "reference-outputs")
    monkeypatch.setenv(refcache.ENV_CACHE_DIR, str(tmp_path))
    assert refcache.default_directory() == tmp_path / "reference-outputs"


def _code_class(tmp_path: Path, code_questions, n: int = 3) -> list[Path]:
    from tutor.bank import load_bank
    from tutor.exam.paper import make_papers, paper_file, submission_file, write_atomic

    q = code_questions["code.gqa-decode"]
    bank = load_bank()
    roster = [(f"s{i}", "") for i in range(n)]
    files = []
    for k, paper in enumerate(make_papers(bank, [q.id], roster, 3, [])):
        paper = paper.with_answer(0, q.mutants[0].code if k == 1 else q.answer)
        target = submission_file(paper_file(tmp_path / "exam", paper.student))
        write_atomic(target, paper.to_yaml())
        files.append(target)
    return files


def _without_times(book) -> dict:
    data = book.to_json()
    for s in data["students"]:
        for q in s["questions"]:
            q["feedback"] = [line for line in q["feedback"] if not line.startswith("Time on the largest case")]
    return data


def test_a_class_graded_with_and_without_the_cache_gets_the_same_gradebook(tmp_path: Path, code_questions) -> None:
    from tutor.exam.batch import grade_files

    files = _code_class(tmp_path, code_questions)
    try:
        plain = grade_files(files, workers=1, allow_weak_sandbox=True, cache=False, values_seed=11)
        cold = grade_files(files, workers=1, allow_weak_sandbox=True, cache_dir=tmp_path / "c", values_seed=11)
        assert refcache.CACHE.hits["miss"] == 2 and refcache.CACHE.hits["memory"] >= 2  # one prepare, one mutant run
        warm = grade_files(files, workers=1, allow_weak_sandbox=True, cache_dir=tmp_path / "c", values_seed=11)
        assert refcache.CACHE.hits["disk"] == 2  # a re-grade: both from the files
    finally:
        refcache.CACHE.configure(enabled=True, directory=None)
    assert plain.values_seed == cold.values_seed == warm.values_seed == 11
    assert plain.csv_text() == cold.csv_text() == warm.csv_text()
    assert _without_times(plain) == _without_times(cold) == _without_times(warm)
    # batch grading measures no time (timed=False), so the JSON gradebooks agree exactly, whatever the mode
    assert plain.to_json() == cold.to_json() == warm.to_json()
    assert not any(line.startswith("Time on the largest case") for s in plain.students for r in s.results
                   for line in r.feedback)
    assert [s.total for s in plain.students] == [5, 2, 5]
    assert any("Diagnosis" in line for line in plain.students[1].results[0].feedback)
    assert "values seed 11" in " ".join(plain.students[0].results[0].feedback)
