"""Time a function the same way on both sides: one warm-up call, repetitions, the median.

The parent times the reference with `robust_time`; the sandboxed child times the submission on the
same (largest) case with the same procedure. A time is reported only when the repetitions agree
(interquartile range at most half the median); otherwise None, and nothing is shown.
"""

from __future__ import annotations

import time
from typing import Any, Callable

_TIMING_REPEATS = 7
_TIMING_SPREAD = 0.5  # (q3 - q1) / median above this: too noisy to show a time


def robust_time(fn: Callable[[], Any], sync: Callable[[], None], budget: float = 0.2) -> float | None:
    """Median seconds of `fn` after one warm-up call, over up to 7 repetitions within `budget`;
    None when the repetitions disagree too much (interquartile range over half the median)."""
    fn()  # warm-up
    sync()
    return repeat_time(fn, sync, budget)


def repeat_time(fn: Callable[[], Any], sync: Callable[[], None], budget: float = 0.2) -> float | None:
    """The timed repetitions alone (the caller has made the warm-up call)."""
    times: list[float] = []
    spent = 0.0
    while len(times) < _TIMING_REPEATS and (spent < budget or len(times) < 3):
        start = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - start)
        spent += times[-1]
    return median_if_steady(times)


def median_if_steady(times: list[float]) -> float | None:
    if len(times) < 3:
        return None
    ordered = sorted(times)
    median = ordered[len(ordered) // 2]
    q1, q3 = ordered[len(ordered) // 4], ordered[(3 * len(ordered)) // 4]
    if median <= 0 or (q3 - q1) / median > _TIMING_SPREAD:
        return None
    return median
