"""The code grader: the bank's exercises validate, feedback, flags, threads and cancelling."""

from __future__ import annotations

import json
import threading

import pytest
import torch

from tutor.bank.variant import make_variant
from tutor.cli import main as tutor_main
from tutor.grading import Status, code
from tutor.grading import grade as dispatch_grade
from tutor.sandbox import layers

BUILT_IN = ["code.mqa-forward", "code.gqa-forward", "code.gqa-decode"]


def test_the_three_named_exercises_exist_with_their_signatures(code_questions):
    assert set(BUILT_IN) <= set(code_questions)
    assert len(code_questions) >= 5
    assert code_questions["code.mqa-forward"].entry == "mqa_forward"
    assert [a.name for a in code_questions["code.gqa-forward"].args] == [
        "x", "w_q", "w_k", "w_v", "w_o", "num_heads", "num_kv_heads"]
    assert [a.name for a in code_questions["code.gqa-decode"].args] == ["q", "k_cache", "v_cache"]


@pytest.mark.parametrize("qid", ["code.mqa-forward", "code.gqa-forward", "code.gqa-decode", "code.kv-cache-append",
                                 "code.mha-to-gqa-weights", "code.repeat-kv", "code.online-softmax-attention",
                                 "code.paged-gqa-decode", "code.rope-cached-decode"])
def test_every_bank_exercise_validates(code_questions, qid):
    assert code.validate_question(code_questions[qid]) == []


SERVING = {
    "code.online-softmax-attention": {"no-rescale-of-the-sum", "max-not-updated", "wrong-block-boundary",
                                      "mask-off-by-one"},
    "code.paged-gqa-decode": {"whole-last-block", "pages-in-memory-order", "tiled-heads"},
    "code.rope-cached-decode": {"position-off-by-one", "cached-keys-rotated-twice", "interleaved-pairs",
                                "new-key-not-rotated"},
}


@pytest.mark.parametrize("qid", sorted(SERVING))
def test_each_serving_exercise_mutant_is_caught_and_diagnosed(code_questions, qid):
    """The issue's mistakes for each of the three serving-era exercises: each fails and gets its own diagnosis,
    on a variant other than the one `tutor validate` checks (other tensor values)."""
    q = code_questions[qid]
    assert {m.name for m in q.mutants} == SERVING[qid]
    for mutant in q.mutants:
        g = dispatch_grade(make_variant(q, 3), mutant.code)
        assert g.status is not Status.CORRECT, mutant.name
        assert g.details.get("diagnosis") == mutant.diagnosis, (mutant.name, g.feedback)


def test_serving_exercises_cover_every_head_layout_and_length(code_questions):
    """Lengths 1, 2-4, a middle one and a longest one >= 16, for G = 1, 1 < G < H and G = H."""
    for qid, length in (("code.paged-gqa-decode", "n"), ("code.rope-cached-decode", "n")):
        cases = code_questions[qid].cases
        for layout in (lambda d: d["g"] == 1, lambda d: 1 < d["g"] < d["h"], lambda d: d["g"] == d["h"]):
            lengths = sorted(c.dims[length] for c in cases if layout(c.dims) and not c.zero)
            assert lengths[0] == 1 and any(2 <= n <= 4 for n in lengths) and lengths[-1] >= 16, (qid, lengths)
            assert any(4 < n < lengths[-1] for n in lengths), (qid, lengths)
    lengths = sorted(c.dims["s"] for c in code_questions["code.online-softmax-attention"].cases)
    assert lengths[0] == 1 and any(2 <= n <= 4 for n in lengths) and lengths[-1] >= 16 > lengths[-2]


def test_mutant_matching_treats_equal_non_finite_values_as_the_same_result():
    nan, inf = float("nan"), float("inf")
    assert code.compare(torch.tensor([1.0, nan]), torch.tensor([1.0, nan]), 1e-4, 1e-5).ok
    assert code.compare(torch.tensor([inf]), torch.tensor([inf]), 1e-4, 1e-5).ok
    assert not code.compare(torch.tensor([inf]), torch.tensor([-inf]), 1e-4, 1e-5).ok
    assert not code.compare(torch.tensor([1.0, nan]), torch.tensor([1.0, 2.0]), 1e-4, 1e-5).ok
    assert not code.compare(torch.tensor([2.0, nan]), torch.tensor([1.0, nan]), 1e-4, 1e-5).ok


