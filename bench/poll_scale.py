"""Poller at RIE scale, side by side in one run (Vigie's collector against the simulated RIE).

1. Full RIE: ``generate_rie(--sites, seed)`` (14,000 sites give 20,466 devices) served by
   ``vigie simulate`` (--workers, default 1; it also serves SNMPv3 user ``vigie``), warmed
   up first by one Vigie poll cycle (reported apart: the farm builds its devices lazily).
   The collector runs in its own process (bench/_pollbench.py: ``targets_for`` → ``Poller``
   → ``Scheduler.run_cycle``, as ``vigie poll --once``, --concurrency in flight, no spread)
   for --cycles cycles: the first (ifName walked, max-repetitions learnt) and the steady
   state (the median of the later cycles) are both reported. Data per device: sysUpTime
   and ifHCIn/OutOctets, ifHighSpeed, ifAdmin/OperStatus, ifIn/OutErrors, ifIn/OutDiscards.
   Targets: the cycle inside 60 s, collector CPU ≤ 20 s per cycle, collector RSS ≤ 1 GiB.
2. SNMPv3 authPriv (SHA-256/AES) on the same devices (the inventory's v3 variant), the
   same way; the first cycle includes engine discovery. Target: ≤ 2× v2c's CPU per device.
3. On the same --sample devices (seeded) and --sample-concurrency in flight, CPU per device
   poll: Vigie (v2c, and v3), pysnmp 7 (asyncio hlapi ``bulk_cmd``, the same GETBULK walk,
   lookupMib=False, then its default lookupMib=True), Prometheus snmp_exporter (Debian
   ``prometheus-snmp-exporter``, installed with apt-get when missing; a generator-style
   module with exactly the same OIDs; scraped over HTTP on loopback, the exporter's own CPU
   from /proc, the HTTP client's CPU left out). Targets: ≥ 30× less CPU than pysnmp; less
   than snmp_exporter.
4. --dead-percent (10) % of devices not answering: a ``device_down`` scenario on seeded site
   devices (the farm's own timeline says how many are silent), active from t=0, in a second
   farm; the collector's cycles as in 1. Target: the cycle inside its 60 s interval.
5. cProfile of one steady-state cycle on --profile-devices (2,000) devices: top functions.

Everything on 127.0.0.0/8, bounded in time, every process stopped by PID at the end. The
machine's load is sampled (other processes share its cores). Run:
``.venv/bin/python bench/poll_scale.py [--quick]``; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

from _loadgen import (  # noqa: E402
    drain,
    make_template,
    open_sockets,
    run_rate,
    tree_cpu,
    tree_pids,
    tree_rss_mib,
)

from collectors.snmp.oidsets import DEFAULT, SYS_UPTIME  # noqa: E402
from vigie.snmp import GETBULK  # noqa: E402

PY = sys.executable
VIGIE = ROOT / ".venv" / "bin" / "vigie"
COLLECTOR = BENCH / "_pollbench.py"
EXPORTER_CANDIDATES = ("/usr/bin/prometheus-snmp-exporter", "/usr/bin/snmp_exporter")
IF_NAMES = {  # InterfaceSample field -> IF-MIB object name, for the exporter's metrics
    "in_octets": ("ifHCInOctets", "counter"), "out_octets": ("ifHCOutOctets", "counter"),
    "speed_mbps": ("ifHighSpeed", "gauge"), "admin_status": ("ifAdminStatus", "gauge"),
    "oper_status": ("ifOperStatus", "gauge"), "in_discards": ("ifInDiscards", "counter"),
    "in_errors": ("ifInErrors", "counter"), "out_discards": ("ifOutDiscards", "counter"),
    "out_errors": ("ifOutErrors", "counter"),
}
LIMIT_WALL_S, LIMIT_CPU_S, LIMIT_RSS_MIB = 60.0, 20.0, 1024.0


def say(msg: str) -> None:
    print(msg, flush=True)


def free_port(kind: int = socket.SOCK_DGRAM) -> int:
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = int(s.getsockname()[1])
    s.close()
    return port


def dotted(oid: tuple[int, ...]) -> str:
    return ".".join(map(str, oid))


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


# -- processes ----------------------------------------------------------------------------


class Procs:
    """Every process this bench starts, stopped by PID (and its children) at the end."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen[bytes]] = []

    def add(self, proc: subprocess.Popen[bytes]) -> subprocess.Popen[bytes]:
        self.procs.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
        kids = tree_pids(proc.pid)[1:] if proc.poll() is None else []
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        for pid in kids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if proc in self.procs:
            self.procs.remove(proc)

    def stop_all(self) -> None:
        for proc in list(self.procs):
            self.stop(proc)


