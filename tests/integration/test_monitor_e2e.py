"""``vigie run`` end to end: the farm plays a fault scenario (with its ground truth), the monitor
polls it over real UDP, and what the monitor stored is checked against what really happened:
the right state, the right cause, in time; a paused poller gives UNKNOWN, never DOWN; a
``kill -9`` mid-cycle then a restart loses and duplicates nothing."""

from __future__ import annotations

import os
import signal
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.farmkit import FarmHandle, stop_farm
from tests.integration.monitorkit import (
    FAILURES,
    INTERVAL,
    TIMEOUT_MS,
    changes,
    farm_with_scenario,
    finish,
    free_udp_port,
    sim_start,
    sleep_until,
    small_rie,
    start_monitor,
    truth,
)
from vigie.model import Inventory

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]

FAULT_AT, FAULT_FOR = 8.0, 20.0
# a transition is seen within one interval plus the hysteresis (FAILURES polls, each up to two
# timeouts long) of the truth, plus scheduling slack on a loaded 2-core machine
BOUND = INTERVAL + FAILURES * (INTERVAL + 2 * TIMEOUT_MS / 1000) + 2.5


def pick(inv: Inventory, cls: str, avoid: set[str]) -> str:
    return next(code for code, s in sorted(inv.sites.items()) if s.access_class == cls and s.pop not in avoid)


def scenario(inv: Inventory) -> tuple[str, dict[str, str]]:
    pops: dict[str, int] = defaultdict(int)
    for s in inv.sites.values():
        pops[s.pop] += 1
    pop = max(sorted(pops), key=lambda p: pops[p])  # the POP with the most sites
    economy, premium = pick(inv, "economy", {pop}), pick(inv, "premium", {pop})
    chosen = {"pop": pop, "economy": economy, "premium": premium}
    text = f'''
[[fault]]
at = {FAULT_AT}
kind = "pop_loss"
pop = "{pop}"
duration = {FAULT_FOR}
[[fault]]
at = {FAULT_AT}
kind = "device_down"
device = "{economy}-R1"
duration = {FAULT_FOR}
[[fault]]
at = {FAULT_AT}
kind = "link_down"
link = "ACC-{premium}-R2"
duration = {FAULT_FOR}
'''
    return text, chosen