def test_validation_catches_cases_too_weak_for_a_mutant(code_questions):
    q = code_questions["code.mqa-forward"]
    weak = q.model_copy(update={"cases": [c for c in q.cases if c.dims["s"] == 1]})
    problems = code.validate_question(weak)
    assert any("'no-causal-mask' passes every case" in p for p in problems), problems


def test_a_mutant_gets_its_diagnosis_and_the_first_failure_is_described(code_questions):
    q = code_questions["code.gqa-forward"]
    mutant = next(m for m in q.mutants if m.name == "tiled-heads")
    g = dispatch_grade(make_variant(q, 0), mutant.code)
    text = "\n".join(g.feedback)
    assert g.status is Status.PARTIAL and 1 < g.score < 5
    assert f"Diagnosis: {mutant.diagnosis}" in text
    assert "First failure" in text and "largest absolute error" in text and "largest relative error" in text
    assert "expected float32 [" in text
    assert g.details["diagnosis"] == mutant.diagnosis


def test_correct_answer_reports_time_against_reference(code_questions):
    q = code_questions["code.gqa-decode"]
    g = code.grade(make_variant(q, 1), q.answer)
    assert g.status is Status.CORRECT and g.score == 5
    timing = g.details["timing"]
    # Both medians of repeated runs, or (on a machine too loaded to measure) nothing at all.
    if timing:
        assert timing["submission_seconds"] >= 0 and timing["reference_seconds"] > 0
        assert any(line.startswith("Time on the largest case (") for line in g.feedback)
    else:
        assert any(line.startswith("Time on the largest case: not shown (") for line in g.feedback)


def test_an_untimed_grading_has_no_time_and_skips_the_repetitions(code_questions, monkeypatch):
    """Batch grading passes timed=False: same verdict, no time line, and no repeated calls anywhere."""
    from tutor.grading import code as code_module

    q = code_questions["code.gqa-decode"]
    calls = []
    real_run = code_module._run
    monkeypatch.setattr(code_module, "_run", lambda *a, **k: calls.append(k.get("timed")) or real_run(*a, **k))
    monkeypatch.setattr(code_module, "reference_seconds", lambda *a: pytest.fail("the reference was timed"))
    g = code.grade(make_variant(q, 1), q.answer, values_seed=5, timed=False)
    assert g.status is Status.CORRECT and g.score == 5
    assert calls == [False]  # the sandboxed child got no timed case
    assert g.details["timing"] == {}
    assert not any(line.startswith("Time on the largest case") for line in g.feedback)


def test_expected_overrides_the_reference(code_questions):
    q = code_questions["code.repeat-kv"]
    tiled = q.mutants[0].code
    assert code.grade(make_variant(q, 0), tiled, expected=tiled).status is Status.CORRECT
    assert code.grade(make_variant(q, 0), q.answer, expected=tiled).status is not Status.CORRECT


def test_grading_works_from_a_background_thread(code_questions):
    q = code_questions["code.repeat-kv"]
    out = {}
    t = threading.Thread(target=lambda: out.setdefault("g", code.grade(make_variant(q, 0), q.answer)))
    t.start()
    t.join()
    assert out["g"].status is Status.CORRECT


def test_grading_can_be_cancelled(code_questions):
    q = code_questions["code.repeat-kv"]
    event = threading.Event()
    event.set()
    with pytest.raises(code.GradingCancelled):
        code.grade(make_variant(q, 0), "def repeat_kv(kv, num_heads):\n    while True:\n        pass\n",
                   cancel_event=event)


def test_strong_sandbox_requirement(code_questions):
    q = code_questions["code.repeat-kv"]
    if layers.detect().strong:
        g = code.grade(make_variant(q, 0), q.answer, require_strong_sandbox=True)
        assert g.status is Status.CORRECT
    else:
        with pytest.raises(code.WeakSandboxError, match="--allow-weak-sandbox"):
            code.grade(make_variant(q, 0), q.answer, require_strong_sandbox=True)
        assert code.grade(make_variant(q, 0), q.answer, require_strong_sandbox=True,
                          allow_weak_sandbox=True).status is Status.CORRECT


@pytest.mark.parametrize("answer, message", [
    ("", "write a function named repeat_kv"),
    ("   \n", "write a function named repeat_kv"),
    ("def repeat_kv(kv, num_heads)\n    return kv\n", "line 1"),
    ("repeat_kv = None\nx = (\n", "line 2"),
])
def test_unreadable_answers_are_invalid_and_never_run(code_questions, answer, message):
    g = code.grade(make_variant(code_questions["code.repeat-kv"], 0), answer)
    assert g.status is Status.INVALID
    assert message in g.feedback[0]


