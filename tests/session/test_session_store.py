"""The SQLite history: WAL, versioned schema and migrations, corrupt and newer files, concurrent writers."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tutor.session.store import MIGRATIONS, SCHEMA_VERSION, Store, StoreError


def _attempt(store: Store, session_id: str, position: int, score: int = 4) -> int:
    return store.record_attempt(
        session_id, position=position, question_id=f"q{position}", topic="mha", kind="numeric", seed=position,
        answer=str(position), status="partial", grade_score=score, score=score, fraction=0.75, hints_used=0,
        skipped=False, interpreted=str(position), feedback=["close"], expected="5",
    )


def test_new_store_is_wal_at_the_current_schema(tmp_path: Path):
    with Store(tmp_path / "deep" / "folder" / "h.sqlite3") as store:
        assert store.schema_version == SCHEMA_VERSION
        assert store._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        store.create_session("s1", mode="quiz", seed=3, config={"n": 2}, variants=[("q0", 1), ("q1", 2)])
        _attempt(store, "s1", 0)
    with Store(tmp_path / "deep" / "folder" / "h.sqlite3") as again:
        (record,) = again.unfinished_sessions()
        assert (record.id, record.seed, record.variants, record.answered, record.total) == ("s1", 3, (("q0", 1), ("q1", 2)), 1, 2)
        (a,) = again.attempts("s1")
        assert (a.answer, a.score, a.feedback) == ("0", 4, ("close",))


def test_old_schema_is_migrated_and_keeps_its_data(tmp_path: Path):
    path = tmp_path / "h.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(MIGRATIONS[0])
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO sessions (id, created, mode, seed, config, variants) VALUES ('old', 1.0, 'quiz', 1, '{}', '[[\"q0\", 5]]')")
    conn.commit()
    conn.close()
    with Store(path) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert store.session("old").variants == (("q0", 5),)
        store.save_card("q0", "{}", 0.0)
        assert store.due_questions(1.0) == [("q0", 0.0)]


def test_corrupt_file_is_backed_up_and_a_fresh_history_started(tmp_path: Path):
    path = tmp_path / "h.sqlite3"
    path.write_bytes(b"this is not a database at all" * 100)
    with Store(path) as store:
        assert store.notice is not None and "moved to" in store.notice
        backups = list(tmp_path.glob("h.sqlite3.corrupt-*.bak"))
        assert len(backups) == 1 and backups[0].read_bytes().startswith(b"this is not a database")
        assert str(backups[0]) in store.notice
        store.create_session("s", mode="quiz", seed=1, config={}, variants=[("q", 1)])
        assert store.session("s") is not None


def test_damaged_pages_are_detected(tmp_path: Path):
    path = tmp_path / "h.sqlite3"
    with Store(path) as store:
        store.create_session("s", mode="quiz", seed=1, config={}, variants=[("q", 1)])
        for i in range(300):
            _attempt(store, "s", i)
        store._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    page = 4096
    for offset in range(2 * page, len(data) - page, page):  # keep the header page, scribble over the rest
        data[offset + 8 : offset + 64] = b"\xff" * 56
    path.write_bytes(bytes(data))
    with Store(path) as store:
        assert store.notice is not None
        assert store.attempts() == []
    assert list(tmp_path.glob("h.sqlite3.corrupt-*.bak"))


def test_newer_schema_is_refused_with_a_backup(tmp_path: Path):
    path = tmp_path / "h.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE future (x)")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer version of tutor") as info:
        Store(path)
    backups = list(tmp_path.glob("h.sqlite3.newer-*.bak"))
    assert len(backups) == 1 and str(backups[0]) in str(info.value)
    conn = sqlite3.connect(path)  # the original is left as it was
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 5
    conn.close()


WRITER = textwrap.dedent(
    """
    import sys
    from tutor.session.store import Store
    path, name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    sys.stdin.readline()  # start together
    with Store(path) as store:
        store.create_session(name, mode="quiz", seed=1, config={}, variants=[("q", i) for i in range(count)])
        for i in range(count):
            store.record_attempt(name, position=i, question_id="q", topic="mha", kind="numeric", seed=i,
                answer=str(i), status="correct", grade_score=5, score=5, fraction=1.0, hints_used=0, skipped=False,
                interpreted="", feedback=[], expected="")
            store.save_card(f"q{i % 7}", "{}", float(i))
    print("done")
    """
)


def test_two_processes_writing_at_once(tmp_path: Path):
    path = tmp_path / "h.sqlite3"
    Store(path).close()
    count = 150
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), name, str(count)], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for name in ("one", "two")
    ]
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0 and out.strip() == "done", err
    with Store(path) as store:
        assert store._conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert len(store.attempts("one")) == count and len(store.attempts("two")) == count
        assert store._conn.execute("SELECT COUNT(*) FROM cards").fetchone()[0] == 7


def test_session_lookup_by_prefix(tmp_path: Path):
    with Store(tmp_path / "h.sqlite3") as store:
        store.create_session("20260101-000000-aaaa", mode="quiz", seed=1, config={}, variants=[])
        store.create_session("20260101-000000-bbbb", mode="quiz", seed=1, config={}, variants=[])
        assert store.session("20260101-000000-a").id == "20260101-000000-aaaa"
        assert store.session("20260101") is None  # ambiguous
        assert store.session("x%") is None


def test_an_unusable_folder_is_a_clear_error(tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(StoreError, match="cannot create the history folder"):
        Store(blocker / "h.sqlite3")


def test_a_prefix_that_matches_several_sessions_says_so(tmp_path: Path):
    from tutor.session.store import SessionNotFound

    with Store(tmp_path / "h.sqlite3") as store:
        for sid in ("20261123-1610-aa", "20261123-1610-bb"):
            store.create_session(sid, mode="quiz", seed=1, config={"n": 1}, variants=[("q0", 1)])
        assert store.find_session("20261123-1610-a").id == "20261123-1610-aa"
        with pytest.raises(SessionNotFound, match="matches 2 sessions"):
            store.find_session("20261123-1610")
        with pytest.raises(SessionNotFound, match="no session 'zz'"):
            store.find_session("zz")


def test_a_session_left_before_its_first_answer_is_not_offered_for_resume(tmp_path: Path):
    with Store(tmp_path / "h.sqlite3") as store:
        store.create_session("empty", mode="quiz", seed=1, config={"n": 2}, variants=[("q0", 1), ("q1", 2)])
        store.create_session("begun", mode="quiz", seed=2, config={"n": 2}, variants=[("q0", 1), ("q1", 2)])
        _attempt(store, "begun", 0)
        assert [r.id for r in store.unfinished_sessions()] == ["begun"]


def test_an_attempt_reads_back_field_for_field(tmp_path: Path):
    """One mapping between rows and `AttemptRecord`: every field comes back as written, with its type."""
    with Store(tmp_path / "h.sqlite3") as store:
        store.create_session("s1", mode="quiz", seed=3, config={}, variants=[("q0", 1), ("q1", 2)])
        values = dict(position=1, question_id="q1", topic="gqa", kind="symbolic", seed=2, answer="2*d",
                      status="incorrect", grade_score=2, score=2, fraction=0.25, hints_used=1, skipped=True,
                      interpreted="2·d", feedback=["one", "two"], expected="3·d")
        row_id = store.record_attempt("s1", **values)
        (a,) = store.attempts("s1")
        assert a.id == row_id and a.session_id == "s1" and a.created > 0
        assert {k: getattr(a, k) for k in values} == values | {"feedback": ("one", "two")}
        assert type(a.skipped) is bool and type(a.feedback) is tuple
        with pytest.raises(TypeError):
            store.record_attempt("s1", **values, colour="blue")


def test_first_attempts_are_the_scoring_answers_per_session_and_position(tmp_path: Path):
    with Store(tmp_path / "h.sqlite3") as store:
        for sid in ("a", "b"):
            store.create_session(sid, mode="quiz", seed=1, config={}, variants=[("q0", 1), ("q1", 2)])
        _attempt(store, "a", 0, score=2)
        _attempt(store, "b", 0, score=5)
        _attempt(store, "a", 0, score=5)  # practice after the first answer: not the score
        _attempt(store, "a", 1, score=3)
        assert [(x.session_id, x.position, x.score) for x in store.first_attempts("a")] == [("a", 0, 2), ("a", 1, 3)]
        assert [(x.session_id, x.position, x.score) for x in store.first_attempts()] == [("a", 0, 2), ("b", 0, 5), ("a", 1, 3)]
