"""The overview: the national picture at a glance.

- sites by state (six tiles, worst first);
- a tile per POP: its two core routers (planes A and B), its collect routers, its sites not up;
- the two backbone planes (routers and links up) and the datacentres;
- the poller's own health (cycle completion, late devices, devices not measured);
- month-to-date availability against target per access class, with the error budget left.

Everything is recomputed from counts the site model keeps current, and from a few hundred
infrastructure elements: a repaint costs the same at 300 or 14,000 sites.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from tui import fmt
from tui.analysis import ClassRow, class_rows
from tui.shared import Shared
from tui.source import Delta
from tui.table import Cell, Column, VirtualTable

_WORST_DEVICE = ("down", "unreachable", "unknown", "maintenance", "up")
Part = str | tuple[str, str]  # plain text, or (text, style): Content.assemble, no markup to parse


def _st(state: str, text: str) -> tuple[str, str]:
    return text, fmt.STATE_STYLE.get(state, "$text-muted")


class StateTile(Static):
    def __init__(self, state: str) -> None:
        super().__init__("", id=f"count-{state}", classes=f"tile {fmt.state_class(state)}")
        self.state = state

    def text(self, count: int, total: int) -> list[Part]:
        share = f"{count / total:.1%}" if total else "-"
        return [(f"{count:,}", "b"), "\n", fmt.state_label(self.state), "\n", (share, "$text-muted")]


class PopTile(Static):
    def __init__(self, pop: str) -> None:
        super().__init__("", id=f"pop-{pop}", classes="pop")
        self.pop = pop
        self.border_title = pop


class Overview(Vertical):
    """The first view (``1`` or ``:overview``)."""

    def __init__(self, shared: Shared, id: str = "overview") -> None:
        super().__init__(id=id)
        self.shared = shared
        self._rows: dict[str, ClassRow] = {}
        self._texts: dict[int, tuple[Part, ...]] = {}
        self._lines: dict[int, int] = {}

    def _set(self, widget: Static, parts: Sequence[Part]) -> None:
        """Update a panel only if what it says changed (no markup to parse: parts are (text, style));
        lay it out again only if its height may have changed."""
        key = tuple(parts)
        old = self._texts.get(id(widget))
        if old == key:
            return
        self._texts[id(widget)] = key
        lines = sum(p.count("\n") for p in key if isinstance(p, str))
        widget.update(Content.assemble(*parts), layout=old is None or lines != self._lines.get(id(widget)))
        self._lines[id(widget)] = lines

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="overview-scroll"):
            with Horizontal(id="states"):
                for state in fmt.SITE_STATES:
                    yield StateTile(state)
            with Horizontal(id="middle"):
                with Grid(id="pops") as grid:
                    grid.border_title = "POPs: core routers A B, collect routers, sites not up"
                    for pop in self.shared.infra.pops:
                        yield PopTile(pop)
                with Vertical(id="side"):
                    yield Static("", id="backbone", classes="panel")
                    yield Static("", id="poller", classes="panel")
            table = VirtualTable(
                [Column("Access class", 12), Column("Sites", 7, True), Column("Target", 8, True),
                 Column("Month to date", 13, True), Column("Budget left", 12, True), Column("Out of budget", 13, True),
                 Column("Down now", 9, True), Column("", 0)],
                self._cells, empty="computing…", id="availability")
            table.border_title = "Availability this month, against target"
            yield table

    def on_resize(self) -> None:
        """As many POP tiles a row as fit (18 cells each), 2 to 5."""
        grid = self.query_one("#pops", Grid)
        columns = max(2, min(5, (grid.size.width or self.size.width * 2 // 3) // 19))
        if grid.styles.grid_size_columns != columns:
            grid.styles.grid_size_columns = columns

    def on_mount(self) -> None:
        self.query_one("#backbone", Static).border_title = "Backbone planes and datacentres"
        self.query_one("#poller", Static).border_title = "Poller"
        self.refresh_view(None)

    # -- painting --------------------------------------------------------------------------------

    def refresh_view(self, delta: Delta | None) -> None:
        """Repaint what ``delta`` touches (None: everything)."""
        model = self.shared.model
        if delta is None or delta.sites or delta.resync:
            total = len(model)
            for state in fmt.SITE_STATES:
                state_tile = self.query_one(f"#count-{state}", StateTile)
                self._set(state_tile, state_tile.text(model.counts[state], total))
        if delta is None or delta.sites or delta.devices or delta.resync:
            for tile in self.query(PopTile):
                self._pop_tile(tile)
        if delta is None or delta.devices or delta.links or delta.resync:
            self._backbone()
        self._poller()

    def _device_states(self, names: Sequence[str]) -> list[str]:
        src = self.shared.source
        return [src.device_status(n).state for n in names]

    def _pop_tile(self, tile: PopTile) -> None:
        infra, model = self.shared.infra, self.shared.model
        pop = tile.pop
        cores = infra.routers.get(pop, [])
        core_states = self._device_states(cores)
        parts: list[Part] = []
        for name, st in zip(cores, core_states, strict=True):
            parts += [name[-1], _st(st, fmt.GLYPH.get(st, "?")), " "]
        col_states = self._device_states(infra.collects.get(pop, []))
        col_up = sum(s == "up" for s in col_states)
        col_worst = next((s for s in _WORST_DEVICE if s in col_states), "up")
        counts = model.by_pop.get(pop)
        total = infra.sites_of_pop.get(pop, 0)
        parts += ["col ", _st(col_worst, f"{col_up}/{len(col_states)}"),
                  f"\n{total:,} site{'s' if total != 1 else ''}\n"]
        bad = [(s, counts[s]) for s in fmt.SITE_STATES if s != "up" and counts and counts[s]]
        for n, (st, count) in enumerate(bad):
            parts += [" " if n else "", _st(st, f"{count}{fmt.GLYPH[st]}")]
        if not bad:
            parts.append(_st("up", "all up" if total else "-"))
        self._set(tile, parts)
        worst = model.pop_worst(pop) if total else "up"
        cores_bad = any(s != "up" for s in core_states) or col_worst != "up"
        classes = f"pop {fmt.state_class(worst)}" + (" infra-bad" if cores_bad else "")
        if set(classes.split()) != set(tile.classes):
            tile.set_classes(classes)

    def _backbone(self) -> None:
        infra, src = self.shared.infra, self.shared.source
        parts: list[Part] = []
        for plane in ("A", "B"):
            routers = self._device_states(infra.plane_routers[plane])
            links = [src.link_status(lk).state for lk in infra.plane_links[plane]]
            r_up, l_up = sum(s == "up" for s in routers), sum(s == "up" for s in links)
            worst = "up" if r_up == len(routers) and l_up == len(links) else (
                "down" if r_up < len(routers) / 2 else "degraded")
            parts += [_st(worst, f"Plane {plane}"),
                      f"  routers {r_up}/{len(routers)} up, links {l_up}/{len(links)} up\n"]
        cross = [src.link_status(lk).state for lk in infra.plane_links["X"]]
        parts.append(f"Between planes  links {sum(s == 'up' for s in cross)}/{len(cross)} up\nDatacentres ")
        for dc in infra.dcs:
            parts.append(f" {dc}")
            parts += [_st(st, fmt.GLYPH.get(st, "?")) for st in self._device_states(infra.routers.get(dc, []))]
        self._set(self.query_one("#backbone", Static), parts)

    def _poller(self) -> None:
        p = self.shared.source.poller()
        now = self.shared.source.now()
        alive = {True: _st("up", "polling"), False: _st("down", "SILENT"), None: ("starting", "$text-muted")}[p.alive]
        parts: list[Part] = [alive, " · ", (p.source, "$text-muted"), "\n"]
        if p.cycle is not None and p.completion is not None:
            style = "$text-success" if p.completion >= 0.95 else "$text-warning" if p.completion >= 0.8 else \
                "$text-error b"
            parts += [f"cycle {p.cycles or p.cycle + 1} ", (f"{p.completion:.1%} complete", style),
                      f" in {p.wall_s or 0:.1f} s ({p.cpu_s or 0:.1f} CPU-s), "
                      f"started {fmt.since(p.cycle_started, now)} ago\n",
                      (f"late {p.late or 0:,}", "$text-warning" if p.late else ""),
                      f" · failed {p.failed or 0:,} (timeouts {p.timeouts or 0:,}) of {p.devices:,} devices\n"]
        else:
            parts.append(f"no cycle completed yet · {p.devices:,} devices\n")
        parts.append((f"not measured {p.not_measured:,}", "$text-warning" if p.not_measured else "$text-success"))
        if p.polls is not None:
            parts.append(f" · polls {p.polls:,}")
        if p.store_pending:
            parts += [" · ", (f"STORE FAILING: {p.store_pending} events waiting", "$text-error b")]
        for note in p.notes[:2]:
            parts += ["\n", (note, "$text-warning")]
        self._set(self.query_one("#poller", Static), parts)

    def show_budget(self) -> None:
        """The error budgets changed (the app recomputes them every minute, in a thread)."""
        table = self.query_one("#availability", VirtualTable)
        report = self.shared.budget
        if report is None:
            self._rows = {}
            table.empty = f"not available: {self.shared.budget_note}"
            table.set_rows([])
            return
        self._rows = {r.access_class: r for r in class_rows(report)}
        table.set_rows(sorted(self._rows, key=lambda c: -self._rows[c].target_pct))

    def _cells(self, key: str) -> Sequence[Cell]:
        r = self._rows[key]
        met = r.met
        style = "vt--dim" if met is None else "vt--ok" if met else "st-down"
        verdict = "" if met is None else "on target" if met else "TARGET MISSED"
        budget = fmt.duration(r.remaining_s) if r.remaining_s >= 0 else f"-{fmt.duration(-r.remaining_s)}"
        return [(key, "vt--strong"), (f"{r.sites:,}", ""), (f"{r.target_pct:g}%", ""),
                (fmt.availability(r.availability_pct), style), (budget, "" if r.remaining_s >= 0 else "st-down"),
                (f"{r.sites_exhausted:,}", "st-degraded" if r.sites_exhausted else ""),
                (f"{r.sites_down_now:,}", "st-down" if r.sites_down_now else ""), (verdict, style)]


__all__ = ["Overview"]
