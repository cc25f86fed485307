"""The learner's history in SQLite: sessions, every submitted answer, and FSRS review cards.

Stdlib `sqlite3` in WAL mode with a busy timeout, so two app instances can write
at once; every write is its own `BEGIN IMMEDIATE` transaction committed before
the call returns (an answer is on disk before its feedback is shown). A written
answer is stored as soon as it is submitted, with status `needs_review` (AWAITING):
awaiting the learner's checklist, it is not a score, so `first_attempts` (the scores)
leaves it out and `awaiting_attempts` lists it; `complete_attempt` later turns that
same row into the learner's self-assessed score. The schema
version lives in `PRAGMA user_version` and is raised by the `MIGRATIONS` in
order. A corrupt file is moved aside to a backup and a fresh history started; a
file from a newer tutor is copied to a backup and refused with a clear message.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import time
from dataclasses import dataclass, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

BUSY_TIMEOUT_MS = 30_000
# The status of a stored written answer whose checklist the learner has not confirmed yet (not a score).
AWAITING = "needs_review"

# Each entry raises the schema by one version; never edit a released entry, append a new one.
MIGRATIONS: tuple[str, ...] = (
    # 1: sessions and attempts
    """
    CREATE TABLE sessions (
        id        TEXT PRIMARY KEY,
        created   REAL NOT NULL,
        mode      TEXT NOT NULL,
        seed      INTEGER NOT NULL,
        config    TEXT NOT NULL,
        variants  TEXT NOT NULL,
        finished  REAL
    );
    CREATE TABLE attempts (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        session_id  TEXT NOT NULL REFERENCES sessions(id),
        position    INTEGER NOT NULL,
        question_id TEXT NOT NULL,
        topic       TEXT NOT NULL,
        kind        TEXT NOT NULL,
        seed        INTEGER NOT NULL,
        answer      TEXT NOT NULL,
        status      TEXT NOT NULL,
        grade_score INTEGER NOT NULL,
        score       INTEGER NOT NULL,
        fraction    REAL NOT NULL,
        hints_used  INTEGER NOT NULL,
        skipped     INTEGER NOT NULL,
        interpreted TEXT NOT NULL,
        feedback    TEXT NOT NULL,
        expected    TEXT NOT NULL,
        created     REAL NOT NULL
    );
    CREATE INDEX attempts_session ON attempts(session_id, position);
    CREATE INDEX attempts_question ON attempts(question_id);
    """,
    # 2: FSRS review cards, one per question
    """
    CREATE TABLE cards (
        question_id TEXT PRIMARY KEY,
        card        TEXT NOT NULL,
        due         REAL NOT NULL,
        updated     REAL NOT NULL
    );
    CREATE INDEX cards_due ON cards(due);
    """,
    # 3: who decided a score the machine cannot know ('self': the learner's checklist; '' for machine-graded)
    """
    ALTER TABLE attempts ADD COLUMN assessed TEXT NOT NULL DEFAULT '';
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


class StoreError(Exception):
    """The history cannot be used (e.g. written by a newer tutor); the message says what to do."""


class NotAwaiting(StoreError):
    """The stored answer to assess no longer awaits assessment: assessed meanwhile (another window on the
    same session) or deleted."""


class SessionNotFound(LookupError):
    """No stored session matches what the user gave, or several do; the message says which."""


@dataclass(frozen=True)
class SessionRecord:
    """One stored session: its config (JSON-ready dict), seed and the (question id, seed) of each variant."""

    id: str
    created: float
    mode: str
    seed: int
    config: dict[str, Any]
    variants: tuple[tuple[str, int], ...]
    finished: float | None
    answered: int  # questions with a score (graded or skipped)
    awaiting: int = 0  # questions whose written answer awaits the learner's checklist (stored, not yet scored)

    @property
    def total(self) -> int:
        return len(self.variants)


@dataclass(frozen=True)
class AttemptRecord:
    """One stored answer: `score` is after the hint cost; `grade_score` is the grader's."""

    id: int
    session_id: str
    position: int
    question_id: str
    topic: str
    kind: str
    seed: int
    answer: str
    status: str
    grade_score: int
    score: int
    fraction: float
    hints_used: int
    skipped: bool
    interpreted: str
    feedback: tuple[str, ...]
    expected: str
    created: float
    assessed: str = ""  # 'self' when the learner scored a written answer by its checklist

    @property
    def awaiting_assessment(self) -> bool:
        """A written answer stored at submit whose checklist is not confirmed yet: `score` is only provisional."""
        return self.status == AWAITING and not self.skipped

    def to_json(self) -> dict[str, Any]:
        return {
            "session": self.session_id,
            "position": self.position,
            "id": self.question_id,
            "topic": self.topic,
            "kind": self.kind,
            "seed": self.seed,
            "answer": self.answer,
            "status": self.status,
            "score": self.score,
            "grade_score": self.grade_score,
            "hints_used": self.hints_used,
            "skipped": self.skipped,
            "interpreted": self.interpreted,
            "feedback": list(self.feedback),
            "expected": self.expected,
            "assessed": self.assessed or None,
            "awaiting_assessment": self.awaiting_assessment,
            "time": iso_time(self.created),
        }


