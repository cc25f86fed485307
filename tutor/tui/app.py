"""The Textual app: one factory, `make_app`, builds it for both the `tutor` command and the tests.

The app is a thin shell over `tutor.session.engine.Session`: it shows the current
question, hands answers to the session in a worker thread and moves on. It never
imports sympy or torch itself; graders do, in threads, when they are first used.

Navigation lives here alone: screens never call the app; they post messages (`StartScreen.Begin`,
`QuestionScreen.Answered`, `SummaryScreen.Practise`, ...) or `dismiss` a result, and the
`on_*` handlers below decide which screen comes next.
"""

from __future__ import annotations

import importlib
import os
import sys
import time
from typing import TYPE_CHECKING, Any, Callable, Iterable

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from tutor.errors import bank_problems_line, print_bank_problems
from tutor.tui.screens.confirm import ConfirmScreen

if TYPE_CHECKING:
    from tutor.explore import Settings
    from tutor.session.engine import Session, SessionConfig
    from tutor.session.store import SessionRecord, Store
    from tutor.tui.screens.question import QuestionScreen
    from tutor.tui.screens.start import StartScreen
    from tutor.tui.screens.stats import StatsScreen
    from tutor.tui.screens.summary import SummaryScreen

from tutor.tui.timing import record
# Kinds whose graders are preloaded in the background after the first paint (code would load torch).
PRELOAD_KINDS = ("shape", "einsum", "numeric", "symbolic", "complexity", "choice", "text")

_IMPORTED_AT = time.time()


