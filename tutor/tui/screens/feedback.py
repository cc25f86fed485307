"""Feedback on one graded answer: status, the score shown large, what was understood, what to fix."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, HorizontalScroll, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Digits, Footer, Markdown, Static

from tutor.tui.labels import badge, difficulty_dots, kind_name, topic_name
from tutor.notation.latex import plain_math, prompt_markdown

if TYPE_CHECKING:
    from tutor.bank.variant import Variant
    from tutor.grading.grade import Grade


def code_cases(details: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """Columns and rows of the case table in a code grade's details (empty when there is none)."""
    cases = [c for c in details.get("cases") or [] if isinstance(c, dict)]
    if not cases:
        return [], []
    rows = []
    for case in cases:
        passed = bool(case.get("passed"))
        result = "✔ pass" if passed else f"✘ {case.get('reason') or 'fail'}"
        rows.append([str(case.get("label", "")), result])
    return ["case", "result"], rows


def code_timing(details: dict[str, Any]) -> str:
    """`largest case on cpu: yours 1.20 ms, reference 0.80 ms (1.5x)` from a code grade's details."""
    timing = details.get("timing") or {}
    mine, ref = timing.get("submission_seconds"), timing.get("reference_seconds")
    parts = []
    if isinstance(mine, (int, float)):
        parts.append(f"yours {mine * 1e3:.2f} ms")
    if isinstance(ref, (int, float)):
        parts.append(f"reference {ref * 1e3:.2f} ms")
    if not parts:
        return ""
    line = ", ".join(parts)
    if isinstance(mine, (int, float)) and isinstance(ref, (int, float)) and ref > 0:
        line += f" ({mine / ref:.1f}x)"
    return f"largest case on {details.get('device') or 'cpu'}: {line}"


SKIPPED_BADGE = ("↷ Skipped", "warning")


def code_block(text: str, widget_id: str) -> ComposeResult:
    """Lines kept whole (code never wraps mid-line): a block that scrolls sideways when it is wider."""
    with HorizontalScroll(classes="code-scroll"):
        yield Static(text, id=widget_id, classes="code-block", markup=False)


def feedback_lines(grade: "Grade", kind: str) -> list[str]:
    """The grader's feedback as display lines: a bullet per point, indented lines kept as continuations.

    For code, the lines the case table, the diagnosis and the timing line already show are left out.
    """
    shown: tuple[str, ...] = ()
    if kind == "code":
        cases = [c for c in grade.details.get("cases") or [] if isinstance(c, dict)]
        shown = tuple(f"  {c.get('label')} (" for c in cases)
        if grade.details.get("diagnosis"):
            shown += ("Diagnosis: ",)
        if code_timing(grade.details):
            shown += ("Time on the largest case",)
    out = []
    for line in grade.feedback:
        if shown and line.startswith(shown):
            continue
        out.append(f"  {plain_math(line.strip())}" if line[:1].isspace() else f"• {plain_math(line)}")
    return out


