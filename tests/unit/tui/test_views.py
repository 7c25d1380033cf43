"""Each view's behaviour through Pilot on the fixed, seeded state: counts, filtering, drill-down,
acknowledgement, history, what-if, the jump prompt, the palette, live updates."""

from __future__ import annotations

from pathlib import Path

from textual.command import CommandList
from textual.widgets import ContentSwitcher, Static

from tests.unit.tui.tuikit import NOW, inventory, live_source
from topology.analysis import analyze
from topology.graph import from_inventory
from tui.alarms import AlarmsView
from tui.app import VigieApp
from tui.commands import HelpScreen
from tui.detail import SiteScreen
from tui.memory import MemorySource
from tui.sites import SitesView
from tui.table import VirtualTable
from tui.topoview import TopologyView

SIZE = (160, 50)


def text(app: VigieApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def rows(app: VigieApp, selector: str) -> list[str]:
    return list(app.screen.query_one(selector, VirtualTable).keys)


async def settle(pilot: object) -> None:
    app = pilot.app  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]
    await app.workers.wait_for_complete()
    await pilot.pause()  # type: ignore[attr-defined]


async def test_overview_counts_pops_poller_and_availability(mem: MemorySource) -> None:
    app = VigieApp(mem, who="alice")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "10" in text(app, "#count-unreachable") and "UNREACHABLE" in text(app, "#count-unreachable")
        assert "269" in text(app, "#count-up")
        lyo = text(app, "#pop-LYO")
        assert "col 1/2" in lyo and "10◌" in lyo and "36 sites" in lyo
        assert "all up" in text(app, "#pop-BDX")
        assert "99.8% complete" in text(app, "#poller") and "late 3" in text(app, "#poller")
        assert rows(app, "#availability") == ["premium", "standard", "economy", "overseas"]
        assert app.first_paint is not None


async def test_sites_filter_sort_and_drill_down(mem: MemorySource) -> None:
    app = VigieApp(mem, who="alice")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3")
        assert len(rows(app, "#sites-table")) == 300
        assert rows(app, "#sites-table")[0] == "S00042"  # worst first
        await pilot.press("slash", *"state:unr", "enter")
        unreachable = rows(app, "#sites-table")
        assert len(unreachable) == 10 and all(mem.site_status(c).cause == "LYO-C02" for c in unreachable)
        assert app.focused is app.query_one("#sites-table")
        await pilot.press("s")  # sort by code
        assert rows(app, "#sites-table") == sorted(unreachable)
        await pilot.press("r")
        assert rows(app, "#sites-table") == sorted(unreachable, reverse=True)
        await pilot.press("c")
        assert len(rows(app, "#sites-table")) == 300
        await pilot.press("slash", *"tribunal strasbourg", "enter", "enter")
        await settle(pilot)
        assert isinstance(app.screen, SiteScreen) and app.screen.site.code == "S00010"
        assert rows(app, "#site-devices") == ["S00010-R1", "S00010-R2"]
        assert rows(app, "#site-links")[:2] == ["ACC-S00010-R1", "ACC-S00010-R2"]
        summary = text(app, "#site-summary")
        assert "1 of 2 accesses up" in summary and "class expects 2" in summary
        assert "independent paths to the core now: 1" in summary  # its second access is cut
        assert "this month" in summary and "target 99.99%" in summary
        await pilot.press("escape")
        assert not isinstance(app.screen, SiteScreen)
        assert app.query_one(SitesView).filter.text == "tribunal strasbourg"


