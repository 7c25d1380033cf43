"""The CLI schedule: spread over the period, backups and LLDP reports written, slow devices skipped."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest

from collectors.cli.scheduler import CliScheduler, credentials_from
from collectors.cli.session import CliRunner, Credentials
from tests.unit.cli.clikit import PASSWORD, USER, FakeConn, farm, logged_in, rie, run
from vigie.errors import ConfigError
from vigie.settings import CliSection

CREDS = Credentials(USER, PASSWORD)


def _section(tmp: Path, **kw: Any) -> CliSection:
    base: dict[str, Any] = {"enabled": True, "backup_every_s": 1.0, "lldp_every_s": 1.0, "workers": 4,
                            "username": USER, "password": "env:TEST_CLI_PW", "port": 2222,
                            "backup_dir": str(tmp / "backups"), "devices": "S0000[1-4]*", "timeout_s": 2.0}
    base.update(kw)
    return CliSection(**base)


def _sim_connect(delay: float = 0.0) -> Any:
    """netmiko stand-in answering from the simulated routers (sans I/O)."""
    inv = rie()
    f = farm(inv)
    by_host = {d.mgmt_address: d.name for d in inv.devices.values()}

    def connect(**kw: Any) -> FakeConn:
        shell = logged_in(f, by_host[kw["host"]])

        class Conn(FakeConn):
            def send_command(self, command: str, **kwargs: Any) -> str:
                time.sleep(delay)
                return run(shell, command)

        return Conn({}, base_prompt=by_host[kw["host"]])

    return connect


def test_credentials_come_from_the_section_and_the_secret_reference() -> None:
    section = CliSection(username="noc", password="env:TEST_CLI_PW")
    creds = credentials_from(section, {"TEST_CLI_PW": "pw-123"})
    assert (creds.username, creds.password) == ("noc", "pw-123")
    with pytest.raises(ConfigError, match=r"cli\.username"):
        credentials_from(CliSection(password="env:X"), {})
    with pytest.raises(ConfigError, match=r"cli\.password"):
        credentials_from(CliSection(username="noc"), {})
    with pytest.raises(ConfigError, match="TEST_CLI_PW"):
        credentials_from(section, {})


def test_first_runs_are_spread_over_the_period(tmp_path: Path) -> None:
    section = _section(tmp_path, devices="*", backup_every_s=3600.0, lldp_every_s=600.0)
    sched = CliScheduler(section, rie(), credentials=CREDS, runner=CliRunner(CREDS, workers=1))
    now = 1_000_000.0
    due = sched.first_due(now)
    assert len(due) == 2 * len(sched.targets)
    backups = sorted(t for t, kind, _ in due if kind == "backup")
    assert all(now <= t < now + 3600 for t in backups)
    gaps = [b - a for a, b in zip(backups, backups[1:])]
    assert max(gaps) < 3600 / len(backups) * 8  # no burst, no long hole
    assert sched.first_due(now) == due  # stable
    with pytest.raises(ConfigError, match="matches no inventory device"):
        CliScheduler(_section(tmp_path, devices="NOPE*"), rie(), credentials=CREDS)


def test_a_run_backs_up_and_cross_checks_every_device(tmp_path: Path) -> None:
    section = _section(tmp_path)
    runner = CliRunner(CREDS, workers=4, timeout_s=2.0, connect=_sim_connect())
    got: list[Any] = []
    sched = CliScheduler(section, rie(), credentials=CREDS, runner=runner, on_backup=got.append,
                         on_lldp=got.append)

    async def main() -> None:
        stop = asyncio.Event()
        asyncio.get_running_loop().call_later(2.5, stop.set)
        await asyncio.wait_for(sched.run(stop), 20)

    asyncio.run(main())
    runner.shutdown()
    names = [t.device for t in sched.targets]
    st = sched.stats
    assert st.backups_failed == 0 and st.lldp_failed == 0, st.errors
    assert st.backups_ok >= len(names) and st.lldp_ok >= len(names)
    assert st.backups_changed == len(names)  # later runs found nothing new
    for name in names:
        folder = Path(section.backup_dir) / name
        assert len(list(folder.glob("*.cfg"))) == 1
        report = json.loads((folder / "lldp.json").read_text())
        assert report["device"] == name and report["counts"]["missing"] == 0, report
    assert len(got) == st.backups_ok + st.lldp_ok


def test_a_device_still_busy_is_skipped_not_queued_twice(tmp_path: Path) -> None:
    section = _section(tmp_path, devices="S00001-R1", backup_every_s=0.2, lldp_every_s=3600.0)
    runner = CliRunner(CREDS, workers=2, timeout_s=2.0, connect=_sim_connect(delay=0.7))
    sched = CliScheduler(section, rie(), credentials=CREDS, runner=runner)

    async def main() -> None:
        stop = asyncio.Event()
        asyncio.get_running_loop().call_later(1.6, stop.set)
        await asyncio.wait_for(sched.run(stop), 20)

    asyncio.run(main())
    runner.shutdown()
    assert sched.stats.skipped >= 3
    assert 1 <= sched.stats.backups_ok <= 3
