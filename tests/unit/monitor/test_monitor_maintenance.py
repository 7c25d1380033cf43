"""The monitor applies the maintenance windows declared for the SLA (``vigie sla maintenance add``,
sla.db) and in the maintenance file, again when they change; a broken source is refused whole."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from simulators.rie import generate_rie
from sla.errors import SlaError
from sla.maintenance import MaintenanceDb
from vigie.monitor.runtime import Monitor
from vigie.settings import load_settings
from vigie.state import SiteState
from vigie.store import SqliteStore

NOW = 1_800_000_000.0


def monitor(tmp_path: Path, **flags: object) -> Monitor:
    inv = generate_rie(sites=20, seed=4)
    settings = load_settings(None, {}, {"monitor.inventory": "rie.json", "monitor.store": str(tmp_path / "v.db"),
                                        "monitor.maintenance_db": str(tmp_path / "sla.db"), **flags})
    clock = iter(NOW + i for i in range(1000))
    return Monitor(settings, inv, SqliteStore(tmp_path / "v.db"), wall=lambda: next(clock))


def test_windows_declared_in_sla_db_put_sites_in_maintenance(tmp_path: Path) -> None:
    site = "S00003"
    with MaintenanceDb(tmp_path / "sla.db") as db:
        db.add(site, NOW - 60, NOW + 3600, "fibre works", "noc-op", NOW - 120)
    mon = monitor(tmp_path)
    mon.resume()
    mon.engine.tick(NOW + 5)
    assert mon.engine.site_state(site) is SiteState.MAINTENANCE
    assert mon.engine.site_state("S00004") is SiteState.UNKNOWN


def test_a_window_added_while_running_is_applied_and_a_broken_file_keeps_the_old_ones(tmp_path: Path) -> None:
    mon = monitor(tmp_path, **{"monitor.maintenance_file": str(tmp_path / "maint.toml")})
    (tmp_path / "maint.toml").write_text("")
    mon.resume()
    with MaintenanceDb(tmp_path / "sla.db") as db:
        db.add("S00005", NOW - 60, NOW + 3600, "", "noc-op", NOW)
    os.utime(tmp_path / "sla.db", (NOW + 10, NOW + 10))
    mon._load_maintenance()
    mon.engine.tick(NOW + 20)
    assert mon.engine.site_state("S00005") is SiteState.MAINTENANCE
    (tmp_path / "maint.toml").write_text("[[window]]\nelement = 'S00006'\n")  # no start, end, declared_by
    os.utime(tmp_path / "maint.toml", (NOW + 30, NOW + 30))
    mon._load_maintenance()  # refused, logged; the previous windows stay
    mon.engine.tick(NOW + 40)
    assert mon.engine.site_state("S00005") is SiteState.MAINTENANCE


def test_at_start_a_broken_source_stops_the_monitor(tmp_path: Path) -> None:
    (tmp_path / "maint.toml").write_text("[[window]]\nelement = 'NOPE'\nstart = 2026-11-28T22:00:00+01:00\n"
                                         "end = 2026-11-28T23:00:00+01:00\ndeclared_by = 'me'\n")
    mon = monitor(tmp_path, **{"monitor.maintenance_file": str(tmp_path / "maint.toml")})
    with pytest.raises((SlaError, ValueError), match="NOPE"):
        mon.resume()
