""":class:`VigieApp`: the dashboard. Four views in one screen (overview, alarms, sites, topology),
the site detail pushed over them, a top bar with the national counts, the footer with the keys.

Updates: every ``refresh_s`` (1 s, as btop; k9s takes 2) the app drains the source's change feed
once, brings the site model up to date, and repaints the view on screen (and the site detail if
open). Hidden views are only marked stale and repaint in full when shown. So a burst of changes
costs one repaint, whatever its size, and 14,000 sites cost no more than 300 while nothing changes.
What the operator does (a key, an acknowledgement) repaints at once.

With a monitor (``vigie demo``), the monitor runs as a worker in the app's own event loop; quitting
(q, Ctrl+C) sets its stop event and waits for it to flush everything before the app exits (press
again to leave at once).
"""

from __future__ import annotations

import asyncio
import getpass
import os
import time
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.theme import Theme
from textual.widgets import ContentSwitcher, Footer, Static
from textual.worker import Worker, WorkerCancelled, WorkerFailed

from tui import fmt
from tui.alarms import AlarmsView
from tui.commands import HelpScreen, JumpError, JumpScreen, VigieCommands, parse_jump
from tui.detail import SiteScreen
from tui.overview import Overview
from tui.shared import Shared
from tui.sites import SitesView
from tui.source import EMPTY, Delta, SourceError, StateSource
from tui.topoview import TopologyView

MonitorRunner = Callable[[asyncio.Event], Awaitable[Any]]
VIEW_NAMES = ("overview", "alarms", "sites", "topology")

THEMES = {
    "vigie-dark": Theme(name="vigie-dark", primary="#5aa9ff", secondary="#3b7dd8", accent="#d08cf0",
                        warning="#f0c060", error="#ff6b6b", success="#5fd38d", foreground="#dfe6ee",
                        background="#0f1419", surface="#151b23", panel="#1e2632", dark=True),
    "vigie-light": Theme(name="vigie-light", primary="#0550ae", secondary="#0969da", accent="#8a3ab9",
                         warning="#8a5a00", error="#c21f2f", success="#157f3b", foreground="#1f2328",
                         background="#fbfbfc", surface="#f1f3f5", panel="#e3e7eb", dark=False),
}


def login() -> str:
    try:
        return os.environ.get("USER") or getpass.getuser()
    except (KeyError, OSError):
        return "operator"