def start_farm(procs: Procs, inventory: Path, port: int, workers: int, duration: float, log_path: Path,
               env: dict[str, str], scenario: Path | None = None) -> tuple[subprocess.Popen[bytes], str]:
    cmd = [str(VIGIE), "simulate", "--inventory", str(inventory), "--port", str(port), "--workers", str(workers),
           "--v3-user", "vigie", "--duration", str(int(duration))]
    if scenario is not None:
        cmd += ["--scenario", str(scenario)]
    with open(log_path, "wb") as log:
        proc = procs.add(subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                          start_new_session=True, cwd=str(ROOT), env=env))
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        text = log_path.read_text(errors="replace")
        for line in text.splitlines():
            if "ready in" in line:
                return proc, line.strip()
        if proc.poll() is not None:
            raise SystemExit(f"vigie simulate exited ({proc.returncode}) before ready:\n{text[-2000:]}")
        time.sleep(0.1)
    procs.stop(proc)
    raise SystemExit("vigie simulate not ready after 300 s")


def run_collector(procs: Procs, mode: str, inventory: Path, env: dict[str, str], bound_s: float, label: str,
                  *extra: str) -> list[dict[str, Any]]:
    """bench/_pollbench.py in its own process; its JSON lines (cycles printed as they come)."""
    cmd = [PY, str(COLLECTOR), mode, "--inventory", str(inventory), *extra]
    proc = procs.add(subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                      cwd=str(ROOT), env=env, start_new_session=True))
    timer = threading.Timer(bound_s, proc.kill)
    timer.start()
    lines: list[dict[str, Any]] = []
    try:
        assert proc.stdout is not None
        for raw in proc.stdout:
            try:
                obj = json.loads(raw)
            except ValueError:
                continue
            lines.append(obj)
            if obj.get("kind") == "setup":
                say(f"  [{label}] collector pid {proc.pid}: {obj['devices']} targets, set up in {obj['setup_s']} s "
                    f"({obj['setup_cpu_s']} CPU-s), RSS {obj['rss_mib']:.0f} MiB"
                    + (f"; credential problems: {obj['problems']}" if obj.get("problems") else ""))
            elif obj.get("kind") == "cycle":
                say(f"  [{label}] {cycle_line(obj)}")
        err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        proc.wait(30)
    finally:
        timer.cancel()
        procs.stop(proc)
    if proc.returncode != 0 or not lines or lines[-1].get("kind") != "done":
        why = "killed at its time bound" if proc.returncode in (-9, 137) else f"exit {proc.returncode}"
        say(f"  [{label}] collector failed ({why}): {err.strip()[-800:]}")
    return lines


def cycle_line(c: dict[str, Any]) -> str:
    farm = (f", farm {c['farm_cpu_s']:.1f} CPU-s ({c['farm_cores']:.2f} core), others {c['others_cores']:.2f} core"
            if "farm_cpu_s" in c else "")
    resp = f", response p50 {c['p50_ms']} ms p95 {c['p95_ms']} ms" if c.get("p50_ms") is not None else ""
    errs = f" {c['errors']}" if c.get("errors") else ""
    return (f"cycle {c['cycle']}: {c['devices']} devices, {c['ok']} ok, {c['failed']} failed{errs}, "
            f"{c['wall_s']:.2f} s wall, {c['cpu_s']:.2f} CPU-s ({c.get('sys_s', 0):.2f} system; "
            f"{c['cpu_ms_per_device']:.3f} ms/device), "
            f"RSS {c['rss_mib']:.0f} MiB, {c['pdus']} PDUs"
            + (f" ({c['retries']} retries)" if c.get("retries") else "") + resp + farm)


