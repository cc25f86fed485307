"""Where the learner stands: mean score by topic and kind, the trend over sessions, weakest areas.

`compute(store)` is what both `tutor stats` and the app's stats screen show. A question's
score in a session is its first answer (a skip is 1), as in the session summary. A written
answer awaiting the learner's checklist is no score yet: it is counted apart (`awaiting`),
never in a mean.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tutor.session.store import Store

SPARK = "▁▂▃▄▅▆▇█"
TREND_SESSIONS = 30
WEAKEST = 3


@dataclass(frozen=True)
class AreaStat:
    """The mean score of one topic or kind over `count` answered questions."""

    area: str  # "topic" or "kind"
    name: str
    mean: float
    count: int

    def to_json(self) -> dict[str, Any]:
        return {"area": self.area, "name": self.name, "mean": round(self.mean, 3), "count": self.count}


@dataclass(frozen=True)
class Stats:
    answers: int
    sessions: int
    mean: float | None
    by_topic: tuple[AreaStat, ...]
    by_kind: tuple[AreaStat, ...]
    trend: tuple[float, ...]  # mean score of each of the last sessions, oldest first
    weakest: tuple[AreaStat, ...]  # lowest means first; only areas below 5
    due: int  # review cards due now
    trend_dates: tuple[str, ...] = ()  # the day (YYYY-MM-DD, UTC) of each session in `trend`
    awaiting: int = 0  # written answers stored, awaiting the learner's checklist (in no mean)

    @property
    def sparkline(self) -> str:
        return sparkline(self.trend)

    def to_json(self) -> dict[str, Any]:
        return {
            "answers": self.answers,
            "sessions": self.sessions,
            "mean": None if self.mean is None else round(self.mean, 3),
            "by_topic": [a.to_json() for a in self.by_topic],
            "by_kind": [a.to_json() for a in self.by_kind],
            "trend": [round(v, 3) for v in self.trend],
            "trend_dates": list(self.trend_dates),
            "sparkline": self.sparkline,
            "weakest": [a.to_json() for a in self.weakest],
            "due": self.due,
            "awaiting_assessment": self.awaiting,
        }


def sparkline(values: tuple[float, ...] | list[float], low: float = 1.0, high: float = 5.0) -> str:
    """One block character per value on a fixed 1..5 scale, so lines from different days compare."""
    out = []
    for v in values:
        clamped = min(max(v, low), high)
        out.append(SPARK[math.floor((clamped - low) / (high - low) * (len(SPARK) - 1) + 0.5)])
    return "".join(out)


def _areas(area: str, scores: dict[str, list[int]]) -> tuple[AreaStat, ...]:
    return tuple(AreaStat(area, name, sum(v) / len(v), len(v)) for name, v in sorted(scores.items()))


def compute(store: "Store", now: float | None = None) -> Stats:
    """Everything `tutor stats` shows, from the stored history."""
    by_topic: dict[str, list[int]] = defaultdict(list)
    by_kind: dict[str, list[int]] = defaultdict(list)
    by_session: dict[str, list[int]] = {}
    session_day: dict[str, str] = {}
    all_scores: list[int] = []
    for attempt in store.first_attempts():
        by_topic[attempt.topic].append(attempt.score)
        by_kind[attempt.kind].append(attempt.score)
        by_session.setdefault(attempt.session_id, []).append(attempt.score)
        session_day.setdefault(attempt.session_id, time.strftime("%Y-%m-%d", time.gmtime(attempt.created)))
        all_scores.append(attempt.score)
    topics, kinds = _areas("topic", by_topic), _areas("kind", by_kind)
    weakest = tuple(sorted((a for a in topics + kinds if a.mean < 5), key=lambda a: (a.mean, a.area, a.name))[:WEAKEST])
    trend = tuple(sum(v) / len(v) for v in list(by_session.values())[-TREND_SESSIONS:])
    trend_dates = tuple(session_day[sid] for sid in list(by_session)[-TREND_SESSIONS:])
    return Stats(
        answers=len(all_scores),
        sessions=len(by_session),
        mean=sum(all_scores) / len(all_scores) if all_scores else None,
        by_topic=topics,
        by_kind=kinds,
        trend=trend,
        weakest=weakest,
        due=len(store.due_questions(time.time() if now is None else now)),
        trend_dates=trend_dates,
        awaiting=len(store.awaiting_attempts()),
    )