def test_the_unchanged_starter_is_sent_back_not_graded(code_questions):
    q = code_questions["code.repeat-kv"]
    g = code.grade(make_variant(q, 0), q.starter + "\n\n")
    assert g.status is Status.INVALID
    assert "starter code, unchanged" in g.feedback[0]


def test_syntax_error_position_points_into_the_answer(code_questions):
    answer = "def repeat_kv(kv, num_heads):\n    return kv +\n"
    g = code.grade(make_variant(code_questions["code.repeat-kv"], 0), answer)
    assert g.status is Status.INVALID and g.position is not None
    assert answer[: g.position].count("\n") == 1


def test_dimension_expressions():
    dims = {"d": 24, "h": 6, "g": 3}
    assert code.eval_dim("g * (d // h)", dims) == 12
    assert code.eval_dim(5, dims) == 5
    for bad in ["__import__('os')", "d.real", "e", "[d]", "lambda: 1"]:
        with pytest.raises(ValueError):
            code.eval_dim(bad, dims)


def test_compare_is_strict_about_type_dtype_shape_and_finiteness():
    e = torch.ones(2, 3)
    assert code.compare(torch.ones(2, 3), e, 1e-4, 1e-5).ok
    assert code.compare(torch.ones(1, 3), e, 1e-4, 1e-5).reason == "wrong shape"  # would broadcast
    assert code.compare(torch.ones(2, 3, dtype=torch.float64), e, 1e-4, 1e-5).reason == "wrong dtype"
    nan = torch.ones(2, 3)
    nan[1, 2] = float("nan")
    c = code.compare(nan, e, 1e-4, 1e-5)
    assert c.reason == "non-finite values" and "[1, 2]" in c.details[1]
    assert code.compare([[1.0] * 3] * 2, e, 1e-4, 1e-5).reason.endswith("not a torch.Tensor")
    off = torch.ones(2, 3)
    off[0, 1] = 1.5
    c = code.compare(off, e, 1e-4, 1e-5)
    assert not c.ok and "at [0, 1]" in c.details[1]


