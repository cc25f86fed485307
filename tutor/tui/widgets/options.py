"""A list of options that reads without colour: a pointer (›) on the highlighted one, [x]/[ ] boxes.

`OptionPicker` is the one option widget of the app (choice answers, the start screen's topics and
kinds; other kinds with options can use it too):

- the highlighted option of the focused list carries `›`; a ticked one `[x]`, an unticked one `[ ]` (never colour alone,
  so it reads under NO_COLOR and on monochrome terminals);
- with `lettered`, the options are labelled A, B, C, … and typing a letter (`d`) or a number (`4`)
  moves to that option, and in a tick-several list also ticks or unticks it;
- `space` (and `enter` in a tick-several list) ticks the highlighted option; in a pick-one list `enter`
  chooses it (`OptionList.OptionSelected`).
"""

from __future__ import annotations

from typing import Iterable

from textual import events
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tutor.bank.labels import option_label

POINTER = "›"
TICKED = "[x]"
UNTICKED = "[ ]"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def key_index(key: str, count: int) -> int | None:
    """The option a typed key names: `a`/`A` is the first, `1` the first; None for any other key."""
    if len(key) == 1 and key.isalpha() and key.upper() in LETTERS[:count]:
        return LETTERS.index(key.upper())
    if len(key) == 1 and key.isdigit() and 1 <= int(key) <= min(count, 9):
        return int(key) - 1
    return None


class OptionPicker(OptionList):
    """Options with glyphs for the pointer and the ticks; letters or numbers pick one."""

    BINDINGS = [Binding("space", "toggle", "Tick", show=False)]

    class Ticked(Message):
        """The set of ticked options changed."""

        def __init__(self, picker: "OptionPicker") -> None:
            super().__init__()
            self.picker = picker

        @property
        def control(self) -> "OptionPicker":
            return self.picker

    def __init__(
        self,
        items: Iterable[tuple[str, str | Content]],
        *,
        multiple: bool = False,
        lettered: bool = True,
        ticked: Iterable[str] = (),
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        self.items = [(value, Content(label) if isinstance(label, str) else label) for value, label in items]
        self.multiple = multiple
        self.lettered = lettered
        self.ticked: set[str] = set(ticked)
        super().__init__(*[Option(self._prompt(i, False), id=v) for i, (v, _) in enumerate(self.items)], id=id, classes=classes)

    # ---- drawing ------------------------------------------------------------------------------------

    def _prompt(self, index: int, pointed: bool) -> Content:
        value, label = self.items[index]
        parts: list[Content | str] = [f"{POINTER} " if pointed else "  "]
        if self.multiple:
            parts.append(f"{TICKED if value in self.ticked else UNTICKED} ")
        if self.lettered and index < len(LETTERS):
            parts.append(f"{option_label(index)} ")
        parts.append(label)
        return Content.assemble(*parts)

    def _redraw(self, index: int | None) -> None:
        if index is not None and 0 <= index < len(self.items):
            pointed = index == self.highlighted and self.has_focus  # the pointer shows where the keys go
            self.replace_option_prompt_at_index(index, self._prompt(index, pointed))

    def watch_highlighted(self, old: int | None, new: int | None) -> None:
        self._redraw(old)
        self._redraw(new)
        super().watch_highlighted(new)

    def watch_has_focus(self, _focused: bool) -> None:
        self._redraw(self.highlighted)

    # ---- keys ---------------------------------------------------------------------------------------

    def action_toggle(self) -> None:
        if self.multiple and self.highlighted is not None:
            self.toggle(self.items[self.highlighted][0])

    def action_select(self) -> None:
        if self.multiple:
            self.action_toggle()  # enter ticks too, as in most tick lists; ctrl+s submits
        else:
            super().action_select()

    def toggle(self, value: str) -> None:
        self.ticked ^= {value}
        index = next(i for i, (v, _) in enumerate(self.items) if v == value)
        self._redraw(index)
        self.post_message(self.Ticked(self))

    def on_key(self, event: events.Key) -> None:
        if not self.lettered:
            return
        index = key_index(event.character or "", len(self.items)) if event.character else None
        if index is None:
            return
        event.stop()
        event.prevent_default()
        self.highlighted = index
        if self.multiple:
            self.toggle(self.items[index][0])

    def select(self, value: str) -> None:
        """Tick `value` (no change when it is ticked already)."""
        if value not in self.ticked:
            self.toggle(value)

    # ---- reading ------------------------------------------------------------------------------------

    @property
    def selected(self) -> list[str]:
        """The ticked values in list order (what SelectionList called `selected`)."""
        return [v for v, _ in self.items if v in self.ticked]

    @property
    def highlighted_value(self) -> str | None:
        return None if self.highlighted is None else self.items[self.highlighted][0]