class FeedbackScreen(Screen[None]):
    """Shown after every graded (or skipped) answer, and again from the summary for a past one;
    enter goes on (or back)."""

    BINDINGS = [
        Binding("enter,n,space", "next", "Continue"),
        Binding("escape", "next", "Back", show=False),
        Binding("x", "explore", "Explore these numbers"),
    ]

    def __init__(
        self,
        variant: "Variant",
        grade: "Grade",
        *,
        position: int,
        total: int,
        score: int,
        hints_used: int = 0,
        skipped: bool = False,
        answer: str | None = None,
    ) -> None:
        super().__init__()
        self.variant = variant
        self.grade = grade
        self.position = position
        self.total = total
        self.hints_used = hints_used
        self.score = score  # the score that counts: the grade capped by the hints taken before answering
        self.skipped = skipped
        self.answer = answer  # shown when the feedback is opened again from the summary

    @classmethod
    def for_current(cls, session: Any, variant: "Variant", grade: "Grade", *, skipped: bool = False) -> "FeedbackScreen":
        """The feedback on the answer just given (or the question just skipped)."""
        attempt = session.current_attempt
        hints = attempt.hints_used if attempt is not None else session.hints_used
        score = attempt.score if attempt is not None else grade.score
        return cls(variant, grade, position=session.index, total=len(session.variants), score=score,
                   hints_used=hints, skipped=skipped)

    @classmethod
    def for_past(cls, past: Any, total: int) -> "FeedbackScreen":
        """A past answer's feedback (a `PastAnswer`), opened again from the summary."""
        return cls(past.variant, past.grade, position=past.position, total=total, score=past.score,
                   hints_used=past.hints_used, skipped=past.skipped, answer=past.answer)

    def _score_line(self) -> str:
        line = f"score {self.score} / 5"
        if self.skipped:
            return line + "  ·  skipped: here are the answer and why"
        if self.grade.assessed == "self":
            line += "  ·  self-assessed (your checklist)"
        if self.hints_used:
            line += f"  ·  {self.hints_used} hint{'s' if self.hints_used != 1 else ''} used"
        if self.score < self.grade.score:
            line += f" (the answer earned {self.grade.score})"
        return line

    def compose(self) -> ComposeResult:
        grade = self.grade
        q = self.variant.question
        headline, tone = badge(grade.status.value, grade.assessed)
        if self.skipped:
            headline, tone = SKIPPED_BADGE
        total = self.total
        yield Static(
            f"Question {self.position + 1} of {total}  │  {topic_name(q.topic)}  │  {kind_name(q.kind)}"
            f"  │  difficulty {difficulty_dots(q.difficulty)}",
            id="question-bar",
            markup=False,
        )
        with Horizontal(id="verdict", classes=f"tone-{tone}"):
            with Vertical(id="verdict-text"):
                yield Static(headline, id="status", classes=f"tone-{tone}", markup=False)
                yield Static(self._score_line(), id="score-line", markup=False)
            yield Digits(f"{self.score}/5", id="score")
        with VerticalScroll(id="feedback-body"):
            if self.answer is not None and not self.skipped:
                yield Static("Your answer", classes="section-title", markup=False)
                yield from code_block(self.answer.rstrip() or "(blank)", "your-answer")
            if grade.interpreted and q.kind not in ("code", "text"):
                yield Static(
                    Content.assemble(("Your answer was read as  ", "$text-muted"), (grade.interpreted, "bold")),
                    id="interpreted-as",
                )
            if q.kind == "code":
                yield from self._code_details()
            lines = [] if self.skipped else feedback_lines(grade, q.kind)
            if lines:
                yield Static("\n".join(lines), id="feedback-lines", markup=False)
            model = getattr(q, "answer", None)
            is_model = q.kind == "code" and isinstance(model, str) and grade.expected.strip() == model.strip()
            if grade.expected and grade.status.value != "correct" and not is_model:
                if "\n" in grade.expected.strip() or q.kind == "text":
                    yield Static("A model answer", classes="section-title", markup=False)
                    yield from code_block(grade.expected.strip(), "expected")
                else:
                    yield Static(
                        Content.assemble(("Expected  ", "$text-muted"), (grade.expected, "bold")), id="expected"
                    )
            if q.kind == "code" and isinstance(model, str) and grade.status.value != "correct":
                yield Static("A model solution", classes="section-title", markup=False)
                yield from code_block(model.rstrip(), "model-answer")
            if self.variant.explanation:
                yield Static("Why", classes="section-title", markup=False)
                yield Markdown(prompt_markdown(self.variant.explanation), id="explanation", open_links=False)
        yield Footer()

    def _code_details(self) -> ComposeResult:
        details = self.grade.details
        columns, rows = code_cases(details)
        if rows:
            yield Static("Cases", classes="section-title", markup=False)
            table: DataTable[str] = DataTable(id="cases", cursor_type="none", zebra_stripes=True)
            table.add_columns(*columns)
            table.add_rows(rows)
            yield table
        diagnosis = details.get("diagnosis")
        if diagnosis:
            yield Static(
                Content.assemble(("Diagnosis  ", "$text-muted"), (plain_math(str(diagnosis)), "bold")),
                id="diagnosis",
            )
        timing = code_timing(details)
        if timing:
            yield Static(Content.assemble(("Timing  ", "$text-muted"), timing), id="timing")

    def on_mount(self) -> None:
        self.query_one("#feedback-body").focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "explore":
            return self.variant.question.topic == "kv-cache"  # a KV-cache question links to the explorer
        return True

    def action_explore(self) -> None:
        """The KV-cache explorer with this question's numbers filled in (its batch, context, model)."""
        from tutor.explore import settings_for
        from tutor.tui.screens.explorer import ExplorerScreen

        text = f"{self.variant.prompt}\n{self.variant.explanation}"
        self.app.push_screen(ExplorerScreen(settings_for(dict(self.variant.params), text)))

    def action_next(self) -> None:
        self.dismiss(None)
