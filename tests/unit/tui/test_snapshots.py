"""SVG snapshots of the dashboard on the fixed, seeded state (textual and rich pinned in
pyproject.toml). The clock is the state's, the time zone pinned (conftest): nothing in them moves.

Update after an intended change: ``pytest tests/unit/tui/test_snapshots.py --snapshot-update``,
then look at the SVGs (tests/unit/tui/__snapshots__/) before committing them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from textual.pilot import Pilot

from tui.app import VigieApp
from tui.memory import MemorySource

SIZE = (160, 50)
Compare = Callable[..., bool]


def settled(*keys: str, then: Callable[[VigieApp], None] | None = None) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run(pilot: Pilot[Any]) -> None:
        app = pilot.app
        assert isinstance(app, VigieApp)
        await pilot.pause()
        await app.workers.wait_for_complete()
        if keys:
            await pilot.press(*keys)
        if then is not None:
            then(app)
        for _ in range(2):
            await pilot.pause()
            await app.workers.wait_for_complete()
        await pilot.pause()

    return run


def test_overview(snap_compare: Compare, mem: MemorySource) -> None:
    assert snap_compare(VigieApp(mem, who="alice"), terminal_size=SIZE, run_before=settled())


def test_overview_light_theme(snap_compare: Compare, mem: MemorySource) -> None:
    assert snap_compare(VigieApp(mem, who="alice", theme="vigie-light"), terminal_size=SIZE, run_before=settled())


def test_alarms(snap_compare: Compare, mem: MemorySource) -> None:
    assert snap_compare(VigieApp(mem, who="alice"), terminal_size=SIZE,
                        run_before=settled("2", "a", then=lambda app: app.clear_notifications()))


def test_sites_filtered(snap_compare: Compare, mem: MemorySource) -> None:
    assert snap_compare(VigieApp(mem, who="alice"), terminal_size=SIZE,
                        run_before=settled("3", "slash", *"!state:up", "enter", "down"))


def test_site_detail(snap_compare: Compare, mem: MemorySource) -> None:
    assert snap_compare(VigieApp(mem, who="alice"), terminal_size=SIZE,
                        run_before=settled(then=lambda app: app.jump("site S00010")))


def test_topology_what_if(snap_compare: Compare, mem: MemorySource) -> None:
    assert snap_compare(VigieApp(mem, who="alice"), terminal_size=SIZE,
                        run_before=settled(then=lambda app: app.jump("whatif LYO-C01")))
