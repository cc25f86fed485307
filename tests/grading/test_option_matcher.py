"""One option matcher for `choice` and `multi` (red team R11): answers pasted one printed option per line,
or joined with "and", read even when option texts hold commas or "and"; errors quote what was typed;
options labelled `A)` wherever they are printed; `tutor validate` warns of an option whose text is a label."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tutor.bank.labels import option_label
from tutor.bank.model import ChoiceQuestion, MultiQuestion
from tutor.bank.variant import make_variant
from tutor.cli import main
from tutor.grading import choice, grade, multi
from tutor.grading.grade import Status
from tutor.grading.selfcheck import validate

REPO = Path(__file__).resolve().parents[2]

MULTI = MultiQuestion(
    id="what-shrinks", kind="multi", topic="gqa", prompt="Under GQA, which are smaller than in MHA?",
    options=["The value projection matrix W_V", "The FLOPs of the attention scores", "The key projection matrix W_K",
             "Keys and values of one token, per layer", "The output projection, W_O", "The KV cache, per token"],
    answer=["The value projection matrix W_V", "The key projection matrix W_K", "The KV cache, per token"],
    shuffle=False,
)
MV = make_variant(MULTI, 0)

CHOICE = ChoiceQuestion(
    id="which-shared", kind="choice", topic="mqa", prompt="What does MQA share?",
    options=["The queries, across heads", "Keys and values, across all heads", "Nothing", "The output projection"],
    answer="Keys and values, across all heads", shuffle=False,
)
CV = make_variant(CHOICE, 0)


def test_choice_and_multi_share_one_matcher() -> None:
    assert multi.read_answer is choice.read_answer and multi.grade is choice.grade


@pytest.mark.parametrize("answer", [
    # pasted as printed, one option per line (labels, as shown by every view)
    "A) The value projection matrix W_V\nC) The key projection matrix W_K\nF) The KV cache, per token",
    "A. The value projection matrix W_V\r\nC. The key projection matrix W_K\r\nF. The KV cache, per token\n",
    "The value projection matrix W_V\n\nThe key projection matrix W_K\nThe KV cache, per token",
    "A\nC\nF",
    # joined with "and", with an option text holding a comma
    "the value projection matrix w_v and the key projection matrix w_k and the kv cache, per token",
    "The KV cache, per token and A and 3",
    "A, C and the KV cache, per token",
    "the kv cache, per token; 1; c",
])
def test_multi_reads_pasted_and_joined_options(answer: str) -> None:
    result = grade(MV, answer)
    assert result.status is Status.CORRECT and result.score == 5, result.feedback


def test_options_holding_and_and_commas_are_whole_options_first() -> None:
    assert choice.read_answer("Keys and values of one token, per layer and The KV cache, per token", MV.options) == [3, 5]
    assert choice.read_answer("B) Keys and values, across all heads", CV.options) == [1]
    assert grade(CV, "keys and values, across all heads").status is Status.CORRECT
    assert grade(CV, "Nothing\n").status is Status.INCORRECT


@pytest.mark.parametrize(("answer", "quoted"), [
    ("The Value projection matrix W_V\nZ) The  Key matrix, W_K", "Z) The  Key matrix"),
    ("A and The KV Cache per Token and C", "The KV Cache per Token"),
    ("A and C and something Else, Entirely longer than thirty characters", "something Else"),
])
def test_errors_quote_the_answer_as_typed(answer: str, quoted: str) -> None:
    result = grade(MV, answer)
    assert result.status is Status.INVALID
    assert repr(quoted) in result.feedback[0], result.feedback
    assert answer[result.position: result.position_end] == quoted


def test_a_label_out_of_range_is_placed_on_the_line_that_holds_it() -> None:
    answer = "A\nC\n9"
    result = grade(MV, answer)
    assert result.status is Status.INVALID and "no option 9" in result.feedback[0]
    assert result.position == answer.index("9")


def test_feedback_show_and_plain_label_options_alike(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    result = grade(MV, "A")
    assert f"right: {option_label(0, MV.options[0])}" in result.feedback
    qid = "reason-gqa-what-shrinks"
    assert main(["show", qid]) == 0
    shown = capsys.readouterr().out
    options = make_variant(grading_bank().get(qid), 0).options
    for i, text in enumerate(options):
        assert f"  {option_label(i, text)}\n" in shown
    env = {k: v for k, v in os.environ.items() if k not in ("TUTOR_BANK", "TUTOR_DATA_DIR")}
    env.update(TUTOR_DATA_DIR=str(tmp_path / "data"), PYTHONIOENCODING="utf-8")
    done = subprocess.run([sys.executable, "-m", "tutor", "quiz", "--plain", "--question", qid], input=":quit\n",
                          capture_output=True, text=True, env=env, cwd=REPO, timeout=120)
    printed = [line[2:] for line in done.stdout.splitlines() if line[:2] == "  " and line[3:5] == ") "]
    assert [line[:2] for line in printed] == [option_label(i) for i in range(len(options))], done.stdout
    assert sorted(line[3:] for line in printed) == sorted(options)  # the quiz shuffles by its own seed


def grading_bank():
    from tutor.bank import load_bank

    return load_bank([])


def test_validate_warns_of_an_option_whose_text_is_a_label(tmp_path: Path) -> None:
    path = tmp_path / "bank.yaml"
    path.write_text("""\
questions:
  - id: label-like
    kind: choice
    topic: mqa
    prompt: How many key heads does MQA keep?
    options:
      - '1'
      - '8'
      - 'B'
      - 'one per query head'
    answer: '1'
""", encoding="utf-8")
    report = validate([str(path)], builtin=False)
    warned = {p.line: p.message for p in report.warnings}
    assert "'1' is also an option label" in warned[7]
    assert "'B' is also an option label" in warned[9]
    assert 8 not in warned  # 8 is no label among four options
    assert not report.problems
