"""Topology: POPs and datacentres, the backbone, single points of failure, the blast-radius ranking,
and what-if: pick an element (Enter on a row, or ``w`` and a name) and see which sites failing it
*now*, on top of what has already failed, would cut off.

The analyses are the resilience library's (``topology``), run in threads on the failures the source
reports (devices and links ``down``); they run again when that set changes while the view is shown
(at most every 10 s), or on ``R``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Static

from tui import fmt
from tui.analysis import Blast, TopoSnapshot, WhatIf
from tui.shared import Shared
from tui.source import Delta, SourceError
from tui.table import Cell, Column, VirtualTable

RERUN_S = 10.0


class TopologyView(Vertical):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("w", "ask_what_if", "What-if"),
                                             Binding("R", "rerun", "Re-analyse")]

    class Open(Message):
        def __init__(self, code: str) -> None:
            super().__init__()
            self.code = code

    def __init__(self, shared: Shared, id: str = "topology") -> None:
        super().__init__(id=id)
        self.shared = shared
        self.snap: TopoSnapshot | None = None
        self.whatif: WhatIf | None = None
        self._blast: dict[str, Blast] = {}
        self._down: tuple[str, ...] | None = None
        self._ran_at = float("-inf")
        self._note = "open this view to analyse"

    def compose(self) -> ComposeResult:
        yield Static("", id="topo-summary", classes="summary")
        with Horizontal(id="topo-top"):
            loc = VirtualTable([Column("Location", 9), Column("Core A", 8), Column("Core B", 8), Column("Collect", 8),
                                Column("Sites", 6, True), Column("Not up", 7, True), Column("Loss cuts", 9, True)],
                               self._location_cells, id="topo-locations")
            loc.border_title = "POPs and datacentres (Enter: what-if)"
            yield loc
            rank = VirtualTable([Column("Element", 16), Column("Kind", 6), Column("What", 0, min_width=10),
                                 Column("Sites cut", 9, True)], self._rank_cells, empty="computing…",
                                id="topo-ranking")
            rank.border_title = "Blast radius now: what one more failure would cut off (Enter: what-if)"
            yield rank
        yield Input(placeholder="what-if: device, link or POP/datacentre code, several separated by spaces "
                                "(LYO-C02, BB-A-PAR-LYO, MRS) · Enter runs, Esc leaves", id="whatif-input",
                    classes="hidden")
        yield Static(fmt.markup("$text-muted", "What-if: Enter on a location or element, or w and a name"),
                     id="whatif-summary", classes="summary")
        sites = VirtualTable([Column("Site", 7), Column("Class", 9), Column("POP", 4), Column("State now", 13),
                              Column("Name", 0, min_width=20)], self._site_cells, empty="no site would be cut off",
                             id="whatif-sites")
        sites.border_title = "Sites that would be isolated (Enter: detail)"
        yield sites

    def on_mount(self) -> None:
        locs = self.shared.infra.pops + self.shared.infra.dcs
        self.query_one("#topo-locations", VirtualTable).set_rows(locs)
        self._summary()

    def focus_table(self) -> None:
        self.query_one("#topo-locations", VirtualTable).focus()

    # -- analysis --------------------------------------------------------------------------------

    def refresh_view(self, delta: Delta | None) -> None:
        now = self.shared.source.now()
        down = tuple(self.shared.source.failed_elements()) if delta is None or delta.devices or delta.links \
            or delta.resync or self._down is None else self._down
        if down != self._down and (delta is None or now - self._ran_at >= RERUN_S or self._down is None):
            self._down = down
            self._ran_at = now
            self._note = "computing…"
            self._analyse(down)
        self._summary()
        for table in self.query(VirtualTable):
            table.refresh()

    def action_rerun(self) -> None:
        self._down = None
        self.refresh_view(None)

    @work(thread=True, exclusive=True, group="topology")
    def _analyse(self, down: tuple[str, ...]) -> None:
        try:
            snap: TopoSnapshot | None = self.shared.topology().snapshot(down)
            note = ""
        except SourceError as exc:
            snap, note = None, f"not available: {exc}"
        self.app.call_from_thread(self._show, snap, note)

    def _show(self, snap: TopoSnapshot | None, note: str) -> None:
        self.snap, self._note = snap, note
        rank = self.query_one("#topo-ranking", VirtualTable)
        if snap is None:
            rank.empty = note
            self._blast = {}
            rank.set_rows([])
        else:
            self._blast = {b.element: b for b in snap.ranking}
            rank.set_rows([b.element for b in snap.ranking if b.kind != "group"])
        self.query_one("#topo-locations", VirtualTable).refresh()
        self._summary()

    def _summary(self) -> None:
        snap = self.snap
        if snap is None:
            self.query_one("#topo-summary", Static).update(f"[b]Resilience[/b] · {self._note}")
            return
        failed = ", ".join(snap.down[:6]) + (" …" if len(snap.down) > 6 else "") if snap.down else "nothing"
        paths = " · ".join(f"{cls} {p[2]:,} on 2+ paths, {p[1]:,} on one"
                           + (f", {fmt.markup('$text-error b', f'{p[0]:,} cut off')}" if p[0] else "")
                           for cls, p in sorted(snap.paths.items()))
        below = ", ".join(f"{n:,} {cls}" for cls, n in sorted(snap.below.items()) if n)
        below_txt = fmt.markup("$text-warning", f"below their class's redundancy: {below}") if below else \
            fmt.markup("$text-success", "every site has the redundancy its class expects")
        cut = fmt.markup("$text-error b", f"{len(snap.isolated):,} sites cut off now") if snap.isolated else \
            "no site cut off"
        self.query_one("#topo-summary", Static).update(
            f"[b]Failed now[/b]: {failed} · {cut}{' · ' + self._note if self._note else ''}\n{paths}\n{below_txt}")

    # -- what-if ---------------------------------------------------------------------------------

    def action_ask_what_if(self) -> None:
        box = self.query_one("#whatif-input", Input)
        box.remove_class("hidden")
        box.focus()

    def leave_input(self) -> bool:
        box = self.query_one("#whatif-input", Input)
        if box.has_class("hidden"):
            return False
        box.add_class("hidden")
        self.focus_table()
        return True

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        event.input.add_class("hidden")
        self.what_if(event.value.split())

    def what_if(self, elements: Sequence[str]) -> None:
        self.query_one("#whatif-summary", Static).update(f"What-if {' + '.join(elements)}: computing…")
        self._what_if_worker(tuple(elements), tuple(self.shared.source.failed_elements()))

    @work(thread=True, exclusive=True, group="whatif")
    def _what_if_worker(self, elements: tuple[str, ...], down: tuple[str, ...]) -> None:
        try:
            result: WhatIf | None = self.shared.topology().what_if(down, elements)
            note = ""
        except SourceError as exc:
            result, note = None, str(exc)
        self.app.call_from_thread(self._show_what_if, elements, result, note)

    def _show_what_if(self, elements: tuple[str, ...], result: WhatIf | None, note: str) -> None:
        self.whatif = result
        summary = self.query_one("#whatif-summary", Static)
        table = self.query_one("#whatif-sites", VirtualTable)
        what = " + ".join(elements)
        if result is None:
            summary.update(fmt.markup("$text-error", f"What-if {what}: {note}"))
            table.set_rows([])
            return
        classes = ", ".join(f"{n:,} {c}" for c, n in result.by_class.items())
        head = fmt.markup("$text-error b" if result.cut else "$text-success",
                          f"failing {what} now would isolate {len(result.cut):,} more sites")
        summary.update(f"What-if: {head}" + (f" ({classes})" if classes else "")
                       + f" · already cut off: {result.already:,} · failed now: {len(result.down)}")
        table.set_rows(list(result.cut))

    def on_virtual_table_selected(self, event: VirtualTable.Selected) -> None:
        event.stop()
        if event.table.id == "whatif-sites":
            self.post_message(self.Open(event.key))
        else:
            self.what_if([event.key])
            self.query_one("#whatif-sites", VirtualTable).focus()

    # -- cells -----------------------------------------------------------------------------------

    def _location_cells(self, code: str) -> Sequence[Cell]:
        infra, src, model = self.shared.infra, self.shared.source, self.shared.model
        cores = infra.routers.get(code, [])
        states = [src.device_status(n).state for n in cores] + ["", ""]
        collects = [src.device_status(n).state for n in infra.collects.get(code, [])]
        c_up = sum(s == "up" for s in collects)
        counts = model.by_pop.get(code)
        total = infra.sites_of_pop.get(code, 0)
        not_up = total - (counts["up"] if counts else 0) if total else 0
        blast = self._blast.get(code)
        kind = "POP" if code in infra.pops else "DC"
        return [(f"{code} {kind}", "vt--strong"),
                (fmt.state_label(states[0], short=True) if states[0] else "-", fmt.state_class(states[0])),
                (fmt.state_label(states[1], short=True) if states[1] else "-", fmt.state_class(states[1])),
                (f"{c_up}/{len(collects)}" if collects else "-", "" if c_up == len(collects) else "st-degraded"),
                (f"{total:,}" if total else "-", ""), (f"{not_up:,}" if not_up else "", "st-degraded"),
                ("…" if blast is None and self.snap is None else f"{blast.sites:,}" if blast else "0",
                 "st-unreachable" if blast else "vt--dim")]

    def _rank_cells(self, element: str) -> Sequence[Cell]:
        b = self._blast[element]
        return [(element, "vt--strong"), (b.kind, ""), (b.detail, "vt--dim"), (f"{b.sites:,}", "st-unreachable")]

    def _site_cells(self, code: str) -> Sequence[Cell]:
        model = self.shared.model
        i = model.index[code]
        st = model.state[i]
        return [(code, "vt--strong"), (model.cls[i], ""), (model.pop[i], ""),
                (fmt.state_label(st), fmt.state_class(st)), (model.name[i], "")]


__all__ = ["TopologyView"]
