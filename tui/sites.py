"""The site list: every site, filtered (``/``), sorted (``s``, ``r``), drilled into (Enter).

Never a 14,000-row table rebuilt per update: the rows are indexes into the site model, the
table paints only what is on screen, and a state change costs a re-selection (a few ms, only
when the filter or the sort looks at states) or nothing at all if the row is off screen.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Static

from tui import fmt
from tui.model import SORTS, Filter, FilterError, parse_filter
from tui.shared import Shared
from tui.source import Delta
from tui.table import Cell, Column, VirtualTable


class SitesView(Vertical):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "edit_filter", "Filter"),
        Binding("s", "sort", "Sort"),
        Binding("r", "reverse", "Reverse"),
        Binding("c", "clear_filter", "Clear filter"),
    ]

    class Open(Message):
        def __init__(self, code: str) -> None:
            super().__init__()
            self.code = code

    def __init__(self, shared: Shared, id: str = "sites") -> None:
        super().__init__(id=id)
        self.shared = shared
        self.filter = Filter()
        self.sort = "state"
        self.reverse = False
        self._dirty = False

    def compose(self) -> ComposeResult:
        yield Static("", id="sites-summary", classes="summary")
        yield Input(placeholder="filter: words, or pop:LYO class:premium state:down cause:LYO-C02 region: lot: "
                                "(!word negates) · Enter applies, Esc leaves", id="sites-filter", classes="hidden")
        yield VirtualTable(
            [Column("Code", 7), Column("State", 13), Column("Since", 8, True), Column("POP", 4), Column("Class", 9),
             Column("Region", 6), Column("Name", 0, min_width=20), Column("Why", 0, min_width=24)],
            self._cells, empty="no site matches the filter (c clears it)", id="sites-table")

    def on_mount(self) -> None:
        self.reselect()

    @property
    def table(self) -> VirtualTable:
        return self.query_one("#sites-table", VirtualTable)

    def focus_table(self) -> None:
        self.table.focus()

    # -- data ------------------------------------------------------------------------------------

    def reselect(self) -> None:
        model = self.shared.model
        rows = model.select(self.filter, self.sort, self.reverse)
        self.table.set_rows([model.codes[i] for i in rows])
        self._dirty = False
        self._summary()

    def refresh_view(self, delta: Delta | None) -> None:
        if delta is None or delta.resync:
            self.reselect()
            return
        if delta.sites:
            if self.filter.dynamic or self.sort in ("state", "since"):
                self.reselect()
                return
            self.table.refresh_keys(delta.sites)
        self.table.refresh()  # "since" durations
        self._summary()

    def _summary(self) -> None:
        n, total = len(self.table.keys), len(self.shared.model)
        arrow = "↑" if self.reverse else "↓"
        flt = f" · filter [b]{fmt.markup('', self.filter.text)}[/b] (c clears)" if self.filter.text else \
            " · / filters"
        self.query_one("#sites-summary", Static).update(
            f"[b]{n:,}[/b] of {total:,} sites{flt} · sorted by {self.sort} {arrow} (s, r) · Enter: detail")

    def _cells(self, code: str) -> Sequence[Cell]:
        m = self.shared.model
        i = m.index[code]
        state = m.state[i]
        why = fmt.reason(self.shared.inventory, state, m.cause[i], m.detail[i])
        return [(code, "vt--strong"), (fmt.state_label(state), fmt.state_class(state)),
                (fmt.since(m.since[i], self.shared.source.now()), ""), (m.pop[i], ""), (m.cls[i], ""),
                (m.region[i], ""), (m.name[i], ""), (why, "vt--dim" if state == "up" else "")]

    # -- filter and sort -------------------------------------------------------------------------

    def set_filter(self, text: str) -> bool:
        try:
            self.filter = parse_filter(text)
        except FilterError as exc:
            self.notify(str(exc), title="filter", severity="error")
            return False
        self.query_one("#sites-filter", Input).value = self.filter.text
        self.reselect()
        return True

    def action_edit_filter(self) -> None:
        box = self.query_one("#sites-filter", Input)
        box.remove_class("hidden")
        box.value = self.filter.text
        box.focus()

    def action_clear_filter(self) -> None:
        self.set_filter("")

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        try:
            flt = parse_filter(event.value)
        except FilterError:
            return  # while typing: applied once it parses
        self.filter = flt
        self.reselect()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.set_filter(event.value):
            event.input.add_class("hidden")
            self.table.focus()

    def leave_filter(self) -> bool:
        """Esc in the filter box: hide it, keep the filter. Whether it was open."""
        box = self.query_one("#sites-filter", Input)
        if box.has_class("hidden"):
            return False
        box.add_class("hidden")
        self.table.focus()
        return True

    def action_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self.reselect()

    def action_reverse(self) -> None:
        self.reverse = not self.reverse
        self.reselect()

    def on_virtual_table_selected(self, event: VirtualTable.Selected) -> None:
        event.stop()
        self.post_message(self.Open(event.key))


__all__ = ["SitesView"]
