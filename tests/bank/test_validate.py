"""`tutor validate`: every question's answer, feedback rules, examples and variants are graded by the real graders."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tutor.bank import load_bank, load_file
from tutor.bank.model import EinsumQuestion
from tutor.grading import answer_text
from tutor.grading.selfcheck import check_question, einsum_form_problems, validate

ROOT = Path(__file__).resolve().parents[2]
LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?:(?P<id>[a-z0-9][a-z0-9._-]*): )?(?P<msg>.+)$")


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def tutor(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tutor", *args],
        capture_output=True, text=True, cwd=ROOT, env={**os.environ, **(env or {})}, timeout=120,
    )


CLEAN = """
questions:
  - id: v-shape
    kind: shape
    topic: mqa
    prompt: Shape of $W_k$ in MQA?
    answer: [d, k]
    where: {k: d/h}
    feedback:
      - answer: [h, d, k]
        message: one per head is MHA
    examples:
      accept: ["[d, d/h]", "(d, k)"]
      reject: ["[h, d, k]"]
  - id: v-einsum
    kind: einsum
    topic: mqa
    prompt: Logits?
    operands: {q: [b, h, k], K: [b, n, k]}
    answer: bhk,bnk->bhn
    examples:
      accept: ['torch.einsum("bhd,bnd->bhn", q, K)']
      reject: ["bhk,bnk->bnh"]
  - id: v-numeric
    kind: numeric
    topic: kv-cache
    prompt: "{L} layers, {H} heads of 128, 2 bytes: KV bytes per token?"
    params: {L: [24, 32, 40], H: [8, 16]}
    answer: 2*L*H*128*2
    unit: bytes
    feedback:
      - answer: L*H*128*2
        message: keys and values, x2
    examples:
      accept: ["2*{L}*{H}*256"]
      reject: ["{L}*{H}*256"]
  - id: v-choice
    kind: choice
    topic: attention
    prompt: Which shares one K/V head?
    options: [MHA, MQA, GQA]
    answer: MQA
    examples:
      accept: [MQA]
      reject: [MHA]
"""


def test_a_sound_file_validates_clean(tmp_path: Path) -> None:
    path = write(tmp_path, "clean.yaml", CLEAN)
    report = validate([str(path)], builtin=False)
    assert report.problems == (), "\n".join(map(str, report.problems))
    assert (report.questions, report.files) == (4, 1)
    assert report.summary() == "validated 4 questions in 1 file: 0 problems"


BROKEN = """
questions:
  - id: b-shape
    kind: shape
    topic: mha
    prompt: Shape?
    answer: [b, h, n, k]
    feedback:
      - answer: [b, n, h, k]
        message: transposed
      - answer: [b, h, n, k]
        message: this one is right
      - answer: [b, n, h, k]
        message: shadowed by the first rule
      - answer: ["b +"]
        message: unreadable
    examples:
      accept: ["[b, h, n, k]", "[b, h, k, n]"]
      reject: ["[b, n, h, k]", "[b, h, n, k]", "[b +"]
  - id: b-unparsable
    kind: shape
    topic: mha
    prompt: Shape?
    answer: ["b +", h]
  - id: b-einsum
    kind: einsum
    topic: mha
    prompt: Project.
    operands: {x: [b, d], W: [d, k]}
    answer: bd,dkz->bk
  - id: b-numeric
    kind: numeric
    topic: kv-cache
    prompt: "{L} layers"
    params: {L: [2, 3, 4, 5, 6, 7]}
    answer: 2*L*zz
  - id: b-literal
    kind: numeric
    topic: kv-cache
    prompt: "{L} layers"
    params: {L: [2, 3, 4, 5, 6, 7]}
    answer: 2*L
    examples:
      accept: ["2*{L}", "4"]
      reject: ["{L}"]
