"""The alarms: what is wrong now, newest first, with its cause, how long it has lasted, what it
takes down, and who acknowledged it; ``h`` for the history (cleared alarms, from the store).

``a`` acknowledges the alarm under the cursor (as the operator named with ``--who``, default the
login name); Enter opens what the alarm is about: a site alarm its site, an infrastructure alarm
the sites behind that element (the site list filtered on ``cause:ELEMENT``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from tui import fmt
from tui.shared import Shared
from tui.source import Delta, SourceError
from tui.table import Cell, Column, VirtualTable
from vigie.state.events import Alarm

POLLER = "poller"


class AlarmsView(Vertical):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "ack", "Acknowledge"),
        Binding("h", "toggle_history", "History"),
    ]

    class Open(Message):
        """Open what an alarm is about: a site (detail) or an element (sites behind it)."""

        def __init__(self, element: str, site: bool) -> None:
            super().__init__()
            self.element = element
            self.site = site

    class Acked(Message):
        """An alarm was acknowledged: what shows alarm counts should repaint now."""

    def __init__(self, shared: Shared, id: str = "alarms") -> None:
        super().__init__(id=id)
        self.shared = shared
        self.history = False
        self._active: dict[str, Alarm] = {}
        self._cleared: dict[str, Alarm] = {}
        self._history_note = ""

    def compose(self) -> ComposeResult:
        yield Static("", id="alarms-summary", classes="summary")
        yield VirtualTable(
            [Column("Severity", 9), Column("#", 6, True), Column("Raised", 14), Column("For", 8, True),
             Column("Element", 16), Column("What", 0, min_width=30), Column("Sites", 6, True), Column("Ack", 16)],
            self._active_cells, empty="no active alarm", id="alarms-active")
        yield VirtualTable(
            [Column("Severity", 9), Column("#", 6, True), Column("Raised", 14), Column("Cleared", 14),
             Column("Lasted", 8, True), Column("Element", 16), Column("What", 0, min_width=30), Column("Ack", 16)],
            self._history_cells, empty="no cleared alarm recorded", id="alarms-history", classes="hidden")

    def on_mount(self) -> None:
        self.refresh_view(None)

    @property
    def table(self) -> VirtualTable:
        return self.query_one("#alarms-history" if self.history else "#alarms-active", VirtualTable)

    def focus_table(self) -> None:
        self.table.focus()

    # -- data ------------------------------------------------------------------------------------

    def refresh_view(self, delta: Delta | None) -> None:
        if delta is None or delta.alarms or delta.resync:
            alarms = self.shared.source.active_alarms()
            self._active = {str(a.id): a for a in alarms}
            order = sorted(alarms, key=lambda a: (a.raised_at, a.id), reverse=True)
            self.query_one("#alarms-active", VirtualTable).set_rows([str(a.id) for a in order])
            if self.history:
                self._load_history()
        else:
            self.table.refresh()  # durations
        self._summary()

    def _load_history(self) -> None:
        table = self.query_one("#alarms-history", VirtualTable)
        try:
            cleared = self.shared.source.alarm_history(1000)
            self._history_note = ""
        except SourceError as exc:
            cleared = []
            self._history_note = str(exc)
            table.empty = f"history not available: {exc}"
        self._cleared = {str(a.id): a for a in cleared}
        table.set_rows([str(a.id) for a in cleared])

    def _summary(self) -> None:
        alarms = list(self._active.values())
        by_sev = {s: sum(a.severity == s for a in alarms) for s in fmt.SEVERITY_RANK}
        unacked = sum(a.acked_by is None for a in alarms)
        parts = [fmt.markup(fmt.SEVERITY_STYLE[s], f"{n} {s}") for s, n in by_sev.items() if n]
        mode = "HISTORY (cleared alarms, most recent first) · h: back to active" if self.history else \
            "active, newest first · a: acknowledge · Enter: open · h: history"
        text = (f"[b]{len(alarms)} active alarm{'s' if len(alarms) != 1 else ''}[/b]"
                + (f" ({', '.join(parts)})" if parts else "") + f" · {unacked} not acknowledged · {mode}")
        if self.history and self._history_note:
            text += "\n" + fmt.markup("$text-warning", self._history_note)
        self.query_one("#alarms-summary", Static).update(text)

    def _ack_cell(self, a: Alarm) -> Cell:
        if a.acked_by is None:
            return ("-", "vt--dim")
        return (f"✓ {a.acked_by}", "vt--ok")

    def _what(self, a: Alarm) -> str:
        """The alarm's text, with its cause when that is another element of the network."""
        inv = self.shared.inventory
        cause = a.cause
        if cause and cause not in a.text and (cause in inv.devices or cause in inv.links or cause in inv.sites):
            return f"{a.text} (cause: {fmt.element_label(inv, cause)})"
        return a.text

    def _active_cells(self, key: str) -> Sequence[Cell]:
        a = self._active[key]
        now = self.shared.source.now()
        sev = a.severity.value
        return [(sev.upper(), fmt.severity_class(sev)), (str(a.id), ""), (fmt.stamp(a.raised_at, now), ""),
                (fmt.since(a.raised_at, now), ""), (a.element, "vt--strong"), (self._what(a), ""),
                (f"{a.sites:,}" if a.sites else "", "st-unreachable" if a.sites else ""), self._ack_cell(a)]

    def _history_cells(self, key: str) -> Sequence[Cell]:
        a = self._cleared[key]
        now = self.shared.source.now()
        sev = a.severity.value
        lasted = None if a.cleared_at is None else a.cleared_at - a.raised_at
        return [(sev.upper(), fmt.severity_class(sev)), (str(a.id), ""), (fmt.stamp(a.raised_at, now), ""),
                (fmt.stamp(a.cleared_at, now), ""), (fmt.duration(lasted), ""), (a.element, "vt--strong"),
                (self._what(a), ""), self._ack_cell(a)]

    # -- actions ---------------------------------------------------------------------------------

    def action_toggle_history(self) -> None:
        self.history = not self.history
        self.query_one("#alarms-active").set_class(self.history, "hidden")
        self.query_one("#alarms-history").set_class(not self.history, "hidden")
        if self.history:
            self._load_history()
        self._summary()
        self.table.focus()

    def action_ack(self) -> None:
        if self.history:
            self.notify("cleared alarms need no acknowledgement; h goes back to the active ones", severity="warning")
            return
        key = self.query_one("#alarms-active", VirtualTable).selected
        if key is None:
            self.notify("no alarm to acknowledge", severity="warning")
            return
        try:
            alarm = self.shared.source.ack(int(key), self.shared.who)
        except SourceError as exc:
            self.notify(str(exc), title="not acknowledged", severity="error", timeout=8)
            return
        self._active[key] = alarm
        self.query_one("#alarms-active", VirtualTable).refresh()
        self._summary()
        self.post_message(self.Acked())
        self.notify(f"alarm {alarm.id} ({alarm.element}) acknowledged by {self.shared.who}")

    def on_virtual_table_selected(self, event: VirtualTable.Selected) -> None:
        event.stop()
        alarm = (self._cleared if self.history else self._active).get(event.key)
        if alarm is None or alarm.element == POLLER:
            return
        self.post_message(self.Open(alarm.element, alarm.element in self.shared.inventory.sites))


__all__ = ["AlarmsView"]
