"""``vigie poll`` and the poller against the shared simulated farm (``vigie simulate``, 60
generated sites, v2c sites and v3 infrastructure): a healthy cycle, SNMPv3 discovery once
per device, and wrong or missing credentials as per-device results, never a failed cycle.

Polls that must time out use a copy of the farm's inventory with short SNMP timeouts
(the farm does not read them), so no test waits seconds for silence.
"""

from __future__ import annotations

import copy
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from collectors.scheduler import Scheduler
from collectors.snmp.poller import Poller
from collectors.snmp.targets import targets_for
from collectors.snmp.transport import SnmpTransport
from tests.integration.farmkit import FarmHandle, farm_env
from tests.integration.peers import last_json_line, vigie
from vigie.inventory import write_inventory
from vigie.model import Inventory
from vigie.observations import DevicePoll

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

SUMMARY_KEYS = {"devices", "ok", "failed", "timeouts", "wall_s", "cpu_s", "p50_ms", "p95_ms"}
FAILURE_LINE = re.compile(r"^  (\S+)\s+(\S+)\s+([a-z_]+): (.*)$")


def fast_inventory(inv: Inventory, path: Path, timeout_ms: int = 300, retries: int = 1) -> Path:
    """The same devices with short timeouts (the poller's side only)."""
    fast = copy.copy(inv)
    fast.snmp_profiles = {n: replace(p, timeout_ms=timeout_ms, retries=retries) for n, p in inv.snmp_profiles.items()}
    write_inventory(fast, path)
    return path


def version_of(inv: Inventory, device: str) -> str:
    return inv.snmp_profiles[inv.devices[device].snmp_profile].version


def failures(stdout: str) -> dict[str, tuple[str, str]]:
    """The text summary's failure lines → {device: (cause, detail)}."""
    out = {}
    for line in stdout.splitlines():
        m = FAILURE_LINE.match(line)
        if m:
            out[m.group(1)] = (m.group(3), m.group(4))
    return out


def poll_cli(inventory: Path, env: dict[str, str], *extra: str) -> tuple[dict[str, Any], dict[str, tuple[str, str]]]:
    r = vigie("poll", "--inventory", str(inventory), "--once", "--format", "json", "-v", "--show-failures", "10000",
              *extra, env=env)
    assert r.returncode == 0, f"exit {r.returncode}; stderr:\n{r.stderr}"
    assert "Traceback" not in r.stderr, r.stderr
    return last_json_line(r.stdout), failures(r.stdout)


# --- a healthy cycle -------------------------------------------------------------------------------


def test_poll_once_json_summary(farm: FarmHandle) -> None:
    inv = farm.inventory
    r = vigie("poll", "--inventory", str(farm.inventory_path), "--once", "--format", "json", env=farm_env())
    assert r.returncode == 0, r.stderr
    out = last_json_line(r.stdout)
    assert out.keys() >= SUMMARY_KEYS, out
    assert out["devices"] == len(inv.devices)
    assert out["ok"] == out["devices"] and out["failed"] == 0 and out["timeouts"] == 0, out
    assert out["errors"] == {}
    assert out["wall_s"] > 0 and out["cpu_s"] > 0 and out["cpu_s"] < 30
    assert 0 < out["p50_ms"] <= out["p95_ms"] < 2000
    assert out["interfaces"] == sum(len(d.interfaces) for d in inv.devices.values())
    assert out["pdus"] >= out["devices"] and out["completion"] == 1.0
    t = out["transport"]
    assert t["matched"] == out["pdus"] == t["sent"] and t["undecodable"] == 0 and t["wrong_source"] == 0


def test_poll_text_summary_devices_and_spread(farm: FarmHandle) -> None:
    r = vigie("poll", "--inventory", str(farm.inventory_path), "--once", "--devices", "S000*", "--spread", "1.0",
              env=farm_env())
    assert r.returncode == 0, r.stderr
    n = sum(1 for d in farm.inventory.devices if d.startswith("S000"))
    assert n > 0
    m = re.search(r"polled (\d+) devices in ([0-9.]+) s .*: (\d+) ok, (\d+) failed", r.stdout)
    assert m, r.stdout
    assert (int(m.group(1)), int(m.group(3)), int(m.group(4))) == (n, n, 0)
    assert float(m.group(2)) >= 0.5  # spread over the second, not one burst
    r = vigie("poll", "--inventory", str(farm.inventory_path), "--once", "--devices", "NOPE*", env=farm_env())
    assert r.returncode == 2 and "matches no device" in r.stderr