def cycles_of(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [x for x in lines if x.get("kind") == "cycle"]


def steady(cycles: list[dict[str, Any]], key: str) -> float | None:
    """Median of ``key`` over the cycles after the first (the first alone if only one)."""
    vals = [c[key] for c in (cycles[1:] or cycles) if c.get(key) is not None]
    return round(statistics.median(vals), 4) if vals else None


def summary(prefix: str, cycles: list[dict[str, Any]]) -> dict[str, Any]:
    if not cycles:
        return {f"{prefix}_error": "no cycle completed"}
    first = cycles[0]
    out: dict[str, Any] = {
        f"{prefix}_cycles": [{k: c.get(k) for k in ("devices", "ok", "failed", "wall_s", "cpu_s", "sys_s",
                                                     "cpu_ms_per_device", "rss_mib", "pdus", "retries", "farm_cores",
                                                     "others_cores", "p95_ms")} for c in cycles],
        f"{prefix}_first_wall_s": first["wall_s"], f"{prefix}_first_cpu_s": first["cpu_s"],
        f"{prefix}_first_cpu_ms_per_device": first["cpu_ms_per_device"],
        f"{prefix}_wall_s": steady(cycles, "wall_s"), f"{prefix}_cpu_s": steady(cycles, "cpu_s"),
        f"{prefix}_cpu_ms_per_device": steady(cycles, "cpu_ms_per_device"),
        f"{prefix}_rss_mib": max(c["rss_mib"] for c in cycles),
        f"{prefix}_ok": min(c["ok"] for c in cycles), f"{prefix}_failed": max(c["failed"] for c in cycles),
        f"{prefix}_pdus": steady(cycles, "pdus"),
    }
    return out


# -- snmp_exporter ----------------------------------------------------------------------------


def find_exporter() -> str | None:
    for path in EXPORTER_CANDIDATES:
        if os.path.exists(path):
            return path
    return shutil.which("prometheus-snmp-exporter")


def ensure_exporter(allow_install: bool) -> tuple[str | None, str]:
    path = find_exporter()
    if path:
        return path, "already installed"
    if not allow_install:
        return None, "not installed (--no-install)"
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return None, "not installed and cannot install it here (needs root and apt-get)"
    say("snmp_exporter: not installed; running `apt-get install -y --no-install-recommends "
        "prometheus-snmp-exporter` (Debian package: installs the binary and an inactive service unit; "
        "this bench starts its own instance on a loopback port)")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    try:
        run = subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", "prometheus-snmp-exporter"],
                             capture_output=True, text=True, timeout=600, env=env, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"apt-get failed: {exc}"
    if run.returncode != 0:
        return None, f"apt-get failed ({run.returncode}): {(run.stderr or run.stdout).strip()[-300:]}"
    path = find_exporter()
    return (path, "installed now with apt-get") if path else (None, "apt-get succeeded but no binary found")


def exporter_config(path: Path, community: str, max_repetitions: int) -> str:
    """A module as the generator writes it for sysUpTime + our 9 IF-MIB columns (ifIndex
    label only: no ifName lookup, which would be one more walk per scrape)."""
    module = "vigie_if_mib"
    lines = [f"{module}:", "  version: 2", f"  max_repetitions: {max_repetitions}", "  retries: 2", "  timeout: 2s",
             "  auth:", f"    community: {community}", "  get:", f"  - {dotted(SYS_UPTIME + (0,))}", "  walk:"]
    lines += [f"  - {dotted(oid)}" for oid in DEFAULT.columns.values()]
    lines += ["  metrics:", "  - name: sysUpTime", f"    oid: {dotted(SYS_UPTIME)}", "    type: gauge",
              "    help: The time since the network management portion of the system was last re-initialized."]
    for field_name, oid in DEFAULT.columns.items():
        name, kind = IF_NAMES[field_name]
        lines += [f"  - name: {name}", f"    oid: {dotted(oid)}", f"    type: {kind}", f"    help: IF-MIB {name}",
                  "    indexes:", "    - labelname: ifIndex", "      type: gauge"]
    path.write_text("\n".join(lines) + "\n")
    return module


def measure_exporter(procs: Procs, binary: str, tmp: Path, addresses: list[str], farm_port: int, passes: int,
                     concurrency: int) -> dict[str, Any]:
    conf = tmp / "snmp.yml"
    module = exporter_config(conf, "public", 25)
    check = subprocess.run([binary, f"--config.file={conf}", "--dry-run"], capture_output=True, text=True, timeout=60)
    if check.returncode != 0:
        return {"error": f"config rejected: {(check.stderr or check.stdout).strip()[-300:]}"}
    version = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30)
    ver = (version.stdout or version.stderr).splitlines()[0] if (version.stdout or version.stderr) else "?"
    port = free_port(socket.SOCK_STREAM)
    log = open(tmp / "snmp_exporter.log", "wb")  # noqa: SIM115 (closed in finally)
    proc = procs.add(subprocess.Popen([binary, f"--config.file={conf}", f"--web.listen-address=127.0.0.1:{port}",
                                       "--log.level=warn"], stdout=log, stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL, start_new_session=True))
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(base + "/metrics", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    return {"error": f"exporter not answering: {(tmp / 'snmp_exporter.log').read_text()[-300:]}"}
                time.sleep(0.1)
        say(f"snmp_exporter: {binary} ({ver}), pid {proc.pid}, 127.0.0.1:{port}, module {module!r} written to "
            f"{conf.name} (get sysUpTime.0 + walk of the same 9 columns, max_repetitions 25, version 2c)")

        def scrape(addr: str) -> tuple[bool, int, int]:
            url = f"{base}/snmp?target={addr}:{farm_port}&module={module}"
            try:
                with urllib.request.urlopen(url, timeout=30) as resp:
                    body = resp.read().decode(errors="replace")
            except OSError:
                return False, 0, 0
            packets = 0
            samples = 0
            for line in body.splitlines():
                if line.startswith("snmp_scrape_packets_sent "):
                    packets = int(float(line.split()[1]))
                elif line.startswith("ifHCInOctets{"):
                    samples += 1
            return "\nsysUpTime " in body, packets, samples

        runs = []
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            for k in range(1, passes + 1):
                cpu0, own0, t0 = tree_cpu(proc.pid), time.process_time(), time.monotonic()
                results = list(pool.map(scrape, addresses))
                wall, cpu, own = time.monotonic() - t0, tree_cpu(proc.pid) - cpu0, time.process_time() - own0
                ok = sum(1 for r in results if r[0])
                run = {"pass": k, "devices": len(addresses), "ok": ok, "wall_s": round(wall, 2),
                       "cpu_s": round(cpu, 2), "cpu_ms_per_device": round(1000 * cpu / len(addresses), 3),
                       "packets": sum(r[1] for r in results), "interfaces": sum(r[2] for r in results),
                       "client_cpu_s": round(own, 2), "rss_mib": round(tree_rss_mib(proc.pid), 1)}
                runs.append(run)
                say(f"  [snmp_exporter] pass {k}: {ok}/{len(addresses)} scrapes ok in {wall:.2f} s, exporter "
                    f"{cpu:.2f} CPU-s ({run['cpu_ms_per_device']:.2f} ms/device), {run['packets']} SNMP packets "
                    f"({run['packets'] / max(len(addresses), 1):.1f}/device), {run['interfaces']} interfaces, "
                    f"RSS {run['rss_mib']:.0f} MiB; HTTP client (not counted) {own:.2f} CPU-s")
        return {"version": ver, "runs": runs, "module": module,
                "cpu_ms_per_device": steady([dict(r, cycle=r["pass"]) for r in runs], "cpu_ms_per_device"),
                "packets_per_device": round(runs[-1]["packets"] / max(len(addresses), 1), 2)}
    finally:
        procs.stop(proc)
        log.close()


# -- main -------------------------------------------------------------------------------------


def _exit_on_term(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sites", type=int, default=14000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--sample", type=int, default=500, help="devices of the pysnmp / snmp_exporter comparison")
    ap.add_argument("--sample-concurrency", type=int, default=50)
    ap.add_argument("--sample-cycles", type=int, default=6, help="Vigie cycles on the sample (steady: median of 2..)")
    ap.add_argument("--cycles", type=int, default=3, help="collector cycles per full-RIE run")
    ap.add_argument("--concurrency", type=int, default=500, help="polls in flight (vigie poll's default)")
    ap.add_argument("--workers", type=int, default=1, help="farm worker processes")
    ap.add_argument("--dead-percent", type=float, default=10.0)
    ap.add_argument("--profile-devices", type=int, default=2000)
    ap.add_argument("--no-v3", action="store_true")
    ap.add_argument("--no-pysnmp", action="store_true")
    ap.add_argument("--no-pysnmp-default", action="store_true", help="skip pysnmp with lookupMib=True")
    ap.add_argument("--no-exporter", action="store_true")
    ap.add_argument("--no-install", action="store_true", help="do not apt-get install prometheus-snmp-exporter")
    ap.add_argument("--no-dead", action="store_true")
    ap.add_argument("--no-profile", action="store_true")
    ap.add_argument("--quick", action="store_true", help="small values for a smoke run")
    args = ap.parse_args()
    if args.quick:
        args.sites, args.sample, args.cycles, args.sample_cycles, args.profile_devices = 300, 100, 2, 3, 200
    signal.signal(signal.SIGTERM, _exit_on_term)
    result: dict[str, Any] = {"sites": args.sites, "seed": args.seed, "cpus": os.cpu_count(),
                              "loadavg_start": loadavg(), "farm_workers": args.workers,
                              "concurrency": args.concurrency, "sample_concurrency": args.sample_concurrency}
    say(f"poll_scale: {args.sites} sites (seed {args.seed}), {args.cycles} collector cycles per run, concurrency "
        f"{args.concurrency}; sample {args.sample} devices at concurrency {args.sample_concurrency}; farm "
        f"{args.workers} worker(s); load average {result['loadavg_start']} on {os.cpu_count()} CPUs")

    from simulators.rie import generate_rie
    from simulators.scenario import FaultTimeline, parse_scenario
    from vigie.inventory import write_inventory

    tmp = Path(tempfile.mkdtemp(prefix="vigie-pollscale-"))
    procs = Procs()
    env = dict(os.environ)
    env["VIGIE_SNMP_COMMUNITY"] = "public"
    env.setdefault("VIGIE_SNMP_AUTH_KEY", "vigie-bench-auth-" + os.urandom(4).hex())
    env.setdefault("VIGIE_SNMP_PRIV_KEY", "vigie-bench-priv-" + os.urandom(4).hex())
    env["PYTHONUNBUFFERED"] = "1"
    per_cycle_bound = 300.0
    socks = open_sockets(4)
    try:
        port = free_port()
        t = time.perf_counter()
        inv = generate_rie(args.sites, seed=args.seed, port=port, snmp="v2c")
        inv3 = generate_rie(args.sites, seed=args.seed, port=port, snmp="v3")
        v2c_path, v3_path = tmp / "rie-v2c.json", tmp / "rie-v3.json"
        write_inventory(inv, v2c_path)
        write_inventory(inv3, v3_path)
        names = sorted(n for n, d in inv.devices.items() if ":" not in d.mgmt_address)
        assert all(inv3.devices[n].mgmt_address == inv.devices[n].mgmt_address for n in names)
        interfaces = sum(len(d.interfaces) for d in inv.devices.values())
        result["devices"] = len(names)
        result["inventory_interfaces"] = interfaces
        say(f"inventory: {len(inv.sites)} sites, {len(names)} devices, {interfaces} interfaces (v2c and v3 "
            f"variants, same addresses), generated in {time.perf_counter() - t:.1f} s; UDP port {port}")
        rng = random.Random(args.seed)
        sample = sorted(rng.sample(names, min(args.sample, len(names))))
        sample_file = tmp / "sample.txt"
        sample_file.write_text("\n".join(sample))
        prof_names = sorted(random.Random(args.seed + 1).sample(names, min(args.profile_devices, len(names))))
        prof_file = tmp / "profile-devices.txt"
        prof_file.write_text("\n".join(prof_names))
        bound = 60 + args.cycles * per_cycle_bound

        # ---- farm A: everything answers ----------------------------------------------------
        farm, ready = start_farm(procs, v2c_path, port, args.workers, 4 * 3600, tmp / "farm-a.log", env)
        say(f"farm A (pid {farm.pid}): {ready}")
        fp = str(farm.pid)
        t = time.perf_counter()
        warm = cycles_of(run_collector(procs, "vigie", v2c_path, env, 60 + per_cycle_bound, "warm-up",
                                       "--cycles", "1", "--concurrency", str(args.concurrency), "--farm-pid", fp))
        result["warmup"] = warm[0] if warm else None
        result["farm_rss_mib"] = round(tree_rss_mib(farm.pid))
        say(f"  warm-up (cold farm, one Vigie cycle) took {time.perf_counter() - t:.1f} s; farm RSS now "
            f"{result['farm_rss_mib']} MiB")

        say(f"full RIE, SNMPv2c: {len(names)} devices, {args.cycles} cycles in one collector process:")
        v2 = cycles_of(run_collector(procs, "vigie", v2c_path, env, bound, "v2c", "--cycles", str(args.cycles),
                                     "--concurrency", str(args.concurrency), "--farm-pid", fp))
        result.update(summary("v2c", v2))

        if not args.no_v3:
            say(f"full RIE, SNMPv3 authPriv (SHA-256/AES): the same {len(names)} devices, {args.cycles} cycles:")
            v3 = cycles_of(run_collector(procs, "vigie", v3_path, env, bound, "v3", "--cycles", str(args.cycles),
                                         "--concurrency", str(args.concurrency), "--farm-pid", fp))
            result.update(summary("v3", v3))

        sc = str(args.sample_concurrency)
        sb = 60 + args.sample_cycles * 120
        say(f"sample: {len(sample)} devices (seeded), {sc} polls in flight, CPU per device poll:")
        vs = cycles_of(run_collector(procs, "vigie", v2c_path, env, sb, "vigie sample v2c", "--devices-file",
                                     str(sample_file), "--cycles", str(args.sample_cycles), "--concurrency", sc,
                                     "--farm-pid", fp))
        result.update(summary("sample_vigie", vs))
        if not args.no_v3:
            vs3 = cycles_of(run_collector(procs, "vigie", v3_path, env, sb, "vigie sample v3", "--devices-file",
                                          str(sample_file), "--cycles", str(args.sample_cycles), "--concurrency", sc,
                                          "--farm-pid", fp))
            result.update(summary("sample_vigie_v3", vs3))
        if not args.no_pysnmp:
            ps = cycles_of(run_collector(procs, "pysnmp", v2c_path, env, 60 + 4 * 400, "pysnmp lookupMib=False",
                                         "--devices-file", str(sample_file), "--cycles", "4", "--concurrency", sc,
                                         "--farm-pid", fp))
            result.update(summary("pysnmp", ps))
            if not args.no_pysnmp_default:
                pd = cycles_of(run_collector(procs, "pysnmp", v2c_path, env, 60 + 2 * 500, "pysnmp default",
                                             "--devices-file", str(sample_file), "--cycles", "2", "--concurrency", sc,
                                             "--farm-pid", fp, "--lookup-mib"))
                result.update(summary("pysnmp_default", pd))
        if not args.no_exporter:
            binary, how = ensure_exporter(not args.no_install)
            result["snmp_exporter_binary"] = binary
            result["snmp_exporter_how"] = how
            if binary is None:
                say(f"snmp_exporter: skipped ({how})")
            else:
                addrs = [inv.devices[n].mgmt_address for n in sample]
                ex = measure_exporter(procs, binary, tmp, addrs, port, 3, args.sample_concurrency)
                if "error" in ex:
                    say(f"snmp_exporter: not measured: {ex['error']}")
                    result["snmp_exporter_error"] = ex["error"]
                else:
                    result["snmp_exporter_version"] = ex["version"]
                    result["snmp_exporter_runs"] = ex["runs"]
                    result["snmp_exporter_cpu_ms_per_device"] = ex["cpu_ms_per_device"]
                    result["snmp_exporter_packets_per_device"] = ex["packets_per_device"]

        if not args.no_profile:
            say(f"profile: {len(prof_names)} devices (seeded), cycle 3 of 3 under cProfile (wall-clock timer):")
            pr = run_collector(procs, "vigie", v2c_path, env, 60 + 3 * 120, "profile", "--devices-file",
                               str(prof_file), "--cycles", "3", "--concurrency", str(args.concurrency),
                               "--profile-cycle", "3", "--farm-pid", fp)
            prof = next((c for c in cycles_of(pr) if c.get("profiled")), None)
            if prof is not None:
                p = prof["profile"]
                say(f"  top functions by own time (cycle CPU {prof['cpu_s']:.2f} s under the profiler, "
                    f"total tottime {p['total_tt'][0][0]} s):")
                for name, ncalls, tt, ct in p["tottime"][:20]:
                    say(f"    {tt:7.3f} s own {ct:7.3f} s cum {ncalls:>8} calls  {name}")
                say("  top by cumulative time:")
                for name, ncalls, tt, ct in p["cumtime"][:15]:
                    say(f"    {ct:7.3f} s cum {tt:7.3f} s own {ncalls:>8} calls  {name}")
                result["profile_devices"] = len(prof_names)
                result["profile_top"] = [[n, c, tt] for n, c, tt, _ in p["tottime"][:10]]
            unprofiled = [c for c in cycles_of(pr) if not c.get("profiled")]
            if unprofiled:
                result["profile_unprofiled_cpu_ms_per_device"] = unprofiled[-1]["cpu_ms_per_device"]
        procs.stop(farm)

        # ---- farm B: dead devices ------------------------------------------------------------
        if not args.no_dead:
            candidates = sorted(n for n in names if inv.devices[n].site)
            n_dead = round(args.dead_percent / 100 * len(names))
            dead = sorted(random.Random(args.seed + 2).sample(candidates, min(n_dead, len(candidates))))
            text = (f'name = "{args.dead_percent:g} % of devices not answering"\nseed = {args.seed}\n\n'
                    '[[fault]]\nat = 0\nkind = "device_down"\nnote = "bench/poll_scale.py"\ndevices = ['
                    + ", ".join(f'"{d}"' for d in dead) + "]\n")
            scen = tmp / "dead.toml"
            scen.write_text(text)
            timeline = FaultTimeline(parse_scenario(text, inv, str(scen)), inv)
            silent = sum(1 for n in names if timeline.silent(n, 0.0))
            result["dead_devices_down"] = len(dead)
            result["dead_devices_silent"] = silent
            result["dead_percent_silent"] = round(100 * silent / len(names), 2)
            farm, ready = start_farm(procs, v2c_path, port, args.workers, 4 * 3600, tmp / "farm-b.log", env, scen)
            say(f"farm B (pid {farm.pid}), scenario: device_down from t=0 on {len(dead)} site devices (seeded): "
                f"{silent} devices silent ({result['dead_percent_silent']} %); {ready}")
            targets = [(inv.devices[n].mgmt_address, port) for n in names]
            tpl = make_template(GETBULK, list(DEFAULT.columns.values()), 10)
            drain(socks, 0.2)
            cpu0 = tree_cpu(farm.pid)
            rr = run_rate(socks, targets, [tpl], 256, 300.0, len(targets) - silent)
            say(f"  warm-up (one GETBULK per device, bench/_loadgen.run_rate): {rr.responses} answers in "
                f"{rr.seconds:.1f} s, farm {tree_cpu(farm.pid) - cpu0:.1f} CPU-s (stops once every answering device "
                f"answered)")
            drain(socks, 0.3)
            say(f"full RIE with {result['dead_percent_silent']} % silent, SNMPv2c, {args.cycles} cycles:")
            dd = cycles_of(run_collector(procs, "vigie", v2c_path, env, bound, "dead", "--cycles", str(args.cycles),
                                         "--concurrency", str(args.concurrency), "--farm-pid", str(farm.pid)))
            result.update(summary("dead", dd))
            procs.stop(farm)
    finally:
        procs.stop_all()
        for s in socks:
            s.close()
        shutil.rmtree(tmp, ignore_errors=True)
    result["loadavg_end"] = loadavg()
    return report(result, args)


def report(r: dict[str, Any], args: argparse.Namespace) -> int:
    def g(key: str) -> Any:
        return r.get(key)

    def ratio(a: Any, b: Any) -> float | None:
        return round(a / b, 2) if a and b else None

    out: dict[str, Any] = {
        "devices": g("devices"), "sites": g("sites"),
        "cycle_wall_s": g("v2c_wall_s"), "cycle_cpu_s": g("v2c_cpu_s"), "rss_mib": g("v2c_rss_mib"),
        "first_cycle_wall_s": g("v2c_first_wall_s"), "first_cycle_cpu_s": g("v2c_first_cpu_s"),
        "first_cpu_ms_per_device": g("v2c_first_cpu_ms_per_device"),
        "steady_cpu_ms_per_device": g("v2c_cpu_ms_per_device"), "cycle_pdus": g("v2c_pdus"),
        "cycle_ok": g("v2c_ok"), "cycle_failed": g("v2c_failed"),
        "sample_devices": args.sample, "sample_cpu_ms_per_device": g("sample_vigie_cpu_ms_per_device"),
        "pysnmp_cpu_ms_per_device": g("pysnmp_cpu_ms_per_device"),
        "pysnmp_first_cpu_ms_per_device": g("pysnmp_first_cpu_ms_per_device"),
        "pysnmp_default_cpu_ms_per_device": g("pysnmp_default_cpu_ms_per_device"),
        "snmp_exporter_cpu_ms_per_device": g("snmp_exporter_cpu_ms_per_device"),
        "snmp_exporter_packets_per_device": g("snmp_exporter_packets_per_device"),
        "dead10_devices_silent": g("dead_devices_silent"), "dead10_percent_silent": g("dead_percent_silent"),
        "dead10_first_cycle_wall_s": g("dead_first_wall_s"), "dead10_cycle_wall_s": g("dead_wall_s"),
        "dead10_cycle_cpu_s": g("dead_cpu_s"), "dead10_failed": g("dead_failed"),
        "v3_first_cycle_wall_s": g("v3_first_wall_s"), "v3_first_cpu_ms_per_device": g("v3_first_cpu_ms_per_device"),
        "v3_cycle_wall_s": g("v3_wall_s"), "v3_cycle_cpu_s": g("v3_cpu_s"), "v3_rss_mib": g("v3_rss_mib"),
        "v3_cpu_ms_per_device": g("v3_cpu_ms_per_device"),
        "sample_v3_cpu_ms_per_device": g("sample_vigie_v3_cpu_ms_per_device"),
    }
    out["ratio_pysnmp"] = ratio(out["pysnmp_cpu_ms_per_device"], out["sample_cpu_ms_per_device"])
    out["ratio_pysnmp_default"] = ratio(out["pysnmp_default_cpu_ms_per_device"], out["sample_cpu_ms_per_device"])
    out["ratio_exporter"] = ratio(out["snmp_exporter_cpu_ms_per_device"], out["sample_cpu_ms_per_device"])
    out["v3_over_v2c"] = ratio(out["v3_cpu_ms_per_device"], out["steady_cpu_ms_per_device"])
    out["sample_v3_over_v2c"] = ratio(out["sample_v3_cpu_ms_per_device"], out["sample_cpu_ms_per_device"])
    worst_rss = max((x for x in (g("v2c_rss_mib"), g("v3_rss_mib"), g("dead_rss_mib")) if x), default=None)
    out["targets"] = {
        "cycle_within_60s": _le(g("v2c_wall_s"), LIMIT_WALL_S) and _le(g("v2c_first_wall_s"), LIMIT_WALL_S),
        "cpu_le_20s": _le(g("v2c_cpu_s"), LIMIT_CPU_S),
        "first_cycle_cpu_le_20s": _le(g("v2c_first_cpu_s"), LIMIT_CPU_S),
        "rss_le_1gib": _le(worst_rss, LIMIT_RSS_MIB),
        "pysnmp_ge_30x": None if out["ratio_pysnmp"] is None else out["ratio_pysnmp"] >= 30,
        "less_than_exporter": None if out["ratio_exporter"] is None else out["ratio_exporter"] > 1,
        "dead10_within_60s": _le(g("dead_wall_s"), LIMIT_WALL_S) and _le(g("dead_first_wall_s"), LIMIT_WALL_S),
        "v3_le_2x_v2c": None if out["v3_over_v2c"] is None else out["v3_over_v2c"] <= 2,
    }
    for k in ("farm_workers", "concurrency", "sample_concurrency", "farm_rss_mib", "cpus", "loadavg_start",
              "loadavg_end", "snmp_exporter_version", "snmp_exporter_how", "profile_devices", "profile_top",
              "profile_unprofiled_cpu_ms_per_device"):
        if k in r:
            out[k] = r[k]
    if r.get("warmup"):
        w = r["warmup"]
        out["warmup"] = {k: w.get(k) for k in ("wall_s", "cpu_s", "pdus", "retries", "failed", "farm_cpu_s")}
    for k in ("v2c_cycles", "v3_cycles", "dead_cycles", "sample_vigie_cycles", "sample_vigie_v3_cycles",
              "pysnmp_cycles", "pysnmp_default_cycles", "snmp_exporter_runs"):
        if k in r:
            out[k] = r[k]

    say("summary:")
    say(f"  full RIE v2c: {out['devices']} devices; first cycle {out['first_cycle_wall_s']} s wall, "
        f"{out['first_cycle_cpu_s']} CPU-s; steady cycle {out['cycle_wall_s']} s wall, {out['cycle_cpu_s']} CPU-s "
        f"({out['steady_cpu_ms_per_device']} ms/device), {out['cycle_pdus']} PDUs; RSS {out['rss_mib']} MiB; "
        f"farm {out['farm_workers']} worker(s)")
    say(f"  SNMPv3 authPriv: first cycle {out['v3_first_cycle_wall_s']} s; steady {out['v3_cycle_wall_s']} s wall, "
        f"{out['v3_cycle_cpu_s']} CPU-s ({out['v3_cpu_ms_per_device']} ms/device) = {out['v3_over_v2c']}× v2c "
        f"(on the sample: {out['sample_v3_over_v2c']}×)")
    say(f"  sample of {out['sample_devices']}: Vigie {out['sample_cpu_ms_per_device']} ms/device; pysnmp "
        f"{out['pysnmp_cpu_ms_per_device']} ms (lookupMib=False) = {out['ratio_pysnmp']}×, "
        f"{out['pysnmp_default_cpu_ms_per_device']} ms (default) = {out['ratio_pysnmp_default']}×; snmp_exporter "
        f"{out['snmp_exporter_cpu_ms_per_device']} ms = {out['ratio_exporter']}×")
    say(f"  {out['dead10_percent_silent']} % silent ({out['dead10_devices_silent']} devices): first cycle "
        f"{out['dead10_first_cycle_wall_s']} s, steady {out['dead10_cycle_wall_s']} s wall, "
        f"{out['dead10_cycle_cpu_s']} CPU-s, {out['dead10_failed']} failed")
    say(f"  targets: {out['targets']}; load average {out.get('loadavg_start')} -> {out.get('loadavg_end')}")
    print(json.dumps(out, separators=(",", ":")), flush=True)
    return 0


def _le(value: Any, limit: float) -> bool | None:
    return None if value is None else value <= limit


if __name__ == "__main__":
    sys.exit(main())