def iso_time(timestamp: float) -> str:
    """A stored time as ISO 8601 in UTC, to the second."""
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).isoformat(timespec="seconds")


def _backup_path(path: Path, why: str) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    candidate = path.with_name(f"{path.name}.{why}-{stamp}.bak")
    n = 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.name}.{why}-{stamp}-{n}.bak")
    return candidate


class Store:
    """The history database at `path` (created with its folder on first use).

    `notice` is set when opening had to do something the user should hear about
    (a corrupt file was moved aside); commands print it.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.notice: str | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the history folder {self.path.parent}: {exc.strerror}") from None
        try:
            self._conn = self._open()
        except sqlite3.DatabaseError as exc:
            if not _looks_corrupt(exc):
                raise StoreError(f"cannot open the history at {self.path}: {exc}") from None
            self._conn = self._recover(exc)

    @classmethod
    def at(cls, data_dir: str | Path | None = None) -> "Store":
        """The store in `data_dir` (or $TUTOR_DATA_DIR, or the platform's user data dir)."""
        from tutor.paths import db_path

        return cls(db_path(data_dir))

    # -- opening, migrating, recovering ---------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        return conn

    def _open(self) -> sqlite3.Connection:
        conn = self._connect()
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                conn.close()
                backup = _backup_path(self.path, "newer")
                shutil.copy2(self.path, backup)
                raise StoreError(
                    f"{self.path} was written by a newer version of tutor (schema {version}, this tutor knows "
                    f"up to {SCHEMA_VERSION}); a backup copy is at {backup}. Upgrade tutor, or use --data-dir "
                    f"(or $TUTOR_DATA_DIR) to keep a separate history."
                )
            if conn.execute("PRAGMA journal_mode = WAL").fetchone()[0].lower() != "wal":
                raise sqlite3.DatabaseError("could not switch the history to WAL mode")
            conn.execute("PRAGMA synchronous = FULL")  # an answer survives a power cut once submit returns
            conn.execute("PRAGMA foreign_keys = ON")
            check = conn.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise sqlite3.DatabaseError(f"integrity check failed: {check}")
            self._migrate(conn, version)
        except BaseException:
            conn.close()
            raise
        return conn

    @staticmethod
    def _migrate(conn: sqlite3.Connection, version: int) -> None:
        while version < SCHEMA_VERSION:
            conn.execute("BEGIN IMMEDIATE")
            try:
                # Another instance may have migrated while we waited for the lock.
                current = conn.execute("PRAGMA user_version").fetchone()[0]
                if current > version:
                    conn.execute("COMMIT")
                    version = current
                    continue
                for statement in MIGRATIONS[version].split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {version + 1}")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            version += 1

    def _recover(self, error: sqlite3.DatabaseError) -> sqlite3.Connection:
        """Move a corrupt history (and its WAL files) aside, keep it as a backup, start afresh."""
        backup = _backup_path(self.path, "corrupt")
        self.path.replace(backup)
        for suffix in ("-wal", "-shm"):
            side = self.path.with_name(self.path.name + suffix)
            if side.exists():
                side.replace(backup.with_name(backup.name + suffix))
        self.notice = (
            f"the history at {self.path} could not be read ({error}); it was moved to {backup} "
            f"and a new, empty history was started"
        )
        return self._open()

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return self._conn.execute("PRAGMA user_version").fetchone()[0]

    def _write(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Cursor:
        """One statement in its own immediate transaction, committed before returning."""
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            cursor = conn.execute(sql, tuple(params))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return cursor

    # -- sessions --------------------------------------------------------------------------

    def create_session(
        self,
        session_id: str,
        *,
        mode: str,
        seed: int,
        config: dict[str, Any],
        variants: Iterable[tuple[str, int]],
    ) -> None:
        self._write(
            "INSERT INTO sessions (id, created, mode, seed, config, variants) VALUES (?, ?, ?, ?, ?, ?)",
            (session_id, time.time(), mode, seed, json.dumps(config), json.dumps([list(v) for v in variants])),
        )

    def finish_session(self, session_id: str) -> None:
        self._write("UPDATE sessions SET finished = ? WHERE id = ? AND finished IS NULL", (time.time(), session_id))

    def _session_rows(self, where: str = "", params: Iterable[Any] = ()) -> list[SessionRecord]:
        rows = self._conn.execute(
            "SELECT s.*, (SELECT COUNT(DISTINCT position) FROM attempts a WHERE a.session_id = s.id AND a.status != ?)"
            " AS answered, (SELECT COUNT(DISTINCT position) FROM attempts a WHERE a.session_id = s.id AND a.status = ?"
            "  AND NOT EXISTS (SELECT 1 FROM attempts b WHERE b.session_id = s.id AND b.position = a.position"
            "  AND b.status != ?)) AS awaiting "
            f"FROM sessions s {where} ORDER BY s.created DESC, s.rowid DESC",
            (AWAITING, AWAITING, AWAITING, *params),
        ).fetchall()
        return [
            SessionRecord(
                id=r["id"],
                created=r["created"],
                mode=r["mode"],
                seed=r["seed"],
                config=json.loads(r["config"]),
                variants=tuple((str(q), int(s)) for q, s in json.loads(r["variants"])),
                finished=r["finished"],
                answered=r["answered"],
                awaiting=r["awaiting"],
            )
            for r in rows
        ]

    def find_session(self, wanted: str) -> SessionRecord:
        """The session with this id, or the only one whose id starts with it.

        Raises SessionNotFound saying which: none matches, or several do (listing them).
        """
        rows = self._session_rows("WHERE s.id = ?", (wanted,))
        if not rows:
            rows = self._session_rows("WHERE s.id LIKE ? ESCAPE '\\'", (_like_prefix(wanted),))
        if len(rows) == 1:
            return rows[0]
        if not rows:
            raise SessionNotFound(f"no session {wanted!r} (see `tutor history --sessions`)")
        ids = ", ".join(r.id for r in rows[:5]) + (", ..." if len(rows) > 5 else "")
        raise SessionNotFound(f"{wanted!r} matches {len(rows)} sessions ({ids}): give more of the id")

    def session(self, session_id: str) -> SessionRecord | None:
        """The session with this id, or the only one whose id starts with it; None if none (or ambiguous)."""
        try:
            return self.find_session(session_id)
        except SessionNotFound:
            return None

    def sessions(self, limit: int | None = None) -> list[SessionRecord]:
        """All sessions, newest first."""
        rows = self._session_rows()
        return rows[:limit] if limit is not None else rows

    def unfinished_sessions(self) -> list[SessionRecord]:
        """Sessions begun but neither finished nor fully answered (resumable), newest first.

        One left before its first answer (the app opened, then closed) has nothing to resume; one whose
        only answer awaits its checklist has.
        """
        return [r for r in self._session_rows("WHERE s.finished IS NULL") if 0 < r.answered + r.awaiting and r.answered < r.total]

    # -- attempts --------------------------------------------------------------------------

    def record_attempt(self, session_id: str, **values: Any) -> int:
        """Store one answer (every `AttemptRecord` field but `id`, `session_id` and `created`) and commit it; returns its row id."""
        record = AttemptRecord(id=0, session_id=session_id, created=time.time(), **values)
        row = _attempt_row(record)
        cursor = self._write(
            f"INSERT INTO attempts ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})", row.values()
        )
        return int(cursor.lastrowid)

    def complete_attempt(self, attempt_id: int, **values: Any) -> None:
        """Give a stored answer awaiting assessment the person's score (`status`, `score`, `assessed`, ...), committed.

        Only a row still awaiting is changed: a StoreError says so when there is none (assessed twice, or deleted).
        """
        known = {f.name for f in fields(AttemptRecord)} - {"id", "session_id", "created"}
        unknown = set(values) - known
        if unknown:
            raise TypeError(f"unknown attempt fields: {', '.join(sorted(unknown))}")
        columns = {name: _ATTEMPT_TO_ROW.get(name, _same)(value) for name, value in values.items()}
        cursor = self._write(
            f"UPDATE attempts SET {', '.join(f'{name} = ?' for name in columns)} WHERE id = ? AND status = ?",
            (*columns.values(), attempt_id, AWAITING),
        )
        if cursor.rowcount != 1:
            raise NotAwaiting(f"no stored answer {attempt_id} awaits assessment")

    def attempts(self, session_id: str | None = None, *, limit: int | None = None) -> list[AttemptRecord]:
        """Stored answers in the order they were given (one session's, or all)."""
        sql = "SELECT * FROM attempts"
        params: tuple[Any, ...] = ()
        if session_id is not None:
            sql += " WHERE session_id = ?"
            params = (session_id,)
        sql += " ORDER BY id"
        rows = self._conn.execute(sql, params).fetchall()
        out = [_attempt(r) for r in rows]
        return out[-limit:] if limit else out

    def first_attempts(self, session_id: str | None = None) -> list[AttemptRecord]:
        """The answer that scored each question of a session (its first; a skip included), in the order given.

        One session's, or every session's. The one rule "a question's score is its first answer",
        used by resuming, the report, the stats and the review order. A written answer awaiting its
        checklist is no score and is not here (see `awaiting_attempts`).
        """
        sql = (
            "SELECT * FROM attempts a WHERE id = ("
            " SELECT MIN(id) FROM attempts b WHERE b.session_id = a.session_id AND b.position = a.position"
            " AND b.status != ?)"
        )
        params: tuple[Any, ...] = (AWAITING,)
        if session_id is not None:
            sql += " AND a.session_id = ?"
            params += (session_id,)
        return [_attempt(r) for r in self._conn.execute(sql + " ORDER BY id", params).fetchall()]

    def awaiting_attempts(self, session_id: str | None = None) -> list[AttemptRecord]:
        """Written answers awaiting the learner's checklist, at questions that have no score yet, in the order given.

        One per question (the first): what resuming re-opens the checklist for and the report shows as awaiting.
        """
        sql = (
            "SELECT * FROM attempts a WHERE a.status = ? AND NOT EXISTS ("
            " SELECT 1 FROM attempts b WHERE b.session_id = a.session_id AND b.position = a.position AND b.status != ?)"
            " AND id = (SELECT MIN(id) FROM attempts c WHERE c.session_id = a.session_id AND c.position = a.position)"
        )
        params: tuple[Any, ...] = (AWAITING, AWAITING)
        if session_id is not None:
            sql += " AND a.session_id = ?"
            params += (session_id,)
        return [_attempt(r) for r in self._conn.execute(sql + " ORDER BY id", params).fetchall()]

    # -- review cards ----------------------------------------------------------------------

    def card(self, question_id: str) -> str | None:
        """The FSRS card of a question as stored JSON, or None if it was never reviewed."""
        row = self._conn.execute("SELECT card FROM cards WHERE question_id = ?", (question_id,)).fetchone()
        return row["card"] if row else None

    def save_card(self, question_id: str, card_json: str, due: float) -> None:
        self._write(
            "INSERT INTO cards (question_id, card, due, updated) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(question_id) DO UPDATE SET card = excluded.card, due = excluded.due, updated = excluded.updated",
            (question_id, card_json, due, time.time()),
        )

    def due_questions(self, now: float | None = None) -> list[tuple[str, float]]:
        """(question id, due time) of cards due at `now`, most overdue first."""
        now = time.time() if now is None else now
        rows = self._conn.execute("SELECT question_id, due FROM cards WHERE due <= ? ORDER BY due, question_id", (now,))
        return [(r["question_id"], r["due"]) for r in rows]


def _looks_corrupt(exc: sqlite3.DatabaseError) -> bool:
    """A damaged file (move it aside) rather than a lock or a permission problem (leave it alone)."""
    text = str(exc).lower()
    return any(word in text for word in ("not a database", "malformed", "integrity check", "corrupt"))


def _like_prefix(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


# The one mapping between an attempts row and `AttemptRecord`: the columns are the dataclass's fields
# (same names); these two are stored differently.
_ATTEMPT_TO_ROW: dict[str, Any] = {"skipped": int, "feedback": lambda lines: json.dumps(list(lines))}
_ATTEMPT_FROM_ROW: dict[str, Any] = {"skipped": bool, "feedback": lambda text: tuple(json.loads(text))}


def _attempt_row(record: AttemptRecord) -> dict[str, Any]:
    """The column values of a new attempts row (`id` is the database's)."""
    return {
        f.name: _ATTEMPT_TO_ROW.get(f.name, _same)(getattr(record, f.name)) for f in fields(AttemptRecord) if f.name != "id"
    }


def _attempt(r: sqlite3.Row) -> AttemptRecord:
    return AttemptRecord(**{f.name: _ATTEMPT_FROM_ROW.get(f.name, _same)(r[f.name]) for f in fields(AttemptRecord)})


def _same(value: Any) -> Any:
    return value
