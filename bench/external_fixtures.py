"""Run the answer-test fixtures of Moodle STACK and PrairieLearn against the tutor's graders.

The fixtures live outside the project (`../shared/fixtures/external/`, see its README) and are
read from there, never copied in. For every case that was mapped to the tutor's syntax, the
script builds a throw-away question (symbolic for STACK and PrairieLearn's sympy tests, big-O
for pl-big-o-input), grades the case's answer against its key, and compares:

- a **definite verdict** is `correct`, or `incorrect`/`partial`; it is **wrong** when it
  contradicts the other system (correct where they say different / not full / invalid, or not
  correct where they say equal / full);
- `invalid` (the tutor refuses to judge: unreadable, undecidable, ambiguous) is never a wrong
  verdict, but it is counted, per expected verdict;
- a key the tutor cannot read is a bank error (the tutor would refuse the question).

    python bench/external_fixtures.py [--dir ../shared/fixtures/external] [--show-wrong]

Exit status 0 always: this measures; the figures go in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import collections
from pathlib import Path
from typing import Any

import yaml

from tutor.bank.model import ComplexityQuestion, SymbolicQuestion
from tutor.bank.variant import make_variant
from tutor.grading import Status, grade

DEFAULT_DIR = Path(__file__).resolve().parents[1] / ".." / "shared" / "fixtures" / "external"

POSITIVE = {"equal", "full", "full-style"}
NEGATIVE = {"different", "notfull", "invalid", "error"}


def _question(kind: str, key: str, symbols: list[str], n: int) -> Any:
    symbols = [str(s) for s in symbols] or ["x"]
    if kind == "complexity":
        return ComplexityQuestion(id=f"ext-{n}", kind="complexity", topic="attention", prompt="?", symbols=symbols, answer=key)
    return SymbolicQuestion(id=f"ext-{n}", kind="symbolic", topic="attention", prompt="?", symbols=symbols, answer=key)


def _cases(folder: Path) -> list[tuple[str, str, dict[str, Any]]]:
    out = []
    for name, kind in (("stack_cases.yaml", "symbolic"), ("pl_sympy_cases.yaml", "symbolic"), ("pl_bigo_cases.yaml", "complexity")):
        data = yaml.safe_load((folder / name).read_text(encoding="utf-8"))
        for case in data["cases"]:
            out.append((name, kind, case))
    return out


def _pair(case: dict[str, Any]) -> tuple[str, str] | None:
    if "student" in case and "teacher" in case:
        return str(case["student"]), str(case["teacher"])
    if "input" in case and "key" in case:
        return str(case["input"]), str(case["key"])
    return None


def run(folder: Path, show_wrong: bool) -> dict[str, collections.Counter]:
    tallies: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    wrong: list[str] = []
    for n, (name, kind, case) in enumerate(_cases(folder)):
        tally = tallies[name]
        expected = str(case.get("expected"))
        pair = _pair(case)
        if case.get("dropped") or pair is None or expected in ("None", "key-refused"):
            tally["not mapped / no verdict"] += 1
            continue
        answer, key = pair
        try:
            result = grade(make_variant(_question(kind, key, case.get("symbols") or [], n), 0), answer)
        except ValueError:
            tally["key refused (bank error)"] += 1
            continue
        tally["run"] += 1
        if result.status is Status.INVALID:
            tally[f"refused (invalid) where they say {expected}"] += 1
            if expected in ("invalid", "error"):
                tally["agree"] += 1
            continue
        correct = result.status is Status.CORRECT
        if (correct and expected in POSITIVE) or (not correct and expected in NEGATIVE):
            tally["agree"] += 1
            tally["definite"] += 1
        else:
            tally["definite"] += 1
            tally["WRONG definite verdict"] += 1
            wrong.append(f"{case['id']}: {answer!r} vs key {key!r}: tutor {result.status.value}, they say {expected}"
                         f" ({'; '.join(result.feedback[:1])})")
    if show_wrong:
        for line in wrong:
            print("  wrong:", line)
    return tallies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--show-wrong", action="store_true")
    args = parser.parse_args()
    if not args.dir.is_dir():
        print(f"no fixtures at {args.dir}: nothing to run")
        return
    for name, tally in run(args.dir, args.show_wrong).items():
        print(f"{name}:")
        for label in sorted(tally):
            print(f"  {label}: {tally[label]}")


if __name__ == "__main__":
    main()