async def test_site_detail_shows_rates_and_events(mem: MemorySource) -> None:
    app = VigieApp(mem, who="alice")
    async with app.run_test(size=SIZE) as pilot:
        app.jump("site S00010")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SiteScreen)
        assert mem.watched == ("S00010-R1", "S00010-R2")
        cells = screen._itf_cells("S00010-R1:4")
        assert [c[0] for c in cells[3:6]] == ["412.0 Mb/s", "96.0 Mb/s", "41%"]
        assert cells[7][0].endswith("█") and len(cells[7][0]) == 12  # the sparkline, latest highest
        events = [screen._events[k] for k in rows(app, "#site-events")]
        assert events == sorted(events, key=lambda c: c.at, reverse=True)
        assert [(c.element, c.new) for c in events[:3]] == [
            ("S00010-R2:GigabitEthernet0/0/0", "down"), ("ACC-S00010-R2", "down"), ("S00010", "degraded")]
        await pilot.press("escape")
        assert not mem.watched


async def test_alarms_ack_history_and_drill_down(mem: MemorySource) -> None:
    app = VigieApp(mem, who="alice")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        keys = rows(app, "#alarms-active")
        raised = [mem.active_alarms()[[a.id for a in mem.active_alarms()].index(int(k))].raised_at for k in keys]
        assert raised == sorted(raised, reverse=True)  # newest first
        lyo = next(a for a in mem.active_alarms() if a.element == "LYO-C02")
        view = app.query_one(AlarmsView)
        table = app.query_one("#alarms-active", VirtualTable)
        assert table.move_to(str(lyo.id))
        cells = view._active_cells(str(lyo.id))
        assert cells[0][0] == "CRITICAL" and "10 sites unreachable" in cells[5][0] and cells[4][0] == "LYO-C02"
        assert cells[3][0] == "12m56s"
        await pilot.press("a")
        assert mem.acked == [(lyo.id, "alice")]
        assert view._active_cells(str(lyo.id))[7][0] == "✓ alice"
        assert "20 not acknowledged" in text(app, "#alarms-summary")
        await pilot.press("h")
        assert rows(app, "#alarms-history") == [str(a.id) for a in mem.alarm_history()]
        await pilot.press("h", "enter")  # back to active; Enter on LYO-C02: the sites behind it
        await pilot.pause()
        assert app.query_one("#views", ContentSwitcher).current == "sites"
        assert app.query_one(SitesView).filter.text == "cause:LYO-C02"
        assert len(rows(app, "#sites-table")) == 10


async def test_ack_refused_by_a_read_only_source(mem: MemorySource) -> None:
    mem.acks = False
    app = VigieApp(mem, who="alice")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2", "a")
        await pilot.pause()
        assert mem.acked == [] and all(a.acked_by is None for a in mem.active_alarms())
        assert any("read-only" in str(n.message) for n in app._notifications)


async def test_ack_through_the_live_source_is_stored(tmp_path: Path) -> None:
    src, _engine, store, _bus = live_source(tmp_path)
    app = VigieApp(src, who="bob")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        key = app.query_one("#alarms-active", VirtualTable).selected
        assert key is not None
        await pilot.press("a")
        await pilot.pause()
    stored = store.alarm(int(key))
    assert stored is not None and stored.acked_by == "bob"
    src.close()
    store.close()


async def test_what_if_matches_the_resilience_library(mem: MemorySource) -> None:
    app = VigieApp(mem, who="alice")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("colon", *"whatif MRS", "enter")
        await settle(pilot)
        down = list(mem.failed_elements())
        expected = analyze(from_inventory(inventory()), down=down, what_if_elements=["MRS"], pairs=0).what_if[0]
        assert rows(app, "#whatif-sites") == list(expected.site_codes) and expected.sites > 0
        assert f"would isolate {expected.sites:,} more sites" in text(app, "#whatif-summary")
        topo = app.query_one(TopologyView)
        assert topo.snap is not None and set(topo.snap.isolated) == {
            c for c in mem.inventory.sites if mem.site_status(c).state in ("unreachable", "down")}
        # Enter on a POP row: what-if on it; Enter on an isolated site: its detail
        table = app.query_one("#topo-locations", VirtualTable)
        table.focus()
        assert table.move_to("PAR")
        await pilot.press("enter")
        await settle(pilot)
        assert "failing PAR now" in text(app, "#whatif-summary")
        first = rows(app, "#whatif-sites")[0]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SiteScreen) and app.screen.site.code == first


