"""One answer widget per question kind, all with the same small interface.

Every answer widget has `value() -> str` (the answer text the grader reads),
`focus_answer()` and `show_problem(position)` (put the cursor where an invalid
answer stopped making sense). The one-line kinds also read the answer as it is
typed and say how it was understood, without ever saying whether it is right.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from typing import Callable

from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Static

from tutor.bank.labels import option_letter
from tutor.bank.variant import Variant

# Each kind's widget class is imported where it is built, so the first question loads only its own.
if TYPE_CHECKING:
    from textual.widgets import Input, TextArea

    from tutor.grading.grade import Grade

# Reads an answer as the session would grade it, recording nothing (`Session.interpret`).
Interpreter = Callable[[str], "Grade | None"]

LINE_KINDS = ("shape", "einsum", "numeric", "symbolic", "complexity")
# How long typing must pause before the answer is read again (seconds).
INTERPRET_DEBOUNCE = 0.25

# Say the form an answer takes, never an example that is itself the answer to some question.
_PLACEHOLDERS = {
    "shape": "the dimensions in order, in brackets: [first, second, …]",
    "einsum": "an einsum equation (inputs->output) or a whole torch.einsum(...) call",
    "numeric": "a number; arithmetic and units such as 2*1024^2 or 4 MiB work",
    "symbolic": "a formula in the question's symbols; ^ or ** for powers, LaTeX works",
    "complexity": "O(...) in the question's symbols; constant factors do not matter",
}


# The most of an answer ever echoed back under the input (a 20,000-character paste shows an excerpt).
ECHO_WIDTH = 60


def excerpt(text: str, position: int | None, width: int = ECHO_WIDTH) -> tuple[str, int | None]:
    """`text` cut to about `width` characters around `position` (with … where cut), and the position in it."""
    if len(text) <= width:
        return text, position
    at = 0 if position is None else max(0, min(position, len(text)))
    start = max(0, min(at - width // 2, len(text) - width))
    end = start + width
    shown = ("…" if start > 0 else "") + text[start:end] + ("…" if end < len(text) else "")
    return shown, None if position is None else at - start + (1 if start > 0 else 0)


def interpretation(text: str, result: "Grade | None") -> Content:
    """What the answer so far was read as, or where it stops making sense; never whether it is right.

    The place an invalid answer stops making sense comes from `result.position` / `position_end` (data,
    not the message): that span is highlighted in an echo of the answer.
    """
    if result is None or not text.strip():
        return Content("")
    if result.status.value == "invalid":
        message = result.feedback[0] if result.feedback else "cannot read this answer"
        parts: list[tuple[str, str] | str] = [("✗ ", "$text-warning"), (message, "$text-warning")]
        start = result.position
        if start is not None and "\n" not in text and 0 <= start <= len(text):
            end = min(len(text), max(start + 1, result.position_end or 0))
            text, at = excerpt(text, start)  # never the whole of a long paste
            assert at is not None
            end = min(len(text), end + at - start)
            mark = text[at:end] or " "
            parts += [("  ·  ", "$text-muted"), text[:at], (mark, "reverse $text-warning"), text[end:]]
        return Content.assemble(*parts)
    return Content.assemble(("interpreted as ", "$text-muted"), (result.interpreted, "bold"))


class LineAnswer(Vertical):
    """A one-line input with a live "interpreted as" line under it (shapes, einsum, numbers, formulas, big-O).

    The line is read by `interpret` (the session's `Session.interpret`: the same grading as a submitted
    answer, recording nothing), in a worker thread, after typing pauses.
    """

    DEFAULT_CLASSES = "answer"

    def __init__(self, variant: Variant, interpret: Interpreter | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.variant = variant
        self._interpret = interpret
        self._debounce: Timer | None = None

    def compose(self) -> ComposeResult:
        from textual.widgets import Input

        # select_on_focus off: going back to fix an invalid answer must keep the text, cursor at the problem.
        yield Input(placeholder=_PLACEHOLDERS.get(self.variant.kind, ""), id="answer-input", select_on_focus=False)
        yield Static("", id="interpreted", markup=False)

    @property
    def input(self) -> "Input":
        return self.query_one("#answer-input")  # type: ignore[return-value]

    def value(self) -> str:
        return self.input.value

    def focus_answer(self) -> None:
        self.input.focus()

    def show_problem(self, position: int | None) -> None:
        self.input.focus()
        if position is not None:
            self.input.cursor_position = max(0, min(position, len(self.input.value)))

    class Edited(Message):
        """The answer text changed: whatever was said about the previous text is stale."""

    def on_input_changed(self, event: "Input.Changed") -> None:
        event.stop()
        self.post_message(self.Edited())
        self.query_one("#interpreted", Static).update("")  # until the new text is read
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(INTERPRET_DEBOUNCE, self._interpret_now)

    def _interpret_now(self) -> None:
        self._debounce = None
        if self._interpret is not None:
            self.interpret(self.input.value)

    @work(thread=True, exclusive=True, exit_on_error=False, group="interpret")
    def interpret(self, text: str) -> None:
        """Read the answer in a thread: the first reading may import sympy, which must not block typing."""
        assert self._interpret is not None
        content = interpretation(text, self._interpret(text) if text.strip() else None)
        self.app.call_from_thread(self._show_interpretation, text, content)

    def _show_interpretation(self, text: str, content: Content) -> None:
        if self.is_mounted and text == self.input.value:
            self.query_one("#interpreted", Static).update(content)


class ChoiceAnswer(Vertical):
    """The options as a list: pick one (a letter or ↑/↓, then enter), or tick several (a letter or space)."""

    DEFAULT_CLASSES = "answer"

    def __init__(self, variant: Variant, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.variant = variant
        answer = getattr(variant.question, "answer", "")
        self.multiple = isinstance(answer, list)

    def compose(self) -> ComposeResult:
        from tutor.tui.widgets.options import OptionPicker

        letters = [option_letter(i) for i in range(len(self.variant.options))]
        yield OptionPicker(zip(letters, self.variant.options), multiple=self.multiple, id="choices")
        if self.multiple:
            yield Static("a letter, or space, ticks an option; ctrl+s submits the ticked ones", classes="answer-help")
        else:
            yield Static("a letter (or ↑/↓) points at an option; enter answers", classes="answer-help")

    def on_mount(self) -> None:
        self.query_one("#choices").highlighted = 0  # type: ignore[attr-defined]

    def value(self) -> str:
        """The chosen letters (`B`, or `A, C` for several), as the choice grader reads them."""
        from tutor.tui.widgets.options import OptionPicker

        choices = self.query_one("#choices", OptionPicker)
        if self.multiple:
            return ", ".join(choices.selected)
        return choices.highlighted_value or ""

    def focus_answer(self) -> None:
        self.query_one("#choices").focus()

    def show_problem(self, position: int | None) -> None:
        self.focus_answer()


class EditorAnswer(Vertical):
    """A multi-line editor: Python with highlighting and the starter code for `code`, plain text for `text`."""

    DEFAULT_CLASSES = "answer"

    def __init__(self, variant: Variant, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.variant = variant

    def compose(self) -> ComposeResult:
        from tutor.tui.widgets.editor import AnswerEditor

        if self.variant.kind == "code":
            starter = getattr(self.variant.question, "starter", "")
            yield AnswerEditor.code_editor(starter, language="python", id="editor", soft_wrap=False)
        else:
            yield AnswerEditor(
                id="editor", soft_wrap=True, tab_behavior="focus", placeholder="Write your answer here.",
                auto_indent=False, suffix=".md",
            )

    def on_mount(self) -> None:
        if self.variant.kind == "code":
            self.watch(self.app, "theme", self._match_theme)

    def _match_theme(self) -> None:
        """Keep the code colours readable: a light editor theme under a light app theme."""
        self.editor.theme = "monokai" if self.app.current_theme.dark else "github_light"

    @property
    def editor(self) -> "TextArea":
        return self.query_one("#editor")  # type: ignore[return-value]

    def value(self) -> str:
        return self.editor.text

    def focus_answer(self) -> None:
        self.editor.focus()

    def show_problem(self, position: int | None) -> None:
        editor = self.editor
        editor.focus()
        if position is None:
            return
        before = editor.text[: max(0, position)]
        row = before.count("\n")
        col = len(before) - (before.rfind("\n") + 1)
        editor.cursor_location = (row, col)


def answer_widget(variant: Variant, interpret: Interpreter | None = None) -> Widget:
    """The answer widget that fits the variant's kind; a one-line one reads answers live with `interpret`."""
    if variant.kind in LINE_KINDS:
        return LineAnswer(variant, interpret, id="answer")
    if variant.kind == "choice":
        return ChoiceAnswer(variant, id="answer")
    if variant.kind in ("statements", "multi"):
        from tutor.tui.widgets.toggles import MultiAnswer, StatementsAnswer

        return StatementsAnswer(variant, id="answer") if variant.kind == "statements" else MultiAnswer(variant, id="answer")
    return EditorAnswer(variant, id="answer")
