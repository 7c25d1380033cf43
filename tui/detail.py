"""One site in detail (Enter on a site, ``:site S00042``): its devices, its accesses and their
redundancy, its interfaces with rates, utilisation and sparklines, its recent events, and the
month's availability with the error budget left. Esc goes back.

States repaint with the change feed; rates when the site's devices are polled (the source keeps
their recent samples while the screen is open); availability, error budget and the site's points
of failure are computed in threads (SLA engine, topology), "not available" when they cannot be.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Footer, Static

from tui import fmt
from tui.analysis import site_availability
from tui.shared import Shared
from tui.source import Delta, Sample, SourceError
from tui.table import Cell, Column, VirtualTable
from vigie.model import Layer
from vigie.state.events import StateChange

if TYPE_CHECKING:
    from sla.budget import BudgetReport

HISTORY_S = 6 * 3600  # rate history behind the sparklines
SPARK = 12


class SiteScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,backspace", "back", "Back"),
                                             Binding("question_mark", "app.help", "Help")]

    def __init__(self, shared: Shared, code: str) -> None:
        super().__init__(name=f"site {code}")
        self.shared = shared
        self.site = shared.inventory.site(code)
        inv = shared.inventory
        self.devices = list(self.site.devices)
        self.links = sorted({lk.id for d in self.devices for lk in inv.links_of(d)})
        self.accesses = [lk for lk in self.links if inv.links[lk].layer in (Layer.ACCESS, Layer.BACKUP_4G)]
        self.interfaces = [f"{d}:{itf.index}" for d in self.devices for itf in inv.devices[d].interfaces
                           if itf.admin_up or itf.alias]
        self._hist: dict[str, Mapping[int, Sequence[Sample]]] = {}
        self._events: dict[str, StateChange] = {}
        self._budget_text = fmt.markup("$text-muted", "availability: computing…")
        self._resilience_text = fmt.markup("$text-muted", "points of failure: computing…")

    def compose(self) -> ComposeResult:
        yield Static("", id="site-title")
        with Horizontal(id="site-top"):
            with Vertical(id="site-left"):
                yield Static("", id="site-summary", classes="panel")
                devices = VirtualTable([Column("Device", 11), Column("Role", 17), Column("State", 13),
                                        Column("Since", 8, True), Column("Why", 0, min_width=16)],
                                       self._device_cells, id="site-devices")
                devices.border_title = "Devices"
                yield devices
                links = VirtualTable([Column("Link", 22), Column("Kind", 13), Column("State", 9),
                                      Column("Far end", 0, min_width=18)], self._link_cells, id="site-links")
                links.border_title = "Accesses and links (redundancy)"
                yield links
            itfs = VirtualTable([Column("Interface", 16), Column("To", 0, min_width=8), Column("Speed", 5, True),
                                 Column("In", 10, True), Column("Out", 10, True), Column("Util", 5, True),
                                 Column("Err/s", 5, True), Column(f"last {HISTORY_S // 3600}h", SPARK)],
                                self._itf_cells, empty="no interface", id="site-interfaces")
            itfs.border_title = "Interfaces: rates, utilisation (in or out, the higher), traffic"
            yield itfs
        events = VirtualTable([Column("When", 14), Column("Element", 24), Column("Change", 26),
                               Column("Why", 0, min_width=20)], self._event_cells,
                              empty="no recorded event for this site", id="site-events")
        events.border_title = "Recent events (newest first)"
        yield events
        yield Footer()

    def on_mount(self) -> None:
        self.shared.source.watch(self.devices)
        self.query_one("#site-devices", VirtualTable).set_rows(self.devices)
        self.query_one("#site-links", VirtualTable).set_rows(self.accesses + [lk for lk in self.links
                                                                               if lk not in self.accesses])
        self.query_one("#site-interfaces", VirtualTable).set_rows(self.interfaces)
        self._load_rates(self.devices)
        self._load_events()
        self.refresh_view(None)
        self.query_one("#site-devices", VirtualTable).focus()
        self._budget_worker()
        self._resilience_worker()

    def on_unmount(self) -> None:
        self.shared.source.watch([])

    def action_back(self) -> None:
        self.app.pop_screen()

    # -- feed ------------------------------------------------------------------------------------

    def refresh_view(self, delta: Delta | None) -> None:
        try:
            self._refresh_view(delta)
        except NoMatches:  # a tick landing while the screen is being dismissed: nothing left to paint
            return

    def _refresh_view(self, delta: Delta | None) -> None:
        mine = delta is None or delta.resync or self.site.code in delta.sites \
            or bool(delta.devices.intersection(self.devices)) or bool(delta.links.intersection(self.links))
        if delta is not None and delta.rates.intersection(self.devices):
            self._load_rates(sorted(delta.rates.intersection(self.devices)))
            self.query_one("#site-interfaces", VirtualTable).refresh()
        if mine and delta is not None:
            self._load_events()
        self._title()
        for table in self.query(VirtualTable):
            table.refresh()

    def _title(self) -> None:
        s = self.site
        st = self.shared.source.site_status(s.code)
        now = self.shared.source.now()
        cls = self.shared.inventory.access_classes.get(s.access_class)
        target = f"target {cls.availability_target_pct:g}%, GTR {cls.gtr_hours:g} h" if cls else ""
        why = fmt.explain(self.shared.inventory, st.state, st.cause, st.detail)
        self.query_one("#site-title", Static).update(
            f"[b]{s.code}[/b] {fmt.markup('', s.name)} · {fmt.state_markup(st.state, why)} "
            f"· since {fmt.stamp(st.since, now)} ({fmt.since(st.since, now)})")
        self.query_one("#site-summary", Static).update(
            f"POP {s.pop} · region {s.region} · class [b]{s.access_class}[/b] ({target}) · {s.lot}\n"
            f"{self._redundancy()}\n{self._resilience_text}\n{self._budget_text}")

    def _redundancy(self) -> str:
        src, inv = self.shared.source, self.shared.inventory
        cls = inv.access_classes.get(self.site.access_class)
        expected = min(cls.expected_redundancy if cls else 1, len(self.accesses))
        up = sum(1 for lk in self.accesses if src.link_status(lk).state == "up")
        state = "up" if up >= expected else "degraded" if up else "down"
        return (f"redundancy: {fmt.state_markup(state, f'{up} of {len(self.accesses)} accesses up')} "
                f"(class expects {expected})")

    # -- cells -----------------------------------------------------------------------------------

    def _device_cells(self, name: str) -> Sequence[Cell]:
        st = self.shared.source.device_status(name)
        dev = self.shared.inventory.devices[name]
        return [(name, "vt--strong"), (fmt.ROLE_LABEL.get(dev.role, dev.role.value), ""),
                (fmt.state_label(st.state), fmt.state_class(st.state)),
                (fmt.since(st.since, self.shared.source.now()), ""),
                (fmt.reason(self.shared.inventory, st.state, st.cause, st.detail), "")]

    def _link_cells(self, link_id: str) -> Sequence[Cell]:
        inv, src = self.shared.inventory, self.shared.source
        lk = inv.links[link_id]
        st = src.link_status(link_id)
        mine = set(self.devices)
        far = lk.b.device if lk.a.device in mine else lk.a.device
        far_text = far if far in mine else f"{far} ({src.device_status(far).state.upper()})"
        kind = f"{lk.layer.value} {lk.medium.value}"
        return [(link_id, "vt--strong"), (kind, ""), (fmt.state_label(st.state, short=True), fmt.state_class(st.state)),
                (far_text, "")]

    def _itf_cells(self, key: str) -> Sequence[Cell]:
        name, _, idx_text = key.rpartition(":")
        idx = int(idx_text)
        itf = next(i for i in self.shared.inventory.devices[name].interfaces if i.index == idx)
        rates = self.shared.source.device_rates(name)
        rate = None if rates is None else next((r for r in rates.interfaces if r.if_index == idx), None)
        hist = self._hist.get(name, {}).get(idx, ())
        i_bps = rate.in_bps if rate is not None else (hist[-1][1] if hist else None)
        o_bps = rate.out_bps if rate is not None else (hist[-1][2] if hist else None)
        util = None
        if rate is not None and (rate.in_util_pct is not None or rate.out_util_pct is not None):
            util = max(rate.in_util_pct or 0.0, rate.out_util_pct or 0.0)
        elif i_bps is not None and itf.speed_mbps:
            util = max(i_bps, o_bps or 0.0) / (itf.speed_mbps * 1e6) * 100
        errors = None if rate is None or rate.in_errors_ps is None else rate.in_errors_ps + (rate.out_errors_ps or 0)
        util_cls = "st-down" if util is not None and util >= 90 else "st-degraded" if util and util >= 70 else ""
        spark = fmt.sparkline([None if i is None and o is None else max(i or 0.0, o or 0.0) for _, i, o in hist], SPARK)
        speed = f"{itf.speed_mbps // 1000}G" if itf.speed_mbps >= 1000 else f"{itf.speed_mbps}M"
        return [(f"{name[-2:]} {itf.name}", "" if itf.admin_up else "vt--dim"), (itf.alias or "-", "vt--dim"),
                (speed, ""), (fmt.bps(i_bps), ""), (fmt.bps(o_bps), ""), (fmt.pct(util, 0), util_cls),
                ("-" if errors is None else f"{errors:.1f}", "st-degraded" if errors else ""),
                (spark, "st-maintenance")]

    def _event_cells(self, key: str) -> Sequence[Cell]:
        c = self._events[key]
        now = self.shared.source.now()
        return [(fmt.stamp(c.at, now), ""), (c.element, "vt--strong"),
                (f"{(c.old or '-').upper()} → {c.new.upper()}", fmt.state_class(c.new)),
                (c.detail or c.cause or "", "")]

    # -- loading ---------------------------------------------------------------------------------

    def _load_rates(self, devices: Sequence[str]) -> None:
        since = self.shared.source.now() - HISTORY_S
        for name in devices:
            try:
                self._hist[name] = self.shared.source.rate_history(name, since)
            except SourceError:
                self._hist[name] = {}

    def _load_events(self) -> None:
        table = self.query_one("#site-events", VirtualTable)
        try:
            changes = self.shared.source.recent_changes(self.site.code, 50)
        except SourceError as exc:
            table.empty = f"history not available: {exc}"
            changes = []
        self._events = {str(i): c for i, c in enumerate(changes)}
        table.set_rows(list(self._events))

    @work(thread=True, exclusive=True, group="site-budget")
    def _budget_worker(self) -> None:
        try:
            report: BudgetReport | None = self.shared.source.error_budget([self.site.code])
            note = ""
        except SourceError as exc:
            report, note = None, str(exc)
        self.app.call_from_thread(self._show_budget, report, note)

    def _show_budget(self, report: BudgetReport | None, note: str) -> None:
        b = report.sites.get(self.site.code) if report is not None else None
        if b is None:
            self._budget_text = fmt.markup("$text-muted", f"availability: not available ({note or 'no data'})")
        else:
            avail = site_availability(b)
            ok = avail is None or avail >= b.target_pct
            left = fmt.duration(b.remaining_s) if b.remaining_s >= 0 else f"-{fmt.duration(-b.remaining_s)}"
            text = (f"this month {fmt.markup('$text-success' if ok else '$text-error b', fmt.availability(avail))} "
                    f"(target {b.target_pct:g}%) · error budget left {left} of {fmt.duration(b.allowed_s)}")
            if b.down_now and b.exhausted_at is not None:
                text += f" · {fmt.markup('$text-error b', 'exhausted at ' + fmt.clock(b.exhausted_at))} if it lasts"
            self._budget_text = text
        if self.is_mounted:
            self._title()

    @work(thread=True, exclusive=True, group="site-resilience")
    def _resilience_worker(self) -> None:
        try:
            topo = self.shared.topology()
            r = topo.site(self.site.code, self.shared.source.failed_elements())
            text = f"independent paths to the core now: {r.paths}" + (
                f" · points of failure: {', '.join(r.spofs[:4])}" + (" …" if len(r.spofs) > 4 else "")
                if r.spofs else "")
            if r.paths < 2:
                text = fmt.markup("$text-warning" if r.paths else "$text-error b", text)
        except SourceError as exc:
            text = fmt.markup("$text-muted", f"points of failure: not available ({exc})")
        self.app.call_from_thread(self._show_resilience, text)

    def _show_resilience(self, text: str) -> None:
        self._resilience_text = text
        if self.is_mounted:
            self._title()


__all__ = ["SiteScreen"]