async def test_what_if_of_an_unknown_element_says_so(mem: MemorySource) -> None:
    app = VigieApp(mem, who="alice")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4", "w", *"NOPE-C99", "enter")
        await settle(pilot)
        assert "NOPE-C99" in text(app, "#whatif-summary") and rows(app, "#whatif-sites") == []


async def test_jump_prompt_help_and_palette(mem: MemorySource) -> None:
    app = VigieApp(mem, who="alice")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("colon", *"sites pop:STR", "enter")
        assert app.query_one("#views", ContentSwitcher).current == "sites"
        assert len(rows(app, "#sites-table")) == sum(s.pop == "STR" for s in mem.inventory.sites.values())
        await pilot.press("colon", *"nowhere", "enter")
        await pilot.pause()
        assert any("unknown view 'nowhere'" in str(n.message) for n in app._notifications)
        await pilot.press("colon", *"S00064", "enter")
        await settle(pilot)
        assert isinstance(app.screen, SiteScreen) and app.screen.site.code == "S00064"
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, SiteScreen)
        await pilot.press("question_mark")
        for _ in range(100):  # a loaded machine may take a few frames to push the screen
            if isinstance(app.screen, HelpScreen):
                break
            await pilot.pause(0.05)
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape", "ctrl+p")
        await pilot.pause()
        await pilot.press(*"S00057")
        for _ in range(100):  # the palette searches in the background
            await pilot.pause(0.05)
            found = app.screen.query(CommandList)
            if found and found.first().option_count:
                break
        listing = app.screen.query_one(CommandList)
        assert "S00057" in str(listing.get_option_at_index(0).prompt)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SiteScreen) and app.screen.site.code == "S00057"


async def test_live_updates_repaint_what_changed(mem: MemorySource) -> None:
    app = VigieApp(mem, who="alice", refresh_s=60.0)  # ticks driven by hand
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3")
        mem.set_site("S00001", "down", "S00001-R1", NOW, "S00001-R1 down (timeout)")
        mem.set_site("S00002", "unreachable", "ORL-C01", NOW)
        app.tick()
        await pilot.pause()
        assert rows(app, "#sites-table")[:2] == ["S00001", "S00042"]  # most recent first among the down
        assert app.shared.model.counts["down"] == 2
        assert "overview" in app._stale  # hidden: repainted in full when shown
        await pilot.press("1")
        assert "2" in text(app, "#count-down")
        assert "overview" not in app._stale


async def test_theme_toggle_repaints_in_the_other_theme(mem: MemorySource) -> None:
    app = VigieApp(mem, who="alice")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3")
        table = app.query_one("#sites-table", VirtualTable)
        dark = table._style("st-down")
        await pilot.press("t")
        await pilot.pause()
        assert app.theme == "vigie-light" and not app.current_theme.dark
        assert table._style("st-down") != dark  # cached styles dropped with the theme
        await pilot.press("t")
        assert app.theme == "vigie-dark"


async def test_the_store_source_drives_the_same_views(tmp_path: Path) -> None:
    from tui.storesource import StoreSource

    live, _engine, store, _bus = live_source(tmp_path)
    store.close()
    live.close()
    src = StoreSource(inventory(), tmp_path / "vigie.db", clock=lambda: NOW)
    app = VigieApp(src, who="alice")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "10" in text(app, "#count-unreachable")
        assert "read-only" in text(app, "#poller")
        await pilot.press("3", "slash", *"cause:LYO-C02", "enter")
        assert len(rows(app, "#sites-table")) == 10
        await pilot.press("2", "a")
        await pilot.pause()
        assert any("read-only" in str(n.message) for n in app._notifications)
    src.close()
