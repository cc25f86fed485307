"""The session engine: selection, hints and their cost, invalid answers, skips, summary, resume."""

from __future__ import annotations

import subprocess
import sys

import pytest
from session_tiny_bank import RIGHT, UNREADABLE, WRONG

from tutor.grading.grade import Status
from tutor.session.engine import Session, SessionConfig, SessionError, max_score_after


def ids(session: Session) -> list[str]:
    return [v.id for v in session.variants]


def test_same_seed_same_questions_order_and_variants(bank):
    a = Session.start(SessionConfig(n=5, seed=7), bank)
    b = Session.start(SessionConfig(n=5, seed=7), bank)
    assert ids(a) == ids(b)
    assert [(v.seed, v.params, v.options) for v in a.variants] == [(v.seed, v.params, v.options) for v in b.variants]
    orders = {tuple(ids(Session.start(SessionConfig(n=5, seed=s), bank))) for s in range(8)}
    assert len(orders) > 1, "the order is drawn from the seed"


def test_no_seed_draws_one_and_records_it(bank, store):
    session = Session.start(SessionConfig(n=2), bank, store)
    record = store.session(session.session_id)
    assert record is not None and record.seed == session.seed
    again = Session.start(SessionConfig(n=2, seed=session.seed), bank)
    assert ids(again) == ids(session)


def test_filters_and_cap(bank):
    assert set(ids(Session.start(SessionConfig(topics=("mqa",), n=10, seed=1), bank))) == {"t-mqa-heads", "t-mqa-params"}
    assert set(ids(Session.start(SessionConfig(kinds=("numeric",), n=10, seed=1), bank))) == {
        "t-mqa-params", "t-gqa-groups", "t-kv-bytes"}
    assert set(ids(Session.start(SessionConfig(difficulty=(4, 5), seed=1), bank))) == {"t-gqa-groups", "t-kv-bytes"}
    assert len(Session.start(SessionConfig(n=3, seed=1), bank).variants) == 3
    assert len(Session.start(SessionConfig(n=99, seed=1), bank).variants) == 5


def test_explicit_questions_in_given_order(bank):
    session = Session.start(SessionConfig(question_ids=("t-kv-bytes", "t-mha-heads"), seed=3), bank)
    assert ids(session) == ["t-kv-bytes", "t-mha-heads"]


def test_unknown_question_and_empty_selection_are_session_errors(bank):
    with pytest.raises(SessionError, match="t-mqa-param"):
        Session.start(SessionConfig(question_ids=("t-mqa-param",)), bank)
    with pytest.raises(SessionError, match="no question matches"):
        Session.start(SessionConfig(topics=("attention",)), bank)


def test_hints_cost_one_point_each_with_floor_one(bank):
    session = Session.start(SessionConfig(question_ids=("t-mha-heads",), seed=1), bank)
    assert session.next_hint_cost() == "costs 1 point (max score 4)"
    assert session.hint() == "Each query head has its own keys."
    assert session.next_hint_cost() == "costs 1 point (max score 3)"
    assert session.hint() == "MHA shares nothing."
    assert session.next_hint_cost() is None and session.hint() is None
    assert session.hints_shown() == ("Each query head has its own keys.", "MHA shares nothing.")
    grade = session.submit(RIGHT["t-mha-heads"])
    assert grade.status is Status.CORRECT and grade.score == 5
    assert session.current_attempt.score == 3 and session.current_attempt.hints_used == 2
    assert [max_score_after(n) for n in range(6)] == [5, 4, 3, 2, 1, 1]


def test_invalid_answer_records_nothing_and_stays(bank, store):
    session = Session.start(SessionConfig(question_ids=("t-mqa-params",), seed=1), bank, store)
    grade = session.submit(UNREADABLE["t-mqa-params"])
    assert grade.status is Status.INVALID
    assert store.attempts(session.session_id) == []
    assert session.index == 0 and not session.answered
    assert session.submit(RIGHT["t-mqa-params"]).status is Status.CORRECT


def test_answer_is_stored_before_submit_returns(bank, store):
    session = Session.start(SessionConfig(question_ids=("t-gqa-groups", "t-kv-bytes"), seed=1), bank, store)
    session.submit(WRONG["t-gqa-groups"])
    (stored,) = store.attempts(session.session_id)
    assert (stored.question_id, stored.answer, stored.score, stored.status) == ("t-gqa-groups", "8", 1, "incorrect")
    assert stored.seed == session.variants[0].seed
    assert session.index == 0, "stays on the question until advance()"
    session.advance()
    assert session.current.id == "t-kv-bytes"


