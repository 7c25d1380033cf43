"""The poller through the farm's fault scenarios (docs/scenarios.md).

Faults: 10 % of the devices down (sites' routers and one collect router, whose single-homed
sites are then cut off), malformed replies (garbage, truncated, bad_length,
wrong_request_id, over v2c and v3), packet loss and slow agents. One cycle completes; each
affected device has its cause (TIMEOUT when silent, DECODE_ERROR when its replies are
broken), every other device is ok. What "silent" means comes from the farm's own
timeline (:class:`simulators.scenario.FaultTimeline`), not from a guess here.

Reboot: a v2c router and a v3 core reboot; after it the poller reports the new sysUpTime,
resynchronises the v3 engine (boots changed) and refreshes its ifIndex → ifName cache.
"""

from __future__ import annotations

import asyncio
import copy
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import orjson
import pytest

from collectors.scheduler import Scheduler
from collectors.snmp.poller import Poller
from collectors.snmp.targets import Target, targets_for
from collectors.snmp.transport import SnmpTransport
from simulators.rie import generate_rie
from simulators.scenario import FaultTimeline, load_scenario
from tests.integration.farmkit import FarmHandle, farm_env, free_udp_port, start_farm, stop_farm
from tests.integration.peers import last_json_line, vigie
from vigie.inventory import write_inventory
from vigie.model import Inventory, Role
from vigie.observations import DevicePoll, PollError

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

SITES, SEED = 40, 5
TIMEOUT_MS, RETRIES = 1000, 1  # the farm, one worker, lags a few 100 ms under a cycle's burst
SLOW_MS = 150
REBOOT_AT, DOWNTIME = 4.0, 1.0


def small_rie(port: int) -> Inventory:
    inv = generate_rie(sites=SITES, seed=SEED, port=port, snmp="mixed")
    inv.snmp_profiles = {n: replace(p, timeout_ms=TIMEOUT_MS, retries=RETRIES) for n, p in inv.snmp_profiles.items()}
    return inv


def version(inv: Inventory, device: str) -> str:
    return inv.snmp_profiles[inv.devices[device].snmp_profile].version


def farm_start_time(handle: FarmHandle) -> float:
    """The farm's t = 0 (wall clock): the ground truth's first record (bounded wait)."""
    deadline = time.monotonic() + 5.0
    while time.monotonic() < deadline:
        if handle.ground_truth.exists():
            lines = [ln for ln in handle.ground_truth.read_bytes().splitlines() if ln.strip()]
            if lines:
                rec = orjson.loads(lines[0])
                assert rec["kind"] == "simulation" and rec["t"] == 0.0
                return datetime.fromisoformat(rec["ts"].replace("Z", "+00:00")).timestamp()
        time.sleep(0.05)
    raise AssertionError("no ground-truth start record within 5 s")


async def one_cycle(poller: Poller, targets: list[Target]) -> dict[str, DevicePoll]:
    got: list[DevicePoll] = []
    report = await Scheduler(targets, poller.poll, interval_s=1.0, concurrency=500).run_cycle(got.append, spread=False)
    assert report.completed == report.devices == len(targets)
    return {p.device: p for p in got}


# --- faults ---------------------------------------------------------------------------------------


@dataclass
class Faulty:
    handle: FarmHandle
    timeline: FaultTimeline
    down: list[str]
    broken: dict[str, str]  # device -> malformed mode
    lossy: str
    slow: list[str]


