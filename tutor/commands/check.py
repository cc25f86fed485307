"""`tutor check`: grade one answer (or a YAML file of answers) from the shell."""

from __future__ import annotations

import argparse
import gc
import json
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tutor.errors import UserError
from tutor.commands._common import add_bank_option, load_bank_or_exit
from tutor.errors import caret, visible


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", nargs="?", help="question id (see `tutor list`)")
    parser.add_argument("answer", nargs="?", help="the answer, quoted as one argument")
    parser.add_argument("--answer-file", metavar="PATH", help="read the answer from a file (e.g. a code solution)")
    parser.add_argument(
        "--answers",
        metavar="FILE",
        help="batch: a YAML list of {id, answer, seed}; prints one result per entry, in order",
    )
    parser.add_argument(
        "--seed", type=int, default=0,
        help="the variant's seed (default 0): it draws the question's params; "
        "(`tutor quiz --seed` is a session's seed, from which each question's variant seed is drawn)",
    )
    parser.add_argument(
        "--values-seed", type=int, default=None, metavar="N",
        help="code questions: replay a grading with these case values (a grade's details.values_seed); "
        "by default the values are drawn fresh for every grading",
    )
    parser.add_argument("--json", action="store_true", help="print JSON: id, status, score, fraction, interpreted, "
                        "feedback, expected (and details, with values_seed for code)")
    add_bank_option(parser)


