"""Check a bank beyond its format: its answers, feedback rules, examples and variants grade as they should.

For every question (and, for a parameterized one, each of its first variants):
- its own `answer`, typed as a learner would, scores 5;
- every `feedback` answer is readable, does not score 5, and gets its own message;
- every `examples.accept` scores 5 and every `examples.reject` is readable and does not;
- a code question's cases cover lengths 1, 2-4, middle and >= 16 for every head layout
  (`tutor.grading.code_cases`, also with `--no-code`), and it passes
  `tutor.grading.code.validate_question` (reference, model answer, mutants, the drawn case);
- every text a learner reads renders (`tutor.grading.lint`): math spans close on their line, braces
  balance; the `source` is not a bare file name; a choice question whose keyed option is much longer
  than its distractors gets a warning (reported, but `tutor validate` still succeeds).
Each problem points at the field that is wrong, as `file:line:column: id: message`.

This is `tutor validate`'s engine (the command is `tutor.commands.validate`); it lives in
`tutor.grading` because it grades answers with the real graders.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from tutor.bank.errors import Problem
from tutor.bank.loader import Bank, load_bank_with_problems, locate_field
from tutor.bank.model import ComplexityQuestion, EinsumQuestion, QuestionBase, TextQuestion
from tutor.bank.variant import Variant, is_parameterized, make_variant, placeholders, render
from tutor import grading
from tutor.grading import answer_text, lint
from tutor.grading.einsum_analysis import EinsumError, analyse, parse_equation

DEFAULT_VARIANTS = 5


@dataclass(frozen=True)
class Report:
    """What `tutor validate` found."""

    questions: int
    files: int
    problems: tuple[Problem, ...]
    code_skipped: int = 0  # code questions checked for format only (`--no-code`)
    warnings: tuple[Problem, ...] = ()  # worth a look, but not wrong: they do not fail validation

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        noun = "problem" if len(self.problems) == 1 else "problems"
        q = "question" if self.questions == 1 else "questions"
        f = "file" if self.files == 1 else "files"
        skipped = f" ({self.code_skipped} code question(s) not run: --no-code)" if self.code_skipped else ""
        warned = ""
        if self.warnings:
            warned = f", {len(self.warnings)} warning" + ("" if len(self.warnings) == 1 else "s")
        return f"validated {self.questions} {q} in {self.files} {f}: {len(self.problems)} {noun}{warned}{skipped}"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "ok": self.ok,
            "questions": self.questions,
            "files": self.files,
            "problems": [p.to_json() for p in self.problems],
        }
        if self.warnings:  # only when there are some, so that a clean report stays as it was
            out["warnings"] = [p.to_json() for p in self.warnings]
        return out


def validate(
    paths: Sequence[str] = (),
    *,
    builtin: bool = True,
    code: bool = True,
    variants: int = DEFAULT_VARIANTS,
    progress: Callable[[int, int, QuestionBase], None] | None = None,
) -> Report:
    """Load `paths` (and the built-in bank when `builtin`), check the format, then grade every fixture.

    Without the built-in bank, ids are still checked against it: a question added with
    `--bank` must not reuse a built-in id. `progress(i, n, question)` is called before each check.
    """
    bank, load_problems = load_bank_with_problems(paths, builtin=builtin)
    problems = list(load_problems)
    warnings: list[Problem] = []
    if not builtin:
        problems.extend(_clashes_with_builtin(bank))
    for index, question in enumerate(bank):
        if progress is not None:
            progress(index, len(bank), question)
        file, _line = bank.location(question.id)
        checker = _Checker(question, file)
        checker.run(code=code, variants=variants)
        problems.extend(checker.problems)
        warnings.extend(checker.warnings)
    order = {name: i for i, name in enumerate(bank.files)}
    problems.sort(key=lambda p: (order.get(p.path, -1), p.line, p.column))
    warnings.sort(key=lambda p: (order.get(p.path, -1), p.line, p.column))
    skipped = 0 if code else sum(1 for q in bank if q.kind == "code")
    return Report(questions=len(bank), files=len(bank.files), problems=tuple(problems), code_skipped=skipped,
                  warnings=tuple(warnings))


def _clashes_with_builtin(bank: Bank) -> list[Problem]:
    builtin, _ = load_bank_with_problems((), builtin=True)
    out = []
    for question in bank:
        if question.id not in builtin:
            continue
        file, line = bank.location(question.id)
        other_file, other_line = builtin.location(question.id)
        if Path(file).resolve() != Path(other_file).resolve():
            out.append(
                Problem(file, line, locate_field(file, question.id, ("id",))[1], question.id,
                        f"id {question.id!r} is already used by the built-in bank at {other_file}:{other_line}")
            )
    return out


# --- one question ---------------------------------------------------------------------------


def check_question(
    question: QuestionBase, file: str, *, code: bool = True, variants: int = DEFAULT_VARIANTS
) -> list[Problem]:
    """Every problem with one loaded question's answers and fixtures."""
    checker = _Checker(question, file)
    checker.run(code=code, variants=variants)
    return checker.problems


