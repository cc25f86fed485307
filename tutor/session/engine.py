"""The quiz session, independent of any UI: which question next, hints, attempts, scores, summary.

Both `tutor quiz --plain` and the Textual app drive a `Session`. Rules a learner notices:

- Selection: the bank filtered by topics, kinds, difficulty range; the order is drawn from the
  session seed (a random seed is drawn and recorded when none is given), and the first `n`
  taken (all of them when fewer match). Explicit `question_ids` are asked, all of them, in the
  order given. Each question's variant seed is derived from the session seed and the question
  id, so the same session seed always gives the same variants.
- Hints: each hint revealed before the first graded answer costs 1 point of the question's
  maximum score (5, then 4, 3, 2), never below 1; hints after the answer are free.
- An invalid answer records nothing and costs nothing; the learner stays on the question.
- The first graded answer to a question is its score; later answers to the same question
  are stored as practice but do not change it. Every graded answer is committed to the
  store before `submit` returns.
- A skipped question is stored as skipped and counts as 1 in the mean (a skip is "I don't
  know yet"); `SummaryRow.score` is None for it. Questions not reached (quit early) are left
  out of the summary and the mean.
- With a store, each question's first score (a skip is 1) rates its FSRS review card.
- A written (`text`) answer gets no machine verdict: `submit` returns a `needs_review` grade (the
  patterns' suggestions) and stores the answer at once, *awaiting assessment* (status
  `needs_review`, its provisional score beside it): quitting at the checklist loses nothing.
  Until then it is no score: left out of the mean, the summary, the stats and the review
  order, and no FSRS review. The learner confirms rubric points with `assess`, which completes
  that same stored attempt with their score (`1 + 4 * confirmed weight / total`, self-assessed);
  from then on it counts like any other score (mean, history, FSRS). A resumed session whose
  current question has an answer awaiting assessment has it as `pending` (the checklist again,
  for that answer); submitting or skipping that question first raises SessionError.
"""

from __future__ import annotations

import hashlib
import random
import secrets
import threading
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Iterable

from tutor.bank.variant import Variant, make_variant, render
from tutor.grading.grade import Grade, Status
from tutor.session.levels import describe

if TYPE_CHECKING:
    from tutor.bank.loader import Bank
    from tutor.bank.model import QuestionBase
    from tutor.session.store import AttemptRecord, SessionRecord, Store

MAX_SCORE = 5
SEED_RANGE = 2**31


def __getattr__(name: str) -> Any:
    """`GradingCancelled` (what `submit` raises when cancelled) re-exported on first use, so importing the
    engine does not load the code grader and the sandbox client."""
    if name == "GradingCancelled":
        from tutor.grading.code import GradingCancelled

        return GradingCancelled
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class SessionError(Exception):
    """A session cannot be started or resumed as asked (unknown question, nothing matches); the message says why."""


@dataclass(frozen=True)
class SessionConfig:
    """What to practise. `difficulty` is an inclusive range; `banks` are extra bank paths."""

    topics: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    n: int = 10
    seed: int | None = None
    question_ids: tuple[str, ...] = ()
    banks: tuple[str, ...] = ()
    difficulty: tuple[int, int] = (1, 5)
    review: bool = False

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "SessionConfig":
        known = {f for f in cls.__dataclass_fields__}
        values = {k: (tuple(v) if isinstance(v, list) else v) for k, v in data.items() if k in known}
        return cls(**values)


@dataclass(frozen=True)
class Attempt:
    """One graded answer; `score` is after the hint cost."""

    variant_id: str
    seed: int
    answer: str
    grade: Grade
    hints_used: int
    score: int
    skipped: bool = False


@dataclass(frozen=True)
class PendingReview:
    """A written answer stored at submit, waiting for the learner's checklist (`Session.assess`)."""

    position: int
    variant: Variant
    answer: str
    grade: Grade  # needs_review: the patterns' suggestions and the provisional score
    hints_used: int
    attempt_id: int | None  # its stored row (None without a store)


@dataclass(frozen=True)
class PastAnswer:
    """The answer that scored one question of a session (a skip included), to show its feedback again."""

    position: int
    variant: Variant
    answer: str
    grade: Grade
    score: int
    hints_used: int
    skipped: bool


