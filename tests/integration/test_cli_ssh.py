"""CLI collection against real peers: netmiko (paramiko) against the asyncssh simulator, on 127.0.0.0/8.

One simulator serves a seeded 12-site RIE (Cisco IOS XE, Junos and VRP devices, each on
its own address) with one site router down from the start (the fault timeline: it accepts
TCP and never sends an SSH banner). Sweeps go through the same code as ``vigie backup``.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from collectors.cli.backup import BackupStore
from collectors.cli.collect import backup_devices, facts_job, lldp_job
from collectors.cli.errors import CliAuthError, CliTimeout
from collectors.cli.scheduler import CliScheduler
from collectors.cli.session import CliRunner, Credentials, select_targets
from simulators.faults import parse_scenario
from simulators.rie import generate_rie
from simulators.scenario import FaultTimeline
from simulators.ssh_run import SshFarmThread, spawn
from simulators.ssh_server import SshFarmSettings
from vigie.errors import SimulatorError
from vigie.inventory import write_inventory
from vigie.model import Inventory
from vigie.settings import CliSection

pytestmark = pytest.mark.integration
USER, PASSWORD = "vigie", "c0rrect-h0rse"
TIMEOUT = 3.0  # seconds per step: the silent router costs this much, once per sweep
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Sim:
    inv: Inventory
    thread: SshFarmThread
    port: int
    victim: str  # silent from the start
    path: Path  # the inventory file
    subset: str  # glob of the devices swept: every vendor, the victim among them


def _port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sim]:
    inv = generate_rie(sites=12, seed=5)
    victim = next(d.name for d in inv.devices.values() if d.name.startswith("S00004"))
    scenario = parse_scenario(f'[[fault]]\nat = 0\nkind = "device_down"\ndevice = "{victim}"\n', inv, "test")
    path = tmp_path_factory.mktemp("cli") / "rie.json"
    write_inventory(inv, path)
    for _ in range(5):
        port = _port()
        settings = SshFarmSettings(inventory=inv, timeline=FaultTimeline(scenario, inv), start=time.time() - 5,
                                   port=port, username=USER, password=PASSWORD)
        try:
            thread = SshFarmThread(settings).start()
            break
        except SimulatorError:
            continue
    else:
        pytest.fail("no free TCP port for the SSH simulator")
    yield Sim(inv, thread, port, victim, path, "S0000*,PAR-C0*,LYO-C0*,MRS-C0*,DC1-*")
    thread.stop()


def _creds(password: str = PASSWORD) -> Credentials:
    return Credentials(USER, password)


def test_backup_sweep_over_three_platforms_one_dead_router(sim: Sim, tmp_path: Path) -> None:
    store = BackupStore(tmp_path)
    started = time.perf_counter()
    results = backup_devices(sim.inv, _creds(), store, pattern=sim.subset, port=sim.port, workers=16,
                             timeout_s=TIMEOUT)
    wall = time.perf_counter() - started
    names = [t.device for t in select_targets(sim.inv, sim.subset)]
    assert [r.device for r in results] == names and len(names) >= 15
    assert {sim.inv.devices[n].vendor for n in names} == {"cisco", "juniper", "huawei"}
    dead = [r for r in results if not r.ok]
    assert [r.device for r in dead] == [sim.victim]
    assert isinstance(dead[0].error, CliTimeout) and sim.victim in str(dead[0].error)
    assert TIMEOUT * 0.8 <= dead[0].duration_s <= TIMEOUT * 4
    for r in results:
        if r.ok:
            assert r.value is not None and r.value.first
            text = r.value.path.read_text()
            assert r.device in text and sim.inv.devices[r.device].mgmt_address in text
    assert wall < 30, f"{len(names)} devices took {wall:.1f} s"


def test_unchanged_then_changed_configurations(sim: Sim, tmp_path: Path) -> None:
    store = BackupStore(tmp_path)
    pattern = "S0000[1-3]*,PAR-C0*,DC1-*"
    first = backup_devices(sim.inv, _creds(), store, pattern=pattern, port=sim.port, workers=16, timeout_s=TIMEOUT)
    assert all(r.ok for r in first)
    again = backup_devices(sim.inv, _creds(), store, pattern=pattern, port=sim.port, workers=16, timeout_s=TIMEOUT)
    assert all(r.ok and r.value is not None and not r.value.changed for r in again)
    edited = {}
    for vendor, lines in (("cisco", ["ip route 0.0.0.0 0.0.0.0 127.0.0.1 name DEFAULT"]),
                          ("juniper", ["routing-options {", "    static {",
                                       "        route 0.0.0.0/0 next-hop 127.0.0.1;", "    }", "}"]),
                          ("huawei", ["ip route-static 0.0.0.0 0 127.0.0.1 description DEFAULT"])):
        name = next(r.device for r in first if sim.inv.devices[r.device].vendor == vendor)
        sim.thread.edit_config(name, lines, by="alice")
        edited[name] = lines
    third = backup_devices(sim.inv, _creds(), store, pattern=pattern, port=sim.port, workers=16, timeout_s=TIMEOUT)
    changed = {r.device: r.value for r in third if r.value is not None and r.value.changed}
    assert set(changed) == set(edited)
    for name, outcome in changed.items():
        assert outcome.added >= len(edited[name]) and outcome.removed == 0  # plus a separator line
        diff = store.diff_path(outcome.path).read_text()
        assert all(f"+{line}" in diff for line in edited[name])
        assert len(store.versions(name)) == 2


def test_wrong_password_is_an_auth_error_naming_the_device(sim: Sim, tmp_path: Path) -> None:
    wrong = "not-the-password-42"
    before = sim.thread.call(lambda: sim.thread.farm.stats.auth_failures)
    results = backup_devices(sim.inv, _creds(wrong), BackupStore(tmp_path), pattern="S00001-R1,PAR-C01,DC1-A",
                             port=sim.port, workers=4, timeout_s=TIMEOUT)
    assert len(results) == 3
    for r in results:
        assert isinstance(r.error, CliAuthError), r.error
        assert r.device in str(r.error) and wrong not in str(r.error) and PASSWORD not in str(r.error)
    assert sim.thread.call(lambda: sim.thread.farm.stats.auth_failures) >= before + 3
    assert not list(tmp_path.rglob("*.cfg"))


def test_facts_and_lldp_over_ssh_match_the_inventory(sim: Sim) -> None:
    runner = CliRunner(_creds(), workers=8, timeout_s=TIMEOUT)
    neighbours_of_victim = {lk.other(sim.victim).device: lk.id for lk in sim.inv.links_of(sim.victim)
                            if lk.medium.value not in ("4g", "satellite")}
    picks = [next(t for t in select_targets(sim.inv, "*", sim.port)
                  if sim.inv.devices[t.device].vendor == v and t.device not in neighbours_of_victim
                  and t.device != sim.victim) for v in ("cisco", "juniper", "huawei")]
    facts = runner.run_sync(picks, facts_job)
    for res in facts:
        assert res.ok and res.value is not None, res.error
        dev = sim.inv.devices[res.device]
        assert res.value.version.hostname == dev.name
        by_name = {i.name: i for i in res.value.interfaces}
        assert all(by_name[i.name].description == i.alias and by_name[i.name].admin_up == i.admin_up
                   for i in dev.interfaces)
        assert res.value.neighbours
    peer = next(iter(neighbours_of_victim))
    reports = runner.run_sync([*picks, *select_targets(sim.inv, peer, sim.port)], lldp_job(sim.inv))
    runner.shutdown()
    for res in reports[:3]:
        assert res.ok and res.value is not None and res.value.clean, res.value and res.value.to_dict()
    peer_report = reports[3].value
    assert peer_report is not None
    assert [(m.link, m.reason) for m in peer_report.missing] == [(neighbours_of_victim[peer], "local interface down")]


def test_vigie_backup_command_exit_codes(sim: Sim, tmp_path: Path) -> None:
    env = {**os.environ, "CLI_TEST_PW": PASSWORD, "PYTHONPATH": str(ROOT)}
    base = [sys.executable, "-m", "collectors.cli.command", "--inventory", str(sim.path), "--port", str(sim.port),
            "--password-env", "CLI_TEST_PW", "--username", USER, "--backup-dir", str(tmp_path / "b"),
            "--timeout", str(TIMEOUT), "--workers", "8"]
    bad = subprocess.run([*base, "--devices", f"S0000[3-5]*,{sim.victim}"], env=env, cwd=ROOT, capture_output=True,
                         text=True, timeout=60)
    assert bad.returncode == 1, bad.stderr
    assert f"FAILED {sim.victim}" in bad.stdout and "timeout" in bad.stdout
    assert PASSWORD not in bad.stdout + bad.stderr
    good = subprocess.run([*base, "--devices", "S0000[1-2]*"], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert good.returncode == 0, good.stdout + good.stderr
    assert " 0 failed" in good.stdout and "first version" in good.stdout


def test_scheduler_over_ssh_writes_backups_and_lldp_reports(sim: Sim, tmp_path: Path) -> None:
    section = CliSection(enabled=True, backup_every_s=2.0, lldp_every_s=2.0, workers=4, username=USER,
                         password="env:UNUSED", port=sim.port, backup_dir=str(tmp_path), devices="S0000[12]-R1",
                         timeout_s=TIMEOUT)
    sched = CliScheduler(section, sim.inv, credentials=_creds())

    async def main() -> None:
        stop = asyncio.Event()
        asyncio.get_running_loop().call_later(4.0, stop.set)
        await asyncio.wait_for(sched.run(stop), 30)

    asyncio.run(main())
    assert sched.stats.backups_ok >= 2 and sched.stats.lldp_ok >= 2 and not sched.stats.errors
    for t in sched.targets:
        assert len(list((tmp_path / t.device).glob("*.cfg"))) == 1
        assert json.loads((tmp_path / t.device / "lldp.json").read_text())["counts"]["missing"] == 0


def test_the_simulator_as_its_own_process(sim: Sim, tmp_path: Path) -> None:
    port = _port()
    env = {**os.environ, "SIM_PW": PASSWORD, "PYTHONPATH": str(ROOT)}
    proc = spawn(sim.path, port, password_env="SIM_PW", devices="S00001-R1,PAR-C01", env=env, timeout=60)
    try:
        with pytest.raises(SimulatorError, match="cannot listen"):
            spawn(sim.path, port, password_env="SIM_PW", devices="S00001-R1", env=env, timeout=60)
        results = backup_devices(sim.inv, _creds(), BackupStore(tmp_path), pattern="S00001-R1,PAR-C01,S00002-R1",
                                 port=port, workers=4, timeout_s=TIMEOUT)
        assert [r.kind for r in results] == ["ok", "ok", "connect"]  # S00002-R1 is not served: refused
    finally:
        code = proc.stop()
    assert code == 0, proc.output()
    assert "vigie ssh: stopped; 2 connections, 2 sessions" in proc.output()
