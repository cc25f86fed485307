"""A written answer in a session: submit gives needs_review and stores the answer at once, awaiting
assessment (no score: in no mean, no FSRS card); the learner's checklist (`assess`) completes that same
stored attempt with a self-assessed score that counts like any other (mean, FSRS card) and the report
names it. An answer left awaiting (the app quit, the process killed) survives a new Session/Store."""

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
        (stored,) = store.attempts()  # the answer is on disk before the checklist is shown...
        assert (stored.status, stored.assessed, stored.awaiting_assessment) == ("needs_review", "", True)
        assert store.first_attempts() == [] and not session.answered  # ...but the patterns decide nothing
        assert store.card("quiz1-mha-vs-mqa") is None
        result = session.assess([0, 2])  # 2 of 4 equal points: 1 + 4 * 1/2 = 3
        assert (result.score, result.assessed, result.status) == (3, "self", Status.PARTIAL)
        assert session.pending_review is None and session.answered
        (done,) = store.attempts()  # the same row, completed
        assert (done.id, done.status, done.score, done.assessed, done.answer) == (stored.id, "partial", 3, "self", WRONG)
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


def _stored_session(path: Path) -> str:
    """A session whose multi question is answered and whose written answer (the last question) awaits its
    checklist when the process "dies"; returns the session id."""
    with Store(path) as store:
        session = Session.start(SessionConfig(question_ids=("reason-mqa-shared", "quiz1-mha-vs-mqa"), seed=1),
                                bank=load_bank([]), store=store)
        assert session.submit("A, B").status is Status.CORRECT
        session.advance()
        assert session.submit(WRONG).status is Status.NEEDS_REVIEW
        return session.session_id  # no assess, no advance: the store is closed as a killed process leaves it


def test_a_written_answer_survives_the_process_and_resumes_at_its_checklist(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    session_id = _stored_session(path)
    with Store(path) as store:  # a new process: a new Store and Session from the same file
        (record,) = store.unfinished_sessions()  # the written question is the last: still resumable
        assert (record.id, record.answered, record.awaiting, record.total, record.finished) == (session_id, 1, 1, 2, None)
        (waiting,) = store.awaiting_attempts(session_id)
        assert (waiting.position, waiting.answer, waiting.status, waiting.awaiting_assessment) == (1, WRONG, "needs_review", True)
        assert waiting.grade_score == waiting.score >= 1  # the provisional reading, kept beside the answer
        resumed = Session.resume(session_id, store, load_bank([]))
        assert resumed.index == 1 and resumed.current.id == "quiz1-mha-vs-mqa" and not resumed.answered
        pending = resumed.pending
        assert pending is not None and pending.answer == WRONG and pending.attempt_id == waiting.id
        assert pending.grade.status is Status.NEEDS_REVIEW and pending.grade.provisional_score == waiting.grade_score
        assert pending.grade.details["suggested"]  # the checklist's suggestions are there again
        with pytest.raises(SessionError, match="awaits its checklist"):
            resumed.submit("another answer, typed again")  # the stored answer is not replaced by a new one
        with pytest.raises(SessionError, match="awaits its checklist"):
            resumed.skip()
        result = resumed.assess([0, 1, 2, 3])
        assert (result.score, result.assessed) == (5, "self")
        assert store.awaiting_attempts() == []
        first = {a.position: a for a in store.first_attempts(session_id)}
        assert (first[1].id, first[1].status, first[1].score, first[1].assessed) == (waiting.id, "correct", 5, "self")
        assert len(store.attempts(session_id)) == 2  # completed in place: no second row
        assert store.card("quiz1-mha-vs-mqa") is not None
        resumed.advance()
        assert resumed.done and store.session(session_id).finished is not None


def test_an_answer_awaiting_assessment_is_in_no_mean_and_is_shown_as_awaiting(tmp_path: Path) -> None:
    from tutor.session.stats import compute

    path = tmp_path / "h.sqlite3"
    session_id = _stored_session(path)
    with Store(path) as store:
        record = store.session(session_id)
        resumed = Session.from_record(record, store, load_bank([]))
        assert resumed.summary().mean == 5.0 and resumed.summary().answered == 1  # only the multi answer
        stats = compute(store)
        assert (stats.answers, stats.mean, stats.awaiting) == (1, 5.0, 1)
        assert [a.name for a in stats.by_kind] == ["multi"]
        assert store.card("quiz1-mha-vs-mqa") is None  # no FSRS review from a provisional reading
        data = report_json(record, store)
        assert (data["answered"], data["mean"], data["awaiting_assessment"], data["self_assessed"]) == (1, 5.0, [2], [])
        answer = data["questions"][1]["answer"]
        assert (answer["answer"], answer["status"], answer["awaiting_assessment"]) == (WRONG, "needs_review", True)
        text = report_markdown(data)
        assert "| 2 | `quiz1-mha-vs-mqa` | MQA | written | awaiting your assessment |" in text
        assert "**Awaiting your assessment**" in text and "**needs_review**" not in text


def test_a_past_self_assessed_answer_reopened_after_a_resume_says_whose_verdict_it_was(tmp_path: Path) -> None:
    bank = load_bank([])
    with Store(tmp_path / "h.sqlite3") as store:
        session = Session.start(SessionConfig(question_ids=("quiz1-mha-vs-mqa", "reason-mqa-shared"), seed=1),
                                bank=bank, store=store)
        session.submit(WRONG)
        session.assess([0, 2])
        session.advance()
        sid = session.session_id
    with Store(tmp_path / "h.sqlite3") as store:
        resumed = Session.resume(sid, store, bank)
        past = resumed.past(0)  # from the store, not from this run's memory
        assert past is not None and (past.score, past.grade.assessed) == (3, "self")


def test_an_answer_assessed_in_another_window_is_not_assessed_twice(tmp_path: Path) -> None:
    """Two windows on one session: the first checklist confirmed stands; the second gets a clear
    SessionError (not the store's error), and its answer no longer waits there."""
    path = tmp_path / "h.sqlite3"
    session_id = _stored_session(path)
    with Store(path) as first_store, Store(path) as second_store:
        first = Session.resume(session_id, first_store, load_bank([]))
        second = Session.resume(session_id, second_store, load_bank([]))
        assert first.pending is not None and second.pending is not None
        assert first.assess([0, 1, 2, 3]).score == 5
        with pytest.raises(SessionError, match="assessed meanwhile in another window"):
            second.assess([0])
        assert second.pending is None
        (done,) = [a for a in first_store.attempts(session_id) if a.position == 1]
        assert (done.score, done.assessed) == (5, "self")  # the first assessment stands


def test_the_plain_quiz_says_so_and_moves_on(tmp_path: Path) -> None:
    import io

    from tutor import plain

    path = tmp_path / "h.sqlite3"
    session_id = _stored_session(path)
    with Store(path) as first_store, Store(path) as second_store:
        first = Session.resume(session_id, first_store, load_bank([]))
        second = Session.resume(session_id, second_store, load_bank([]))
        pending = second.pending
        first.assess([0])
        out = io.StringIO()
        assert plain._score(second, pending.grade, pending.answer, io.StringIO("1 2\n"), out) is True
        assert "assessed meanwhile in another window" in out.getvalue() and "Traceback" not in out.getvalue()
        assert second.done
