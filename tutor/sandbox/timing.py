"""Time a function the same way on both sides: one warm-up call, repetitions, the median.

The parent times the reference with `robust_time`; the sandboxed child times the submission on the
same (largest) case with the same procedure (its graded call is the first warm-up call). A time is reported only when the repetitions agree
(interquartile range at most the median); otherwise None, and nothing is shown.
"""

from __future__ import annotations

import time
from typing import Any, Callable

WARMUP = 3  # calls before timing: a freshly forked process pays page faults and lazy set-up on its first calls
REPEATS = 21
MIN_REPEATS = 5
SPREAD = 1.0  # (q3 - q1) / median above this: too noisy to show a time


def robust_time(fn: Callable[[], Any], sync: Callable[[], None], budget: float = 0.05) -> float | None:
    """Median seconds of `fn` after `WARMUP` calls, over up to `REPEATS` repetitions within `budget`
    (at least `MIN_REPEATS`); None when they disagree too much (interquartile range over the median)."""
    for _ in range(WARMUP):
        fn()
        sync()
    return repeat_time(fn, sync, budget)


def repeat_time(fn: Callable[..., Any], sync: Callable[[], None], budget: float = 0.05,
                setup: Callable[[], list[Any]] | None = None) -> float | None:
    """The timed repetitions alone (the caller has made the warm-up calls). `setup`, untimed, makes
    each call's arguments (fresh copies of inputs the function may change in place)."""
    times: list[float] = []
    spent = 0.0
    while len(times) < REPEATS and (spent < budget or len(times) < MIN_REPEATS):
        args = setup() if setup is not None else []
        start = time.perf_counter()
        fn(*args)
        sync()
        times.append(time.perf_counter() - start)
        spent += times[-1]
    return median_if_steady(times)


def median_if_steady(times: list[float]) -> float | None:
    """The median, or None for fewer than `MIN_REPEATS` times or an interquartile range over `SPREAD` x it."""
    if len(times) < MIN_REPEATS:
        return None
    ordered = sorted(times)
    median = ordered[len(ordered) // 2]
    q1, q3 = ordered[len(ordered) // 4], ordered[(3 * len(ordered)) // 4]
    if median <= 0 or (q3 - q1) / median > SPREAD:
        return None
    return median