@pytest.fixture(scope="module")
def played(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """One run: faults from 8 s to 28 s, then the monitor paused 7 s (SIGSTOP) at 44 s."""
    directory = tmp_path_factory.mktemp("monitor")
    port = free_udp_port()
    inv = small_rie(40, 11, port)
    text, chosen = scenario(inv)
    farm = farm_with_scenario(directory, inv, text, port)
    try:
        t0 = sim_start(farm)
        mon = start_monitor(directory, duration=t0 + 58 - time.time())
        sleep_until(t0 + 44)
        os.kill(mon.pid, signal.SIGSTOP)
        paused = time.time()
        sleep_until(t0 + 51)
        os.kill(mon.pid, signal.SIGCONT)
        resumed = time.time()
        code, lines = finish(mon, 60)
        assert code == 0, (directory / "run.stderr").read_text()
        yield {"inv": inv, "dir": directory, "farm": farm, "t0": t0, "chosen": chosen, "lines": lines,
               "paused": paused, "resumed": resumed, "truth": truth(farm)}
    finally:
        stop_farm(farm)


def first(rows: list[tuple[Any, ...]], element: str, new: str, after: float = 0.0) -> tuple[Any, ...]:
    hit = [r for r in rows if r[2] == element and r[4] == new and r[0] >= after]
    assert hit, f"{element} never became {new} after {after}: {[r for r in rows if r[2] == element]}"
    return hit[0]


def test_pop_loss_makes_its_sites_unreachable_with_the_pop_as_cause_never_down(played: dict[str, Any]) -> None:
    inv, t0, pop = played["inv"], played["t0"], played["chosen"]["pop"]
    rows = changes(played["dir"] / "vigie.db", "site")
    cut = [code for code, s in inv.sites.items() if s.pop == pop and s.access_class != "premium"]
    truth_down = t0 + FAULT_AT
    unreachable = [r for r in rows if r[4] == "unreachable"]
    assert unreachable, "no site became unreachable"
    for row in unreachable:
        assert row[5] is not None and row[5].startswith(f"{pop}-"), row  # the POP's router is the cause
        assert truth_down <= row[0] <= truth_down + BOUND, (row, truth_down)
    window = [r for r in rows if r[2] in {u[2] for u in unreachable} and truth_down <= r[0] < played["paused"]]
    assert not [r for r in window if r[4] == "down"], window  # behind the POP: never DOWN first
    for row in unreachable:  # and back when the POP is back
        back = first(rows, row[2], "up", after=row[0])
        assert truth_down + FAULT_FOR <= back[0] <= truth_down + FAULT_FOR + BOUND, back
    assert len({r[2] for r in unreachable}) >= len(cut) // 2


def test_premium_site_with_one_access_down_is_degraded_then_up(played: dict[str, Any]) -> None:
    premium, t0 = played["chosen"]["premium"], played["t0"]
    rows = changes(played["dir"] / "vigie.db", "site")
    degraded = first(rows, premium, "degraded")
    assert degraded[5] == f"ACC-{premium}-R2"
    assert t0 + FAULT_AT <= degraded[0] <= t0 + FAULT_AT + BOUND
    back = first(rows, premium, "up", after=degraded[0])
    assert t0 + FAULT_AT + FAULT_FOR <= back[0] <= t0 + FAULT_AT + FAULT_FOR + BOUND
    mine = [r for r in rows if r[2] == premium and r[0] < played["paused"]]
    assert [r[4] for r in mine] == ["up", "degraded", "up"], mine


def test_a_dead_site_router_is_down_after_the_hysteresis(played: dict[str, Any]) -> None:
    economy, t0 = played["chosen"]["economy"], played["t0"]
    devices = changes(played["dir"] / "vigie.db", "device")
    down = first(devices, f"{economy}-R1", "down")
    truth_at = next(r["at"] for r in played["truth"] if r["element"] == f"{economy}-R1" and r["change"] == "down")
    # not before FAILURES polls failed, within the bound of the truth
    assert truth_at + (FAILURES - 1) * TIMEOUT_MS / 1000 <= down[0] <= truth_at + BOUND, (down, truth_at)
    sites = changes(played["dir"] / "vigie.db", "site")
    site_down = first(sites, economy, "down")
    assert site_down[5] == f"{economy}-R1" and site_down[0] >= down[0] - 0.01
    up = first(devices, f"{economy}-R1", "up", after=down[0])
    assert t0 + FAULT_AT + FAULT_FOR <= up[0] <= t0 + FAULT_AT + FAULT_FOR + BOUND


def test_a_paused_poller_makes_sites_unknown_never_down(played: dict[str, Any]) -> None:
    rows = changes(played["dir"] / "vigie.db", "site")
    after = [r for r in rows if r[0] >= played["paused"]]
    assert any(r[4] == "unknown" for r in after), after[:10]  # results went stale while paused
    assert not [r for r in after if r[4] in ("down", "unreachable", "degraded")], after
    sites = played["inv"].sites
    last = {r[2]: r[4] for r in rows}
    assert sum(1 for c in sites if last.get(c) == "up") == len(sites)  # measured again: all up at the end
    stopped = played["lines"][-1]
    assert stopped["stopped"] and stopped["store_pending"] == 0


def test_the_poller_watches_itself(played: dict[str, Any]) -> None:
    import sqlite3

    db = played["dir"] / "vigie.db"
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        cycles = conn.execute("SELECT devices, completed, ok, failed, timeouts, wall_s FROM poll_cycles").fetchall()
        polls = dict(conn.execute("SELECT device, failures FROM device_polls").fetchall())
    assert len(cycles) >= 8
    assert all(c[0] == len(played["inv"].devices) for c in cycles)
    assert any(c[4] > 0 for c in cycles)  # the faults' timeouts were counted
    assert set(polls) == set(played["inv"].devices)
    status = [line for line in played["lines"] if "sites" in line]
    assert status and all(sum(s["sites"].values()) == len(played["inv"].sites) for s in status)


# --- kill -9 in the middle of a cycle, then restart -----------------------------------------------


def test_kill_9_mid_cycle_then_restart_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    port = free_udp_port()
    inv = small_rie(30, 5, port)
    text, chosen = scenario(inv)
    farm: FarmHandle = farm_with_scenario(tmp_path, inv, text, port)
    try:
        t0 = sim_start(farm)
        # results stay valid 10 intervals (20 s): a restart on a loaded machine (a few seconds) is within that,
        # as a real one (seconds) is within the default 2.5 intervals of 60 s; a longer gap is UNKNOWN, by design
        stale = ["--set", "engine.stale_after_intervals=10"]
        first_run = start_monitor(tmp_path, duration=120, name="run1", extra=stale)
        sleep_until(t0 + FAULT_AT + BOUND + 1)  # the faults are declared
        first_run.send_signal(signal.SIGKILL)
        first_run.wait(10)
        killed_at = time.time()
        db = tmp_path / "vigie.db"
        before = changes(db)
        assert any(r[4] == "unreachable" for r in before), "nothing declared before the kill"
        second = start_monitor(tmp_path, duration=t0 + FAULT_AT + FAULT_FOR + BOUND + 3 - time.time(), name="run2",
                               extra=stale)
        code, lines = finish(second, 60)
        assert code == 0, (tmp_path / "run2.stderr").read_text()
    finally:
        stop_farm(farm)
    rows = changes(db)
    assert rows[: len(before)] == before  # nothing committed was lost
    by_element: dict[tuple[str, str], list[tuple[Any, ...]]] = defaultdict(list)
    for r in rows:
        by_element[(r[1], r[2])].append(r)
    for key, seq in by_element.items():
        if key[0] == "interface":
            continue
        prev = "unknown"
        for r in seq:  # one chain per element: each change starts where the last one ended
            assert r[3] == prev, (key, seq)
            prev = r[4]
        if key[0] != "link":  # never the same change twice in a row (a new cause is a change)
            steps = [(r[4], r[5]) for r in seq]
            assert all(a != b for a, b in zip(steps, steps[1:])), (key, seq)
    economy = f"{chosen['economy']}-R1"
    assert [r[4] for r in by_element[("device", economy)]] == ["up", "down", "up"], by_element[("device", economy)]
    pop_sites = [k for k, seq in by_element.items() if k[0] == "site" and "unreachable" in [r[4] for r in seq]]
    assert pop_sites
    back = t0 + FAULT_AT + FAULT_FOR
    for key in pop_sites:  # declared once before the kill, kept across the restart, cleared once
        seq = [r[4] for r in by_element[key]]
        # a POP coming back brings its sites back, possibly through UNKNOWN (not measured again yet)
        assert seq in (["up", "unreachable", "up"], ["up", "unreachable", "unknown", "up"]), (key, by_element[key])
        assert all(r[0] >= back for r in by_element[key][2:]), (key, by_element[key], back)
        assert by_element[key][2][0] > killed_at
    assert lines[-1]["resumed_changes"] <= 2, lines[-1]


# --- signals and bad settings -------------------------------------------------------------------


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_and_sigint_stop_cleanly_with_everything_flushed(tmp_path: Path, sig: signal.Signals) -> None:
    import sqlite3

    port = free_udp_port()
    inv = small_rie(10, 2, port)
    farm = farm_with_scenario(tmp_path, inv, 'name = "quiet"\n', port)
    try:
        mon = start_monitor(tmp_path, duration=120)
        deadline = time.monotonic() + 30
        db = tmp_path / "vigie.db"
        while time.monotonic() < deadline:  # wait for the first completed cycle
            time.sleep(0.5)
            if db.exists():
                with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
                    if conn.execute("SELECT count(*) FROM poll_cycles").fetchone()[0] >= 1:
                        break
        mon.send_signal(sig)
        code, lines = finish(mon, 30)
    finally:
        stop_farm(farm)
    assert code == 0, (tmp_path / "run.stderr").read_text()
    assert lines[-1]["stopped"] and lines[-1]["store_pending"] == 0
    with sqlite3.connect(f"file:{tmp_path / 'vigie.db'}?mode=ro", uri=True) as conn:
        polled = conn.execute("SELECT count(*) FROM device_polls").fetchone()[0]
        sites = conn.execute("SELECT count(DISTINCT element) FROM state_changes WHERE kind = 'site'").fetchone()[0]
        rollups = conn.execute("SELECT count(*) FROM if_rollups").fetchone()[0]
    assert polled == len(inv.devices) and sites == len(inv.sites)
    assert rollups > 0  # the bucket in progress was written at shutdown
    assert "Traceback" not in (tmp_path / "run.stderr").read_text()


def test_bad_settings_exit_2_naming_the_value(tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.integration.farmkit import REPO, farm_env

    (tmp_path / "vigie.toml").write_text("[poll]\ninterval_s = 0\n[engine]\nfailurs_to_down = 2\n")
    proc = subprocess.run([sys.executable, "-m", "vigie.cli", "run", "--config", str(tmp_path / "vigie.toml"),
                           "--inventory", str(tmp_path / "missing.json")], capture_output=True, text=True,
                          timeout=60, env=farm_env(), cwd=str(REPO))
    assert proc.returncode == 2
    assert "interval_s" in proc.stderr and "must be > 0" in proc.stderr
    assert "failurs_to_down" in proc.stderr and "failures_to_down" in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "vigie.cli", "run", "--inventory", str(tmp_path / "missing.json")],
                          capture_output=True, text=True, timeout=60, env=farm_env(), cwd=str(REPO))
    assert proc.returncode == 2 and "missing.json" in proc.stderr and "no such file" in proc.stderr


