"""``vigie simulate --telemetry`` and ``vigie run`` with ``[telemetry]``: the farm's devices publish
through a real mosquitto; the monitor observes the chosen devices by MQTT only (never polled by
SNMP as well), the others by SNMP, and a device the scenario kills goes DOWN by the same rules."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from tests.integration.farmkit import start_farm, stop_farm
from tests.integration.monitorkit import INTERVAL, finish, free_udp_port, sim_start, small_rie, start_monitor
from tests.integration.mosquitto import Mosquitto, mosquitto_fixture  # noqa: F401 - the fixture
from vigie.inventory import write_inventory

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]


def test_sites_observed_by_telemetry_and_snmp_together(tmp_path: Path, mosquitto: Mosquitto) -> None:
    port = free_udp_port()
    inv = small_rie(12, 6, port)
    dead = next(name for name in sorted(inv.devices) if name.endswith("-R1") and
                inv.sites[inv.devices[name].site or ""].access_class == "economy")
    write_inventory(inv, tmp_path / "rie.json")
    (tmp_path / "scenario.toml").write_text(f'[[fault]]\nat = 10\nkind = "device_down"\ndevice = "{dead}"\n')
    farm = start_farm(inv, tmp_path / "rie.json", tmp_path, port,
                      ["--scenario", str(tmp_path / "scenario.toml"), "--telemetry", mosquitto.url,
                       "--telemetry-period", str(INTERVAL)])
    try:
        t0 = sim_start(farm)
        mon = start_monitor(tmp_path, duration=t0 + 30 - time.time(), extra=[
            "--set", "telemetry.enabled=true", "--set", f"telemetry.broker={mosquitto.url}",
            "--set", f"telemetry.expected_period_s={INTERVAL}", "--set", "telemetry.devices=S*"])
        code, lines = finish(mon, 60)
        assert code == 0, (tmp_path / "run.stderr").read_text()
    finally:
        stop_farm(farm)
    with sqlite3.connect(f"file:{tmp_path / 'vigie.db'}?mode=ro", uri=True) as conn:
        pdus = dict(conn.execute("SELECT device, pdus FROM device_polls"))
        changes = conn.execute("SELECT element, new FROM state_changes WHERE kind = 'device'"
                               " ORDER BY at, id").fetchall()
        sites = dict(conn.execute("SELECT element, new FROM state_changes WHERE kind = 'site' ORDER BY at, id"))
    by_telemetry = {n for n in inv.devices if n.startswith("S")}
    assert set(pdus) == set(inv.devices)
    assert all(pdus[n] > 0 for n in set(inv.devices) - by_telemetry)  # SNMP for the infrastructure...
    assert all(pdus[n] == 0 for n in by_telemetry)  # ... and not one SNMP request to the sites' devices
    seen_up = {e for e, new in changes if new == "up"}
    assert by_telemetry <= seen_up  # ... and every site device came up through its telemetry
    assert [new for e, new in changes if e == dead] == ["up", "down"]  # silent: DOWN after the hysteresis
    assert sites[inv.devices[dead].site or ""] in ("down", "degraded")
    assert all(v == "up" for k, v in sites.items() if k != inv.devices[dead].site)
    assert lines[-1]["store_pending"] == 0