class _Checker:
    def __init__(self, question: QuestionBase, file: str) -> None:
        self.q = question
        self.file = file
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self._failed: set[tuple[Any, ...]] = set()

    def problem(self, path: Sequence[str | int], message: str) -> None:
        line, column = locate_field(self.file, self.q.id, tuple(path))
        self.problems.append(Problem(self.file, line, column, self.q.id, message))

    def warning(self, path: Sequence[str | int], message: str) -> None:
        line, column = locate_field(self.file, self.q.id, tuple(path))
        self.warnings.append(Problem(self.file, line, column, self.q.id, f"warning: {message}"))

    def run(self, *, code: bool, variants: int) -> None:
        q = self.q
        seeds = range(max(1, variants)) if is_parameterized(q) else range(1)
        drawn = [make_variant(q, seed) for seed in seeds]  # the variants a learner may see, made once
        self._reading([v.params for v in drawn])
        if q.kind == "code":
            from tutor.grading.code_cases import coverage_problems, prompt_problems  # static: no sandbox, no torch

            for message in coverage_problems(q):  # type: ignore[arg-type]
                self.problem(("cases",), message)
            for message in prompt_problems(q):  # type: ignore[arg-type]
                self.problem(("prompt",), message)
            if code:
                self._code()
            return
        if isinstance(q, TextQuestion):
            self._contradictions(q)
        elif q.examples.no_contradiction:
            self.problem(("examples", "no_contradiction"),
                         f"examples.no_contradiction is for written (text) questions, not {q.kind}")
        if isinstance(q, ComplexityQuestion):
            from tutor.grading.complexity import relation_entries

            unreadable = relation_entries(q)
            for i, message in unreadable:
                self.problem(("assume", i), message)
            if unreadable:
                return  # every grading of this question would refuse the relations
        if isinstance(q, EinsumQuestion):
            broken = einsum_form_problems(q)
            for message in broken:
                self.problem(("answer",), message)
            if broken:
                return  # every grading of this question would fail on the broken answer key
        for seed, variant in zip(seeds, drawn):
            suffix = f" (variant seed {seed})" if is_parameterized(q) else ""
            self._own_answer(grading, variant, suffix)
            self._feedback(grading, variant, suffix)
            self._examples(grading, variant, suffix)

    def _contradictions(self, q: TextQuestion) -> None:
        """No right answer may seem to say a wrong claim: not the model answer, not an `examples.accept`,
        not an `examples.no_contradiction` (a right answer naming a wrong belief to deny it)."""
        from tutor.grading.text import normalise, suggestions

        for i in suggestions(q, normalise(q.answer))["contradictions"]:
            self.problem(("contradictions", i, "match"),
                         f"the model answer matches contradiction {i + 1} ({q.contradictions[i].statement!r}):"
                         " its warning would be shown on a right answer")
        for which in ("accept", "no_contradiction"):
            for n, example in enumerate(getattr(q.examples, which)):
                if not isinstance(example, str):
                    continue
                for i in suggestions(q, normalise(example))["contradictions"]:
                    self.problem(("examples", which, n),
                                 f"{which} example {n + 1} seems to say contradiction {i + 1}"
                                 f" ({q.contradictions[i].statement!r}): its warning would be shown on a right answer")

    def _reading(self, shown: list[dict[str, Any]]) -> None:
        """What a learner reads (with each drawn variant's `shown` params): rendering of every text, a
        source one can look up, fair option lengths."""
        for path, message in lint.rendering_problems(self.q, shown):
            self.problem(path, message)
        bad_source = lint.source_problem(self.q)
        if bad_source:
            self.problem(("source",), bad_source)
        long_key = lint.option_length_warning(self.q)
        if long_key:
            self.warning(("answer",), long_key)
        for i, message in lint.option_label_warnings(self.q):
            self.warning(("options", i), message)

    # Each fixture is reported once, at its first failing variant.
    def _once(self, key: tuple[Any, ...]) -> bool:
        if key in self._failed:
            return False
        self._failed.add(key)
        return True

    def _grade(self, fn: Callable[..., Any], variant: Variant, args: tuple[Any, ...], path: Sequence[str | int],
               suffix: str, what: str) -> Any | None:
        """Call a grader; a crash is reported at `path` (a ValueError is the grader refusing an answer key)."""
        try:
            return fn(variant, *args)
        except ValueError as exc:
            message = str(exc).removeprefix(f"{self.q.id}: ")
            if self._once(tuple(path)):
                self.problem(path, f"{what} cannot be read{suffix}: {message}")
        except Exception as exc:  # a grader crash on a bank fixture is reported where the fixture is
            if self._once(tuple(path)):
                self.problem(path, f"the grader failed on {what}{suffix}: {type(exc).__name__}: {exc}")
        return None

    def _own_answer(self, grading: Any, variant: Variant, suffix: str) -> None:
        raw = self.q.answer  # type: ignore[attr-defined]
        text = answer_text(raw, self.q, variant.params, variant.options)
        written = answer_text(raw, self.q, {})
        g = self._grade(grading.grade_against, variant, (text,), ("answer",), suffix, f"the answer {written!r}")
        if g is None or _full_marks(g):
            return
        if not self._once(("answer",)):
            return
        if g.status == "invalid":
            self.problem(("answer",), f"the answer {text!r} is not a well-formed {self.q.kind} answer{suffix}: "
                                      f"{_first(g.feedback)}")
        else:
            self.problem(("answer",), f"the question's own answer {text!r} scores {g.score}, not 5{suffix}: "
                                      f"{_first(g.feedback)}")

    def _feedback(self, grading: Any, variant: Variant, suffix: str) -> None:
        for i, rule in enumerate(self.q.feedback):
            path = ("feedback", i, "answer")
            text = answer_text(rule.answer, self.q, variant.params, variant.options)
            what = f"feedback answer {text!r}"
            # The rule's answer, used as the answer key, must accept itself: that is how rules match.
            # One the grader cannot use as a key (an einsum term with the wrong number of axes) still
            # matches its own text literally; the checks below then make sure that it fires.
            try:
                key = grading.grade_against(variant, text, rule.answer)
            except ValueError:
                key = None
            if key is not None and key.status != "correct" and self.q.kind != "text":
                if self._once(path):
                    self.problem(path, f"{what} does not match itself{suffix} ({key.status}: {_first(key.feedback)})")
                continue
            g = self._grade(grading.grade, variant, (text,), path, suffix, what)
            if g is None:
                continue
            if _full_marks(g):
                if self._once(path):
                    self.problem(path, f"{what} scores 5{suffix}: it is a right answer, so its message is never shown")
            elif g.status == "invalid":
                if self._once(path):
                    self.problem(path, f"{what} cannot be read{suffix}: {_first(g.feedback)}")
            elif rule.message not in g.feedback and self.q.kind != "text":
                if self._once(path):
                    self.problem(path, f"feedback rule never fires{suffix}: an earlier rule's answer is equivalent"
                                       f" to {text!r}")

    def _examples(self, grading: Any, variant: Variant, suffix: str) -> None:
        for which in ("accept", "reject"):
            for i, example in enumerate(getattr(self.q.examples, which)):
                templated = isinstance(example, str) and bool(placeholders(example))
                if variant.seed != 0 and not templated:
                    continue  # a literal example is checked against the seed-0 variant only
                path = ("examples", which, i)
                text = render(example, variant.params) if isinstance(example, str) else answer_text(
                    example, self.q, variant.params, variant.options)
                g = self._grade(grading.grade, variant, (text,), path, suffix, f"{which} example {text!r}")
                if g is None:
                    continue
                if which == "accept" and not _full_marks(g):
                    if self._once(path):
                        self.problem(path, f"accepted example {text!r} scores {g.score} ({g.status}), not 5{suffix}: "
                                           f"{_first(g.feedback)}")
                elif which == "reject" and _full_marks(g):
                    if self._once(path):
                        self.problem(path, f"rejected example {text!r} scores 5{suffix}")
                elif which == "reject" and g.status == "invalid":
                    if self._once(path):
                        self.problem(path, f"rejected example {text!r} cannot be read{suffix} ({_first(g.feedback)});"
                                           " a reject example must be a readable wrong answer")

    def _code(self) -> None:
        from tutor.grading.code import validate_question  # deferred: the sandbox client only for code questions

        try:
            messages = list(validate_question(self.q))
        except Exception as exc:  # reported at the question, like any other failed check
            messages = [f"checking the code question failed: {type(exc).__name__}: {exc}"]
        for message in messages:
            self.problem((), str(message).removeprefix(f"{self.q.id}: "))


def _full_marks(g: Any) -> bool:
    """Scores 5: correct, or (written prose, which a person decides) a provisional reading of 5."""
    if g.status == "needs_review":
        return g.provisional_score == 5
    return g.status == "correct" and g.score == 5


def _first(lines: Iterable[str]) -> str:
    return next(iter(lines), "") or "(no feedback)"


# --- answers as a learner would type them ----------------------------------------------------


def einsum_form_problems(question: EinsumQuestion) -> list[str]:
    """What is wrong with an einsum question's own equation, checked against its operands by the
    grader's own analysis (`einsum_analysis`), so the bank check and the grader never disagree."""
    try:
        analysis = analyse(parse_equation(question.answer), list(question.operands.items()))
    except EinsumError as exc:
        return [f"answer {question.answer!r}: {exc.message}"]
    out = []
    for letter in analysis.conflicts:
        axes = analysis.axes[letter]
        first = axes[0]
        other = next(a for a in axes if a.dim != first.dim)
        out.append(f"letter {letter!r} stands for {first.dim} (in {first.operand}) and for {other.dim} (in {other.operand})")
    return out

