"""Error budgets for the current period (the dashboard's library call)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sla.budget import error_budget, error_budget_from_store
from sla.calendar import parse_period
from sla.maintenance import MaintenanceDb
from tests.unit.sla.slakit import H, inventory, paris, site_of
from vigie.state.events import StateChange
from vigie.store import SqliteStore

OCT = parse_period("2026-10")
NOW = paris("2026-10-10 12:00")


def _events() -> list[StateChange]:
    a, b, c = site_of("premium"), site_of("premium", 1), site_of("economy")
    ev = [StateChange(paris("2026-09-01 00:00"), "site", s, "unknown", "up") for s in sorted(inventory().sites)]
    ev += [
        StateChange(paris("2026-10-05 10:00"), "site", a, "up", "down", f"{a}-R1"),
        StateChange(paris("2026-10-05 10:00") + 100, "site", a, "down", "up"),
        StateChange(paris("2026-10-06 00:00"), "site", b, "up", "unknown", "not measured"),
        StateChange(paris("2026-10-06 01:00"), "site", b, "unknown", "up"),
        StateChange(NOW - 60, "site", c, "up", "unreachable", "COL-X"),
        StateChange(NOW - 60, "device", "COL-X", "up", "down"),
    ]
    return ev


def test_site_budgets() -> None:
    rep = error_budget(inventory(), NOW, changes=_events())
    assert rep.period == OCT
    a, b, c = (rep.sites[site_of("premium")], rep.sites[site_of("premium", 1)], rep.sites[site_of("economy")])
    frac = 1 - 99.99 / 100
    assert a.allowed_s == pytest.approx(frac * OCT.seconds)
    assert a.used_s == 100 and a.remaining_s == pytest.approx(frac * OCT.seconds - 100)
    assert not a.down_now and a.exhausted_at is None and not a.exhausted
    # an hour not measured: out of the expected time; the worst case counts it as down
    assert b.unknown_s == H and b.allowed_s == pytest.approx(frac * (OCT.seconds - H))
    assert b.remaining_worst_s == pytest.approx(frac * OCT.seconds - H) and b.remaining_worst_s < 0 < b.remaining_s
    # down now: it burns its budget in real time
    assert c.down_now and c.used_s == 60
    assert c.exhausted_at == pytest.approx(NOW + c.remaining_s)


def test_class_budgets_pool_their_sites() -> None:
    rep = error_budget(inventory(), NOW, changes=_events())
    premium = rep.classes["premium"]
    members = [s for s in rep.sites.values() if s.access_class == "premium"]
    assert premium.sites == len(members)
    assert premium.allowed_s == pytest.approx(sum(s.allowed_s for s in members))
    assert premium.used_s == 100 and premium.unknown_s == H
    assert premium.remaining_s == pytest.approx(premium.allowed_s - 100)
    assert rep.classes["economy"].sites_down_now == 1 and rep.classes["premium"].sites_exhausted == 0


def test_budget_overrun_and_maintenance_from_the_store(tmp_path: Path) -> None:
    a = site_of("premium")
    ev = _events() + [StateChange(paris("2026-10-07 10:00"), "site", a, "up", "down", f"{a}-R1"),
                      StateChange(paris("2026-10-07 11:00"), "site", a, "down", "up")]
    db = tmp_path / "vigie.db"
    with SqliteStore(db) as store:
        store.record(ev)
    rep = error_budget_from_store(db, inventory(), NOW)
    assert rep.sites[a].exhausted and rep.sites[a].remaining_s == pytest.approx(
        (1 - 99.99 / 100) * OCT.seconds - 100 - H)
    with MaintenanceDb(tmp_path / "sla.db") as mdb:  # declared after the fact: the hour is excluded
        mdb.add(a, paris("2026-10-07 09:30"), paris("2026-10-07 11:30"), "planned", "alice", now=NOW)
    rep = error_budget_from_store(db, inventory(), NOW, maintenance_db=tmp_path / "sla.db")
    assert not rep.sites[a].exhausted and rep.sites[a].used_s == 100