"""


def test_every_fixture_problem_is_reported_at_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.yaml", BROKEN)
    report = validate([str(path)], builtin=False)
    got = {(p.line, p.question_id): p.message for p in report.problems}
    expect = {
        (10, "b-shape"): "feedback answer '[b, h, n, k]' scores 5",
        (12, "b-shape"): "feedback rule never fires",
        (14, "b-shape"): "feedback answer '[b +]' cannot be read",
        (17, "b-shape"): "accepted example '[b, h, k, n]' scores 3 (partial), not 5",
        (18, "b-shape"): "rejected example",  # two on this line: one scores 5, one is unreadable
        (23, "b-unparsable"): "the answer '[b +, h]' cannot be read",
        (29, "b-einsum"): "W has 2 axes [d, k] but 'dkz' has 3 letters",
        (35, "b-numeric"): "the answer '2*L*zz' cannot be read",
        (43, "b-literal"): "accepted example '4' scores 1",
    }
    for where, fragment in expect.items():
        assert where in got and fragment in got[where], (where, fragment, "\n".join(map(str, report.problems)))
    rejects = [p.message for p in report.problems if p.line == 18]
    assert any("'[b, h, n, k]' scores 5" in m for m in rejects)
    assert any("'[b +' cannot be read" in m and "readable wrong answer" in m for m in rejects)
    assert "unknown symbol 'zz'" in got[(35, "b-numeric")]
    # A literal example is checked against the seed-0 variant only; a templated one on every variant.
    assert "(variant seed 0)" in got[(43, "b-literal")]
    assert len(report.problems) == 10, "\n".join(map(str, report.problems))
    for problem in report.problems:
        assert LINE.match(str(problem)), str(problem)


def test_variants_are_checked_and_reported_once(tmp_path: Path) -> None:
    # The answer is right for L = 2 only: the other variants expose it; one problem, at its first failing seed.
    path = write(tmp_path, "variants.yaml", """
        questions:
          - id: only-seed
            kind: numeric
            topic: kv-cache
            prompt: "{L} layers"
            params: {L: [2, 3, 4, 5, 6, 7, 8, 9]}
            answer: 2*L
            examples:
              accept: ["2*{L}"]
              reject: ["{L}+100"]
        """)
    question = load_file(path)[0]
    assert check_question(question, str(path)) == []
    broken = question.model_copy(update={"answer": "4"})
    # the own answer always scores 5 against itself; an accepted example shows the drift
    problems = check_question(broken, str(path))
    assert len(problems) == 1 and "accepted example" in problems[0].message and "variant seed" in problems[0].message


def test_paths_must_not_reuse_builtin_ids(tmp_path: Path) -> None:
    taken = load_bank().questions[0]
    path = write(tmp_path, "mine.yaml", f"""
        questions:
          - id: {taken.id}
            kind: choice
            topic: mha
            prompt: p
            options: [x, y]
            answer: x
        """)
    report = validate([str(path)], builtin=False)
    [problem] = report.problems
    assert problem.line == 2 and "already used by the built-in bank at question_bank/" in problem.message


def test_cli_lines_summary_and_exit_status(tmp_path: Path) -> None:
    broken = write(tmp_path, "broken.yaml", BROKEN)
    result = tutor("validate", str(broken))
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == "validated 5 questions in 1 file: 10 problems"
    assert all(LINE.match(line) for line in lines[:-1]) and len(lines) == 11
    assert "Traceback" not in result.stderr


def test_cli_reports_malformed_yaml_without_a_traceback(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.yaml", "questions:\n  - id: a\n    answer: [b, h\n    prompt: x\n")
    result = tutor("validate", str(bad))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert re.match(r"^.*bad\.yaml:4:11: malformed YAML: ", result.stdout)


def test_cli_json_and_a_clean_exit(tmp_path: Path) -> None:
    clean = write(tmp_path, "clean.yaml", CLEAN)
    result = tutor("validate", "--json", str(clean))
    assert result.returncode == 0, result.stdout
    assert json.loads(result.stdout) == {"ok": True, "questions": 4, "files": 1, "problems": []}
    problem = validate([str(write(tmp_path, "broken.yaml", BROKEN))], builtin=False).to_json()["problems"][0]
    assert set(problem) == {"path", "line", "column", "id", "message"}


def test_cli_without_paths_checks_the_builtin_bank_and_tutor_bank(tmp_path: Path) -> None:
    extra = write(tmp_path, "extra.yaml", """
        questions:
          - id: extra-q
            kind: choice
            topic: mha
            prompt: p
            options: [x, y]
            answer: z
        """)
    result = tutor("validate", "--no-code", "--variants", "1", env={"TUTOR_BANK": str(extra)})
    assert result.returncode == 1
    *problems, summary = result.stdout.splitlines()
    # (Whether the built-in bank itself is clean is tests/bank/test_builtin_bank.py's business.)
    [extra_line] = [line for line in problems if "extra-q" in line]
    assert extra_line.endswith("extra-q: answer: 'z' is not one of the options")
    builtin = len(load_bank())
    assert summary.startswith(f"validated {builtin} questions in ")  # extra-q failed to load


def test_cli_prints_the_schema() -> None:
    result = tutor("validate", "--schema")
    assert result.returncode == 0
    assert json.loads(result.stdout)["title"] == "Attention Tutor question bank"


CODE = """
questions:
  - id: c.weak-cases
    kind: code
    topic: mqa
    prompt: Write `decode(q, k_cache, v_cache)`; return `[b, h, k]` in the dtype of `q`.
    entry: decode
    starter: |
      def decode(q, k_cache, v_cache):
          raise NotImplementedError
    reference: reference_impl.functional:gqa_decode
    args:
      - {name: q, shape: [b, h, k]}
      - {name: k_cache, shape: [b, 1, n, k]}
      - {name: v_cache, shape: [b, 1, n, k]}
    cases:
      - {b: 1, h: 2, n: 1, k: 4}
    mutants:
      - name: no-scale
        diagnosis: no 1/sqrt(k) scale
        code: |
          import torch


          def decode(q, k_cache, v_cache):
              s = torch.einsum("bhk,bnk->bhn", q, k_cache[:, 0])
              return torch.einsum("bhn,bnk->bhk", s.softmax(-1), v_cache[:, 0])
    answer: |
      import math

      import torch


      def decode(q, k_cache, v_cache):
          s = torch.einsum("bhk,bnk->bhn", q, k_cache[:, 0]) / math.sqrt(q.shape[-1])
          return torch.einsum("bhn,bnk->bhk", s.softmax(-1), v_cache[:, 0])
