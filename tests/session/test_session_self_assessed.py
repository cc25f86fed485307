"""A written answer in a session: submit gives needs_review and records nothing; the learner's checklist
(`assess`) records a self-assessed score that counts like any other (mean, FSRS card) and the report names it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor.bank import load_bank
from tutor.grading.grade import Status
from tutor.session.engine import Session, SessionConfig, SessionError
from tutor.session.report import report_json, report_markdown
from tutor.session.store import Store

WRONG = "In MQA a single query is shared by all heads, while each head keeps its own separate keys and values."


def test_the_learners_checklist_gives_the_score(tmp_path: Path) -> None:
    bank = load_bank([])
    with Store(tmp_path / "h.sqlite3") as store:
        session = Session.start(SessionConfig(question_ids=("quiz1-mha-vs-mqa", "reason-mqa-shared"), seed=1),
                                bank=bank, store=store)
        with pytest.raises(SessionError):
            session.assess([0])  # nothing waits for a checklist yet
        pending = session.submit(WRONG)
        assert pending.status is Status.NEEDS_REVIEW and session.pending_review is pending
        assert store.attempts() == [] and not session.answered  # the patterns decide nothing
        result = session.assess([0, 2])  # 2 of 4 equal points: 1 + 4 * 1/2 = 3
        assert (result.score, result.assessed, result.status) == (3, "self", Status.PARTIAL)
        assert session.pending_review is None and session.answered
        assert store.card("quiz1-mha-vs-mqa") is not None  # the FSRS card is rated like any score
        session.advance()
        session.submit("A, B")
        assert session.summary().mean == pytest.approx((3 + 5) / 2)
        data = report_json(store.session(session.session_id), store)
        assert data["self_assessed"] == [1]
        assert data["questions"][0]["answer"]["assessed"] == "self"
        assert data["questions"][1]["answer"]["assessed"] is None
        text = report_markdown(data)
        assert "3 / 5 (self-assessed)" in text and "- self-assessed (the learner confirmed" in text
