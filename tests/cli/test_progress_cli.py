"""`tutor stats`, `history`, `report`, `exam make`, `quiz --exam` and `grade` as a user runs them."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tutor.cli import main

REPO = Path(__file__).resolve().parents[2]

BANK = """\
questions:
  - id: t-prog-mqa-heads
    kind: numeric
    topic: mqa
    prompt: How many K/V heads does multi-query attention have?
    answer: 1
  - id: t-prog-gqa-groups
    kind: numeric
    topic: gqa
    prompt: With {hq} query heads and 8 K/V heads, how many query heads share one K/V head?
    params: {hq: [16, 32, 64]}
    answer: hq / 8
  - id: t-prog-mha-shape
    kind: shape
    topic: mha
    prompt: Shape of Q after splitting into heads?
    answer: [b, h, n, k]
"""


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    bank = tmp_path / "bank.yaml"
    bank.write_text(BANK, encoding="utf-8")
    data = tmp_path / "data"
    monkeypatch.setenv("TUTOR_BANK", str(bank))
    monkeypatch.setenv("TUTOR_DATA_DIR", str(data))
    out = dict(os.environ)
    out["PYTHONIOENCODING"] = "utf-8"
    return out


def run_main(args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    try:
        code = main(args)
    except SystemExit as exc:  # how commands stop after printing a problem, as under `tutor`
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_stats_history_and_report_after_a_quiz(env, capsys, monkeypatch):
    code, out, _ = run_main(["stats"], capsys, monkeypatch)
    assert code == 0 and "No answers recorded yet" in out
    for answers in ("1\n7\n", "1\n:skip\n"):
        code, out, err = run_main(["quiz", "--plain", "--question", "t-prog-mqa-heads", "--question",
                                   "t-prog-gqa-groups", "--seed", "9"], capsys, monkeypatch, answers)
        assert code == 0, err
    code, out, _ = run_main(["stats", "--json"], capsys, monkeypatch)
    stats = json.loads(out)
    assert stats["answers"] == 4 and stats["sessions"] == 2
    assert {a["name"]: a["mean"] for a in stats["by_topic"]} == {"gqa": 1.0, "mqa": 5.0}
    assert stats["trend"] == [3.0, 3.0] and stats["sparkline"] == "▅▅"
    assert stats["weakest"][0] == {"area": "topic", "name": "gqa", "mean": 1.0, "count": 2}
    code, out, _ = run_main(["stats"], capsys, monkeypatch)
    assert "mean 3.0 / 5" in out and "Trend" in out and "tutor quiz --topic GQA" in out  # one vocabulary (issue 14)
    assert "r reviews what is due" in out  # and what to press in the app

    code, out, _ = run_main(["history", "--json"], capsys, monkeypatch)
    history = json.loads(out)
    assert [(h["id"], h["answer"], h["score"]) for h in history] == [
        ("t-prog-mqa-heads", "1", 5), ("t-prog-gqa-groups", "7", 1), ("t-prog-mqa-heads", "1", 5), ("t-prog-gqa-groups", "", 1)]
    assert all(h["seed"] >= 0 and h["time"].endswith("+00:00") for h in history)
    code, out, _ = run_main(["history"], capsys, monkeypatch)
    assert out.count("t-prog-gqa-groups") == 2 and "skipped" in out

    code, out, _ = run_main(["report", "last", "--format", "json"], capsys, monkeypatch)
    report = json.loads(out)
    assert report["mean"] == 3.0 and report["answered"] == 2
    assert report["questions"][1]["answer"]["skipped"] is True
    assert "query heads share one K/V head" in report["questions"][1]["prompt"]
    # A prefix that names this session alone: both sessions may start in the same second.
    with sqlite3.connect(Path(env["TUTOR_DATA_DIR"]) / "history.sqlite3") as db:
        others = [row[0] for row in db.execute("SELECT id FROM sessions") if row[0] != report["session"]]
    prefix = next(report["session"][:n] for n in range(17, len(report["session"]) + 1)
                  if not any(o.startswith(report["session"][:n]) for o in others))
    code, out, _ = run_main(["report", prefix, "--format", "md"], capsys, monkeypatch)
    assert out.startswith(f"# Attention Tutor session {report['session']}")
    assert "| 2 | `t-prog-gqa-groups` | GQA | number | skipped |" in out
    skipped_part = out.split("## 2. `t-prog-gqa-groups`")[1]
    assert "Skipped (counts as 1)." in skipped_part and "Expected: `2`" in skipped_part  # a skip teaches (16 / 8)
    code, out, err = run_main(["report", "nope"], capsys, monkeypatch)
    assert code == 2 and "no session 'nope'" in err


def test_a_corrupt_history_is_backed_up_and_replaced(env, capsys, monkeypatch):
    data = Path(env["TUTOR_DATA_DIR"])
    data.mkdir()
    (data / "history.sqlite3").write_bytes(b"garbage" * 1000)
    code, out, err = run_main(["stats"], capsys, monkeypatch)
    assert code == 0 and "could not be read" in err and "new, empty history" in err
    assert list(data.glob("history.sqlite3.corrupt-*.bak"))


def test_a_newer_history_is_refused_with_a_backup(env, capsys, monkeypatch):
    data = Path(env["TUTOR_DATA_DIR"])
    data.mkdir()
    conn = sqlite3.connect(data / "history.sqlite3")
    conn.execute("PRAGMA user_version = 999")
    conn.commit()
    conn.close()
    code, out, err = run_main(["history"], capsys, monkeypatch)
    assert code == 1 and "newer version of tutor" in err and "backup copy" in err
    assert list(data.glob("history.sqlite3.newer-*.bak"))


def tutor(args: list[str], env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tutor", *args], input=stdin, capture_output=True, text=True,
                          env=env, cwd=REPO, timeout=180)


def test_exam_make_answer_grade_shard_merge(env, tmp_path, capsys, monkeypatch):
    roster = tmp_path / "students.csv"
    roster.write_text("student_id,name\nada,Ada L\nalan,Alan T\ngrace,Grace H\n", encoding="utf-8")
    make = ["exam", "make", "--questions", "t-prog-mqa-heads", "t-prog-gqa-groups", "t-prog-mha-shape",
            "--roster", str(roster), "--seed", "2026"]
    code, out, err = run_main([*make, "--out", str(tmp_path / "exam")], capsys, monkeypatch)
    assert code == 0, err
    code, _, _ = run_main([*make, "--out", str(tmp_path / "again")], capsys, monkeypatch)
    for name in ("ada", "alan", "grace"):
        assert (tmp_path / "exam" / f"{name}.exam.yaml").read_bytes() == (tmp_path / "again" / f"{name}.exam.yaml").read_bytes()

    exam = tmp_path / "exam"
    # ada answers in the line-based exam mode (an unreadable answer is asked again, no feedback shown)
    ada = tutor(["quiz", "--exam", str(exam / "ada.exam.yaml")], env, "1\nlots\n:skip\n[b, h, n, k]\n")
    assert ada.returncode == 0, ada.stderr
    assert "could not read that answer" in ada.stdout and "score" not in ada.stdout
    assert "Answered 2 of 3" in ada.stdout
    # alan stops after one answer and comes back later
    tutor(["quiz", "--exam", str(exam / "alan.exam.yaml")], env, "1\n:quit\n")
    alan = tutor(["quiz", "--exam", str(exam / "alan.exam.yaml")], env, "0\n(b, h, n, k)\n")
    assert "Answered 3 of 3" in alan.stdout
    # grace never answers: her exam file is not a submission, so only two are graded
    code, out, err = run_main(["grade", str(exam), "--workers", "1", "--csv", str(tmp_path / "all.csv")], capsys, monkeypatch)
    assert code == 0, err
    rows = list(csv.reader((tmp_path / "all.csv").open(encoding="utf-8")))
    assert rows == [
        ["student_id", "t-prog-mqa-heads", "t-prog-gqa-groups", "t-prog-mha-shape", "total", "mean"],
        ["ada", "5", "1", "5", "11", "3.67"],
        ["alan", "5", "1", "5", "11", "3.67"],
    ]
    # grace's blank exam paper named as a submission is refused (it would grade as all wrong)
    code, _, err = run_main(["grade", str(exam / "grace.exam.yaml"), "--workers", "1"], capsys, monkeypatch)
    assert code == 2 and "blank exam paper, not a submission" in err and "grace.submission.yaml" in err
    # the score table has column headers, and a key to them
    code, out, err = run_main(["grade", str(exam), "--workers", "1"], capsys, monkeypatch)
    assert code == 0, err
    header = next(line for line in out.splitlines() if "student" in line)
    assert header.split() == ["student", "q1", "q2", "q3", "total", "mean"]
    assert "q1 = t-prog-mqa-heads" in out
    # without --bank or $TUTOR_BANK the banks recorded in the exam files are used
    monkeypatch.delenv("TUTOR_BANK")
    code, out, err = run_main(["grade", str(exam), "--workers", "1", "--csv", str(tmp_path / "again.csv")], capsys, monkeypatch)
    assert code == 0 and "using the exam's bank(s)" in err
    assert (tmp_path / "again.csv").read_text() == (tmp_path / "all.csv").read_text()
    for i in (1, 2):
        code, _, err = run_main(["grade", str(exam), "--shard", f"{i}/2", "--workers", "1", "--json",
                                 "--out", str(tmp_path / f"shard{i}.json")], capsys, monkeypatch)
        assert code == 0, err
    assert [s["student"] for s in json.loads((tmp_path / "shard1.json").read_text())["students"]] == ["ada"]
    code, _, err = run_main(["grade", "--merge", str(tmp_path / "shard1.json"), str(tmp_path / "shard2.json"),
                             "--csv", str(tmp_path / "merged.csv")], capsys, monkeypatch)
    assert code == 0, err
    assert (tmp_path / "merged.csv").read_text() == (tmp_path / "all.csv").read_text()
    code, _, err = run_main(["grade", "--merge", str(tmp_path / "shard1.json"), str(tmp_path / "shard1.json")], capsys, monkeypatch)
    assert code == 2 and "in two shards" in err
    code, _, err = run_main(["grade", str(exam), "--shard", "3/2"], capsys, monkeypatch)
    assert code == 2 and "between 1 and N" in err