def test_doctor_reports_layers_and_torch(capsys):
    assert tutor_main(["doctor", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["torch"] == torch.__version__
    assert report["device"] in ("cpu", "cuda")
    assert report["sandbox"]["layers"][0] == "base"
    inside = report["inside_the_sandbox"]  # measured in a sandboxed child
    assert set(inside) == {"capabilities", "seccomp", "submission_limit", "uid"}, inside
    if report["sandbox"]["seccomp"]:
        assert inside["seccomp"].startswith("active (filter); creating a socket: refused"), inside
    if report["running_as_root"]:
        assert inside["capabilities"].startswith("all dropped") and "no_new_privs set" in inside["capabilities"]
    assert report["sandbox"]["submission_limit"]
    assert tutor_main(["doctor"]) == 0
    captured = capsys.readouterr()
    out = captured.out
    # progress while it probes, on stderr (issue 14), so a pipe of the report stays clean
    assert "probing the sandbox's layers" in captured.err and "importing torch" in captured.err
    assert "Sandbox layers: base" in out
    assert "Measured inside a sandboxed child:" in out and "Submission-wide memory and process limit:" in out


# --- issue 13: cases a lookup table or a size trick cannot pass ---

def _table_submission(question, values_seed: int) -> str:
    """A submission that computes nothing: it returns the outputs precomputed for `values_seed`,
    looked up by the input's first value."""
    prepared = code.prepare(question, 0, "cpu", values_seed)
    table = {}
    for call, out in zip(prepared.cases, prepared.expected):
        first = prepared.inputs[call[0][1]]
        table[repr(round(float(first.flatten()[0]) if first.numel() else 0.0, 6))] = (out.tolist(), list(out.shape))
    return (f"import torch\nTABLE = {table!r}\n"
            f"def {question.entry}(kv, *rest):\n"
            "    key = repr(round(float(kv.flatten()[0]) if kv.numel() else 0.0, 6))\n"
            "    values, shape = TABLE.get(key, ([], [0]))\n"
            "    return torch.tensor(values, dtype=torch.float32).reshape(shape)\n")


def test_an_output_table_for_one_values_seed_fails_a_fresh_grading(code_questions):
    q = code_questions["code.repeat-kv"]
    source = _table_submission(q, 0)
    replay = code.grade(make_variant(q, 0), source, values_seed=0)
    assert replay.status is Status.CORRECT  # the table is right for the values it was made from...
    fresh = code.grade(make_variant(q, 0), source)  # ...and the default draws new ones
    assert fresh.status is not Status.CORRECT
    assert fresh.details["values_seed"] != 0


def test_values_seed_is_recorded_and_replays_the_same_cases(code_questions):
    q = code_questions["code.repeat-kv"]
    first = code.grade(make_variant(q, 0), q.mutants[0].code)
    seed = first.details["values_seed"]
    again = code.grade(make_variant(q, 0), q.mutants[0].code, values_seed=seed)
    assert again.details["values_seed"] == seed
    assert [c["label"] for c in again.details["cases"]] == [c["label"] for c in first.details["cases"]]
    assert any(line == f"Case values drawn with values seed {seed} "
               f"(to replay them: tutor check code.repeat-kv --answer-file FILE --values-seed {seed})."
               for line in first.feedback)
    drawn = first.details["cases"][-1]["label"]
    assert drawn.startswith("drawn now: n=") and len(first.details["cases"]) == len(q.cases) + 1


def test_drawn_case_sizes_come_from_the_values_seed_within_the_range(code_questions):
    q = code_questions["code.kv-cache-append"]
    for values_seed in range(20):
        case = code.drawn_cases(q, values_seed)[0]
        assert 24 <= case.dims["m"] <= 40 and 1 <= case.dims["t"] <= 16
    assert {code.drawn_cases(q, s)[0].dims["t"] for s in range(20)} != {code.drawn_cases(q, 0)[0].dims["t"]}


def test_validate_asks_for_every_length_in_every_head_layout(code_questions):
    from tutor.grading.code_cases import coverage_problems

    for q in code_questions.values():
        assert coverage_problems(q) == [], q.id
    q = code_questions["code.gqa-forward"]
    no_short = q.model_copy(update={"cases": [c for c in q.cases if not 2 <= c.dims["s"] <= 4]})
    assert coverage_problems(no_short) == [
        "no case with 1 < G < H has a short length (2-4) for s (have [1, 6, 7, 9, 16])",
        "no case with G = 1 has a short length (2-4) for s (have [1, 5, 17])",
        "no case with G = H has a short length (2-4) for s (have [1, 5, 24])",
    ]
    no_mha = q.model_copy(update={"cases": [c for c in q.cases if c.dims["g"] != c.dims["h"]]})
    assert "no case has the head layout G = H (the cases have 1 < G < H, G = 1)" in coverage_problems(no_mha)
    tied = q.model_copy(update={"cases": [c for c in q.cases if c.dims["s"] != 24]
                                + [c.model_copy(update={"dims": {**c.dims, "s": 17}}) for c in q.cases[:1]]})
    assert any(p.startswith("one case must be longer than every other") for p in coverage_problems(tied))


def test_integer_tensor_args_draw_lengths_and_distinct_page_ids():
    from pydantic import ValidationError

    from tutor.bank.model import TensorArg

    table = TensorArg(name="block_table", shape=["b", "n // p"], dtype="int64", permutation="b * (n // p) + 2")
    lens = TensorArg(name="seq_lens", shape=["b"], dtype="int64", integers=["m", "n"])
    dims = {"b": 3, "n": 8, "p": 2, "m": 5}
    gen = torch.Generator().manual_seed(0)
    ids = code.make_tensor(table, [3, 4], dims, gen)
    assert ids.dtype == torch.int64 and ids.shape == (3, 4)
    assert len(set(ids.flatten().tolist())) == 12 and 0 <= int(ids.min()) and int(ids.max()) < 14
    drawn = code.make_tensor(lens, [3], dims, gen)
    assert drawn.dtype == torch.int64 and all(5 <= n <= 8 for n in drawn.tolist())
    with pytest.raises(ValueError, match="empty"):
        code.make_tensor(lens, [3], {**dims, "m": 9}, gen)
    with pytest.raises(ValueError, match="distinct ids"):
        code.make_tensor(TensorArg(name="t", shape=[5], dtype="int64", permutation=4), [5], {}, gen)
    for bad in ({"dtype": "int64"}, {"integers": [0, 3]}, {"dtype": "int64", "integers": [0, 1], "permutation": 4}):
        with pytest.raises(ValidationError):
            TensorArg(name="x", shape=[2], **bad)
