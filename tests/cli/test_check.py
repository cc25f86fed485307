"""`tutor check` and `tutor list`: what a shell user and a script see."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tutor.cli import main


def run_cli(*argv: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("answer", ["2*G*d^2/H", "2Gd²/H", r"\frac{2Gd^2}{H}", "2 G d d_h"])
def test_check_accepts_every_equivalent_form(answer: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli("check", "quiz3-gqa-kv-params", answer, "--json", capsys=capsys)
    result = json.loads(out)
    assert code == 0
    assert result["status"] == "correct"
    assert result["score"] == 5
    assert set(result) >= {"id", "status", "score", "fraction", "interpreted", "feedback", "expected"}


def test_check_wrong_answer_gets_the_misconception_message(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli("check", "quiz3-gqa-kv-params", "G*d^2/H", "--json", capsys=capsys)
    result = json.loads(out)
    assert code == 0
    assert result["status"] != "correct"
    assert result["score"] < 5
    assert "K and V" in " ".join(result["feedback"])


def test_check_invalid_answer_names_the_symbol_and_points_at_it(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli("check", "quiz3-gqa-kv-params", "2*G*x^2/H", capsys=capsys)
    assert code == 0
    assert "invalid" in out
    assert "x" in out
    lines = out.splitlines()
    answer_line = next(i for i, line in enumerate(lines) if "answer:" in line)
    caret_line = lines[answer_line + 1]
    # The caret stands under the unknown symbol.
    assert caret_line.index("^") == lines[answer_line].index("2*G*x^2/H") + 4


def test_check_human_output_shows_score_and_expected(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli("check", "p4a-mqa-wq-shape", "[h, d, q]", capsys=capsys)
    assert code == 0
    assert "correct" in out and "5 / 5" in out
    assert "expected" in out


def test_check_unknown_id_suggests_close_ids(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli("check", "p4a-mqa-wq-shap", "[h, d, q]", capsys=capsys)
    assert code == 2
    assert "p4a-mqa-wq-shape" in err
    assert "Traceback" not in err


def test_check_needs_an_answer(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli("check", "p4a-mqa-wq-shape", capsys=capsys)
    assert code == 2
    assert "no answer" in err


def test_check_answer_file_missing_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli("check", "p4a-mqa-wq-shape", "--answer-file", str(tmp_path / "nope.txt"), capsys=capsys)
    assert code == 2
    assert "cannot read" in err


def test_check_answer_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    answer = tmp_path / "a.txt"
    answer.write_text("h x d x q\n", encoding="utf-8")
    code, out, _ = run_cli("check", "p4a-mqa-wq-shape", "--answer-file", str(answer), "--json", capsys=capsys)
    assert code == 0
    assert json.loads(out)["status"] == "correct"


def test_check_batch_keeps_order_and_reports_each(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text(
        "- {id: p4a-mqa-wq-shape, answer: [h, d, q]}\n"
        "- {id: quiz3-gqa-kv-params, answer: '2*d^2/G', seed: 3}\n"
        "- {id: p4a-mqa-wq-shape, answer: '[h, d'}\n",
        encoding="utf-8",
    )
    code, out, _ = run_cli("check", "--answers", str(answers), "--json", capsys=capsys)
    results = json.loads(out)
    assert code == 0
    assert [r["id"] for r in results] == ["p4a-mqa-wq-shape", "quiz3-gqa-kv-params", "p4a-mqa-wq-shape"]
    assert [r["status"] for r in results][0] == "correct"
    assert results[1]["status"] != "correct"
    # was score 1: an answer the grader could not read is not scored (red-team R12; the machine never
    # claims more than it knows), so the score is null
    assert results[2]["status"] == "invalid" and results[2]["score"] is None


def test_check_batch_with_an_unknown_id_still_answers_the_rest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text("- {id: nope, answer: 1}\n- {id: p4a-mqa-wq-shape, answer: '[h, d, q]'}\n", encoding="utf-8")
    code, out, _ = run_cli("check", "--answers", str(answers), "--json", capsys=capsys)
    results = json.loads(out)
    assert code == 1
    assert results[0]["status"] == "invalid" and "nope" in results[0]["feedback"][0]
    assert results[1]["status"] == "correct"


def test_check_batch_bad_yaml_says_where(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text("- {id: a, answer: [1, 2}\n", encoding="utf-8")
    code, _, err = run_cli("check", "--answers", str(answers), capsys=capsys)
    assert code == 2
    assert f"{answers}:1:" in err


def test_check_with_an_instructor_bank(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bank = tmp_path / "mine.yaml"
    bank.write_text(
        "questions:\n"
        "  - id: my.kv-bytes\n"
        "    kind: numeric\n"
        "    topic: kv-cache\n"
        "    prompt: Bytes of K and V per token for {L} layers, 8 KV heads of 128, bf16?\n"
        "    params: {L: [32, 40]}\n"
        "    answer: 2 * L * 8 * 128 * 2\n"
        "    unit: bytes\n",
        encoding="utf-8",
    )
    code, out, _ = run_cli("check", "my.kv-bytes", "128 KiB", "--bank", str(bank), "--seed", "0", "--json", capsys=capsys)
    assert code == 0
    result = json.loads(out)
    # seed 0 draws L = 32 or 40; 128 KiB is right exactly when L = 32.
    assert result["status"] in {"correct", "incorrect", "partial"}


def test_list_filters_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli("list", "--topic", "mqa", "--kind", "shape", "--json", capsys=capsys)
    rows = json.loads(out)
    assert code == 0
    assert rows and all(r["topic"] == "mqa" and r["kind"] == "shape" for r in rows)


def test_list_by_tag_shows_only_tagged_questions_with_their_tags(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli("list", "--tag", "mla", "--json", capsys=capsys)
    rows = json.loads(out)
    assert code == 0
    assert rows and all("mla" in r["tags"] for r in rows)
    code, out, _ = run_cli("list", "--tag", "mla", "--tag", "flash", "--json", capsys=capsys)
    either = json.loads(out)
    assert {r["id"] for r in rows} <= {r["id"] for r in either}
    assert all({"mla", "flash"} & set(r["tags"]) for r in either)
    code, out, _ = run_cli("list", "--tag", "mla", capsys=capsys)
    assert code == 0 and out.strip().endswith(f"{len(rows)} question(s)")


def test_list_unknown_tag_is_named_with_the_closest(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli("list", "--tag", "pagedkv", capsys=capsys)
    assert code == 2
    assert out == ""
    assert "unknown tag 'pagedkv'" in err and "did you mean 'paged-kv'" in err
    assert "Traceback" not in err


def test_list_plain_counts(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli("list", capsys=capsys)
    assert code == 0
    assert out.strip().endswith("question(s)")


def test_bad_bank_prints_every_problem_and_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bank = tmp_path / "bad.yaml"
    bank.write_text("questions:\n  - id: x1\n    kind: shape\n    topik: mha\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exit_info:
        main(["list", "--bank", str(bank)])
    _, err = capsys.readouterr()
    assert exit_info.value.code == 1
    assert "bad.yaml:4" in err
    assert "topic" in err


def test_python_dash_m_tutor_runs() -> None:
    proc = subprocess.run([sys.executable, "-m", "tutor", "--version"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0
    assert "attention-tutor" in proc.stdout


def test_check_does_not_import_torch_or_textual() -> None:
    code = (
        "import sys\n"
        "from tutor.cli import main\n"
        "main(['check', 'quiz3-gqa-kv-params', '2Gd^2/H', '--json'])\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
        "assert 'textual' not in sys.modules, 'textual was imported'\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


def test_the_app_refuses_a_pipe_and_points_at_plain() -> None:
    for argv in (["quiz", "-n", "1"], []):
        proc = subprocess.run(
            [sys.executable, "-m", "tutor", *argv], input="", capture_output=True, text=True, check=False, timeout=60
        )
        assert proc.returncode == 2
        assert "--plain" in proc.stderr and "Traceback" not in proc.stderr
        assert proc.stdout == ""  # no escape codes written into the pipe


def test_a_file_the_system_refuses_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id\nada\n", encoding="utf-8")
    taken = tmp_path / "taken.yaml"
    taken.write_text("", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "tutor", "exam", "make", "--questions", "p4a-mqa-wq-shape",
         "--roster", str(roster), "--seed", "1", "--out", str(taken)],
        capture_output=True, text=True, check=False, timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"tutor: {taken}: File exists"


def test_escape_sequences_in_an_answer_are_not_echoed_raw(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli("check", "p4a-mqa-wq-shape", "[h, d,\x1b[31m q]", capsys=capsys)
    assert code == 0
    assert "\x1b" not in out
    assert "\u241b" in out  # shown, as one visible character


def test_check_code_records_and_replays_the_values_seed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A code grading draws fresh case values; --json records their seed, --values-seed replays it."""
    import yaml

    bank = yaml.safe_load((Path(__file__).resolve().parents[2] / "question_bank" / "code.yaml").read_text())
    question = next(q for q in bank["questions"] if q["id"] == "code.repeat-kv")
    answer = tmp_path / "mutant.py"
    answer.write_text(question["mutants"][0]["code"], encoding="utf-8")
    code, out, _ = run_cli("check", "code.repeat-kv", "--answer-file", str(answer), "--values-seed", "77",
                           "--json", capsys=capsys)
    assert code == 0
    first = json.loads(out)
    assert first["details"]["values_seed"] == 77 and first["status"] != "correct"
    code, out, _ = run_cli("check", "code.repeat-kv", "--answer-file", str(answer), "--values-seed", "77",
                           "--json", capsys=capsys)
    again = json.loads(out)
    assert [c["label"] for c in again["details"]["cases"]] == [c["label"] for c in first["details"]["cases"]]
    assert [line for line in again["feedback"] if "largest absolute error" in line] == \
        [line for line in first["feedback"] if "largest absolute error" in line]