class VigieApp(App[None]):
    CSS_PATH = "vigie.tcss"
    TITLE = "Vigie"
    COMMANDS = App.COMMANDS | {VigieCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", priority=True, show=False),
        Binding("ctrl+c", "quit", "Quit", priority=True, show=False),
        Binding("q", "quit", "Quit"),
        Binding("1", "view('overview')", "Overview"),
        Binding("2", "view('alarms')", "Alarms"),
        Binding("3", "view('sites')", "Sites"),
        Binding("4", "view('topology')", "Topology"),
        Binding("colon", "jump", "Jump"),
        Binding("question_mark", "help", "Help"),
        Binding("t", "toggle_theme", "Theme", show=False),
        Binding("escape", "go_back", "Back", show=False),
    ]

    def __init__(self, source: StateSource, *, who: str | None = None, refresh_s: float = 1.0,
                 budget_every_s: float = 60.0, monitor: MonitorRunner | None = None, theme: str = "vigie-dark",
                 view: str = "overview") -> None:
        super().__init__()
        for t in THEMES.values():
            self.register_theme(t)
        self.theme = theme if theme in self.available_themes else "vigie-dark"
        self.shared = Shared(source, who or login())
        self.shared.model.load(source)
        self.refresh_s = refresh_s
        self.budget_every_s = budget_every_s
        self._first_view = view
        self._runner = monitor
        self._stop: asyncio.Event | None = None
        self._monitor_worker: Worker[None] | None = None
        self._stopping = False
        self.monitor_result: Any = None
        self.monitor_error: BaseException | None = None
        self._stale: set[str] = set()
        self._ticks = 0
        self._pending = EMPTY
        self._topbar_text = ""
        self.first_paint: float | None = None  # time.perf_counter() of the first refresh after mount
        self.ticks_applied = 0

    @property
    def source(self) -> StateSource:
        return self.shared.source

    def compose(self) -> ComposeResult:
        yield Static("", id="topbar")
        with ContentSwitcher(initial=self._first_view, id="views"):
            yield Overview(self.shared)
            yield AlarmsView(self.shared)
            yield SitesView(self.shared)
            yield TopologyView(self.shared)
        yield Footer()

    def on_mount(self) -> None:
        self._topbar()
        self.set_interval(self.refresh_s, self.tick)
        self.call_after_refresh(self._painted)
        if self._runner is not None:
            self._stop = asyncio.Event()
            self._monitor_worker = self.run_worker(self._run_monitor(), name="monitor", group="monitor",
                                                   exit_on_error=False)
        self.set_timer(0.2, self._budget_worker)
        self.set_interval(self.budget_every_s, self._budget_worker)
        self.action_view(self._first_view)

    def _painted(self) -> None:
        if self.first_paint is None:
            self.first_paint = time.perf_counter()

    # -- the feed --------------------------------------------------------------------------------

    @property
    def current_view(self) -> Any:
        switcher = self.query_one("#views", ContentSwitcher)
        return self.query_one(f"#{switcher.current or 'overview'}")

    def tick(self) -> None:
        """Drain the feed; repaint what is on screen (every ``refresh_s``: the clocks move too)."""
        pending, self._pending = self._pending.merge(self.shared.source.drain()), EMPTY
        self._ticks += 1
        self.apply(pending)

    def apply(self, delta: Delta) -> None:
        src, model = self.shared.source, self.shared.model
        if delta.resync:
            model.load(src)
        elif delta.sites:
            model.update(delta.sites, src)
        current = self.current_view
        if delta:
            self._stale.update(v for v in VIEW_NAMES if v != current.id)
        current.refresh_view(delta)
        if isinstance(self.screen, SiteScreen):
            self.screen.refresh_view(delta)
        self._topbar()
        self.ticks_applied += 1

    def _topbar(self) -> None:
        src, model = self.shared.source, self.shared.model
        alarms = src.active_alarms()
        unacked = sum(a.acked_by is None for a in alarms)
        bad = " ".join(fmt.state_markup(s, f"{fmt.GLYPH[s]} {model.counts[s]:,} {fmt.SHORT[s].lower()}")
                       for s in ("down", "unreachable", "degraded", "unknown") if model.counts[s])
        try:
            current = self.query_one("#views", ContentSwitcher).current
        except Exception:
            current = None
        tabs = " ".join(f"[reverse] {i} {v.capitalize()} [/]" if v == current else f"{i} {v.capitalize()}"
                        for i, v in enumerate(VIEW_NAMES, 1))
        alarm_txt = fmt.markup("$text-error b" if unacked else "", f"alarms {len(alarms)} ({unacked} new)")
        text = (f"[b]VIGIE[/b] {fmt.clock(src.now())} · {len(model):,} sites {bad or fmt.state_markup('up', 'all up')}"
                f" · {alarm_txt} · {tabs} · {fmt.markup('$text-muted', src.label)}")
        if text != self._topbar_text:
            self._topbar_text = text
            self.query_one("#topbar", Static).update(text, layout=False)

    @work(thread=True, exclusive=True, group="budget")
    def _budget_worker(self) -> None:
        try:
            report = self.shared.source.error_budget()
            note = ""
        except SourceError as exc:
            report, note = None, str(exc)
        self.call_from_thread(self._show_budget, report, note)

    def _show_budget(self, report: Any, note: str) -> None:
        self.shared.budget = report
        self.shared.budget_note = note
        self.shared.budget_at = self.shared.source.now()
        self.query_one(Overview).show_budget()

    # -- the monitor -----------------------------------------------------------------------------

    async def _run_monitor(self) -> None:
        assert self._runner is not None and self._stop is not None
        try:
            self.monitor_result = await self._runner(self._stop)
        except Exception as exc:  # the dashboard stays up, states frozen, and says so
            self.monitor_error = exc
            self.notify(f"the monitor stopped: {exc}", title="monitor", severity="error", timeout=60)

    async def action_quit(self) -> None:
        worker = self._monitor_worker
        if worker is None or worker.is_finished or self._stopping:
            self.exit()
            return
        self._stopping = True
        self.notify("stopping the monitor: flushing the store… (press again to leave at once)", timeout=60)
        assert self._stop is not None
        self._stop.set()
        self._wait_monitor(worker)

    @work(exclusive=True, group="quit")
    async def _wait_monitor(self, worker: Worker[None]) -> None:
        try:
            await asyncio.wait_for(worker.wait(), timeout=120)
        except (TimeoutError, WorkerCancelled, WorkerFailed):
            pass
        self.exit()

    # -- navigation ------------------------------------------------------------------------------

    def action_view(self, name: str) -> None:
        while isinstance(self.screen, SiteScreen):
            self.pop_screen()
        switcher = self.query_one("#views", ContentSwitcher)
        switcher.current = name
        view = self.current_view
        if name in self._stale or name == "topology":
            self._stale.discard(name)
            view.refresh_view(None)
        focus = getattr(view, "focus_table", None)
        if focus is not None:
            focus()
        self._topbar()

    def action_jump(self) -> None:
        self.push_screen(JumpScreen(), self._jumped)

    def _jumped(self, text: str | None) -> None:
        if text:
            self.jump(text)

    def jump(self, text: str) -> None:
        """Do what a ``:`` command (or a palette entry) says."""
        try:
            j = parse_jump(text, self.shared.inventory.sites)
        except JumpError as exc:
            self.notify(str(exc), title=":" + text.strip(), severity="error")
            return
        if j.quit:
            self.call_later(self.action_quit)
        elif j.help:
            self.action_help()
        elif j.site is not None:
            self.open_site(j.site)
        elif j.view is not None:
            self.action_view(j.view)
            if j.filter is not None:
                self.query_one(SitesView).set_filter(j.filter)
            if j.history and not self.query_one(AlarmsView).history:
                self.query_one(AlarmsView).action_toggle_history()
            if j.what_if:
                self.query_one(TopologyView).what_if(j.what_if)

    def open_site(self, code: str) -> None:
        while isinstance(self.screen, SiteScreen):
            self.pop_screen()
        self.push_screen(SiteScreen(self.shared, code))

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_toggle_theme(self) -> None:
        self.theme = "vigie-light" if self.current_theme.dark else "vigie-dark"

    def action_go_back(self) -> None:
        if isinstance(self.screen, SiteScreen):
            self.pop_screen()
            return
        if self.query_one(SitesView).leave_filter() or self.query_one(TopologyView).leave_input():
            return
        if self.query_one(AlarmsView).history and self.current_view.id == "alarms":
            self.query_one(AlarmsView).action_toggle_history()

    def on_sites_view_open(self, message: SitesView.Open) -> None:
        self.open_site(message.code)

    def on_topology_view_open(self, message: TopologyView.Open) -> None:
        self.open_site(message.code)

    def on_alarms_view_acked(self, _message: AlarmsView.Acked) -> None:
        pending, self._pending = self._pending.merge(self.shared.source.drain()), EMPTY
        self.apply(pending)

    def on_alarms_view_open(self, message: AlarmsView.Open) -> None:
        if message.site:
            self.open_site(message.element)
        else:  # an infrastructure element: the sites behind it
            self.action_view("sites")
            self.query_one(SitesView).set_filter(f"cause:{message.element}")


__all__ = ["THEMES", "VIEW_NAMES", "MonitorRunner", "VigieApp", "login"]
