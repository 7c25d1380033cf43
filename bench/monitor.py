"""Benchmark of the whole monitor (``vigie run``: poller + state engine + storage) on the full
synthetic RIE against the farm, with a scenario of failures (prints figures; not a test).

    .venv/bin/python bench/monitor.py [--sites 14000] [--interval 60] [--cycles 5] [--port 17461]

Both run as real processes on 127.0.0.0/8: ``vigie simulate`` (the farm, with the demo's
scenario: a site router dead, a premium access cut, a POP lost) and ``vigie run``. The monitor's
CPU and RSS are read from /proc every second; its store's size (database + WAL) at the end of
the first cycle and at the end gives the growth, extrapolated to a day. The last line is one
JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from simulators.rie import generate_rie  # noqa: E402
from vigie.demo import demo_scenario  # noqa: E402
from vigie.inventory import write_inventory  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def rss_mib(pid: int) -> float:
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE / 2**20


def store_bytes(db: Path) -> int:
    return sum(p.stat().st_size for p in (db, db.with_name(db.name + "-wal")) if p.exists())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sites", type=int, default=14000)
    ap.add_argument("--interval", type=float, default=60.0)
    ap.add_argument("--cycles", type=int, default=5, help="cycles to run (the first one is reported apart)")
    ap.add_argument("--port", type=int, default=17461)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="vigie-bench-monitor-"))
    inv = generate_rie(sites=args.sites, seed=args.seed, port=args.port)
    write_inventory(inv, work / "rie.json")
    (work / "scenario.toml").write_text(demo_scenario(inv, start_s=1.5 * args.interval))
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    farm = subprocess.Popen([sys.executable, "-m", "vigie.cli", "simulate", "--inventory", str(work / "rie.json"),
                             "--scenario", str(work / "scenario.toml"), "--ground-truth", str(work / "truth.jsonl")],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=REPO)
    assert farm.stdout is not None
    ready = farm.stdout.readline()
    if "ready" not in ready:
        farm.kill()
        raise SystemExit(f"farm did not start: {ready}")
    db = work / "vigie.db"
    duration = args.interval * args.cycles + 3
    mon = subprocess.Popen([sys.executable, "-m", "vigie.cli", "run", "--inventory", str(work / "rie.json"),
                            "--store", str(db), "--interval", str(args.interval), "--duration", str(duration),
                            "--status-format", "json", "--set", "monitor.status_every_s=2"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env, cwd=REPO)
    assert mon.stdout is not None
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(mon.stdout.readline, "")), daemon=True)  # type: ignore[union-attr]
    reader.start()
    seen = 0
    started = time.time()
    samples: list[tuple[float, float, float]] = []  # (wall, cpu, rss)
    first_cycle: tuple[float, float, int] | None = None  # (wall, cpu, store bytes) when cycle 1 ended
    last_status: dict[str, object] = {}
    try:
        while mon.poll() is None and time.time() - started < duration + 120:
            time.sleep(1.0)
            try:
                samples.append((time.time(), cpu_s(mon.pid), rss_mib(mon.pid)))
            except OSError:
                break
            done, seen = lines[seen:], len(lines)
            for line in done:
                if line.startswith("{") and "sites" in line:
                    last_status = json.loads(line)
                    if first_cycle is None and int(last_status["cycles"]) >= 1:  # type: ignore[call-overload]
                        first_cycle = (samples[-1][0], samples[-1][1], store_bytes(db))
        mon.wait(60)
    finally:
        if mon.poll() is None:
            mon.send_signal(signal.SIGTERM)
            mon.wait(30)
        farm.send_signal(signal.SIGTERM)
        farm.wait(30)
    end_wall, end_cpu, _ = samples[-1]
    assert first_cycle is not None, "no cycle completed"
    steady_cpu = (end_cpu - first_cycle[1]) / ((end_wall - first_cycle[0]) / args.interval)
    growth = (store_bytes(db) - first_cycle[2]) / (end_wall - first_cycle[0]) * 86400
    with sqlite3.connect(db) as conn:
        rows = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("state_changes", "alarms", "poll_cycles", "device_polls", "if_rollups")}
        sizes = dict(conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").fetchall())
        per_bucket = conn.execute("SELECT count(*) FROM if_rollups GROUP BY bucket_start ORDER BY count(*) DESC"
                                  " LIMIT 1").fetchone()
        later = conn.execute("SELECT count(*) FROM state_changes WHERE at > ?", (first_cycle[0],)).fetchone()[0]
        per_cycle = conn.execute("SELECT completed, ok, failed, wall_s, cpu_s FROM poll_cycles ORDER BY id").fetchall()
    row_bytes = sizes.get("if_rollups", 0) / max(1, rows["if_rollups"])
    rollup_rows_day = (per_bucket[0] if per_bucket else 0) * 288
    change_bytes = sizes.get("state_changes", 0) / max(1, rows["state_changes"])
    changes_day = later / (end_wall - first_cycle[0]) * 86400
    cycles_day = 86400 / args.interval
    other_day = changes_day * change_bytes + cycles_day * 200  # a poll_cycles row is about 200 bytes
    out = {
        "sites": args.sites, "devices": len(inv.devices), "interval_s": args.interval, "cycles": len(per_cycle),
        "first_cycle_cpu_s": round(first_cycle[1], 2),
        "steady_cpu_s_per_cycle": round(steady_cpu, 2),
        "steady_core_share": round(steady_cpu / args.interval, 3),
        "cycle_cpu_s_median": round(statistics.median(r[4] for r in per_cycle[1:]) if len(per_cycle) > 1 else 0, 2),
        "cycle_wall_s_median": round(statistics.median(r[3] for r in per_cycle), 2),
        "completion_min": round(min(r[0] / len(inv.devices) for r in per_cycle), 4),
        "rss_mib_max": round(max(s[2] for s in samples), 1),
        "rss_mib_end": round(samples[-1][2], 1),
        "store_mib": round(store_bytes(db) / 2**20, 1),
        "store_growth_mib_per_day": round(growth / 2**20, 1),
        "rows": rows,
        "rollup_rows_per_day": rollup_rows_day,
        "rollup_mib_per_day": round(rollup_rows_day * row_bytes / 2**20, 1),
        "rollup_mib_bounded_24h": round(rollup_rows_day * row_bytes / 2**20, 1),
        "state_changes_per_day_steady": round(changes_day),
        "other_mib_per_day": round(other_day / 2**20, 1),
        "site_counts_at_end": last_status.get("sites"),
    }
    print(f"monitor on {args.sites} sites ({len(inv.devices)} devices), interval {args.interval:g} s, "
          f"{len(per_cycle)} cycles")
    print(f"  CPU: first cycle {out['first_cycle_cpu_s']} s, then {out['steady_cpu_s_per_cycle']} s per cycle "
          f"({out['steady_core_share']:.1%} of a core); cycle wall median {out['cycle_wall_s_median']} s")
    print(f"  RSS max {out['rss_mib_max']} MiB; store {out['store_mib']} MiB, growing "
          f"{out['store_growth_mib_per_day']} MiB/day over the run; rows {rows}")
    print(f"  per day: interface rollups {rollup_rows_day:,} rows = {out['rollup_mib_per_day']} MiB "
          f"(bounded there by the 24 h retention); state changes and cycles "
          f"{out['other_mib_per_day']} MiB ({out['state_changes_per_day_steady']:,} changes at this run's fault rate)")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
