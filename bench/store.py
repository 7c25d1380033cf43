"""Throughput of the SQLite store on this machine (a bench, not a test).

Run: ``.venv/bin/python bench/store.py``
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from collectors.counters import DeviceRates, InterfaceRate
from vigie.state.events import StateChange
from vigie.store import BUCKET_S, SqliteStore

T0 = 1_800_000_000.0


FIGURES: dict[str, float] = {}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = SqliteStore(Path(tmp) / "bench.db")
        for batch in (1, 100, 10_000):
            calls = max(1, 20_000 // batch)
            events = [
                [StateChange(T0 + c * batch + i, "site", f"S{i:05d}", "up", "down", "R1", "x") for i in range(batch)]
                for c in range(calls)
            ]
            store._conn.execute("DELETE FROM state_changes")
            start = time.perf_counter()
            for chunk in events:
                store.record(chunk)
            took = time.perf_counter() - start
            n = calls * batch
            print(f"state changes, {batch:>6} per record(): {n / took:>10,.0f}/s ({calls} transactions)")
            FIGURES[f"state_changes_per_s_batch_{batch}"] = round(n / took)
        start = time.perf_counter()
        store.record(events[0])  # a replay: 10,000 changes already there
        FIGURES["replay_10000_s"] = round(time.perf_counter() - start, 3)
        print(f"replay of 10,000 recorded changes: {FIGURES['replay_10000_s']:.3f} s")

        devices, ifaces, polls = 1000, 20, 5  # 20,000 interfaces x 5 polls in one bucket
        rates = [
            DeviceRates(
                f"R{d}",
                T0 + 60 * p,
                False,
                None,
                tuple(
                    InterfaceRate(i, None, 60.0, 1e6, 2e6, 1.0, 2.0, 0.0, 0.0, 0.0, 0.0, None) for i in range(ifaces)
                ),
            )
            for p in range(polls)
            for d in range(devices)
        ]
        start = time.perf_counter()
        store.add_rates(rates)
        added = time.perf_counter() - start
        start = time.perf_counter()
        rows = store.flush_rollups(T0 + BUCKET_S)
        flushed = time.perf_counter() - start
        n = devices * ifaces * polls
        FIGURES["add_rates_per_s"] = round(n / added)
        FIGURES["rollup_rows_per_s"] = round(rows / flushed)
        print(
            f"add_rates: {n / added:,.0f} interface rates/s; flush: {rows / flushed:,.0f} rollup rows/s ({rows} rows)"
        )
        store.close()


if __name__ == "__main__":
    main()
    print(json.dumps(FIGURES))
