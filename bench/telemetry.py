"""Telemetry ingestion through mosquitto on this machine (a bench, not a test).

- the collector's pure core: :meth:`Ingest.receive` on the simulator's payloads (µs per message,
  no network);
- end to end: the synthetic RIE (14,000 sites, 20,466 devices) publishing every 7 s (≈2,900
  messages/s) from a simulator process, through a real mosquitto on 127.0.0.1, into the collector
  running in this process (the monitor's asyncio loop, no uvloop): messages accepted per second
  over a steady window, the collector's CPU (% of a core, µs per message), mosquitto's and the
  publishers' CPU, messages lost (published − received) and false TIMEOUTs (both must be 0);
- the same at twice the rate (every 3.5 s, two simulator processes), for the headroom.

The machine is shared: the 1-minute load average is printed with each phase (2 cores here; a
load above 2 means the figures are pessimistic).

Run: ``.venv/bin/python bench/telemetry.py [--sites 14000] [--window 21]``; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from collectors.telemetry import CollectorOptions, Ingest, IngestSettings, TelemetryCollector, parse_broker  # noqa: E402
from simulators.rie import generate_rie  # noqa: E402
from simulators.scenario import FaultTimeline  # noqa: E402
from simulators.telemetry import Publishers, PublisherSettings  # noqa: E402
from tests.integration.mosquitto import Mosquitto, available, start_mosquitto  # noqa: E402
from vigie.inventory import write_inventory  # noqa: E402
from vigie.model import Inventory  # noqa: E402
from vigie.observations import DevicePoll  # noqa: E402

FIGURES: dict[str, Any] = {}


def proc_cpu_s(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bench_core(inv: Inventory) -> None:
    """Ingest.receive alone: validation, order checks, DevicePoll, on real payloads."""
    now = time.time()
    pubs = Publishers(PublisherSettings(inv, FaultTimeline(None, inv), now - 3600, "mqtt://127.0.0.1:1"))
    names = pubs.names[:5000]
    rounds = []
    for k in range(3):
        batch = []
        for name in names:
            msg = pubs.message(name, now - 30 + 7 * k)
            assert msg is not None
            batch.append(msg[:2])
        rounds.append(batch)
    ingest = Ingest(inv, IngestSettings())
    cpu0 = time.process_time()
    accepted = 0
    for batch in rounds:
        for topic, payload in batch:
            accepted += ingest.receive(topic, payload, now, 0.0) is not None
    cpu = time.process_time() - cpu0
    n = sum(len(b) for b in rounds)
    assert accepted == n, ingest.counts()
    size = sum(len(p) for b in rounds for _, p in b) / n
    FIGURES["core_us_per_msg"] = round(cpu / n * 1e6, 1)
    FIGURES["payload_bytes_avg"] = round(size)
    print(f"Ingest.receive alone:        {cpu / n * 1e6:8.1f} µs/message ({n:,} messages, {size:,.0f} bytes average)")


async def bench_e2e(inv: Inventory, inv_path: Path, broker: Mosquitto, period: float, window: float,
                    shards: int, tag: str) -> None:
    polls = 0

    def emit(poll: DevicePoll) -> None:
        nonlocal polls
        polls += 1

    settings = IngestSettings(expected_period_s=period)
    col = TelemetryCollector(inv, parse_broker(broker.url), settings, options=CollectorOptions(seed=1))
    stop = asyncio.Event()
    task = asyncio.create_task(col.run(emit, stop))
    deadline = time.monotonic() + 10
    while not col.connected and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert col.connected, col.last_error
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-m", "simulators.telemetry", "--inventory", str(inv_path),
                               "--broker", broker.url, "--period", str(period), "--shard", f"{k}/{shards}",
                               "--seed", str(k + 1)], cwd=str(ROOT), env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL) for k in range(shards)]
    n = len(inv.devices)
    try:
        heard = col.ingest.devices_heard
        deadline = time.monotonic() + 90
        while heard() < n and time.monotonic() < deadline:  # every device built and publishing
            await asyncio.sleep(0.2)
        await asyncio.sleep(period)
        assert heard() == n, f"only {heard()} of {n} devices heard"
        pids = [p.pid for p in procs]
        def snapshot() -> tuple[float, ...]:
            return (time.perf_counter(), time.process_time(), col.ingest.accepted, proc_cpu_s(broker_pid(broker)),
                    sum(proc_cpu_s(p) for p in pids), col.ingest.timeouts, col.suspect_ticks)

        mark = snapshot()
        await asyncio.sleep(window)
        end = snapshot()
    finally:
        for p in procs:
            p.send_signal(signal.SIGINT)
        outs = [await asyncio.to_thread(p.communicate, timeout=30) for p in procs]
    await asyncio.sleep(2.0)  # what is in flight arrives
    stop.set()
    stopping = time.perf_counter()
    await asyncio.wait_for(task, 60)
    FIGURES.setdefault("collector_stop_s", []).append(round(time.perf_counter() - stopping, 2))
    stats = [json.loads(out.decode().strip().splitlines()[-1]) for out, _ in outs]
    published = sum(s["published"] for s in stats)
    wall = end[0] - mark[0]
    rate = (end[2] - mark[2]) / wall
    cpu = end[1] - mark[1]
    counts = col.ingest.counts()
    fig = {
        "offered_per_s": round(n / period), "accepted_per_s": round(rate),
        "collector_cpu_pct": round(100 * cpu / wall, 1),
        "collector_us_per_msg": round(cpu / max(end[2] - mark[2], 1) * 1e6, 1),
        "mosquitto_cpu_pct": round(100 * (end[3] - mark[3]) / wall, 1),
        "publishers_cpu_pct": round(100 * (end[4] - mark[4]) / wall, 1),
        "published": published, "received": counts["received"], "lost": published - counts["received"],
        "dropped": counts["dropped"], "false_timeouts": counts["timeouts"],
        "false_timeouts_in_window": int(end[5] - mark[5]), "ticks_not_judged_in_window": int(end[6] - mark[6]),
        "publisher_max_lag_s": round(max(s["max_lag_s"] for s in stats), 2),
        "load_avg_1min": round(os.getloadavg()[0], 2),
    }
    FIGURES[tag] = fig
    print(f"{tag}: {n:,} devices every {period:g} s → {fig['accepted_per_s']:,} messages/s accepted "
          f"(offered {fig['offered_per_s']:,}/s); collector {fig['collector_cpu_pct']}% of a core "
          f"({fig['collector_us_per_msg']} µs/message); mosquitto {fig['mosquitto_cpu_pct']}%, "
          f"{shards} publisher(s) {fig['publishers_cpu_pct']}%; lost {fig['lost']}, dropped {fig['dropped']}, "
          f"false TIMEOUTs {fig['false_timeouts']}; load average {fig['load_avg_1min']}", flush=True)


def broker_pid(broker: Mosquitto) -> int:
    assert broker.proc is not None
    return broker.proc.pid


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=14_000)
    parser.add_argument("--window", type=float, default=21.0, help="seconds measured, once steady")
    parser.add_argument("--publishers", type=int, default=1, help="simulator processes at the nominal rate")
    args = parser.parse_args()
    if not available():
        print(json.dumps({"error": "mosquitto and mosquitto-clients are not installed"}))
        return
    inv = generate_rie(sites=args.sites, seed=7)
    FIGURES["devices"] = len(inv.devices)
    bench_core(inv)
    with tempfile.TemporaryDirectory(prefix="vigie-bench-telemetry-") as tmp:
        directory = Path(tmp)
        inv_path = directory / "rie.json"
        write_inventory(inv, inv_path)
        broker = start_mosquitto(directory / "mosquitto")
        try:
            await bench_e2e(inv, inv_path, broker, 7.0, args.window, args.publishers, "every_7s")
            await bench_e2e(inv, inv_path, broker, 3.5, args.window, args.publishers + 1, "every_3.5s")
        finally:
            broker.stop()
    FIGURES["target_per_s"] = 2000
    print(json.dumps(FIGURES))


if __name__ == "__main__":
    asyncio.run(main())