def _scenario(inv: Inventory) -> tuple[str, list[str], dict[str, str], str, list[str]]:
    single = sorted(s.devices[0] for s in inv.sites.values() if len(s.devices) == 1
                    and inv.devices[s.devices[0]].role is Role.CE)
    collect = sorted(d.name for d in inv.devices.values() if d.role is Role.COLLECT)[0]
    n_down = round(0.1 * len(inv.devices))
    down = [collect] + single[: n_down - 1]
    spare = [d for d in single[n_down - 1:]]
    cores = sorted(d.name for d in inv.devices.values() if d.role is Role.CORE)
    broken = {spare[0]: "garbage", spare[1]: "truncated", spare[2]: "bad_length", spare[3]: "wrong_request_id",
              cores[0]: "wrong_request_id", cores[1]: "garbage"}
    lossy = spare[4]
    slow = [spare[5], cores[2]]
    faults = [f'[[fault]]\nat = 0\nkind = "device_down"\ndevices = {orjson.dumps(down).decode()}\n']
    faults += [f'[[fault]]\nat = 0\nkind = "malformed"\ndevice = "{d}"\nmode = "{m}"\n' for d, m in broken.items()]
    faults.append(f'[[fault]]\nat = 0\nkind = "packet_loss"\ndevice = "{lossy}"\npercent = 30\n')
    faults += [f'[[fault]]\nat = 0\nkind = "slow_agent"\ndevice = "{d}"\ndelay_ms = {SLOW_MS}\n' for d in slow]
    text = 'name = "poller faults"\nseed = 3\n\n' + "\n".join(faults)
    return text, down, broken, lossy, slow


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Faulty]:
    directory = tmp_path_factory.mktemp("faults")
    port = free_udp_port()
    inv = small_rie(port)
    path = directory / "rie.json"
    write_inventory(inv, path)
    text, down, broken, lossy, slow = _scenario(inv)
    scenario = directory / "faults.toml"
    scenario.write_text(text)
    timeline = FaultTimeline(load_scenario(scenario, inv), inv)
    handle = start_farm(inv, path, directory, port, ["--scenario", str(scenario)], name="faults-farm")
    try:
        yield Faulty(handle, timeline, down, broken, lossy, slow)
    finally:
        code = stop_farm(handle)
        assert code == 0, f"farm exited with {code}:\n{handle.stderr()}"


def expected_silent(f: Faulty) -> set[str]:
    silent = {d for d in f.handle.inventory.devices if f.timeline.silent(d, 1.0)}
    assert set(f.down) <= silent
    assert not silent & (set(f.broken) | {f.lossy} | set(f.slow)), "a faulty device is cut off: pick others"
    return silent


async def test_cycle_with_faults_gives_each_device_its_cause(faulty: Faulty) -> None:
    inv = faulty.handle.inventory
    silent = expected_silent(faulty)
    targets = targets_for(inv, environ=farm_env())
    transport = await SnmpTransport.open()
    try:
        started = time.monotonic()
        polls = await one_cycle(Poller(transport), targets)
        wall = time.monotonic() - started
    finally:
        transport.close()
    worst_timeout = TIMEOUT_MS / 1000 * (1 + 1.5) * 2  # v3: discovery, then the request
    assert wall < worst_timeout + 2.0, "a dead device delayed the cycle"
    for d in silent:
        p = polls[d]
        assert p.error is PollError.TIMEOUT, (d, p.error, p.detail)
        assert "no answer after 2 attempt(s)" in p.detail and not p.reachable
    for d, mode in faulty.broken.items():
        p = polls[d]
        assert p.error is PollError.DECODE_ERROR, (d, mode, version(inv, d), p.error, p.detail)
        assert p.reachable
        if mode == "wrong_request_id":
            assert "unexpected ID" in p.detail or "another request" in p.detail, p.detail
        else:
            assert "garbage" in p.detail, p.detail
    assert polls[faulty.lossy].error in (None, PollError.TIMEOUT)
    for d in faulty.slow:
        p = polls[d]
        assert p.ok, (d, p.detail)
        assert p.response_ms is not None and p.response_ms >= SLOW_MS * 0.9
    others = set(polls) - silent - set(faulty.broken) - {faulty.lossy}
    for d in others:
        assert polls[d].ok, (d, polls[d].error, polls[d].detail)
        assert polls[d].interfaces and polls[d].sys_uptime is not None


def test_poll_cli_summary_with_faults(faulty: Faulty) -> None:
    inv = faulty.handle.inventory
    silent = expected_silent(faulty)
    started = time.monotonic()
    r = vigie("poll", "--inventory", str(faulty.handle.inventory_path), "--once", "--format", "json", "-v",
              "--show-failures", "10000", env=farm_env())
    assert time.monotonic() - started < 20
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    out = last_json_line(r.stdout)
    lossy_failed = out["failed"] - len(silent) - len(faulty.broken)
    assert lossy_failed in (0, 1), out
    assert out["devices"] == len(inv.devices)
    assert out["ok"] == out["devices"] - out["failed"]
    assert out["timeouts"] == len(silent) + lossy_failed
    assert out["errors"]["decode_error"] == len(faulty.broken)
    for d in silent:
        assert f"\n  {d} " in r.stdout and " timeout: " in r.stdout
    lines = {ln.split()[0]: ln for ln in r.stdout.splitlines() if ln.startswith("  ") and not ln.startswith("  ...")}
    for d in faulty.broken:
        assert " decode_error: " in lines[d], lines[d]
    for d in silent:
        assert " timeout: " in lines[d], lines[d]