def test_first_graded_answer_is_the_score(bank, store):
    session = Session.start(SessionConfig(question_ids=("t-gqa-groups",), seed=1), bank, store)
    session.submit(WRONG["t-gqa-groups"])
    session.submit(RIGHT["t-gqa-groups"])
    assert [a.score for a in store.attempts(session.session_id)] == [1, 5], "both answers are stored"
    session.advance()
    assert session.done
    assert session.summary().mean == 1.0


def test_skip_counts_one_and_shows_as_skipped(bank, store):
    session = Session.start(SessionConfig(question_ids=("t-mqa-heads", "t-gqa-groups"), seed=1), bank, store)
    session.skip()
    assert session.current.id == "t-gqa-groups"
    session.submit(RIGHT["t-gqa-groups"])
    session.advance()
    summary = session.summary()
    assert [r.score for r in summary.rows] == [None, 5]
    assert summary.mean == 3.0
    assert summary.per_topic == {"gqa": 5.0, "mqa": 1.0}
    assert summary.weakest_topic == "mqa"
    assert summary.level.startswith("developing")
    (skipped, _) = store.attempts(session.session_id)
    assert skipped.skipped and skipped.status == "skipped"


def test_summary_levels_and_retry_weakest(bank):
    session = Session.start(SessionConfig(question_ids=("t-mha-heads", "t-mqa-heads", "t-mqa-params"), seed=1, n=3), bank)
    for qid in ("t-mha-heads", "t-mqa-heads", "t-mqa-params"):
        session.submit(RIGHT[qid] if qid != "t-mqa-params" else WRONG[qid])
        session.advance()
    summary = session.summary()
    assert round(summary.mean, 2) == round((5 + 5 + 1) / 3, 2)
    assert summary.weakest_topic == "mqa"
    retry = session.retry_weakest()
    assert retry.topics == ("mqa",) and retry.seed is None and retry.n == 3
    assert Session.start(SessionConfig(question_ids=("t-mha-heads",)), bank).summary().rows == ()


def test_resume_rebuilds_same_variants_and_skips_answered(bank, store):
    config = SessionConfig(n=4, seed=11)
    first = Session.start(config, bank, store)
    first.submit(RIGHT[first.current.id])
    first.advance()
    first.skip()
    (record,) = store.unfinished_sessions()
    assert record.id == first.session_id and record.answered == 2
    resumed = Session.resume(first.session_id, store, bank)
    assert [(v.id, v.seed, v.params, v.options) for v in resumed.variants] == [
        (v.id, v.seed, v.params, v.options) for v in first.variants]
    assert resumed.index == 2 and resumed.current.id == first.variants[2].id
    assert [r.score for r in resumed.summary().rows] == [5, None]
    while not resumed.done:
        resumed.submit(WRONG[resumed.current.id])
        resumed.advance()
    assert store.unfinished_sessions() == []
    assert store.session(first.session_id).finished is not None


def test_resume_unknown_session(store, bank):
    with pytest.raises(SessionError, match="no stored session"):
        Session.resume("nope", store, bank)


def test_config_json_round_trip():
    config = SessionConfig(topics=("mha",), kinds=("numeric",), n=3, seed=4, question_ids=("a",), banks=("/x",),
                           difficulty=(2, 4), review=True)
    assert SessionConfig.from_json(config.to_json()) == config


def test_session_package_never_imports_textual():
    code = (
        "import sys, tutor.session.engine, tutor.session.store, tutor.session.review, tutor.session.stats, "
        "tutor.exam.paper, tutor.exam.batch, tutor.session.report, tutor.commands.quiz, tutor.plain; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'torch')]; print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_interpret_grades_as_submit_does_and_records_nothing(bank, store):
    """The app's live "interpreted as" line reads answers through the session, as `submit` grades them."""
    session = Session.start(SessionConfig(question_ids=("t-mqa-params", "t-kv-bytes"), seed=3), bank, store)
    variant = session.current
    for answer in (UNREADABLE[variant.id], WRONG[variant.id], RIGHT[variant.id]):
        before = store.attempts(session.session_id)
        answered = session.answered
        preview = session.interpret(answer)
        assert preview is not None
        assert store.attempts(session.session_id) == before
        assert session.answered == answered and session.index == 0
        submitted = session.submit(answer)
        assert (preview.status, preview.interpreted, preview.position) == (
            submitted.status, submitted.interpreted, submitted.position)
    session.advance()
    session.advance()
    assert session.done and session.interpret("4096") is None


def test_importing_the_engine_leaves_the_code_grader_and_sandbox_unloaded():
    """Only a code answer needs the sandbox client; the engine loads it when one is graded."""
    code = (
        "import sys, tutor.session.engine as e; "
        "bad = sorted(m for m in sys.modules if m.startswith(('tutor.sandbox', 'tutor.grading.code'))); "
        "print(bad); assert e.GradingCancelled.__module__ == 'tutor.grading.code'; sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