"""


@pytest.mark.slow
def test_code_questions_are_checked_in_the_sandbox_unless_no_code(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    path = write(tmp_path, "code.yaml", CODE)
    assert validate([str(path)], builtin=False, code=False).problems == ()
    # With one cached position the softmax is 1 whatever the scale: the mutant passes every case.
    report = validate([str(path)], builtin=False, code=True)
    assert report.problems, "a mutant that passes every case must be reported"
    assert all(p.question_id == "c.weak-cases" and p.line == 2 for p in report.problems)
    assert any("no-scale" in p.message for p in report.problems), "\n".join(map(str, report.problems))


def test_einsum_form_checks() -> None:
    def question(answer: str) -> EinsumQuestion:
        return EinsumQuestion(id="e", kind="einsum", topic="mha", prompt="p",
                              operands={"x": ["b", "d"], "W": ["d", "k"]}, answer=answer)

    assert einsum_form_problems(question("bd,dk->bk")) == []
    assert einsum_form_problems(question("...d,dk->...k")) == []
    # the grader's own analysis finds each (messages are einsum_analysis's)
    assert "has 1 operand term but there are 2 operands (x, W)" in einsum_form_problems(question("bd->b"))[0]
    assert "letter 'd' stands for d (in x) and for k (in W)" in einsum_form_problems(question("bd,kd->bk"))[0]
    assert "output letter z does not appear in any operand" in einsum_form_problems(question("bd,dk->bz"))[0]
    assert "output letter k appears twice" in einsum_form_problems(question("bd,dk->bkk"))[0]
    assert "'*' cannot appear in an einsum equation" in einsum_form_problems(question("bd*,dk->bk"))[0]


def test_answers_are_typed_as_a_learner_would(tmp_path: Path) -> None:
    shape, _einsum, numeric, choice = load_file(write(tmp_path, "clean.yaml", CLEAN))
    assert answer_text(["b", 8, "d/h"], shape, {}) == "[b, 8, d/h]"
    assert answer_text("2*L*H*128*2", numeric, {"L": 24, "H": 8}) == "2*(24)*(8)*128*2"
    assert answer_text(1.5e9, numeric, {}) == "1500000000"
    assert answer_text("MQA", choice, {}) == "MQA"


def test_several_right_choices_are_typed_as_letters(tmp_path: Path) -> None:
    path = write(tmp_path, "multi.yaml", """
        questions:
          - id: multi
            kind: choice
            topic: gqa
            prompt: Which cut the KV cache?
            options: ["MQA, with one head", "GQA, with G heads", "MHA"]
            answer: ["MQA, with one head", "GQA, with G heads"]
            shuffle: false
            feedback:
              - answer: ["MQA, with one head"]
                message: GQA cuts it too.
            examples:
              accept: ["A, B", "1 and 2"]
              reject: [MHA]
        """)
    question = load_file(path)[0]
    assert answer_text(question.answer, question, {}, tuple(question.options)) == "A, B"
    assert answer_text(question.answer, question, {}, tuple(reversed(question.options))) == "C, B"
    assert check_question(question, str(path)) == []


def test_the_documented_examples_validate_clean(tmp_path: Path) -> None:
    doc = (ROOT / "docs" / "question-format.md").read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"```yaml\n(.*?)```", doc, re.DOTALL) if re.search(r"^questions:", b, re.M)]
    paths = []
    for i, block in enumerate(blocks):
        paths.append(str(write(tmp_path, f"doc{i}.yaml", block)))
    report = validate(paths, builtin=False, code=False)
    assert report.questions == len(blocks) and report.problems == (), "\n".join(map(str, report.problems))


# --- what a learner reads (issue 15): math that renders, sources one can look up, fair options ------

READING = r"""
questions:
  - id: r-braces
    kind: symbolic
    topic: attention
    prompt: Scale?
    symbols: [d_head]
    answer: 1/sqrt(d_head)
    explanation: |
      The scale is $1/\sqrt{d_{head}} = \sqrt{H/d}$.
  - id: r-span
    kind: numeric
    topic: attention
    prompt: "FLOPs for {T} tokens?"
    params: {T: [4, 8]}
    answer: 2*T
    hints:
      - |
        Count $2 \cdot
        T$ for the pairs.
    explanation: |
      Attention: $2 \cdot T
      \cdot 1$ FLOPs.
  - id: r-stray
    kind: numeric
    topic: attention
    prompt: "Heads: {H} and {Hx}?"
    params: {H: 4}
    answer: H
  - id: r-source
    kind: numeric
    topic: attention
    prompt: Two?
    answer: 2
    source: "Vaswani et al. 2017; 004_4702cf4d3a78edd1.txt"
  - id: r-source-ok
    kind: numeric
    topic: attention
    prompt: Two?
    answer: 2
    source: "meta-llama/Meta-Llama-3-8B config.json on Hugging Face; https://example.org/notes.txt"
  - id: r-long-key
    kind: choice
    topic: kv-cache
    prompt: Why does a KV cache work?
    options:
      - "A causal mask makes each token's key and value depend only on earlier tokens, so they never change"
      - "Frozen weights"
      - "The softmax"
      - "Position embeddings"
    answer: "A causal mask makes each token's key and value depend only on earlier tokens, so they never change"
