"""The question screen: the prompt, the answer widget for its kind, hints, and grading in a worker.

It navigates nowhere itself: it posts `Shown`, `Answered` (a graded answer) and `Skipped`, and the
app decides what comes next (the feedback, the next question, the summary).
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Markdown, Static
from textual.worker import Worker, WorkerState

from tutor.errors import caret
from tutor.tui.labels import difficulty_dots, kind_name, topic_name
from tutor.notation.latex import plain_math, prompt_markdown
from tutor.tui.screens.confirm import ConfirmScreen
from tutor.tui.widgets.answers import LineAnswer, excerpt, answer_widget

if TYPE_CHECKING:
    from tutor.grading.grade import Grade


class QuestionScreen(Screen[None]):
    """One question of the session; a graded answer is posted to the app (`Answered`), an invalid one stays here."""

    class Shown(Message):
        """The question was painted for the first time (`at`: epoch seconds; `cpu`: process CPU seconds)."""

        def __init__(self, session: Any, at: float, cpu: float) -> None:
            super().__init__()
            self.session = session
            self.at = at
            self.cpu = cpu

    class Answered(Message):
        """The current question was graded (and recorded by the session): show `grade`, then move on."""

        def __init__(self, session: Any, variant: Any, grade: "Grade") -> None:
            super().__init__()
            self.session = session
            self.variant = variant
            self.grade = grade

    class Skipped(Message):
        """The learner confirmed skipping the current question."""

        def __init__(self, session: Any) -> None:
            super().__init__()
            self.session = session

    AUTO_FOCUS = None
    BINDINGS = [
        Binding("ctrl+s", "submit", "Submit", priority=True),
        Binding("ctrl+t", "hint", "Hint"),
        Binding("h", "hint", "Hint", show=False),
        Binding("ctrl+n", "skip", "Skip"),
        Binding("escape", "cancel_grading", "Cancel grading", priority=True),
        Binding("ctrl+c", "cancel_grading", "Cancel grading", show=False, priority=True),
    ]

    grading: reactive[bool] = reactive(False, bindings=True)

    def __init__(self, session: Any) -> None:
        variant = session.current
        super().__init__(classes="with-editor" if variant.kind in ("code", "text") else None)
        self.session = session
        self.variant = variant
        self._token = 0
        self._cancel: threading.Event | None = None
        self._worker: Worker[None] | None = None

    # ---- layout -------------------------------------------------------------------------------

    def _bar_text(self) -> str:
        q = self.variant.question
        total = len(self.session.variants)
        hints = len(q.hints)
        parts = [
            ("Review · " if self.session.config.review else "") + f"Question {self.session.index + 1} of {total}",
            topic_name(q.topic),
            kind_name(q.kind),
            f"difficulty {difficulty_dots(q.difficulty)}",
        ]
        if hints:
            parts.append(f"hints {len(self.session.hints_shown())}/{hints}")
        return "  │  ".join(parts)

    def _hints_text(self) -> str:
        return "\n".join(f"Hint {i + 1}: {plain_math(h)}" for i, h in enumerate(self.session.hints_shown()))

    def compose(self) -> ComposeResult:
        yield Static(self._bar_text(), id="question-bar", markup=False)
        with VerticalScroll(id="prompt-scroll"):
            yield Markdown(prompt_markdown(self.variant.prompt), id="prompt", open_links=False)
            yield Static(self._hints_text(), id="hints", markup=False)
        yield answer_widget(self.variant, self.session.interpret)
        yield Static("", id="answer-error", markup=False)
        with Horizontal(id="grading"):
            yield Static("Grading… (esc cancels)", id="grading-label", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#hints").display = bool(self.session.hints_shown())
        self.answer.focus_answer()
        self.call_after_refresh(self._shown)

    def _shown(self) -> None:
        self.post_message(self.Shown(self.session, time.time(), time.process_time()))
        if self.variant.kind == "code":
            self.warm_code_sandbox()

    @work(thread=True, exit_on_error=False, group="prestart")
    def warm_code_sandbox(self) -> None:
        """Start the sandbox's worker process (which imports torch) while the learner reads and types."""
        from tutor.grading import code  # deferred: only a code question needs the sandbox

        code.prestart()

    @property
    def answer(self) -> Any:
        return self.query_one("#answer")

    # ---- bindings -------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_grading":
            return self.grading
        if action in ("submit", "hint", "skip"):
            return not self.grading
        return True

    def watch_grading(self, grading: bool) -> None:
        box = self.query_one("#grading")
        if grading and not box.query("#grading-spinner"):
            from textual.widgets import LoadingIndicator  # deferred: needed only once something is graded

            box.mount(LoadingIndicator(id="grading-spinner"), before=0)
        box.display = grading
        self.answer.disabled = grading
        if not grading and self.is_mounted:
            self.answer.focus_answer()

    def action_submit(self) -> None:
        if self._worker is not None and self._worker.is_running:
            self.notify("Still stopping the previous grading; try again in a moment.", severity="warning")
            return
        text = self.answer.value()
        if not text.strip():
            self._show_error("Give an answer first (ctrl+n skips the question).")
            return
        self._show_error("")
        self._token += 1
        self._cancel = threading.Event()
        self.grading = True
        self._worker = self.grade_answer(text, self._token, self._cancel)

    def on_option_list_option_selected(self, event: Any) -> None:
        event.stop()
        self.action_submit()

    def on_input_submitted(self, event: Any) -> None:
        event.stop()
        self.action_submit()

    @work(thread=True, exclusive=True, exit_on_error=False, group="grade")
    def grade_answer(self, text: str, token: int, cancel: threading.Event) -> None:
        """Grade in a thread: code runs in a sandbox for seconds, formulas may take a moment; the UI stays live."""
        try:
            result = self.session.submit(text, cancel_event=cancel)
        except Exception:
            if cancel.is_set():
                return  # cancelled (the engine's or the code grader's GradingCancelled): the screen said so
            raise
        self.app.call_from_thread(self._graded, token, result)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is not self._worker or event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        self.grading = False
        self.app.log.error("grading failed", error)
        self.notify(f"Grading failed: {type(error).__name__}: {error}", severity="error", timeout=10)

    def action_cancel_grading(self) -> None:
        if not self.grading:
            return
        if self._cancel is not None:
            self._cancel.set()
        self._token += 1  # whatever the cancelled worker returns is ignored
        self.grading = False
        self.notify("Grading cancelled; nothing was recorded.")

    def _graded(self, token: int, result: "Grade") -> None:
        if token != self._token or not self.is_attached:
            return
        self.grading = False
        if result.status.value == "invalid":
            message = result.feedback[0] if result.feedback else "This answer could not be read."
            self._show_error(
                f"{message}  (nothing recorded; fix it and submit again)", position=result.position, end=result.position_end
            )
            self.answer.show_problem(result.position)
            return
        self.post_message(self.Answered(self.session, self.variant, result))

    def _show_error(self, message: str, position: int | None = None, end: int | None = None) -> None:
        error = self.query_one("#answer-error", Static)
        if not message:
            error.update("")
            error.display = False
            return
        lines: list[Content | str] = [Content.styled(message, "$text-error")]
        if position is not None and isinstance(self.answer, LineAnswer):
            text, at = excerpt(self.answer.value(), position)  # never the whole of a long paste
            assert at is not None
            shown_end = None if end is None else min(len(text), end + at - position)
            lines = [Content(text), Content.styled(caret(at, shown_end), "$text-error"), *lines]
        error.update(Content("\n").join(lines))
        error.display = True

    def on_line_answer_edited(self, event: LineAnswer.Edited) -> None:
        """A changed answer makes the last message about it stale."""
        event.stop()
        self._show_error("")

    def on_text_area_changed(self, event: Any) -> None:
        self._show_error("")

    def action_hint(self) -> None:
        cost = self.session.next_hint_cost()
        if cost is None:
            total = len(self.variant.question.hints)
            self.notify("This question has no hints." if not total else "No more hints for this question.")
            return
        number = len(self.session.hints_shown()) + 1
        total = len(self.variant.question.hints)
        message = f"{cost[:1].upper()}{cost[1:]}. Show it?"  # e.g. "Costs 1 point (max score 4). Show it?"
        self.app.push_screen(
            ConfirmScreen(f"Hint {number} of {total}", message, yes="Show hint", no="Not now"), self._hint_confirmed
        )

    def _hint_confirmed(self, yes: bool | None) -> None:
        if not yes:
            self.answer.focus_answer()
            return
        if self.session.hint() is not None:
            hints = self.query_one("#hints", Static)
            hints.update(self._hints_text())
            hints.display = True
            self.query_one("#question-bar", Static).update(self._bar_text())
            self.query_one("#prompt-scroll", VerticalScroll).scroll_end(animate=False)
        self.answer.focus_answer()

    def action_skip(self) -> None:
        self.app.push_screen(
            ConfirmScreen("Skip this question?", "It is scored 1 / 5; then you see the answer and why, as after a wrong answer.", yes="Skip"),
            self._skip_confirmed,
        )

    def _skip_confirmed(self, yes: bool | None) -> None:
        if not yes:
            self.answer.focus_answer()
            return
        self.post_message(self.Skipped(self.session))