# --- reboot ----------------------------------------------------------------------------------------


@pytest.fixture
def rebooting(tmp_path: Path) -> Iterator[tuple[FarmHandle, list[str]]]:
    port = free_udp_port()
    inv = small_rie(port)
    path = tmp_path / "rie.json"
    write_inventory(inv, path)
    ce = sorted(s.devices[0] for s in inv.sites.values() if len(s.devices) == 1)[0]
    core = sorted(d.name for d in inv.devices.values() if d.role is Role.CORE)[0]
    assert (version(inv, ce), version(inv, core)) == ("2c", "3")
    scenario = tmp_path / "reboot.toml"
    scenario.write_text("".join(f'[[fault]]\nat = {REBOOT_AT}\nkind = "reboot"\ndevice = "{d}"\n'
                                f'downtime = {DOWNTIME}\n\n' for d in (ce, core)))
    handle = start_farm(inv, path, tmp_path, port, ["--scenario", str(scenario)], name="reboot-farm")
    try:
        yield handle, [ce, core]
    finally:
        code = stop_farm(handle)
        assert code == 0, f"farm exited with {code}:\n{handle.stderr()}"


async def test_reboot_new_uptime_and_name_cache_refreshed(rebooting: tuple[FarmHandle, list[str]]) -> None:
    handle, rebooted = rebooting
    inv = copy.copy(handle.inventory)
    t0 = farm_start_time(handle)
    targets = [t for t in targets_for(inv, environ=farm_env()) if t.device in rebooted]
    transport = await SnmpTransport.open()
    try:
        poller = Poller(transport)
        before = await one_cycle(poller, targets)
        assert time.time() - t0 < REBOOT_AT - 0.3, "the farm started too slowly for this timeline"
        for d in rebooted:
            assert before[d].ok, before[d].detail
            up = before[d].sys_uptime
            assert up is not None and up > 3600 * 100  # up for hours
            assert poller.caches[d].names
        engine = poller.sessions[rebooted[1]].engine
        assert engine is not None
        boots = engine.boots
        delay = t0 + REBOOT_AT + DOWNTIME + 0.5 - time.time()
        assert 0 < delay < 10
        await asyncio.sleep(delay)
        after = await one_cycle(poller, targets)
        for d in rebooted:
            p = after[d]
            assert p.ok, (d, p.error, p.detail)
            assert p.sys_uptime is not None and p.sys_uptime < 300, (d, p.sys_uptime)  # seconds since boot
            assert poller.caches[d].uptime == p.sys_uptime
            names = {i.index: i.name for i in inv.devices[d].interfaces}
            assert all(i.name in (None, names[i.if_index]) for i in p.interfaces)  # never a stale mapping
            before_in = {i.if_index: i.in_octets for i in before[d].interfaces}
            for i in p.interfaces:
                old = before_in[i.if_index]
                if i.in_octets is not None and old is not None:
                    assert i.in_octets <= old, (d, i.if_index, "counters restart from 0")
        engine = poller.sessions[rebooted[1]].engine
        assert engine is not None and engine.boots == boots + 1  # re-synchronised with the rebooted engine
        later = await one_cycle(poller, targets)
        for d in rebooted:
            names = {i.index: i.name for i in inv.devices[d].interfaces}
            assert poller.caches[d].names == names, d  # the ifIndex → ifName map was walked again
            assert [i.name for i in later[d].interfaces] == [names[i.if_index] for i in later[d].interfaces]
            up_after, up_later = after[d].sys_uptime, later[d].sys_uptime
            assert up_after is not None and up_later is not None and up_later >= up_after
    finally:
        transport.close()