def process_started_at() -> float:
    """When this process started (epoch seconds), from /proc where there is one; else when the app module loaded."""
    try:
        with open("/proc/self/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        with open("/proc/uptime", encoding="ascii") as f:
            uptime = float(f.read().split()[0])
        start_ticks = int(fields[19])  # field 22 of stat: start time in clock ticks after boot
        age = uptime - start_ticks / os.sysconf("SC_CLK_TCK")
        return time.time() - max(0.0, age)
    except (OSError, ValueError, IndexError):
        return _IMPORTED_AT


class TutorApp(App[int]):
    """Attention Tutor: a start screen, then question -> feedback -> ... -> summary."""

    CSS_PATH = "tutor.tcss"
    TITLE = "Attention Tutor"
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("ctrl+l", "toggle_theme", "Light/dark"),
        Binding("f3", "stats", "Progress"),
        Binding("f1", "help", "Help", show=False),
        Binding("question_mark", "help", "Help", show=False),
    ]
    # Below this the layout is cramped; the app says so once per resize into it and still works.
    MIN_SIZE = (80, 24)

    def __init__(
        self,
        *,
        session: "Session | None" = None,
        store: "Store | None" = None,
        bank: Any | None = None,
        banks: tuple[str, ...] = (),
        launched_at: float | None = None,
        explore: "Settings | None" = None,
    ) -> None:
        super().__init__()
        self.session = session
        self.explore_first = explore
        self.store = store
        self.banks = banks
        self._banks_loaded: dict[tuple[str, ...], Any] = {}
        if bank is not None:
            self._banks_loaded[banks] = bank
        self.launched_at = launched_at if launched_at is not None else process_started_at()
        self.first_question_ms: float | None = None
        self._preloaded: set[str] = set()

    # ---- screens --------------------------------------------------------------------------------

    def on_mount(self) -> None:
        if self.session is not None:
            self.show_current(self.session)
            self._say_shortfall(self.session)
        else:
            self.show_start()
        if self.explore_first is not None:
            self.action_explore(self.explore_first)

    def _show(self, screen: Screen[Any]) -> None:
        if len(self.screen_stack) > 1:
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def show_start(self) -> None:
        from tutor.tui.screens.start import StartScreen

        self.session = None
        unfinished = tuple(self.store.unfinished_sessions()) if self.store is not None else ()
        self._show(StartScreen(unfinished=unfinished, banks=self.banks, due=self.due_count()))
        self.call_after_refresh(self.preload_explorer)

    def show_current(self, session: "Session") -> None:
        """The session's current question, or its summary once it is done."""
        self.session = session
        if session.done:
            from tutor.tui.screens.summary import SummaryScreen

            self._show(SummaryScreen(session))
        else:
            from tutor.tui.screens.question import QuestionScreen

            self._show(QuestionScreen(session))
            pending = session.pending
            if pending is not None:  # resumed: a written answer was stored, its checklist never confirmed
                self.open_checklist(session, pending.variant, pending.grade)

    # ---- what the screens hand back: the app navigates ------------------------------------------

    def on_start_screen_begin(self, message: "StartScreen.Begin") -> None:
        self._report_to_start(self.begin(message.config))

    def on_start_screen_resume(self, message: "StartScreen.Resume") -> None:
        self._report_to_start(self.resume(message.record))

    def _report_to_start(self, problem: str | None) -> None:
        from tutor.tui.screens.start import StartScreen

        if problem and isinstance(self.screen, StartScreen):
            self.screen.show_problem(problem)

    def on_question_screen_shown(self, message: "QuestionScreen.Shown") -> None:
        self.question_shown(message.session, message.at, message.cpu)

    def on_question_screen_answered(self, message: "QuestionScreen.Answered") -> None:
        from tutor.tui.screens.feedback import FeedbackScreen

        session = message.session
        if message.grade.status.value == "needs_review":  # a written answer: the learner's checklist decides
            self.open_checklist(session, message.variant, message.grade)
            return
        self.push_screen(FeedbackScreen.for_current(session, message.variant, message.grade), lambda _: self.next_question(session))

    def open_checklist(self, session: "Session", variant: Any, grade: Any) -> None:
        """The checklist of a written answer (stored, awaiting it), then its feedback, then the next question."""
        from tutor.tui.screens.checklist import ChecklistScreen
        from tutor.tui.screens.feedback import FeedbackScreen

        def after(assessed: Any) -> None:
            if assessed is None:  # not recorded here (assessed in another window): on to the next question
                self.next_question(session)
                return
            self.push_screen(FeedbackScreen.for_current(session, variant, assessed), lambda _: self.next_question(session))

        self.push_screen(ChecklistScreen(session, variant, grade), after)

    def on_question_screen_skipped(self, message: "QuestionScreen.Skipped") -> None:
        """A skip is recorded, then teaches: the answer, why, and the model solution, as after a wrong answer."""
        from tutor.tui.screens.feedback import FeedbackScreen

        session = message.session
        variant = session.current
        grade = session.skip(advance=False)
        screen = FeedbackScreen.for_current(session, variant, grade, skipped=True)
        self.push_screen(screen, lambda _: self.next_question(session))

    def on_summary_screen_practise(self, message: "SummaryScreen.Practise") -> None:
        problem = self.begin(message.config)
        if problem:
            self.notify(problem, severity="error")

    def on_summary_screen_new_session(self, message: "SummaryScreen.NewSession") -> None:
        self.show_start()

    # ---- sessions -------------------------------------------------------------------------------

    def next_question(self, session: "Session") -> None:
        session.advance()
        self.show_current(session)

    def begin(self, config: "SessionConfig") -> str | None:
        """Start a session from `config` and show its first question; a message saying why not otherwise."""
        from tutor.session.engine import Session

        return self._open(config.banks, lambda bank: Session.start(config, bank, self.store))

    def due_count(self) -> int | None:
        """Review cards due now; None when no history is kept."""
        return None if self.store is None else len(self.store.due_questions(time.time()))

    def action_review(self, n: int = 10) -> None:
        """A review session: what is due first, then the weakest topics (said so when nothing is due)."""
        from tutor.session.engine import SessionConfig

        if self.store is None or self.in_session:
            self.notify("Reviews need the history, and no session in progress." if self.store is None
                        else "Finish or quit this session first (its answers are kept).")
            return
        due = self.due_count() or 0
        problem = self.begin(SessionConfig(review=True, n=max(n, min(due, 50)), banks=self.banks))
        if problem:
            self.notify(problem, severity="error")
        elif due == 0:
            self.notify("Nothing is due for review: here are your weakest topics instead.", timeout=6)

    def action_practise_weakest(self) -> None:
        """A session on the weakest topic (or kind) over all stored sessions."""
        from tutor.session.stats import compute

        if self.store is None or self.in_session:
            self.notify("Practising the weakest needs the history, and no session in progress." if self.store is None
                        else "Finish or quit this session first (its answers are kept).")
            return
        weakest = compute(self.store).weakest
        if not weakest:
            self.notify("Nothing answered below 5 yet: start any session.")
            return
        self.practise(weakest[0].area, weakest[0].name)

    def practise(self, area: str, name: str) -> None:
        from tutor.session.engine import SessionConfig

        config = SessionConfig(topics=(name,) if area == "topic" else (), kinds=(name,) if area == "kind" else (), banks=self.banks)
        problem = self.begin(config)
        if problem:
            self.notify(problem, severity="error")

    def on_start_screen_review(self, message: "StartScreen.Review") -> None:
        self.action_review(message.n)

    def on_stats_screen_practise(self, message: "StatsScreen.Practise") -> None:
        if self.in_session:
            self.notify("Finish or quit this session first (its answers are kept).")
            return
        self.practise(message.area, message.name)

    def resumable(self) -> "SessionRecord | None":
        """The newest unfinished session in the history, if there is one (and a history at all)."""
        if self.store is None:
            return None
        records = self.store.unfinished_sessions()
        return records[0] if records else None

    def resume(self, record: "SessionRecord") -> str | None:
        """Continue a stored session at its first unanswered question; a message saying why not otherwise."""
        from tutor.session.engine import Session, SessionConfig

        store = self.store
        assert store is not None
        banks = SessionConfig.from_json(record.config).banks
        return self._open(banks, lambda bank: Session.from_record(record, store, bank))

    def _say_shortfall(self, session: "Session") -> None:
        note = session.shortfall_note() if session.index == 0 else None
        if note:
            self.notify(note, timeout=6)

    def _open(self, banks: tuple[str, ...], make: "Callable[[Any], Session]") -> str | None:
        """Load `banks`, build a session with `make(bank)` and show it; or say why it could not be."""
        from tutor.bank import BankError
        from tutor.session.engine import SessionError

        try:
            session = make(self._bank(banks))
        except SessionError as exc:
            return str(exc)
        except BankError as exc:
            return bank_problems_line(exc)
        self.show_current(session)
        self._say_shortfall(session)
        return None

    def _bank(self, banks: tuple[str, ...]) -> Any:
        if banks not in self._banks_loaded:
            from tutor.bank import load_bank  # deferred: YAML parsing only when a session starts

            self._banks_loaded[banks] = load_bank(list(banks))
        return self._banks_loaded[banks]

    # ---- start-up timing and background loading ---------------------------------------------------

    def question_shown(self, session: "Session", at: float, cpu: float) -> None:
        """A question screen's first paint (at `at`, after `cpu` CPU seconds): log the start-up time once, then warm the graders."""
        if self.first_question_ms is None:
            self.first_question_ms = (at - self.launched_at) * 1000
            # CPU time as well: on a busy machine the wall-clock figure mostly measures the other load.
            message = f"first question shown in {self.first_question_ms:.0f} ms (cpu {cpu * 1000:.0f} ms)"
            self.log.info(message)
            record(message)
        kinds = {v.kind for v in session.variants if v.kind in PRELOAD_KINDS} - self._preloaded
        if kinds:
            self._preloaded |= kinds
            self.preload_graders(sorted(kinds))

    @work(thread=True, exit_on_error=False, group="preload")
    def preload_explorer(self) -> None:
        """After the start screen is painted: the plot library and the model tables, so `e` opens at once."""
        for name in ("textual_plotext", "tutor.explore", "reference_impl.models", "tutor.tui.screens.explorer"):
            importlib.import_module(name)

    @work(thread=True, exit_on_error=False, group="preload")
    def preload_graders(self, kinds: Iterable[str]) -> None:
        """Import the graders (and sympy) off the main thread so the first answer is read without a pause."""
        for kind in kinds:
            importlib.import_module(f"tutor.grading.{kind}")

    # ---- quitting, themes, the command palette ---------------------------------------------------

    @property
    def in_session(self) -> bool:
        return self.session is not None and not self.session.done

    def action_help(self) -> None:
        """The keys of the current screen (its live bindings) in a dialog."""
        from tutor.tui.screens.help import HelpScreen, key_lines

        if isinstance(self.screen, HelpScreen):
            return
        screen = self.screen
        title = {
            "StartScreen": "start", "QuestionScreen": "question", "FeedbackScreen": "feedback",
            "SummaryScreen": "summary", "StatsScreen": "progress", "ExplorerScreen": "KV-cache explorer",
        }.get(type(screen).__name__, type(screen).__name__)
        about = getattr(screen, "HELP", "") or ""
        self.push_screen(HelpScreen(title, key_lines(screen, self.active_bindings), about))

    def on_resize(self, event: Any) -> None:
        small = event.size.width < self.MIN_SIZE[0] or event.size.height < self.MIN_SIZE[1]
        if small and not getattr(self, "_said_small", False):
            self.notify(
                f"This terminal is {event.size.width}x{event.size.height}; the app is laid out for at least "
                f"{self.MIN_SIZE[0]}x{self.MIN_SIZE[1]}. It still works: scroll, or enlarge the window.",
                title="Small terminal", severity="warning", timeout=8,
            )
        self._said_small = small

    async def action_quit(self) -> None:
        from tutor.tui.screens.question import QuestionScreen

        screen = self.screen
        if isinstance(screen, QuestionScreen) and screen.grading:
            # Quitting while an answer is graded cancels the grading, as esc does (the sandbox's child is
            # killed, nothing is recorded), and leaves at once: the answer was never scored.
            screen.action_cancel_grading()
            self.exit(0)
            return
        if not self.in_session:
            self.exit(0)
            return
        if isinstance(self.screen, ConfirmScreen):
            return
        if self.store is not None:
            message = "Your answers so far are saved: Resume on the start screen, or tutor quiz --resume, continues this session."
        else:
            message = "Answers given so far are not kept."
        self.push_screen(ConfirmScreen("Quit in the middle of the session?", message, yes="Quit", no="Stay"), self._quit_confirmed)

    def _quit_confirmed(self, yes: bool | None) -> None:
        if yes:
            self.exit(0)

    def action_stats(self) -> None:
        """Progress over all stored sessions (needs the history store)."""
        if self.store is None:
            self.notify("No history is kept in this run, so there is no progress to show.")
            return
        from tutor.session.stats import compute
        from tutor.tui.screens.stats import StatsScreen

        if not isinstance(self.screen, StatsScreen):
            self.push_screen(StatsScreen(compute(self.store)))

    def action_explore(self, settings: "Settings | None" = None) -> None:
        """The KV-cache explorer over the current screen; escape comes back."""
        from tutor.tui.screens.explorer import ExplorerScreen

        if not isinstance(self.screen, ExplorerScreen):
            self.push_screen(ExplorerScreen(settings))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "stats":
            return self.store is not None
        return True

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.current_theme.dark else "textual-dark"

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            if command.title == "Quit":  # say what ours does: it asks first in the middle of a session
                command = SystemCommand(
                    "Quit", "Quit the app (in the middle of a session it asks first; answers given are kept)",
                    command.callback,
                )
            yield command
        yield SystemCommand("Light/dark", "Switch between the light and the dark theme", self.action_toggle_theme)
        if self.store is not None:
            yield SystemCommand("Progress", "Mean scores by topic and kind, the trend, what to practise", self.action_stats)
            if not self.in_session:
                yield SystemCommand("Review what is due", "Due questions first, then your weakest topics", self.action_review)
                yield SystemCommand("Practise weakest topic", "A session on your weakest topic or kind", self.action_practise_weakest)
        yield SystemCommand(
            "KV-cache explorer", "Cache size and decode-step bytes of real models, MHA vs GQA vs MQA", self.action_explore
        )
        if not self.in_session:
            yield SystemCommand("New session", "Open the start screen", self.show_start)