@dataclass(frozen=True)
class SummaryRow:
    index: int
    question_id: str
    topic: str
    kind: str
    score: int | None  # None: skipped (counts as 1 in the mean)


@dataclass(frozen=True)
class Summary:
    rows: tuple[SummaryRow, ...]
    mean: float
    level: str
    per_topic: dict[str, float] = field(default_factory=dict)
    weakest_topic: str | None = None

    @property
    def answered(self) -> int:
        return len(self.rows)


def derive_seed(session_seed: int, question_id: str) -> int:
    """A question's variant seed in a session: stable across runs, Python versions and machines."""
    digest = hashlib.sha256(f"{session_seed}:{question_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % SEED_RANGE


def new_session_id() -> str:
    """A sortable, readable id such as `20261123-145600-3fa9`."""
    return time.strftime("%Y%m%d-%H%M%S", time.gmtime()) + "-" + secrets.token_hex(2)


def max_score_after(hints_used: int) -> int:
    """The best score still possible after revealing `hints_used` hints."""
    return max(1, MAX_SCORE - hints_used)


def _by_id(bank: "Bank", question_ids: Iterable[str]) -> list["QuestionBase"]:
    out = []
    for qid in question_ids:
        try:
            out.append(bank.get(qid))
        except KeyError as exc:
            raise SessionError(str(exc.args[0]) if exc.args else f"unknown question {qid!r}") from None
    return out


def select_questions(bank: "Bank", config: SessionConfig, seed: int, store: "Store | None" = None) -> list["QuestionBase"]:
    """The questions of a new session, in order (see the module docstring)."""
    if config.question_ids:
        return _by_id(bank, config.question_ids)
    try:
        pool = sorted(bank.select(topics=config.topics, kinds=config.kinds, difficulty=config.difficulty), key=lambda q: q.id)
    except ValueError as exc:  # a topic or kind this bank does not know (e.g. from an old stored session)
        raise SessionError(str(exc)) from None
    if not pool:
        raise SessionError("no question matches the chosen topics, kinds and difficulty")
    rng = random.Random(seed)
    rng.shuffle(pool)
    if config.review and store is not None:
        pool = _review_order(pool, store, rng)
    return pool[: max(config.n, 1)]


def _review_order(pool: list["QuestionBase"], store: "Store", rng: random.Random) -> list["QuestionBase"]:
    """Due questions first (most overdue first), then the rest by weakest topic, then weakest question."""
    due_rank = {qid: i for i, (qid, _) in enumerate(store.due_questions())}
    topic_scores: dict[str, list[int]] = defaultdict(list)
    question_scores: dict[str, list[int]] = defaultdict(list)
    for attempt in store.first_attempts():
        topic_scores[attempt.topic].append(attempt.score)
        question_scores[attempt.question_id].append(attempt.score)

    def mean(values: list[int]) -> float:
        return sum(values) / len(values) if values else 0.0  # never practised: as weak as it gets

    tiebreak = {q.id: rng.random() for q in pool}
    due = sorted((q for q in pool if q.id in due_rank), key=lambda q: due_rank[q.id])
    rest = sorted(
        (q for q in pool if q.id not in due_rank),
        key=lambda q: (mean(topic_scores[q.topic]), mean(question_scores[q.id]), tiebreak[q.id]),
    )
    return due + rest


def _load_bank(banks: tuple[str, ...]) -> "Bank":
    from tutor.bank import load_bank  # deferred: YAML parsing only when a session starts

    return load_bank(list(banks))


class Session:
    """A running quiz. Build it with `Session.start(...)` or `Session.resume(...)`."""

    def __init__(
        self,
        *,
        config: SessionConfig,
        variants: tuple[Variant, ...],
        session_id: str,
        seed: int,
        store: "Store | None",
        answered: dict[int, int | None] | None = None,
        awaiting: Iterable[PendingReview] = (),
    ) -> None:
        self.config = config
        self.variants = variants
        self.session_id = session_id
        self.seed = seed
        self.store = store
        self._scores: dict[int, int | None] = dict(answered or {})
        self._attempts: dict[int, list[Attempt]] = defaultdict(list)
        self._hints = 0
        # written answers stored and waiting for their checklist, by question position
        self._awaiting: dict[int, PendingReview] = {p.position: p for p in awaiting}
        self._lock = threading.Lock()
        self.index = 0
        self._skip_answered()

    # -- building ----------------------------------------------------------------------------

    @classmethod
    def start(cls, config: SessionConfig, bank: "Bank | None" = None, store: "Store | None" = None) -> "Session":
        """Select the questions, draw their variants and record the new session in `store`."""
        bank = bank if bank is not None else _load_bank(config.banks)
        seed = config.seed if config.seed is not None else secrets.randbelow(SEED_RANGE)
        questions = select_questions(bank, config, seed, store)
        variants = tuple(make_variant(q, derive_seed(seed, q.id)) for q in questions)
        session_id = new_session_id()
        if store is not None:
            store.create_session(
                session_id,
                mode="review" if config.review else "quiz",
                seed=seed,
                config=config.to_json(),
                variants=[(v.id, v.seed) for v in variants],
            )
        return cls(config=config, variants=variants, session_id=session_id, seed=seed, store=store)

    @classmethod
    def resume(cls, session_id: str, store: "Store", bank: "Bank | None" = None) -> "Session":
        """Rebuild a stored session (same variants from its stored seeds), positioned at its first unanswered question."""
        record = store.session(session_id)
        if record is None:
            raise SessionError(f"no stored session {session_id!r} (see `tutor history`)")
        return cls.from_record(record, store, bank)

    @classmethod
    def from_record(cls, record: "SessionRecord", store: "Store", bank: "Bank | None" = None) -> "Session":
        """`resume` from an already looked-up record (the app's list of unfinished sessions)."""
        config = SessionConfig.from_json(record.config)
        bank = bank if bank is not None else _load_bank(config.banks)
        questions = _by_id(bank, [qid for qid, _ in record.variants])
        variants = tuple(make_variant(q, seed) for q, (_, seed) in zip(questions, record.variants))
        answered = {
            a.position: None if a.skipped else a.score for a in store.first_attempts(record.id) if a.position < len(variants)
        }
        awaiting = [
            _stored_pending(a, variants[a.position])
            for a in store.awaiting_attempts(record.id)
            if a.position < len(variants) and a.position not in answered and variants[a.position].id == a.question_id
        ]
        return cls(config=config, variants=variants, session_id=record.id, seed=record.seed, store=store,
                   answered=answered, awaiting=awaiting)

    # -- where we are ------------------------------------------------------------------------

    @property
    def done(self) -> bool:
        return self.index >= len(self.variants)

    @property
    def current(self) -> Variant | None:
        return None if self.done else self.variants[self.index]

    @property
    def answered(self) -> bool:
        """Whether the current question already has its score (graded or skipped)."""
        return self.index in self._scores

    @property
    def current_attempt(self) -> Attempt | None:
        """The first graded answer to the current question in this run, if any."""
        attempts = self._attempts.get(self.index)
        return attempts[0] if attempts else None

    def attempts(self) -> dict[int, tuple[Attempt, ...]]:
        """The graded answers given in this run, by question position."""
        return {i: tuple(a) for i, a in self._attempts.items()}

    def shortfall_note(self) -> str | None:
        """When fewer questions match than were asked for (`-n 500`): how many did, said once at the start."""
        asked, got = self.config.n, len(self.variants)
        if self.config.question_ids or got >= asked:
            return None
        return f"{asked} question(s) asked for; {got} match the chosen topics, kinds and difficulty: asking all {got}."

    def past(self, position: int) -> PastAnswer | None:
        """The answer that scored question `position` (given in this run, or stored before a resume)."""
        if not 0 <= position < len(self.variants) or position not in self._scores:
            return None
        variant = self.variants[position]
        mine = self._attempts.get(position)
        if mine:
            a = mine[0]
            return PastAnswer(position, variant, a.answer, a.grade, a.score, a.hints_used, a.skipped)
        if self.store is None:
            return None
        for r in self.store.first_attempts(self.session_id):
            if r.position == position:
                status = Status.INCORRECT if r.skipped or r.status not in {s.value for s in Status} else Status(r.status)
                grade = _stored_grade(r, status, assessed=r.assessed or None)  # whose verdict it was, kept
                return PastAnswer(position, variant, r.answer, grade, r.score, r.hints_used, r.skipped)
        return None

    def _require_current(self) -> Variant:
        if self.current is None:
            raise SessionError("the session is over; there is no current question")
        return self.current

    def _skip_answered(self) -> None:
        while self.index < len(self.variants) and self.index in self._scores:
            self.index += 1
        if self.done and self.store is not None and self.variants and not self._awaiting:
            self.store.finish_session(self.session_id)  # (one left awaiting its checklist stays resumable)

    # -- hints ---------------------------------------------------------------------------------

    def hints_shown(self) -> tuple[str, ...]:
        variant = self.current
        if variant is None:
            return ()
        return tuple(render(h, variant.params) for h in variant.question.hints[: self._hints])

    def next_hint_cost(self) -> str | None:
        """What the next hint costs, e.g. `costs 1 point (max score 4)`; None when there is none left."""
        variant = self.current
        if variant is None or self._hints >= len(variant.question.hints):
            return None
        if self.answered:
            return "free (already answered)"
        now, after = max_score_after(self._hints), max_score_after(self._hints + 1)
        if after == now:
            return f"free (max score already {now})"
        return f"costs 1 point (max score {after})"

    def hint(self) -> str | None:
        """Reveal the next hint of the current question (see the cost rule above); None when none is left."""
        variant = self.current
        if variant is None or self._hints >= len(variant.question.hints):
            return None
        text = render(variant.question.hints[self._hints], variant.params)
        self._hints += 1
        return text

    @property
    def hints_used(self) -> int:
        return self._hints

    # -- answering -------------------------------------------------------------------------------

    def submit(self, answer: str, *, cancel_event: threading.Event | None = None) -> Grade:
        """Grade `answer` to the current question; a readable answer is stored before this returns.

        Raises `GradingCancelled` (recording nothing) when `cancel_event` is set while grading (code
        answers are cancelled mid-run; other kinds are quick and checked once graded).
        """
        variant = self._require_current()
        self._refuse_while_pending("answer again")
        result = _grade(variant, answer, cancel_event)
        if cancel_event is not None and cancel_event.is_set():
            from tutor.grading.code import GradingCancelled  # deferred: the sandbox client only when needed

            raise GradingCancelled("grading was cancelled")
        if result.status is Status.INVALID:
            return result
        if result.status is Status.NEEDS_REVIEW:
            self._await(variant, answer, result)  # stored now; the learner's checklist decides (`assess`)
            return result
        self._commit(variant, answer, result)
        return result

    def _refuse_while_pending(self, doing: str) -> None:
        if self.pending is not None:
            raise SessionError(f"cannot {doing}: the written answer to this question awaits its checklist (assess it first)")

    def _await(self, variant: Variant, answer: str, result: Grade) -> None:
        """Store a written answer at once, awaiting assessment (its score is only provisional until `assess`)."""
        with self._lock:
            hints_used = self._hints if not self.answered else self._first_hints()
            score = min(result.score, max_score_after(hints_used))
            attempt_id = self._record(variant, answer, result, hints_used=hints_used, score=score, skipped=False)
            self._awaiting[self.index] = PendingReview(self.index, variant, answer, result, hints_used, attempt_id)

    @property
    def pending(self) -> PendingReview | None:
        """The current question's written answer (stored) whose checklist the learner has not confirmed yet."""
        pending = self._awaiting.get(self.index)
        return pending if pending is not None and pending.variant is self.current else None

    @property
    def pending_review(self) -> Grade | None:
        """The needs_review grade of `pending` (the patterns' suggestions), or None."""
        pending = self.pending
        return None if pending is None else pending.grade

    def assess(self, confirmed: Iterable[int]) -> Grade:
        """Score the pending written answer by the rubric points (0-based) the learner confirms.

        Completes its stored attempt (awaiting since `submit`) with the learner's own rating
        (`assessed: self`); the machine's suggestions stay in its details. Raises SessionError
        when no written answer waits for its checklist, or when its stored answer was assessed
        meanwhile elsewhere (another window on the same session; it then waits here no more).
        """
        pending = self.pending
        if pending is None:
            raise SessionError("no written answer is waiting for its checklist")
        from tutor.grading.text import assess  # deferred, like the graders

        result = assess(pending.variant, pending.grade, confirmed)
        self._commit(pending.variant, pending.answer, result, pending=pending)
        return result

    def _commit(self, variant: Variant, answer: str, result: Grade, *, pending: PendingReview | None = None) -> None:
        """Record a graded answer (or complete the stored `pending` one with its assessed `result`) and score it."""
        with self._lock:
            first = not self.answered
            if pending is not None:
                hints_used = pending.hints_used
            else:
                hints_used = self._hints if first else self._first_hints()
            score = min(result.score, max_score_after(hints_used))
            if pending is None:
                self._record(variant, answer, result, hints_used=hints_used, score=score, skipped=False)
            else:
                if pending.attempt_id is not None and self.store is not None:  # the same stored row, now scored
                    from tutor.session.store import NotAwaiting

                    try:
                        self.store.complete_attempt(pending.attempt_id, **_result_columns(result), score=score)
                    except NotAwaiting:  # assessed meanwhile elsewhere (another window on this session), or deleted
                        del self._awaiting[pending.position]
                        raise SessionError(
                            "this answer no longer awaits assessment in the history: it was assessed meanwhile in "
                            "another window on this session (that assessment stands) or deleted; this one was not "
                            "recorded (`tutor report` shows the session as stored)"
                        ) from None
                del self._awaiting[pending.position]
            self._attempts[self.index].append(
                Attempt(variant_id=variant.id, seed=variant.seed, answer=answer, grade=result, hints_used=hints_used, score=score)
            )
            if first:
                self._scores[self.index] = score
                self._review(variant.id, score)

    def interpret(self, answer: str) -> Grade | None:
        """How `answer` to the current question reads: graded exactly as `submit` grades it, recording nothing.

        For a live "interpreted as" line while the learner types; callers show `interpreted`, or the
        message and `position` of an invalid answer, never the verdict. None when the session is over
        or for a code answer (that would run the sandbox on every keystroke).
        """
        variant = self.current
        if variant is None or variant.kind == "code":
            return None
        return _grade(variant, answer, None)

    def _first_hints(self) -> int:
        first = self.current_attempt
        return first.hints_used if first else self._hints

    def skip(self, *, advance: bool = True) -> Grade:
        """Record the current question as skipped (score 1 in the mean) and, by default, move on.

        The returned grade carries the answer key's `expected` (and the stored attempt too, so
        `tutor report` shows it): a skip teaches the answer. Skipping a question that already has
        its score just moves on (and returns what would have been recorded).
        """
        from tutor.grading import answer_key  # deferred: the graders load on first use

        variant = self._require_current()
        self._refuse_while_pending("skip")
        expected = answer_key(variant).expected
        skipped = Grade(
            status=Status.INCORRECT, fraction=0.0, score=1, interpreted="", feedback=("skipped",), expected=expected
        )
        with self._lock:
            if not self.answered:
                self._record(variant, "", skipped, hints_used=self._hints, score=1, skipped=True)
                self._scores[self.index] = None
                self._attempts[self.index].append(
                    Attempt(variant_id=variant.id, seed=variant.seed, answer="", grade=skipped,
                            hints_used=self._hints, score=1, skipped=True)
                )
                self._review(variant.id, 1)
        if advance:
            self.advance()
        return skipped

    def advance(self) -> None:
        """Move to the next unanswered question (or to the end, which marks the session finished)."""
        if self.done:
            return
        self.index += 1
        self._hints = 0
        self._skip_answered()

    def _record(
        self, variant: Variant, answer: str, result: Grade, *, hints_used: int, score: int, skipped: bool
    ) -> int | None:
        """Store one answer (committed before returning); its row id, or None without a store."""
        if self.store is None:
            return None
        columns = _result_columns(result)
        if skipped:
            columns["status"] = "skipped"
        return self.store.record_attempt(
            self.session_id,
            position=self.index,
            question_id=variant.id,
            topic=variant.question.topic,
            kind=variant.kind,
            seed=variant.seed,
            answer=answer,
            score=score,
            hints_used=hints_used,
            skipped=skipped,
            **columns,
        )

    def _review(self, question_id: str, score: int) -> None:
        if self.store is not None:
            from tutor.session.review import review  # deferred: fsrs only once something is scored

            review(self.store, question_id, score)

    # -- the end -----------------------------------------------------------------------------------

    def summary(self) -> Summary:
        """Scores of the questions answered or skipped so far, their mean and level, per-topic means."""
        rows = tuple(
            SummaryRow(index=i, question_id=v.id, topic=v.question.topic, kind=v.kind, score=self._scores[i])
            for i, v in enumerate(self.variants)
            if i in self._scores
        )
        return summarize(rows)

    def retry_weakest(self) -> SessionConfig:
        """A new session's config on the weakest topic of this one (fresh seed)."""
        weakest = self.summary().weakest_topic
        return SessionConfig(
            topics=(weakest,) if weakest else self.config.topics,
            kinds=self.config.kinds,
            n=self.config.n,
            banks=self.config.banks,
            difficulty=self.config.difficulty,
        )


def summarize(rows: tuple[SummaryRow, ...]) -> Summary:
    """Mean (a skip counts as 1), its level, per-topic means and the weakest topic (lowest mean, then name)."""
    if not rows:
        return Summary(rows=(), mean=0.0, level="nothing answered yet", per_topic={}, weakest_topic=None)
    values = [r.score if r.score is not None else 1 for r in rows]
    mean = sum(values) / len(values)
    by_topic: dict[str, list[int]] = defaultdict(list)
    for row, value in zip(rows, values):
        by_topic[row.topic].append(value)
    per_topic = {t: sum(v) / len(v) for t, v in sorted(by_topic.items())}
    weakest = min(per_topic, key=lambda t: (per_topic[t], t))
    return Summary(rows=rows, mean=mean, level=describe(mean), per_topic=per_topic, weakest_topic=weakest)


def _result_columns(result: Grade) -> dict[str, Any]:
    """The stored columns that come from a grade (a written answer awaiting assessment: status needs_review,
    `grade_score` its provisional score)."""
    return {
        "status": result.status.value,
        "grade_score": result.score,
        "fraction": result.fraction,
        "interpreted": result.interpreted,
        "feedback": result.feedback,
        "expected": result.expected,
        "assessed": result.assessed or "",
    }


def _stored_grade(stored: "AttemptRecord", status: Status, **extra: Any) -> Grade:
    """A stored attempt's grade as the store kept it (the columns `_result_columns` writes)."""
    return Grade(status=status, fraction=stored.fraction, score=stored.grade_score, interpreted=stored.interpreted,
                 feedback=tuple(stored.feedback), expected=stored.expected, **extra)


def _stored_pending(stored: "AttemptRecord", variant: Variant) -> PendingReview:
    """A stored written answer awaiting assessment, as the checklist needs it after a resume.

    The patterns' suggestions are read again from the stored answer (grading text is a pure function
    of the question and the answer); should the question have changed so that it reads otherwise, the
    stored reading is used as it is, without suggestions.
    """
    grade = _grade(variant, stored.answer, None)
    if grade.status is not Status.NEEDS_REVIEW:
        grade = _stored_grade(stored, Status.NEEDS_REVIEW, provisional_score=stored.grade_score)
    return PendingReview(stored.position, variant, stored.answer, grade, stored.hints_used, stored.id)


def _grade(variant: Variant, answer: str, cancel_event: threading.Event | None) -> Grade:
    """Grade through the dispatcher; a code answer goes straight to its grader with `cancel_event`."""
    if variant.kind == "code":
        from tutor.grading import code  # deferred: the sandbox client only for code answers

        return code.grade(variant, answer, cancel_event=cancel_event)
    from tutor.grading import grade  # deferred: graders import sympy

    return grade(variant, answer)
