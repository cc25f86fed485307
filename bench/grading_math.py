"""Time the numeric, symbolic and complexity graders in process: p50 / p99 / max per answer.

Two sets of answers: realistic ones (right, wrong and unreadable answers a learner
types) and pathological ones (deep nesting, exponent towers, huge sums and
products, up to 1,000 characters). Each answer is graded `--repeat` times after
one warm-up call; every call is one sample. The issue's target is p50 <= 5 ms
and p99 <= 50 ms per answer, and every answer within 2 s.

    .venv/bin/python bench/grading_math.py [--repeat 5] [--out FILE.md]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import time
from pathlib import Path

from tutor.bank.model import ComplexityQuestion, NumericQuestion, SymbolicQuestion
from tutor.bank.variant import Variant, make_variant
from tutor.grading import grade
from tutor.grading.parse import clear_parse_cache

from machine import cpu_model  # bench/machine.py: these scripts run as `python bench/NAME.py`

NUMERIC = make_variant(NumericQuestion(
    id="mha-kv-params", kind="numeric", topic="mha", unit="params", prompt="?",
    params={"d": 1024, "h": 8}, answer="2*d*d",
    feedback=[{"answer": "2*(d/h)*(d/h)*h", "message": "Each head's K projection maps all d inputs."}],
), 0)
BYTES = make_variant(NumericQuestion(
    id="kv-cache-bytes", kind="numeric", topic="kv-cache", unit="bytes", prompt="?",
    params={"b": 8, "n": 4096, "L": 32, "h": 32, "k": 128}, answer="2*b*n*L*h*k*2",
), 0)
SYMBOLIC = make_variant(SymbolicQuestion(
    id="gqa-kv-params", kind="symbolic", topic="gqa", prompt="?", symbols=["G", "d", "H"], answer="2*G*d^2/H",
    feedback=[{"answer": "2*d*d/G", "message": "The K/V heads are G, each of size d/H."}],
), 0)
CACHE = make_variant(SymbolicQuestion(
    id="cache", kind="symbolic", topic="kv-cache", prompt="?", symbols=["b", "h", "n", "d"], where={"k": "d/h"},
    answer="2*b*h*n*k",
), 0)
COMPLEXITY = make_variant(ComplexityQuestion(
    id="mqa-compute", kind="complexity", topic="mqa", prompt="?", symbols=["b", "n", "d", "h"],
    answer="O(b d^2 + b n d)",
), 0)
MEMORY = make_variant(ComplexityQuestion(
    id="mqa-memory", kind="complexity", topic="mqa", prompt="?", symbols=["b", "n", "d", "h"],
    answer="O(d^2 + b d + b n d / h)",
), 0)

REALISTIC: list[tuple[Variant, str]] = [
    *((NUMERIC, a) for a in [
        "2097152", "2,097,152", "2*1024^2", "2^21", "2.1M", "2M", "262144", "2*128*128*8", "2 097 152", "abc",
        "2097152 params", "4194304", "1048576", "2.097e6",
    ]),
    *((BYTES, a) for a in [
        "4294967296", "4 GiB", "4 GB", "4.29 GB", "4096 MiB", "2*8*4096*32*32*128*2", "4e9", "40 MB", "4 Gb",
        "2^32 bytes",
    ]),
    *((SYMBOLIC, a) for a in [
        "2*G*d^2/H", "2Gd²/H", r"\frac{2Gd^2}{H}", "2 G d d / H", "2*d*d/G", "2Gd^2", "4Gd^2/H", "2Hd^2/G",
        "2*g*d^2/H", "2Gd^2/", "G d^2 (2/H)", "(2Gd)^2/H", r"\frac{2 G d^{2}}{H}", "2·G·d²/H",
    ]),
    *((CACHE, a) for a in ["2bnd", "2 b h n k", "b h n k", "2 b n d/h", "2bnk h"]),
    *((COMPLEXITY, a) for a in [
        "O(b d^2 + b n d)", r"\mathcal{O}(bd^2+bnd)", "O(bnd)", "O(b n^2 d + b d^2)", "O(n)", "b d (d + n)",
        "O(b d^2 - b n d)", "O(", "𝒪(2bnd + 3bd²)", "O(b d^2 + x)",
    ]),
    *((MEMORY, a) for a in ["O(d^2 + b d + b n d / h)", "O(d^2+bd+bnd)", "O(d²)", r"O(d^2 + bd + \frac{bnd}{h})"]),
]


def _pathological() -> list[str]:
    return [
        "^".join(["9"] * 200),
        "^".join(["(b+n)"] * 150)[:1000],
        "(" * 400 + "b" + ")" * 400,
        "-" * 999 + "b",
        "*".join(["(b+n+d+h)"] * 99)[:1000],
        "(b+n+d+h)^64",
        "(b+n+d+G+H)^64-(b+n+d+H+G)^64",
        "((((b+n)^8)^8)^8)",
        "+".join(f"b^{i % 64}*n^{(i * 7) % 64}" for i in range(100))[:1000],
        "+".join(f"sqrt(b+{i})" for i in range(60))[:1000],
        "+".join(f"log(b*n+{i})" for i in range(60))[:1000],
        "max(" + ",".join(f"b^{i}*n" for i in range(8)) + ")",
        "+".join(f"min(b,n^{i % 9})" for i in range(60))[:1000],
        "*".join(["99999999999999999999"] * 40)[:1000],
        "+".join(["2^4000"] * 100)[:1000],
        "\\frac{" * 100 + "1}{d}" + "}{d}" * 99,
        "+".join(f"1/(b+n*{i})" for i in range(80))[:1000],
        "+".join(f"(b+n+d)^({i}/7)" for i in range(1, 60))[:1000],
        "d" * 999,
        "+".join(f"{i}^(1/64)" for i in range(2, 90))[:1000],
        "sqrt(" * 100 + "d" + ")" * 100,
        "1," * 300 + "000",
        "9" * 1000,
        "x" * 1000,
        "b" * 1001,
    ]


PATHOLOGICAL: list[tuple[Variant, str]] = [
    (variant, text) for text in _pathological() for variant in (NUMERIC, BYTES, SYMBOLIC, CACHE, COMPLEXITY, MEMORY)
]


def _time(cases: list[tuple[Variant, str]], repeat: int) -> list[float]:
    samples: list[float] = []
    for variant, answer in cases:
        grade(variant, answer)  # warm-up: sympy's caches, first imports
        for _ in range(repeat):
            clear_parse_cache()  # every sample parses the answer and the key afresh
            start = time.perf_counter()
            grade(variant, answer)
            samples.append((time.perf_counter() - start) * 1000)
    return samples


def _pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _machine() -> str:
    model = cpu_model() or platform.processor() or "unknown CPU"
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{model}, {os.cpu_count()} CPUs (nproc: {len(os.sched_getaffinity(0))}), "
        f"Python {platform.python_version()}, load average at the start {load}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    machine = _machine()
    rows = []
    for name, cases in (("realistic", REALISTIC), ("pathological", PATHOLOGICAL)):
        samples = _time(cases, args.repeat)
        rows.append((name, len(cases), len(samples), statistics.median(samples), _pct(samples, 0.99), max(samples)))
    table = [
        "| answers | distinct | samples | p50 ms | p99 ms | max ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        *(f"| {n} | {c} | {s} | {p50:.2f} | {p99:.2f} | {mx:.1f} |" for n, c, s, p50, p99, mx in rows),
    ]
    print("\n".join(table))
    if args.out is not None:
        command = "python bench/grading_math.py " + " ".join(sys.argv[1:])
        text = "\n".join([
            "# Grading latency: numeric, symbolic, complexity",
            "",
            f"- Date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC",
            f"- Machine: {machine}; shared with other jobs while measured",
            f"- Command: `{command.strip()}`",
            "- What: `tutor.grading.grade(variant, answer)` in process (feedback rules included), after one",
            "  warm-up call per answer; each repeat is one sample, with the parse cache cleared first (so the",
            "  answer, the key and the feedback rules are all parsed afresh). Realistic answers are right, wrong and",
            "  unreadable answers to six questions; pathological ones are 25 adversarial texts of up to",
            "  1,000 characters (deep nesting, exponent towers, huge sums and products) given to each of the six.",
            "- Target (issue 2): p50 <= 5 ms and p99 <= 50 ms per answer; any answer within 2 s.",
            "- No GPU is involved in grading.",
            "",
            *table,
            "",
        ])
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
