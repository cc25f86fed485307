"""The plain, line-based front end: the quiz and the exam answering loop on stdin/stdout.

It works when piped. One answer is one line; a code answer is every line up to a line holding
only `.` (or the end of input). `:hint`, `:skip` and `:quit` are commands wherever an answer is
expected. The end of input ends the session with its summary. `tutor quiz --plain` and
`tutor quiz --exam FILE` (in `tutor.commands.quiz`) parse the arguments and call `run_plain` /
`answer_exam` here; this module sits beside `tutor.tui` and above `tutor.session` and `tutor.exam`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from tutor.bank.labels import option_label, prompt_listing
from tutor.bank.names import flag_value, kind_name, topic_name
from tutor.errors import UserError, caret, visible
from tutor.notation.latex import plain_math

if TYPE_CHECKING:
    from tutor.exam.paper import ExamPaper
    from tutor.grading.grade import Grade
    from tutor.session.engine import Session

CODE_END = "."
MARKS = {"correct": "✓", "partial": "~", "incorrect": "✗"}


_EMPHASIS = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1|(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_FENCE = re.compile(r"^\s*(```|~~~)")
_ITEM = re.compile(r"^(\s*)([-*+]|\d+[.)])\s+")


def _unemphasise(text: str) -> str:
    """`**bold**`, `__bold__` and `*italic*` as plain words; inline `code` keeps its backticks."""
    parts = re.split(r"(`[^`]*`)", text)
    return "".join(p if p.startswith("`") else _EMPHASIS.sub(lambda m: m.group(2) or m.group(3), p) for p in parts)


def prose(markdown: str, width: int | None = None) -> str:
    """Markdown as a terminal shows it best without rendering: emphasis markers dropped (backticks kept
    only around code), paragraphs and list items re-wrapped to `width` (the terminal's, at most 100),
    never breaking before punctuation; fenced code blocks kept line for line. `$math$` becomes unicode."""
    import shutil
    import textwrap

    width = width or min(100, shutil.get_terminal_size((80, 24)).columns)
    out: list[str] = []
    block: list[str] = []
    indent = ""
    in_code = False

    def flush() -> None:
        nonlocal block, indent
        if block:
            text = _unemphasise(plain_math(" ".join(w.strip() for w in block)))
            # inline code is never broken across lines: its spaces are held while wrapping
            text = re.sub(r"`[^`]*`", lambda m: m.group(0).replace(" ", "\x00"), text)
            words = text.split()
            # punctuation that stands alone joins the word before it, so a line never starts with it
            joined: list[str] = []
            for word in words:
                if joined and all(c in ".,;:!?)]}»”’" for c in word):
                    joined[-1] += word
                else:
                    joined.append(word)
            first, rest = indent, " " * len(indent)
            wrapped = textwrap.wrap(" ".join(joined), width=max(20, width), initial_indent=first,
                                    subsequent_indent=rest, break_long_words=False, break_on_hyphens=False)
            out.extend(line.replace("\x00", " ") for line in wrapped)
        block, indent = [], ""

    for line in markdown.splitlines():
        if _FENCE.match(line):
            flush()
            in_code = not in_code
            continue
        if in_code:
            out.append("    " + line)
            continue
        if not line.strip():
            flush()
            if out and out[-1] != "":
                out.append("")
            continue
        item = _ITEM.match(line)
        if item:
            flush()
            indent = item.group(1) + ("- " if not item.group(2)[0].isdigit() else item.group(2) + " ")
            block = [line[item.end():]]
            continue
        block.append(line)
    flush()
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out)


def _interactive(inp: TextIO) -> bool:
    try:
        return inp.isatty()
    except (AttributeError, ValueError):
        return False


def read_answer(
    inp: TextIO, *, code: bool, commands: tuple[str, ...] = (":hint", ":skip", ":quit"), out: TextIO | None = None
) -> str | None:
    """One answer (or command) from input; None at the end of input.

    A code answer runs up to a line holding only `CODE_END`; a command is recognised only
    as its first line. Anything else is one line.
    """
    if not code:
        line = inp.readline()
        if line and not line.endswith("\n") and line.strip() and out is not None and _interactive(inp):
            # Ctrl-D after typing part of a line sends that part without a newline: ask before grading it
            print(f"\nGrade {visible(line.strip())!r} as your answer? [y/N] ", end="", file=out, flush=True)
            reply = inp.readline()
            if reply.strip().lower() not in ("y", "yes"):
                return ""  # not graded: the answer is asked for again
        return line.strip() if line else None
    lines: list[str] = []
    while True:
        line = inp.readline()
        if not line:
            return "\n".join(lines) if lines else None
        text = line.rstrip("\n").rstrip("\r")
        if not lines and text.strip() in commands:
            return text.strip()
        if text == CODE_END:
            return "\n".join(lines)
        lines.append(text)


def _show_question(session: "Session", out: TextIO, *, commands: bool = True) -> None:
    variant = session.current
    assert variant is not None
    q = variant.question
    total = len(session.variants)
    print(f"\n[{session.index + 1}/{total}] {topic_name(q.topic)} · {kind_name(q.kind)} · difficulty {q.difficulty} · {q.id}", file=out)
    print(prose(variant.prompt), file=out)
    for line in prompt_listing(variant):
        print(f"  {line}", file=out)
    if variant.kind == "multi":
        print("Select all that apply: type the letters or numbers of every option you pick (e.g. `A C`).", file=out)
    if variant.kind == "statements":
        from tutor.grading.statements import example_marks  # deferred, as the other grading imports here

        n = len(getattr(q, "statements", ()))
        print(f"Mark each statement T (true) or F (false), in order: {n} letters, e.g. `{example_marks(n)}`.",
              file=out)
    if variant.kind == "code":
        starter = getattr(q, "starter", "")
        if starter:
            print("Starter code:", file=out)
            for line in starter.rstrip().splitlines():
                print(f"    {line}".rstrip(), file=out)
        print(f"Type your code, then a line with only `{CODE_END}` to submit.", file=out)
    for n, text in enumerate(session.hints_shown(), start=1):
        print(prose(f"Hint {n}: {text}"), file=out)
    if not commands:
        return
    listed = ":skip, :quit"
    cost = session.next_hint_cost()
    if cost is not None:
        listed = f":hint — {cost}; " + listed
    print(f"Commands: {listed}", file=out)


def _show_grade(result: "Grade", score: int, session: "Session", out: TextIO) -> None:
    variant = session.current
    assert variant is not None
    mark = MARKS.get(result.status.value, "")
    capped = f" (max {score} after hints)" if score < result.score else ""
    if result.assessed == "self":  # the learner's verdict on their own written answer, not the machine's
        print(f"{mark} your checklist · score {score} / 5{capped} (self-assessed)", file=out)
    else:
        print(f"{mark} {result.status.value} · score {score} / 5{capped}", file=out)
    if result.interpreted and variant.kind != "code" and not result.assessed:
        print(f"  interpreted as: {result.interpreted}", file=out)
    for line in result.feedback:
        print(f"  - {line}", file=out)
    if result.status.value != "correct" and result.expected and not result.assessed:
        print(f"  expected: {result.expected}", file=out)
    explanation = variant.explanation.strip()
    if explanation:
        print("", file=out)
        print(prose(explanation), file=out)


def _show_skipped(result: "Grade", variant: Any, out: TextIO) -> None:
    """A skip teaches: the expected answer, the model solution for code and the explanation."""
    print("Skipped. It is scored 1 / 5; the answer:", file=out)
    model = getattr(variant.question, "answer", None)
    if variant.kind == "code" and isinstance(model, str):
        for line in model.rstrip().splitlines():
            print(f"    {line}".rstrip(), file=out)
    elif result.expected:
        print(f"  expected: {result.expected}", file=out)
    explanation = variant.explanation.strip()
    if explanation:
        print("", file=out)
        print(prose(explanation), file=out)


def _show_invalid(result: "Grade", answer: str, out: TextIO) -> None:
    message = result.feedback[0] if result.feedback else "could not read that answer"
    print(f"? could not read that answer: {visible(message)}", file=out)
    if result.position is not None and "\n" not in answer:
        print(f"    {visible(answer)}", file=out)
        print(f"    {caret(result.position, result.position_end)}", file=out)
    for line in result.feedback[1:]:
        print(f"  - {visible(line)}", file=out)
    print("Try again (nothing was recorded).", file=out)


def show_summary(session: "Session", out: TextIO) -> None:
    summary = session.summary()
    print("\nSummary", file=out)
    if not summary.rows:
        print("  No question was answered.", file=out)
    width = max((len(r.question_id) for r in summary.rows), default=0)
    for row in summary.rows:
        score = "skipped" if row.score is None else f"{row.score} / 5"
        print(f"  {row.index + 1:>2}. {row.question_id:<{width}}  {topic_name(row.topic):<9} {kind_name(row.kind):<10} {score}", file=out)
    if summary.rows:
        print(f"Mean: {summary.mean:.1f} / 5 ({summary.level})", file=out)
        if len(summary.per_topic) > 1:
            topics = ", ".join(f"{topic_name(t)} {m:.1f}" for t, m in summary.per_topic.items())
            print(f"By topic: {topics}", file=out)
        if summary.weakest_topic and summary.per_topic[summary.weakest_topic] < 5:
            print(f"Practise next: tutor quiz --plain --topic {flag_value(topic_name(summary.weakest_topic))}", file=out)
    if not session.done:
        print(f"Session {session.session_id} is unfinished; resume with: tutor quiz --plain --resume {session.session_id}", file=out)


def run_plain(session: "Session", inp: TextIO, out: TextIO) -> int:
    """Ask every remaining question of `session` on `inp`/`out`, then print the summary.

    Ctrl-C also ends with the summary (exit 130); what was answered is already stored.
    """
    if session.index > 0:
        print(f"Resuming session {session.session_id} at question {session.index + 1} of {len(session.variants)}.", file=out)
    try:
        _ask_all(session, inp, out)
    except KeyboardInterrupt:
        print("", file=out)
        show_summary(session, out)
        return 130
    show_summary(session, out)
    return 0


def _ask_all(session: "Session", inp: TextIO, out: TextIO) -> None:
    from tutor.grading.grade import Status

    while not session.done:
        pending = session.pending
        if pending is not None:  # resumed: a written answer was stored, its checklist never confirmed
            _show_question(session, out, commands=False)
            print("Your answer to this question was saved; it is scored by its checklist.", file=out)
            if not _score(session, pending.grade, pending.answer, inp, out):
                return
            continue
        _show_question(session, out)
        while True:
            print("> ", end="", file=out, flush=True)
            answer = read_answer(inp, code=session.current.kind == "code", out=out)
            if answer is None or answer == ":quit":
                if answer is None:
                    print("", file=out)
                return
            if answer == ":hint":
                text = session.hint()
                if text is None:
                    print("No more hints for this question.", file=out)
                else:
                    print(prose(f"Hint {session.hints_used}: {text}"), file=out)
                    cost = session.next_hint_cost()
                    if cost is not None:
                        print(f"(another hint {cost})", file=out)
                continue
            if answer == ":skip":
                variant = session.current
                skipped = session.skip(advance=False)
                _show_skipped(skipped, variant, out)
                session.advance()
                break
            if not answer.strip():
                print("Type an answer, or :hint, :skip, :quit.", file=out)
                continue
            result = session.submit(answer)
            if result.status is Status.INVALID:
                _show_invalid(result, answer, out)
                continue
            if not _score(session, result, answer, inp, out):
                return
            break


def _score(session: "Session", result: "Grade", answer: str, inp: TextIO, out: TextIO) -> bool:
    """Show a stored answer's grade (a written one's after its checklist) and move on; False when the
    learner left at the checklist (the answer stays stored, awaiting it)."""
    from tutor.grading.grade import Status

    if result.status is Status.NEEDS_REVIEW:
        from tutor.session.engine import SessionError

        try:
            assessed = _checklist(session, result, answer, inp, out)
        except SessionError as exc:  # assessed meanwhile in another window: that one stands; on to the next
            print(f"? {exc}", file=out)
            session.advance()
            return True
        if assessed is None:
            return False
        result = assessed
    attempt = session.current_attempt
    _show_grade(result, attempt.score if attempt else result.score, session, out)
    session.advance()
    return True


def _checklist(session: "Session", result: "Grade", answer: str, inp: TextIO, out: TextIO) -> "Grade | None":
    """A written answer: the model answer beside the learner's, the rubric as a checklist pre-marked with
    the patterns' suggestions, contradiction warnings; the learner's typed confirmation gives the score.

    None at the end of input or `:quit`: the answer stays stored, awaiting its checklist, which resuming
    the session opens again.
    """
    from tutor.grading.text import CONTRADICTION_LEAD, ChecklistError, read_checklist

    variant = session.current
    assert variant is not None
    rubric = getattr(variant.question, "rubric", ())
    suggested = set(result.details.get("suggested", ()))
    print("Your answer:", file=out)
    print(f"    {visible(answer)}", file=out)
    print("Model answer:", file=out)
    for line in plain_math(result.expected).splitlines():
        print(f"    {line}", file=out)
    for line in result.feedback:
        if line.startswith(CONTRADICTION_LEAD):
            print(f"  ! {line}", file=out)
    print("Which of these points does your answer make? You decide; [~] marks a machine suggestion only.", file=out)
    for i, point in enumerate(rubric, start=1):
        mark = "[~]" if i - 1 in suggested else "[ ]"
        note = "  (seems present)" if i - 1 in suggested else ""
        print(f"  {mark} {i}. {plain_math(point.point)}{note}", file=out)
    hint = " ".join(str(i + 1) for i in sorted(suggested)) or "none"
    while True:
        print(f"Type the numbers of the points you make (e.g. `{hint}`), `all` or `none` > ", end="", file=out, flush=True)
        line = inp.readline()
        if not line or line.strip() == ":quit":
            print("\nNot scored: the checklist was not confirmed. Your answer is saved, awaiting your assessment:"
                  " resuming the session opens this checklist again.", file=out)
            return None
        try:
            points = read_checklist(line.rstrip("\n"), len(rubric))
        except ChecklistError as exc:
            print(f"? {exc.message}", file=out)
            continue
        graded = session.assess(points)
        print("(self-assessed: your checklist gives the score)", file=out)
        return graded


# -- answering an exam: `tutor quiz --exam FILE` ---------------------------------------------------


def _bank_questions(paper: "ExamPaper") -> dict[str, Any]:
    """The exam's questions from the built-in bank and the exam's banks that exist here; used only to re-ask unreadable answers."""
    from tutor.bank import BankError, bank_paths_from_env, load_bank

    paths = [Path(p) for p in paper.banks if Path(p).exists()] + list(bank_paths_from_env())
    try:
        bank = load_bank(paths)
    except BankError:
        return {}
    found = {}
    for q in paper.questions:
        try:
            found[q.id] = bank.get(q.id)
        except KeyError:
            continue
    return found


def answer_exam(exam_file: str, submission: str | None, inp: TextIO, out: TextIO) -> int:
    """Ask every unanswered question of an exam file; each answer is saved to the submission file at once.

    No feedback or score is shown; an answer that cannot be read is asked again.
    Running it again continues where the submission file left off.
    """
    from tutor.bank.variant import make_variant
    from tutor.grading import Status, grade
    from tutor.exam.paper import ExamError, read_paper, submission_file, write_atomic

    exam_path = Path(exam_file)
    target = Path(submission) if submission else submission_file(exam_path)
    try:
        paper = read_paper(target) if target.exists() else read_paper(exam_path)
    except ExamError as exc:
        raise UserError(str(exc)) from None
    questions = _bank_questions(paper)
    total = len(paper.questions)
    print(f"Exam {paper.exam} for {paper.name or paper.student}: {total} questions. No feedback until it is graded.", file=out)
    print(f"Answers are saved to {target} as you go. Commands: :skip (leave blank for now), :quit.", file=out)
    for index, item in enumerate(paper.questions):
        if item.answer:
            continue
        print(f"\n[{index + 1}/{total}] {item.kind} · {item.id}", file=out)
        print(plain_math(item.prompt.rstrip()), file=out)
        for i, option in enumerate(item.options):
            print(f"  {option_label(i, plain_math(option))}", file=out)
        if item.kind == "code":
            print(f"Type your code, then a line with only `{CODE_END}`.", file=out)
        while True:
            print("> ", end="", file=out, flush=True)
            answer = read_answer(inp, code=item.kind == "code", commands=(":skip", ":quit"))
            if answer is None or answer == ":quit":
                return _finish(paper, target, out)
            if answer == ":skip" or not answer.strip():
                break
            question = questions.get(item.id)
            if question is not None and item.kind != "code":
                result = grade(make_variant(question, item.seed), answer)
                if result.status is Status.INVALID:
                    print(f"? could not read that answer: {result.feedback[0] if result.feedback else ''}", file=out)
                    print("Try again.", file=out)
                    continue
            paper = paper.with_answer(index, answer)
            write_atomic(target, paper.to_yaml())
            print("Saved.", file=out)
            break
    return _finish(paper, target, out)


def _finish(paper: "ExamPaper", target: Path, out: TextIO) -> int:
    from tutor.exam.paper import write_atomic

    if not target.exists():
        write_atomic(target, paper.to_yaml())
    answered = sum(1 for q in paper.questions if q.answer)
    print(f"\nAnswered {answered} of {len(paper.questions)}. Hand in {target}.", file=out)
    if answered < len(paper.questions):
        print(f"Run `tutor quiz --exam {target}` again to answer the rest.", file=out)
    return 0