def make_app(
    config: "SessionConfig | None" = None,
    *,
    bank: Any | None = None,
    store: "Store | None" = None,
    resume: str | None = None,
    launched_at: float | None = None,
    explore: "Settings | None" = None,
) -> TutorApp:
    """The app for `config` (None: the start screen), or for the stored session `resume`.

    Raises `SessionError` when the session cannot be started (nothing matches, an
    unknown id) and `BankError` for a bad bank, so the caller reports them before
    the terminal is taken over.
    """
    from tutor.session.engine import Session, SessionError

    session: Session | None = None
    if config is not None:
        banks = config.banks
    else:
        from tutor.bank import bank_paths_from_env  # deferred: YAML support only when the app runs

        banks = tuple(str(p.expanduser().resolve()) for p in bank_paths_from_env())  # $TUTOR_BANK
    if resume is not None:
        if store is None:
            raise SessionError("resuming a session needs the history store")
        session = Session.resume(resume, store, bank)
        banks = session.config.banks
    elif config is not None:
        if bank is None:
            from tutor.bank import load_bank  # deferred: YAML parsing only when a session starts

            bank = load_bank(list(config.banks))
        session = Session.start(config, bank, store)
    return TutorApp(session=session, store=store, bank=bank, banks=banks, launched_at=launched_at, explore=explore)


def run(
    config: "SessionConfig | None",
    *,
    store: "Store | None" = None,
    resume: str | None = None,
    explore: "Settings | None" = None,
) -> int:
    """Build and run the app; a session that cannot start is one line on stderr (exit 2)."""
    from tutor.bank import BankError
    from tutor.session.engine import SessionError

    try:
        app = make_app(config, store=store, resume=resume, explore=explore)
    except SessionError as exc:
        print(f"tutor: {exc}", file=sys.stderr)
        return 2
    except BankError as exc:
        print_bank_problems(exc)
        return 1
    result = app.run()
    return int(result or 0)