"""


def test_rendering_sources_and_option_lengths_are_checked(tmp_path: Path) -> None:
    path = write(tmp_path, "reading.yaml", READING)
    report = validate([str(path)], builtin=False, variants=2)
    by_id: dict[str, list[str]] = {}
    for p in report.problems:
        by_id.setdefault(p.question_id or "", []).append(p.message)
    # `}}` is shown as `}`: the math span is left unbalanced, at the explanation's line.
    [braces] = by_id["r-braces"]
    assert "line 1 of the explanation" in braces and "unbalanced braces" in braces
    assert [p.line for p in report.problems if p.question_id == "r-braces"] == [8]  # the `explanation:` key
    # A `$...$` span across a line break, in a hint and in the explanation.
    spans = by_id["r-span"]
    assert any("hint 1" in m and "must not cross a line break" in m for m in spans), spans
    assert any("explanation" in m and "must not cross a line break" in m for m in spans), spans
    # An unknown `{name}` is left in the prompt as a learner sees it.
    assert any("brace is left over" in m for m in by_id["r-stray"]), by_id["r-stray"]
    # A bare file name as (part of) a source is refused; a config named with its model, or a URL, is not.
    assert any("'004_4702cf4d3a78edd1.txt' is a bare file name" in m for m in by_id["r-source"])
    assert "r-source-ok" not in by_id
    # The keyed option ~6x longer than the distractors: a warning, not a problem.
    assert "r-long-key" not in by_id
    [warning] = [w for w in report.warnings if w.question_id == "r-long-key"]
    assert "warning: the keyed option is" in warning.message and "1.6x" in warning.message
    assert LINE.match(str(warning))
    assert "1 warning" in report.summary()


def test_a_warning_alone_does_not_fail_validate(tmp_path: Path) -> None:
    text = READING[READING.index("  - id: r-long-key"):]
    path = write(tmp_path, "warn.yaml", "questions:\n" + text)
    done = tutor("validate", str(path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "warning: the keyed option" in done.stdout
    assert "0 problems, 1 warning" in done.stdout
    data = json.loads(tutor("validate", "--json", str(path)).stdout)
    assert data["ok"] is True and len(data["warnings"]) == 1


def test_the_audited_rendering_defects_would_be_caught() -> None:
    """attn-scale-symbolic's `}}` and attn-causal-prefill-flops' line-crossing span, as they were."""
    from tutor.grading.lint import rendering_problems

    bank = load_bank()
    scale = bank.get("attn-scale-symbolic")
    old = scale.model_copy(update={"explanation": r"The scale is $1/\sqrt{d_{head}} = \sqrt{H/d}$."})
    assert any("unbalanced braces" in m for _, m in rendering_problems(old, [{}]))
    flops = bank.get("attn-causal-prefill-flops")
    broken = flops.model_copy(update={"explanation": "Attention $2 \\cdot 2 \\cdot BH\n\\cdot d/H$."})
    assert any("cross a line break" in m for _, m in rendering_problems(broken, [{}]))
    assert rendering_problems(scale, [{}]) == [] and rendering_problems(flops, [{}]) == []


def test_select_all_options_and_statement_claims_are_read_as_a_learner_reads_them() -> None:
    """Options of a `multi` question and the claims (and whys) of a `statements` question render too."""
    from tutor.grading.lint import rendering_problems

    bank = load_bank()
    multi = next(q for q in bank.questions if q.kind == "multi")
    options = list(multi.options)
    options[1] = r"the scale $1/\sqrt{d_{head}}} of the scores"
    broken = multi.model_copy(update={"options": options})
    assert any(path[:2] == ("options", 1) for path, _ in rendering_problems(broken, [{}]))
    claims = next(q for q in bank.questions if q.kind == "statements")
    bad = claims.statements[0].model_copy(update={"why": "because $x\ny$ spans lines"})
    broken = claims.model_copy(update={"statements": [bad, *claims.statements[1:]]})
    assert any(path == ("statements", 0, "why") for path, _ in rendering_problems(broken, [{}]))
    assert rendering_problems(multi, [{}]) == [] and rendering_problems(claims, [{}]) == []
