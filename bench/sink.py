"""Throughput of the metrics sink on this machine (a bench, not a test).

- formatting: ``vigie_if`` lines from DeviceRates (lines/s, CPU-s per 100k lines);
- ``InfluxSink.write()``: the producer's cost per line (no network);
- the sink to a real VictoriaMetrics on 127.0.0.1 (batches of 5,000 lines): lines/s from the
  first write until everything is acknowledged, CPU-s per 100k lines in this process and in
  the server; then the samples are counted on the server (a bench that loses data lies);
- the spool: append and read-back rates (lines/s, MB/s).

Run: ``.venv/bin/python bench/sink.py [--lines 400000]``; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from collectors.counters import DeviceRates, InterfaceRate  # noqa: E402
from tests.integration.victoria import Victoria, available, start_victoria  # noqa: E402
from vigie.sinks import InfluxSettings, InfluxSink, Spool  # noqa: E402
from vigie.sinks import lineproto as lp  # noqa: E402

T0 = 1_700_000_000.0
IFACES = 20
BATCH = 5000
FIGURES: dict[str, float] = {}


def make_rates(devices: int, polls: int, seed: int = 7) -> list[DeviceRates]:
    rng = random.Random(seed)
    out = []
    for p in range(polls):
        for d in range(devices):
            ifaces = tuple(
                InterfaceRate(i + 1, f"Gi0/0/{i}", 60.0, rng.random() * 1e9, rng.random() * 1e9, rng.random() * 100,
                              rng.random() * 100, 0.0, 0.0, rng.random(), 0.0, None)
                for i in range(IFACES))
            out.append(DeviceRates(f"S{d:05d}-R1", T0 + 60 * p + d * 0.001, False, None, ifaces))
    return out


def proc_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bench_format(rates: list[DeviceRates]) -> list[list[str]]:
    cpu0, t0 = time.process_time(), time.perf_counter()
    per_device = [lp.rate_lines(r) for r in rates]
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    n = sum(map(len, per_device))
    FIGURES["format_lines_per_s"] = round(n / wall)
    FIGURES["format_cpu_s_per_100k"] = round(cpu / n * 1e5, 3)
    print(f"format vigie_if lines:     {n / wall:>12,.0f} lines/s   {cpu / n * 1e5:.3f} CPU-s per 100k lines")
    return per_device


async def bench_write_call(per_device: list[list[str]], directory: Path) -> None:
    n = sum(map(len, per_device))
    settings = InfluxSettings(url="http://127.0.0.1:9", token_ref=None, memory_lines=n + BATCH, batch_lines=BATCH)
    sink = InfluxSink(settings)  # never started: write() only
    t0 = time.perf_counter()
    for lines in per_device:
        sink.write(lines)
    took = time.perf_counter() - t0
    FIGURES["write_call_ns_per_line"] = round(took / n * 1e9)
    print(f"InfluxSink.write():        {took / n * 1e9:>12,.0f} ns per line ({IFACES} lines per call)")
    logging.getLogger("vigie.sinks.influx").setLevel(logging.ERROR)  # its unsent lines are dropped on purpose
    await sink.close(0.1)
    logging.getLogger("vigie.sinks.influx").setLevel(logging.NOTSET)


async def bench_victoria(per_device: list[list[str]], vm: Victoria, directory: Path) -> None:
    n = sum(map(len, per_device))
    settings = InfluxSettings(url=vm.url, token_ref=None, batch_lines=BATCH, memory_lines=n + BATCH,
                              flush_interval_s=0.2, spool_dir=str(directory / "spool"), timeout_s=30.0)
    assert vm.proc is not None
    vm_cpu0 = proc_cpu_s(vm.proc.pid)
    sink = InfluxSink(settings)
    await sink.start()
    cpu0, t0 = time.process_time(), time.perf_counter()
    for i, lines in enumerate(per_device):
        sink.write(lines)
        if i % 1000 == 999:
            await asyncio.sleep(0)  # a producer yields now and then (one poll cycle's worth)
    ok = await sink.flush(600.0)
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    vm_cpu = proc_cpu_s(vm.proc.pid) - vm_cpu0
    await sink.close(10.0)
    stats = sink.stats()
    assert ok and stats.lines_written == n and stats.lines_dropped == 0, stats
    # count what landed: every line has in_bps
    vm.force_flush()
    query = urllib.parse.urlencode({"query": "sum(count_over_time(vigie_if_in_bps[1d]))", "time": str(T0 + 86_000)})
    body = json.loads(vm._request(f"/api/v1/query?{query}"))
    landed = int(float(body["data"]["result"][0]["value"][1]))
    assert landed == n, f"{landed} samples of vigie_if_in_bps on the server, {n} written"
    FIGURES["victoria_lines_per_s"] = round(n / wall)
    FIGURES["victoria_client_cpu_s_per_100k"] = round(cpu / n * 1e5, 3)
    FIGURES["victoria_server_cpu_s_per_100k"] = round(vm_cpu / n * 1e5, 3)
    FIGURES["victoria_lines"] = n
    print(f"sink → VictoriaMetrics:    {n / wall:>12,.0f} lines/s   ({n:,} lines, batches of {BATCH:,}, "
          f"{stats.batches_written} requests, {wall:.2f} s; all {landed:,} counted on the server)")
    print(f"  CPU per 100k lines:      client {cpu / n * 1e5:.3f} s, server {vm_cpu / n * 1e5:.3f} s "
          f"(8 samples per line)")


def bench_spool(per_device: list[list[str]], directory: Path) -> None:
    flat = [ln for lines in per_device for ln in lines]
    batches = [flat[i:i + BATCH] for i in range(0, len(flat), BATCH)]
    n = len(flat)
    with Spool(directory / "spool-bench", 1 << 40) as spool:
        t0 = time.perf_counter()
        for b in batches:
            spool.append(b)
        spool.sync()
        w = time.perf_counter() - t0
        size = spool.pending_bytes
        t0 = time.perf_counter()
        read = 0
        while (got := spool.peek()) is not None:
            read += len(got[1])
            spool.ack(got[0])
        r = time.perf_counter() - t0
    assert read == n
    FIGURES["spool_write_lines_per_s"] = round(n / w)
    FIGURES["spool_write_mb_per_s"] = round(size / w / 1e6, 1)
    FIGURES["spool_read_lines_per_s"] = round(n / r)
    FIGURES["spool_read_mb_per_s"] = round(size / r / 1e6, 1)
    print(f"spool append (+fsync):     {n / w:>12,.0f} lines/s   {size / w / 1e6:.0f} MB/s")
    print(f"spool read + ack:          {n / r:>12,.0f} lines/s   {size / r / 1e6:.0f} MB/s")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=400_000, help="vigie_if lines to write (20 per device)")
    args = parser.parse_args()
    devices = 1000
    polls = max(1, args.lines // (devices * IFACES))
    rates = make_rates(devices, polls)
    per_device = bench_format(rates)
    with tempfile.TemporaryDirectory(prefix="vigie-bench-sink-") as tmp:
        directory = Path(tmp)
        await bench_write_call(per_device, directory)
        if available():
            vm = start_victoria(directory / "victoria")
            try:
                await bench_victoria(per_device, vm, directory)
            finally:
                vm.stop()
        else:
            print("victoria-metrics not installed: sink throughput not measured")
        bench_spool(per_device, directory)
    print(json.dumps(FIGURES))


if __name__ == "__main__":
    asyncio.run(main())