async def test_v3_discovery_once_per_device(farm: FarmHandle) -> None:
    """Two cycles with one poller: the second sends no discovery (nor ifName walk), so
    every v3 device needs at least one PDU less; the engines learnt are kept."""
    inv = farm.inventory
    targets = targets_for(inv, environ=farm_env())
    v3 = {t.device for t in targets if t.credentials.version == "3"}
    assert v3 and len(v3) < len(targets)
    transport = await SnmpTransport.open()
    try:
        poller = Poller(transport)
        sched = Scheduler(targets, poller.poll, interval_s=1.0, concurrency=200)
        cycles: list[dict[str, DevicePoll]] = []
        engines: dict[str, Any] = {}
        sent = []
        for _ in range(2):
            before = transport.stats.sent
            got: list[DevicePoll] = []
            report = await sched.run_cycle(got.append, spread=False)
            sent.append(transport.stats.sent - before)
            assert report.ok == report.devices == len(targets), report.errors
            cycles.append({p.device: p for p in got})
            if not engines:
                engines = {d: poller.sessions[d].engine for d in v3}
    finally:
        transport.close()
    first, second = cycles
    for d in v3:
        assert engines[d] is not None
        assert poller.sessions[d].engine is engines[d], f"{d}: rediscovered"
        assert second[d].pdus <= first[d].pdus - 1, (d, first[d].pdus, second[d].pdus)
    for d, p in second.items():
        assert p.reachable and p.response_ms is not None and p.sys_uptime is not None
        assert p.interfaces and all(i.name for i in p.interfaces), d
        assert [i.name for i in p.interfaces] == [i.name for i in sorted(inv.devices[d].interfaces,
                                                                        key=lambda i: i.index)]
    assert sent[1] <= sent[0] - len(v3)


# --- wrong or missing credentials ---------------------------------------------------------------------


def test_wrong_community_and_wrong_v3_key_are_per_device_errors(farm: FarmHandle, tmp_path: Path) -> None:
    inv = farm.inventory
    path = fast_inventory(inv, tmp_path / "fast.json")
    env = farm_env(VIGIE_SNMP_COMMUNITY="not-the-community", VIGIE_SNMP_AUTH_KEY="not-the-auth-passphrase")
    out, failed = poll_cli(path, env)
    v2c = {d for d in inv.devices if version_of(inv, d) == "2c"}
    v3 = set(inv.devices) - v2c
    assert out["devices"] == len(inv.devices) and out["ok"] == 0 and out["failed"] == out["devices"]
    assert out["timeouts"] == len(v2c)
    assert out["errors"] == {"timeout": len(v2c), "auth_failure": len(v3)}
    assert set(failed) == set(inv.devices)
    for d in v2c:
        cause, detail = failed[d]
        assert cause == "timeout" and f"{inv.devices[d].mgmt_address}:{farm.port}" in detail
        assert "no answer after 2 attempt(s)" in detail
    for d in v3:
        cause, detail = failed[d]
        assert cause == "auth_failure", (d, detail)
        assert "wrong authentication key for user 'vigie' (wrongDigests)" in detail


def test_wrong_v3_privacy_key(farm: FarmHandle, tmp_path: Path) -> None:
    inv = farm.inventory
    path = fast_inventory(inv, tmp_path / "fast.json")
    out, failed = poll_cli(path, farm_env(VIGIE_SNMP_PRIV_KEY="not-the-priv-passphrase"), "--devices", "*-C*")
    v3 = [d for d in inv.devices if "-C" in d]
    assert v3 and all(version_of(inv, d) == "3" for d in v3)
    assert out["devices"] == len(v3) and out["failed"] == len(v3)
    for d in v3:
        cause, detail = failed[d]
        # a real agent answers decryptionErrors or drops what it cannot decrypt (net-snmp drops)
        assert (cause, "decryptionErrors" in detail) in {("auth_failure", True), ("timeout", False)}, (d, detail)


def test_missing_v3_passphrases_are_config_errors(farm: FarmHandle) -> None:
    inv = farm.inventory
    env = farm_env()
    del env["VIGIE_SNMP_AUTH_KEY"]
    out, failed = poll_cli(farm.inventory_path, env)
    v3 = {d for d in inv.devices if version_of(inv, d) == "3"}
    assert out["ok"] == len(inv.devices) - len(v3)
    assert out["errors"] == {"config": len(v3)} and out["timeouts"] == 0
    assert set(failed) == v3
    for d in v3:
        cause, detail = failed[d]
        assert cause == "config" and "VIGIE_SNMP_AUTH_KEY" in detail and "rie-v3" in detail, detail
        assert "vigie-auth-passphrase" not in detail
