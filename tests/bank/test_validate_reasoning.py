"""`tutor validate` on statements and multi questions: each mistake reported at its file:line."""

from __future__ import annotations

from pathlib import Path

from tutor.grading.selfcheck import validate

BAD = """\
questions:
  - id: all-true
    kind: statements
    topic: mqa
    prompt: Mark each.
    statements:
      - {text: a, true: true, why: w}
      - {text: b, true: true, why: w}
      - {text: c, true: true, why: w}
      - {text: d, true: true, why: w}
  - id: twice
    kind: multi
    topic: gqa
    prompt: Pick.
    options: [x, y, x, z]
    answer: [x]
  - id: unknown-option
    kind: multi
    topic: gqa
    prompt: Pick.
    options: [x, y, z, w]
    answer: [x, v]
  - id: contradicted-model
    kind: text
    topic: mqa
    prompt: Why?
    rubric:
      - {point: p, match: ['cache']}
    contradictions:
      - {statement: s, match: ['smaller cache'], why: y}
    answer: It has a smaller cache.
"""


def test_each_mistake_is_reported_where_it_is(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(BAD, encoding="utf-8")
    report = validate([str(path)], builtin=False)
    found = {(p.question_id, p.line): p.message for p in report.problems}
    assert "at least one false" in found[("all-true", 7)]
    assert "options must be distinct" in found[("twice", 15)]
    assert "'v' is not one of the options" in found[("unknown-option", 22)]
    assert any(q == "contradicted-model" and "matches contradiction 1" in m for (q, _), m in found.items())
