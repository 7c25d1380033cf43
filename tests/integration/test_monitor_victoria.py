"""``vigie run`` writing full-resolution metrics to a real VictoriaMetrics that goes away for a
while: the monitor never stalls, and once the server is back every point is there, once."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from tests.integration.farmkit import stop_farm
from tests.integration.monitorkit import (
    INTERVAL,
    farm_with_scenario,
    finish,
    free_udp_port,
    sim_start,
    sleep_until,
    small_rie,
    start_monitor,
)
from tests.integration.victoria import Victoria, victoria_fixture  # noqa: F401 - the fixture

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]


def test_metrics_survive_a_victoriametrics_outage(tmp_path: Path, victoria: Victoria) -> None:
    port = free_udp_port()
    inv = small_rie(20, 3, port)
    farm = farm_with_scenario(tmp_path, inv, 'name = "quiet"\n', port)
    try:
        t0 = sim_start(farm)
        mon = start_monitor(tmp_path, duration=t0 + 30 - time.time(), extra=[
            "--set", "influx.enabled=true", "--set", f"influx.url={victoria.url}",
            "--set", f"influx.spool_dir={tmp_path / 'spool'}", "--set", "influx.flush_interval_s=0.5",
            "--set", "influx.timeout_s=5"])
        sleep_until(t0 + 8)
        victoria.stop()
        outage = (time.time(), 0.0)
        sleep_until(t0 + 18)
        assert mon.poll() is None, "the monitor died while VictoriaMetrics was away"
        victoria.start()
        outage = (outage[0], time.time())
        code, lines = finish(mon, 60)
        assert code == 0, (tmp_path / "run.stderr").read_text()
    finally:
        stop_farm(farm)
    status = [line for line in lines if "sites" in line]
    during = [s for s in status if outage[0] + 2 < s["at"] < outage[1] - 1]
    assert during and all(s["cycles"] >= 0 for s in during)  # status kept coming: the loop never stalled
    assert any(s["metrics"].get("connected") is False for s in during), "the sink never noticed the outage"
    metrics = lines[-1]["metrics"]
    assert metrics["lines_dropped"] == 0 and metrics["lines_spooled"] == 0 and metrics["lines_buffered"] == 0
    assert metrics["lines_written"] == metrics["lines_accepted"] > 0
    assert metrics["retries"] > 0

    with sqlite3.connect(f"file:{tmp_path / 'vigie.db'}?mode=ro", uri=True) as conn:
        cycles = conn.execute("SELECT count(*) FROM poll_cycles").fetchone()[0]
    cycle_samples = victoria.samples('{__name__="vigie_cycle_completion"}')
    assert sum(len(v) for v in cycle_samples.values()) == cycles >= 10

    series = victoria.samples('{__name__="vigie_if_in_bps"}')
    assert len(series) >= len(inv.devices)  # at least one interface of each device
    lo, hi = (outage[0] - 1) * 1000, (outage[1] + 1) * 1000
    for key, points in series.items():
        stamps = [t for t, _ in points]
        assert len(stamps) == len(set(stamps)), f"{key}: a point written twice"
        assert stamps[0] < lo and stamps[-1] > hi, f"{key}: does not span the outage"
        gaps = [b - a for a, b in zip(stamps, stamps[1:])]
        assert max(gaps) <= 2.6 * INTERVAL * 1000, f"{key}: a hole of {max(gaps)} ms: points lost"
