"""In-process grading latency over the whole built-in bank.

    python bench/grading_bank.py [--repeat 3] [--include-code]

Grades every question's own answer, its feedback-rule answers and its example fixtures (accept and
reject), for seeds 0..2, and reports p50 / p99 / max per answer and per kind. Code questions are left
out unless --include-code (they run in the sandbox; see bench/code_grading.py).
Target (issue 2): p50 <= 5 ms and p99 <= 50 ms per answer.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import defaultdict

from tutor.bank import load_bank
from tutor.bank.variant import make_variant
from tutor.grading import answer_text, grade


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="seeds 0..repeat-1 per question")
    parser.add_argument("--include-code", action="store_true")
    args = parser.parse_args()

    start = time.perf_counter()
    bank = load_bank()
    print(f"loaded {len(bank.questions)} questions in {(time.perf_counter() - start) * 1000:.0f} ms")

    # Warm the lazy imports (sympy, grader modules) so the figures are per answer, not per import.
    warm_start = time.perf_counter()
    for q in bank.questions:
        if q.kind != "code":
            grade(make_variant(q, 0), answer_text(q.answer))
    print(f"first pass (imports, caches) took {(time.perf_counter() - warm_start) * 1000:.0f} ms")

    per_kind: dict[str, list[float]] = defaultdict(list)
    for q in bank.questions:
        if q.kind == "code" and not args.include_code:
            continue
        answers = [q.answer, *[r.answer for r in q.feedback], *q.examples.accept, *q.examples.reject]
        for seed in range(args.repeat):
            variant = make_variant(q, seed)
            for a in answers:
                text = answer_text(a)
                t0 = time.perf_counter()
                grade(variant, text)
                per_kind[q.kind].append(time.perf_counter() - t0)

    everything = [t for ts in per_kind.values() for t in ts]
    print(f"{len(everything)} gradings")
    print(f"{'kind':<11} {'n':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for kind in sorted(per_kind):
        ts = per_kind[kind]
        print(f"{kind:<11} {len(ts):>6} {statistics.median(ts)*1000:>8.2f} {percentile(ts, 0.99)*1000:>8.2f} {max(ts)*1000:>8.2f}")
    print(
        f"{'all':<11} {len(everything):>6} {statistics.median(everything)*1000:>8.2f} "
        f"{percentile(everything, 0.99)*1000:>8.2f} {max(everything)*1000:>8.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