# --- what the monitor stored, as the SLA engine reports it ---------------------------------------


def test_sla_report_of_the_run_matches_the_truth(played: dict[str, Any]) -> None:
    import datetime as dt
    import json
    import subprocess
    import sys
    from zoneinfo import ZoneInfo

    from tests.integration.farmkit import REPO, farm_env

    directory, t0, chosen = played["dir"], played["t0"], played["chosen"]
    day = dt.datetime.fromtimestamp(t0, ZoneInfo("Europe/Paris")).date()
    period = f"{day - dt.timedelta(days=1)}..{day + dt.timedelta(days=1)}"
    proc = subprocess.run([sys.executable, "-m", "vigie.cli", "sla", "report",
                           "--inventory", str(directory / "rie.json"), "--store", str(directory / "vigie.db"),
                           "--period", period, "--format", "json",
                           "-o", str(directory / "sla")], capture_output=True, text=True, timeout=120,
                          env=farm_env(), cwd=str(REPO))
    assert proc.returncode == 0, proc.stderr
    [path] = list((directory / "sla").glob("*.json"))
    report = json.loads(path.read_text())
    incidents: dict[str, list[dict[str, Any]]] = {}
    for inc in report["incidents"]:
        incidents.setdefault(inc["site"], []).append(inc)
    down, up = t0 + FAULT_AT, t0 + FAULT_AT + FAULT_FOR

    def when(text: str) -> float:
        return dt.datetime.fromisoformat(text).timestamp()

    def within(text: str, lo: float, hi: float) -> bool:  # the report gives whole seconds, truncated
        t = when(text)
        return lo <= t + 1.0 and t <= hi

    # the dead site router: one outage, measured within the bound of the truth at both ends
    [inc] = incidents[chosen["economy"]]
    assert within(inc["start"], down, down + BOUND) and within(inc["end"], up, up + BOUND), inc
    assert inc["cause"] == f"{chosen['economy']}-R1"
    # the POP: its single-homed sites' outages are attributed to the POP's router
    pop_sites = [c for c, s in played["inv"].sites.items() if s.pop == chosen["pop"] and c in incidents]
    assert pop_sites
    for code in pop_sites:
        [inc] = incidents[code]
        assert inc["cause"].startswith(f"{chosen['pop']}-"), inc
        assert within(inc["start"], down, down + BOUND) and within(inc["end"], up, up + BOUND), inc
    # availability within the bound that follows: downtime is the truth's, give or take the detection delays
    sites = {s["site"]: s for s in report["sites"]}
    assert FAULT_FOR - BOUND <= sites[chosen["economy"]]["down_s"] <= FAULT_FOR + BOUND
    # the premium site lost its redundancy, never its service: time without redundancy, no outage
    premium = sites[chosen["premium"]]
    assert chosen["premium"] not in incidents and premium["down_s"] == 0
    assert FAULT_FOR - BOUND <= premium["degraded_s"] <= FAULT_FOR + BOUND
    # nobody else had an outage
    assert set(incidents) <= {chosen["economy"], *pop_sites}
