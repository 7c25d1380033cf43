"""Configuration backups of 1,000 simulated devices over SSH (a bench, not a test).

The SSH simulator (``python -m simulators.ssh_run``: asyncssh, one listener per device
address on 127.0.0.0/8) runs in its own process on the first --devices devices of a
seeded RIE (Cisco IOS XE, Junos and VRP in the RIE's proportions). This process backs
them all up the way ``vigie backup`` does (netmiko in a dedicated pool of --workers
threads, parse-free: ``show running-config`` and friends, normalised, stored with history)
twice: a first sweep (every device a first version) and a second one (nothing changed:
no file written). Reported per sweep: wall time, sessions/s, session time p50/p95,
failures, collector CPU (this process: netmiko and paramiko), and for the run: peak
threads, the simulator's CPU (its own process) and the machine's load.

Run: ``.venv/bin/python bench/cli_backup.py [--devices 1000] [--workers 32]``. The last
line is one JSON object with the figures.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if sys.path and Path(sys.path[0] or ".").resolve() == REPO / "bench":
    sys.path[0] = str(REPO)

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from typing import Any  # noqa: E402

from collectors.cli.backup import BackupStore  # noqa: E402
from collectors.cli.collect import backup_devices  # noqa: E402
from collectors.cli.session import CliRunner, Credentials, DeviceResult  # noqa: E402
from simulators.rie import generate_rie  # noqa: E402
from simulators.ssh_run import spawn  # noqa: E402
from vigie.inventory import write_inventory  # noqa: E402

PASSWORD = "bench-Pa55"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _proc_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a running process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _sweep(label: str, inv: Any, store: BackupStore, runner: CliRunner, names: str, port: int,
           peak: list[int]) -> dict[str, Any]:
    done = [0]

    def seen(res: DeviceResult[Any]) -> None:
        done[0] += 1
        peak[0] = max(peak[0], threading.active_count())
        if done[0] % 250 == 0:
            print(f"  {label}: {done[0]} devices", file=sys.stderr, flush=True)

    cpu0, t0 = time.process_time(), time.perf_counter()
    results = backup_devices(inv, runner.credentials, store, pattern=names, port=port, on_result=seen, runner=runner)
    wall = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    durations = sorted(r.duration_s for r in results if r.ok)
    kinds = Counter(r.kind for r in results)
    changed = sum(1 for r in results if r.value is not None and r.value.changed)
    return {
        "devices": len(results), "ok": kinds.get("ok", 0), "failed": len(results) - kinds.get("ok", 0),
        "failures": {k: v for k, v in kinds.items() if k != "ok"}, "new_versions": changed,
        "wall_s": round(wall, 2), "sessions_per_s": round(len(results) / wall, 1),
        "session_p50_s": round(statistics.median(durations), 3) if durations else None,
        "session_p95_s": round(durations[int(0.95 * (len(durations) - 1))], 3) if durations else None,
        "collector_cpu_s": round(cpu, 2), "collector_cpu_ms_per_device": round(1000 * cpu / max(len(results), 1), 1),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--devices", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=32)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--timeout", type=float, default=20.0)
    args = ap.parse_args()
    say = print
    sites = max(1, args.devices * 2 // 3)
    inv = generate_rie(sites=sites, seed=args.seed)
    while len(inv.devices) < args.devices:
        sites = sites * 3 // 2
        inv = generate_rie(sites=sites, seed=args.seed)
    chosen = list(inv.devices)[: args.devices]
    names = ",".join(chosen)
    vendors = Counter(inv.devices[n].vendor for n in chosen)
    load0 = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="vigie-cli-bench-") as tmp:
        path = Path(tmp) / "rie.json"
        write_inventory(inv, path)
        port = _free_port()
        env = {**os.environ, "BENCH_SSH_PW": PASSWORD, "PYTHONPATH": str(REPO)}
        t0 = time.perf_counter()
        sim = spawn(path, port, password_env="BENCH_SSH_PW", devices=names, env=env, timeout=300)
        sim_ready_s = time.perf_counter() - t0
        peak = [threading.active_count()]
        try:
            sim_cpu0 = _proc_cpu(sim.pid)
            store = BackupStore(Path(tmp) / "backups")
            with CliRunner(Credentials("vigie", PASSWORD), workers=args.workers, timeout_s=args.timeout) as runner:
                first = _sweep("first sweep", inv, store, runner, names, port, peak)
                sim_cpu1 = _proc_cpu(sim.pid)
                second = _sweep("second sweep", inv, store, runner, names, port, peak)
                sim_cpu2 = _proc_cpu(sim.pid)
            stored_mb = sum(p.stat().st_size for p in (Path(tmp) / "backups").rglob("*")) / 1e6
        finally:
            sim.stop(30)
    rusage = resource.getrusage(resource.RUSAGE_SELF)
    out: dict[str, Any] = {
        "bench": "cli_backup", "devices": len(chosen), "vendors": dict(vendors), "workers": args.workers,
        "cpus": os.cpu_count(), "simulator_ready_s": round(sim_ready_s, 2),
        "first": first, "second": second,
        "simulator_cpu_s_first": round(sim_cpu1 - sim_cpu0, 2), "simulator_cpu_s_second": round(sim_cpu2 - sim_cpu1, 2),
        "peak_threads": peak[0], "collector_max_rss_mb": round(rusage.ru_maxrss / 1024, 1),
        "stored_mb": round(stored_mb, 2), "loadavg_start": [round(x, 2) for x in load0],
        "loadavg_end": [round(x, 2) for x in os.getloadavg()],
    }
    say(f"CLI backup of {out['devices']} simulated devices ({', '.join(f'{k} {v}' for k, v in vendors.items())}), "
        f"{args.workers} netmiko threads, {out['cpus']} CPUs")
    for label in ("first", "second"):
        s = out[label]
        say(f"  {label} sweep: {s['wall_s']} s wall, {s['sessions_per_s']} sessions/s, session p50 "
            f"{s['session_p50_s']} s p95 {s['session_p95_s']} s, {s['ok']} ok, {s['failed']} failed "
            f"{s['failures'] or ''}, {s['new_versions']} new versions; collector {s['collector_cpu_s']} CPU-s "
            f"({s['collector_cpu_ms_per_device']} ms/device); simulator {out[f'simulator_cpu_s_{label}']} CPU-s")
    say(f"  peak threads {out['peak_threads']}, collector RSS {out['collector_max_rss_mb']} MB, stored "
        f"{out['stored_mb']} MB; load average {out['loadavg_start']} -> {out['loadavg_end']}")
    print(json.dumps(out, separators=(",", ":")), flush=True)
    return 0 if first["failed"] == 0 and second["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