@contextmanager
def _no_collection_while_starting():
    """The cyclic garbage collector paused while one answer is graded from a cold start.

    Start-up (sympy, pydantic and the bank's models, the cached bank) allocates tens of thousands
    of objects that all stay alive; the collector's passes over them find nothing to free and cost
    about a tenth of a formula check's CPU time. Reference counting still frees everything else,
    and one answer allocates little, so the pause ends with the grading (and the process soon after).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _read_text(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise UserError(f"{path} is not UTF-8 text") from None


def _grade_one(bank: Any, question_id: str, answer: str, seed: int, values_seed: int | None = None) -> dict[str, Any]:
    from tutor.bank.variant import make_variant
    from tutor.grading import grade

    question = bank.get(question_id)  # raises UnknownQuestion (a KeyError) with a did-you-mean
    if question.kind == "code":
        from tutor.grading import code  # deferred: the sandbox only for code

        return code.grade(make_variant(question, seed), answer, values_seed=values_seed).to_json(question_id)
    return grade(make_variant(question, seed), answer).to_json(question_id)


def _unknown(question_id: str, exc: KeyError) -> dict[str, Any]:
    message = exc.args[0] if exc.args else f"unknown question {question_id!r}"
    return _failed(question_id, str(message), "invalid")


def _failed(question_id: str, message: str, status: str) -> dict[str, Any]:
    """A result for an answer that could not be graded (unknown question, or a key the grader cannot read)."""
    return {
        "id": question_id,
        "status": status,
        "score": None,  # not graded: no score (a number would claim a verdict nobody made)
        "fraction": 0.0,
        "interpreted": "",
        "feedback": [message],
        "expected": "",
    }


ECHO_WIDTH = 72


def _excerpt(answer: str, position: int, end: int | None) -> tuple[str, int, int | None]:
    """A long answer is echoed as a window around where it broke (`…` marks what is left out), the
    caret moved to match: a 100,000-character answer is not printed whole."""
    if len(answer) <= ECHO_WIDTH:
        return answer, position, end
    start = max(0, min(position - ECHO_WIDTH // 2, len(answer) - ECHO_WIDTH))
    stop = start + ECHO_WIDTH
    prefix = "…" if start > 0 else ""
    window = prefix + answer[start:stop] + ("…" if stop < len(answer) else "")
    at = min(position, len(answer)) - start + len(prefix)
    shifted = None if end is None else min(end - start, ECHO_WIDTH) + len(prefix)
    return window, at, shifted


def _print_human(result: dict[str, Any], answer: str, seed: int) -> None:
    print(f"{result['id']}  (seed {seed})")
    if result["status"] == "needs_review":  # written prose: a person decides; the patterns only suggest
        print(f"  status:      needs_review   provisional score {result['provisional_score']} / 5"
              " (a pattern reading, not a verdict: a person must review it)")
    elif result["score"] is None:  # invalid or error: not graded, so no score is claimed
        print(f"  status:      {result['status']}   not scored")
    else:
        print(f"  status:      {result['status']}   score {result['score']} / 5")
    if result["interpreted"]:
        print(f"  interpreted: {visible(result['interpreted'])}")
    position = result.get("position")
    if result["status"] == "invalid" and position is not None and "\n" not in answer:
        shown, at, end = _excerpt(answer, position, result.get("position_end"))
        print(f"  answer:      {visible(shown)}")
        print(f"               {caret(at, end)}")
    for line in result["feedback"]:
        print(f"  - {visible(line)}")
    if result["expected"]:
        print(f"  expected:    {result['expected']}")


def _run_batch(args: argparse.Namespace) -> int:
    import yaml

    from tutor.grading import answer_text

    try:
        entries = yaml.safe_load(_read_text(args.answers))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{args.answers}:{mark.line + 1}:{mark.column + 1}" if mark else args.answers
        raise UserError(f"{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if not isinstance(entries, list):
        raise UserError(f"{args.answers}: expected a YAML list of {{id, answer, seed}} entries")
    bank = load_bank_or_exit(args)
    results: list[dict[str, Any]] = []
    errors = 0
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict) or "id" not in entry:
            raise UserError(f"{args.answers}: entry {number} must be a mapping with at least `id` and `answer`")
        unknown_keys = set(entry) - {"id", "answer", "seed"}
        if unknown_keys:
            raise UserError(f"{args.answers}: entry {number} has unknown key(s) {sorted(unknown_keys)}; use id, answer, seed")
        seed = entry.get("seed", 0)
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise UserError(f"{args.answers}: entry {number}: seed must be an integer, got {seed!r}")
        qid = str(entry["id"])
        try:
            results.append(_grade_one(bank, qid, answer_text(entry.get("answer")), seed, args.values_seed))
        except KeyError as exc:
            errors += 1
            results.append(_unknown(qid, exc))
        except ValueError as exc:  # the question's own key cannot be read: a bank error, not the learner's
            errors += 1
            results.append(_failed(qid, f"error: this question cannot be graded: {exc}", "error"))
    if args.json:
        print(json.dumps(results, indent=2, ensure_ascii=False))
    else:
        for entry, result in zip(entries, results):
            _print_human(result, answer_text(entry.get("answer")), entry.get("seed", 0))
    return 1 if errors else 0


def run(args: argparse.Namespace) -> int:
    if args.answers:
        if args.id or args.answer or args.answer_file:
            raise UserError("--answers grades a whole file; give no ID, ANSWER or --answer-file with it")
        return _run_batch(args)
    if not args.id:
        raise UserError("give a question id and an answer: tutor check ID ANSWER (or --answer-file PATH)")
    if args.answer is not None and args.answer_file:
        raise UserError("give the answer either as an argument or with --answer-file, not both")
    if args.answer is None and not args.answer_file:
        raise UserError(f"no answer given: tutor check {args.id} 'ANSWER' (or --answer-file PATH)")
    answer = _read_text(args.answer_file) if args.answer_file else args.answer
    with _no_collection_while_starting():
        bank = load_bank_or_exit(args)
        try:
            result = _grade_one(bank, args.id, answer, args.seed, args.values_seed)
        except KeyError as exc:
            raise UserError(str(exc.args[0]) if exc.args else f"unknown question {args.id!r}") from None
        except ValueError as exc:
            raise UserError(f"{args.id} cannot be graded: {exc} (run `tutor validate` on its bank)") from None
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        _print_human(result, answer, args.seed)
    sys.stdout.flush()
    return 0
