"""Capacity of the SNMP agent farm (`vigie simulate`), side by side with net-snmp's snmpd.

Measured on loopback with a Python load generator (bench/_loadgen.py, our codec):

1. GETBULK rate: v2c, non-repeaters 0, max-repetitions 10, six columns (ifHCInOctets,
   ifHCOutOctets, ifOperStatus, ifAdminStatus, ifInErrors, ifOutErrors) = 60 varbinds
   per answer; sent round-robin to every device address of a generated RIE with a fixed
   window in flight, for --seconds (and at most --max-requests answers). Several windows
   are tried; each is run --repeats times; medians are reported, and the best window's.
   Farm with 1 worker, then 2 workers (the load generator then shares the 2 cores).
   CPU of the agent (its process and children, /proc) is sampled around each run:
   PDUs per CPU-second is the per-core figure.
2. snmpd, in the same run, with the same request, three ways:
   - "host": snmpd in this machine's network namespace, whose ifTable has only its 2-3
     interfaces: GETBULK runs on past the columns into other tables (answers are still 60
     varbinds), so this is not the farm's work. Also a second mix there: one-varbind
     GETBULK, max-repetitions 60, from starting points spread over snmpd's own mib-2 walk.
   - the fair one: snmpd in a network namespace of its own (`ip netns`, named
     vigie-bench-N-PID) with --snmpd-interfaces (default 48: a collect router) interfaces
     (dummy links, or veth pairs where the kernel has no dummy driver; every 6th one
     admin down, so oper status varies) and its own loopback; the load generator runs
     inside the same namespace (`ip netns exec NS python bench/_loadgen.py ...`, which
     prints its figures as JSON) and snmpd's CPU is sampled the same way.
   - the same with --snmpd-also-interfaces (default 12: a CE router).
   Namespaces and processes are removed at the end, even on errors; stale vigie-bench-*
   namespaces (their run gone) are removed at start. Without root or `ip netns`, only the
   host figures are measured, and the output says so.
3. A full RIE poll cycle against the 1-worker farm: every device, GET sysUpTime.0 then a
   GETBULK walk of the six columns until each leaves its table, --concurrency devices in
   flight, 1 s timeout, 2 retries, bounded by --cycle-bound seconds.

Target (issue): a full RIE cycle inside 60 s on at most one core, and more bulk PDUs per
CPU-second than snmpd (the JSON's snmpd_* figures are the 48-interface namespace's when it
could be measured, see snmpd_basis; snmpd_host_* the host's). Run: .venv/bin/python bench/sim_capacity.py [--quick].
The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _loadgen import (  # noqa: E402
    MIB2,
    Template,
    collect_runs,
    drain,
    if_table_summary,
    make_template,
    open_sockets,
    run_cycle,
    run_rate,
    snmp_walk,
    tree_cpu,
    tree_pids,
    tree_rss_mib,
    wait_answering,
)

from vigie.snmp import GETBULK  # noqa: E402

COLUMNS = [
    (1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 6),  # ifHCInOctets
    (1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 10),  # ifHCOutOctets
    (1, 3, 6, 1, 2, 1, 2, 2, 1, 8),  # ifOperStatus
    (1, 3, 6, 1, 2, 1, 2, 2, 1, 7),  # ifAdminStatus
    (1, 3, 6, 1, 2, 1, 2, 2, 1, 14),  # ifInErrors
    (1, 3, 6, 1, 2, 1, 2, 2, 1, 20),  # ifOutErrors
]
SNMPD = "/usr/sbin/snmpd"
VIGIE = ROOT / ".venv" / "bin" / "vigie"
LOADGEN = Path(__file__).resolve().parent / "_loadgen.py"
IP = shutil.which("ip") or "/usr/sbin/ip"
NETNS_PREFIX = "vigie-bench-"
NETNS_PORT = 1161  # inside a fresh namespace every port is free
MAX_NETNS_INTERFACES = 1024


def say(msg: str) -> None:
    print(msg, flush=True)


def free_udp_port() -> int:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", 0))
    port = s.getsockname()[1]
    s.close()
    return int(port)


# -- measurements ---------------------------------------------------------------------


def summarise(label: str, runs_by_window: dict[int, list[dict[str, float]]]) -> dict[str, Any]:
    """Medians per window (runs from :func:`collect_runs`), printed; the best window's figures."""
    per_window: dict[int, dict[str, Any]] = {}
    med = statistics.median
    for window, runs in runs_by_window.items():
        secs = [max(r["seconds"], 1e-9) for r in runs]
        row = {
            "pdus_per_s": med(r["responses"] / t for r, t in zip(runs, secs, strict=True)),
            "varbinds_per_s": med(r["varbinds"] / t for r, t in zip(runs, secs, strict=True)),
            "agent_cpu_per_s": med(r["agent_cpu_s"] / t for r, t in zip(runs, secs, strict=True)),
            "pdus_per_cpu_s": med(r["responses"] / r["agent_cpu_s"] if r["agent_cpu_s"] > 0 else 0.0 for r in runs),
            "varbinds_per_pdu": med(r["varbinds"] / r["responses"] if r["responses"] else 0.0 for r in runs),
            "bytes_per_pdu": med(r["bytes_in"] / r["responses"] if r["responses"] else 0.0 for r in runs),
            "client_cpu_per_s": med(r["client_cpu_s"] / t for r, t in zip(runs, secs, strict=True)),
            "lost": int(sum(r["lost"] for r in runs)),
            "errors": int(sum(r["errors"] for r in runs)),
            "bad": int(sum(r["bad"] for r in runs)),
            "responses": int(sum(r["responses"] for r in runs)),
            "other_load_cores": med(max(r["busy_s"] - r["agent_cpu_s"] - r["client_cpu_s"], 0.0) / t
                                    for r, t in zip(runs, secs, strict=True)),
            "runs_pdus_per_s": [round(r["responses"] / t) for r, t in zip(runs, secs, strict=True)],
        }
        per_window[window] = row
        say(f"  {label:<22} window {window:>4}: {row['pdus_per_s']:8.0f} PDU/s  {row['varbinds_per_s']:9.0f} vb/s  "
            f"agent {row['agent_cpu_per_s']:.2f} core  {row['pdus_per_cpu_s']:7.0f} PDU/CPU-s  "
            f"{row['varbinds_per_pdu']:.0f} vb/PDU  "
            f"client {row['client_cpu_per_s']:.2f} core  others {row['other_load_cores']:.2f} core  "
            f"lost {row['lost']}  err {row['errors']}  bad {row['bad']}  "
            f"runs {row['runs_pdus_per_s']}")
    best = max(per_window, key=lambda w: per_window[w]["pdus_per_s"])
    out = dict(per_window[best])
    out["best_window"] = best
    out["windows"] = {str(w): {"pdus_per_s": round(row["pdus_per_s"]), "pdus_per_cpu_s": round(row["pdus_per_cpu_s"]),
                               "agent_cores": round(row["agent_cpu_per_s"], 2), "lost": row["lost"]}
                      for w, row in per_window.items()}
    return out


def measure(label: str, socks: list[socket.socket], targets: list[tuple[str, int]], templates: list[Template],
            pid: int, windows: list[int], repeats: int, seconds: float, max_count: int) -> dict[str, Any]:
    """Runs for every window, medians per window, and the best window's figures."""
    return summarise(label, collect_runs(socks, targets, templates, pid, windows, repeats, seconds, max_count))


def warm_up(socks: list[socket.socket], targets: list[tuple[str, int]], tpl: Template, pid: int,
            passes: int) -> list[dict[str, float]]:
    """Passes over every device (one bulk request each) so that lazily built device
    state exists; with several workers each builds its own, so repeat until stable."""
    out = []
    for _ in range(passes):
        drain(socks, 0.2)
        cpu0 = tree_cpu(pid)
        res = run_rate(socks, targets, [tpl], 256, 300.0, len(targets))
        cpu = tree_cpu(pid) - cpu0
        out.append({"seconds": round(res.seconds, 2), "pdus_per_s": round(res.pdus_per_s),
                    "farm_cpu_s": round(cpu, 2), "lost": res.lost})
        say(f"  warm-up pass: {res.responses} devices in {res.seconds:.1f} s ({res.pdus_per_s:.0f}/s), "
            f"farm CPU {cpu:.1f} s, lost {res.lost}")
        if len(out) >= 2 and out[-1]["pdus_per_s"] <= 1.15 * out[-2]["pdus_per_s"]:
            break
    return out


# -- snmpd ----------------------------------------------------------------------------


def start_snmpd(tmp: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_udp_port()
    conf = tmp / "snmpd.conf"
    conf.write_text("rocommunity public 127.0.0.1\n")
    # The endpoint on the command line only (an agentaddress line too would bind twice).
    with open(tmp / "snmpd.log", "wb") as log:
        proc = subprocess.Popen([SNMPD, "-f", "-Lo", "-C", "-c", str(conf), "-p", str(tmp / "snmpd.pid"),
                                 f"udp:127.0.0.1:{port}"], stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    return proc, port


def stop_tree(proc: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    if proc.poll() is not None:
        return
    kids = [p for p in _kids(proc.pid)]
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)
    for pid in kids:  # workers exit when their parent goes; make sure
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _kids(pid: int) -> list[int]:
    return tree_pids(pid)[1:]


# -- snmpd in a network namespace ------------------------------------------------------


class NetnsError(Exception):
    """`ip netns` is missing, not permitted, or a step inside a namespace failed."""


def _ip(*args: str, timeout: float = 20.0, stdin: str | None = None) -> str:
    try:
        proc = subprocess.run([IP, *args], input=stdin, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise NetnsError(f"`ip {' '.join(args)}`: {exc}") from exc
    if proc.returncode:
        raise NetnsError(f"`ip {' '.join(args)}` failed ({proc.returncode}): {proc.stderr.strip()[:300]}")
    return proc.stdout


def netns_unusable() -> str | None:
    """Why snmpd cannot be run in a namespace here, or None."""
    if not os.path.exists(IP):
        return "no `ip` command"
    if os.geteuid() != 0:
        return "not root (`ip netns add` needs CAP_SYS_ADMIN)"
    try:
        _ip("netns", "list", timeout=10)
    except NetnsError as exc:
        return str(exc)
    return None


def _netns_names() -> list[str]:
    return [line.split()[0] for line in _ip("netns", "list", timeout=10).splitlines() if line.strip()]


def delete_netns(name: str) -> None:
    """Kill what still runs inside (this bench's snmpd or load generator), then delete."""
    try:
        pids = [int(p) for p in _ip("netns", "pids", name, timeout=10).split()]
    except (NetnsError, ValueError):
        pids = []
    for pid in pids[:64]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    _ip("netns", "del", name, timeout=10)


def _owner_alive(name: str) -> bool:
    """A vigie-bench-N-PID namespace belongs to a live run when PID is a running sim_capacity."""
    owner = name.rsplit("-", 1)[-1]
    if not owner.isdigit() or int(owner) == os.getpid():
        return False
    try:
        with open(f"/proc/{owner}/cmdline", "rb") as fh:
            return b"sim_capacity" in fh.read()
    except OSError:
        return False


def clean_stale_netns() -> list[str]:
    removed = []
    for name in _netns_names():
        if name.startswith(NETNS_PREFIX) and not _owner_alive(name):
            try:
                delete_netns(name)
                removed.append(name)
            except NetnsError as exc:
                say(f"  could not delete stale namespace {name}: {exc}")
    return removed


def make_netns(name: str, interfaces: int, down_every: int = 6) -> dict[str, Any]:
    """Namespace ``name`` with lo up and ``interfaces`` links d0..dN-1, every ``down_every``-th
    one left admin down. Dummy links where the kernel has the driver, else veth pairs
    (both ends inside: the peer of a down end is oper down), plus one ifb if N is odd."""
    _ip("netns", "add", name)
    try:
        _ip("-n", name, "link", "add", "probe0", "type", "dummy", timeout=10)
        _ip("-n", name, "link", "del", "probe0", timeout=10)
        kind = "dummy"
    except NetnsError:
        kind = "veth"
    lines = ["link set lo up"]
    if kind == "dummy":
        lines += [f"link add d{k} type dummy" for k in range(interfaces)]
    else:
        lines += [f"link add d{k} type veth peer name d{k + 1}" for k in range(0, interfaces - 1, 2)]
        if interfaces % 2:
            lines.append(f"link add d{interfaces - 1} type ifb")
    down = [k for k in range(interfaces) if k % down_every == down_every - 1]
    lines += [f"link set d{k} up" for k in range(interfaces) if k not in down]
    _ip("-n", name, "-batch", "-", stdin="\n".join(lines) + "\n", timeout=60)
    links = [line for line in _ip("-n", name, "-br", "link", timeout=10).splitlines() if line.strip()]
    if len(links) != interfaces + 1:
        raise NetnsError(f"namespace {name}: {len(links)} links, expected {interfaces} + lo")
    return {"kind": kind, "links": len(links), "admin_down": len(down)}


def measure_snmpd_netns(interfaces: int, tmp: Path, windows: list[int], args: argparse.Namespace) -> dict[str, Any]:
    """snmpd and the load generator in a namespace with ``interfaces`` links; figures as measure()'s."""
    name = f"{NETNS_PREFIX}{interfaces}-{os.getpid()}"
    proc: subprocess.Popen[bytes] | None = None
    log_path = tmp / f"snmpd-ns{interfaces}.log"
    try:
        t = time.perf_counter()
        links = make_netns(name, interfaces)
        conf = tmp / f"snmpd-ns{interfaces}.conf"
        conf.write_text("rocommunity public 127.0.0.1\n")
        with open(log_path, "wb") as log:
            # `ip netns exec` execs the command: proc.pid is snmpd (and tree_cpu counts children anyway)
            proc = subprocess.Popen([IP, "netns", "exec", name, SNMPD, "-f", "-Lo", "-C", "-c", str(conf),
                                     "-p", str(tmp / f"snmpd-ns{interfaces}.pid"), f"udp:127.0.0.1:{NETNS_PORT}"],
                                    stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    start_new_session=True)
        say(f"snmpd in namespace {name} ({interfaces} {links['kind']} interfaces + lo, {links['admin_down']} "
            f"admin down; set up in {time.perf_counter() - t:.1f} s; pid {proc.pid}, udp:127.0.0.1:{NETNS_PORT}), "
            f"load generator inside it, same GETBULK:")
        cmd = [IP, "netns", "exec", name, sys.executable, str(LOADGEN), "--target", f"127.0.0.1:{NETNS_PORT}",
               "--pid", str(proc.pid), "--columns", ",".join(".".join(map(str, c)) for c in COLUMNS),
               "--max-repetitions", "10", "--windows", ",".join(map(str, windows)), "--repeats", str(args.repeats),
               "--seconds", str(args.seconds), "--max-requests", str(args.max_requests),
               "--sockets", str(args.sockets), "--wait", "10"]
        bound = 60 + len(windows) * args.repeats * (args.seconds + 3)
        try:
            run = subprocess.run(cmd, capture_output=True, text=True, timeout=bound, cwd=str(ROOT),
                                 stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as exc:
            raise NetnsError(f"load generator in {name} still running after {bound:.0f} s (killed)") from exc
        lines = [line for line in run.stdout.splitlines() if line.startswith("{")]
        if not lines:
            raise NetnsError(f"load generator in {name} printed no JSON (exit {run.returncode}): "
                             f"{run.stderr.strip()[-600:]}")
        got = json.loads(lines[-1])
        if not got.get("answering"):
            raise NetnsError(f"snmpd in {name} not answering; its log: "
                             f"{log_path.read_text(errors='replace')[-600:]}")
        table = got["if_table"]
        say(f"  its ifTable: {table['rows']} rows, ifAdminStatus {table['admin_status']}, "
            f"ifOperStatus {table['oper_status']}")
        m = summarise(f"snmpd {interfaces} interfaces", {int(w): r for w, r in got["runs"].items()})
        m["if_table"] = table
        m["link_kind"] = links["kind"]
        return m
    finally:
        if proc is not None:
            stop_tree(proc)
        try:
            delete_netns(name)
        except NetnsError as exc:
            if name in _safe_netns_names():
                say(f"  could not delete namespace {name}: {exc}")


def _safe_netns_names() -> list[str]:
    try:
        return _netns_names()
    except NetnsError:
        return []


def store_snmpd(result: dict[str, Any], key: str, m: dict[str, Any]) -> None:
    result[f"{key}_bulk_pdus_per_s"] = round(m["pdus_per_s"])
    result[f"{key}_varbinds_per_s"] = round(m["varbinds_per_s"])
    result[f"{key}_pdus_per_cpu_s"] = round(m["pdus_per_cpu_s"])
    result[f"{key}_cpu_per_s"] = round(m["agent_cpu_per_s"], 2)
    result[f"{key}_varbinds_per_pdu"] = round(m["varbinds_per_pdu"], 1)
    result[f"{key}_bytes_per_pdu"] = round(m["bytes_per_pdu"])
    result[f"{key}_best_window"] = m["best_window"]
    result[f"{key}_other_load_cores"] = round(m["other_load_cores"], 2)
    result[f"{key}_lost"] = m["lost"]
    result[f"{key}_windows"] = m["windows"]
    if "if_table" in m:
        result[f"{key}_if_rows"] = m["if_table"]["rows"]
        result[f"{key}_oper_status"] = m["if_table"]["oper_status"]


# -- farm -----------------------------------------------------------------------------


def start_farm(inventory: Path, workers: int, duration: float, tmp: Path) -> tuple[subprocess.Popen[bytes], int, str]:
    port = free_udp_port()
    log_path = tmp / f"farm-w{workers}.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([str(VIGIE), "simulate", "--inventory", str(inventory), "--port", str(port),
                                 "--workers", str(workers), "--duration", str(int(duration))],
                                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True, cwd=str(ROOT))
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        text = log_path.read_text(errors="replace")
        for line in text.splitlines():
            if "ready in" in line:
                return proc, port, line.strip()
        if proc.poll() is not None:
            raise SystemExit(f"vigie simulate exited ({proc.returncode}) before ready:\n{text}")
        time.sleep(0.1)
    stop_tree(proc)
    raise SystemExit("vigie simulate not ready after 300 s")


def _exit_on_term(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sites", type=int, default=14000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--seconds", type=float, default=5.0, help="length of one measurement")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--windows", default="16,64,256", help="requests in flight to try, comma-separated")
    ap.add_argument("--max-requests", type=int, default=1_000_000, help="stop a measurement after this many answers")
    ap.add_argument("--sockets", type=int, default=4, help="client UDP sockets")
    ap.add_argument("--concurrency", type=int, default=500, help="devices in flight in the RIE cycle")
    ap.add_argument("--cycle-max-repetitions", type=int, default=10)
    ap.add_argument("--cycle-bound", type=float, default=180.0, help="stop the RIE cycle after this many seconds")
    ap.add_argument("--workers", default="1,2", help="farm worker counts to measure")
    ap.add_argument("--no-snmpd", action="store_true")
    ap.add_argument("--snmpd-interfaces", type=int, default=48,
                    help="interfaces of the namespace snmpd is compared in (the fair figure; 48: a collect router)")
    ap.add_argument("--snmpd-also-interfaces", default="12",
                    help="other namespace sizes to measure snmpd in, comma-separated ('' for none; 12: a CE)")
    ap.add_argument("--no-snmpd-netns", action="store_true", help="snmpd on the host's interfaces only")
    ap.add_argument("--no-cycle", action="store_true")
    ap.add_argument("--quick", action="store_true", help="small values for a smoke run")
    args = ap.parse_args()
    if args.quick:
        args.sites, args.seconds, args.repeats, args.windows = 300, 1.0, 1, "64"
        args.cycle_bound = 30.0
    windows = [int(w) for w in args.windows.split(",")]
    ns_sizes = sorted({int(n) for n in args.snmpd_also_interfaces.split(",") if n.strip()} | {args.snmpd_interfaces})
    if not all(1 <= n <= MAX_NETNS_INTERFACES for n in ns_sizes):
        ap.error(f"namespace interface counts must be within 1..{MAX_NETNS_INTERFACES}: {ns_sizes}")
    signal.signal(signal.SIGTERM, _exit_on_term)  # so that the finally blocks clean up
    worker_counts = [int(w) for w in args.workers.split(",")]
    result: dict[str, Any] = {"sites": args.sites, "seconds": args.seconds, "runs": args.repeats,
                              "windows_tried": windows, "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
                              "cpus": os.cpu_count()}
    say(f"sim_capacity: {args.sites} sites, {args.repeats} × {args.seconds:g} s per measurement, windows {windows}, "
        f"load average at start {result['loadavg_at_start']} on {os.cpu_count()} CPUs")

    from simulators.rie import generate_rie
    from vigie.inventory import write_inventory

    tmp = Path(tempfile.mkdtemp(prefix="vigie-simcap-"))
    socks = open_sockets(args.sockets)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        t = time.perf_counter()
        inv = generate_rie(sites=args.sites, seed=args.seed)
        inv_path = tmp / "rie.json"
        write_inventory(inv, inv_path)
        addresses = [d.mgmt_address for d in inv.devices.values() if ":" not in d.mgmt_address]
        interfaces = sum(len(d.interfaces) for d in inv.devices.values())
        result["devices"] = len(addresses)
        result["interfaces"] = interfaces
        say(f"inventory: {len(inv.sites)} sites, {len(addresses)} devices, {interfaces} interfaces, "
            f"generated and written in {time.perf_counter() - t:.1f} s")
        bulk = make_template(GETBULK, COLUMNS, 10)
        per_measure = len(windows) * args.repeats * (args.seconds + 0.5)

        # snmpd first, alone on the machine's cores
        if args.no_snmpd:
            pass
        elif not os.path.exists(SNMPD):
            say(f"snmpd: {SNMPD} not found, not measured")
        else:
            proc, port = start_snmpd(tmp)
            procs.append(proc)
            target = ("127.0.0.1", port)
            if not wait_answering(socks[0], target, 10.0):
                say(f"snmpd: not answering; log:\n{(tmp / 'snmpd.log').read_text(errors='replace')[-2000:]}")
            else:
                table = if_table_summary(socks[0], target)
                say(f"snmpd on the host's interfaces (net-snmp, pid {proc.pid}, udp:127.0.0.1:{port}; ifTable "
                    f"{table['rows']} rows: the GETBULK runs past them into other tables), same GETBULK "
                    f"(6 columns, max-rep 10):")
                same = measure("snmpd host interfaces", socks, [target], [bulk], proc.pid, windows, args.repeats,
                               args.seconds, args.max_requests)
                same["if_table"] = table
                store_snmpd(result, "snmpd_host", same)
                walk = snmp_walk(socks[0], target, MIB2, 20000)
                starts = walk[::61] or [MIB2]
                tpls = [make_template(GETBULK, [oid], 60) for oid in starts]
                say(f"snmpd (host) walk mix: one-varbind GETBULK max-rep 60 from {len(tpls)} starting points "
                    f"over its {len(walk)}-OID mib-2:")
                mix = measure("snmpd mib-2 walk mix", socks, [target], tpls, proc.pid, windows, args.repeats,
                              args.seconds, args.max_requests)
                result["snmpd_walk_pdus_per_s"] = round(mix["pdus_per_s"])
                result["snmpd_walk_varbinds_per_s"] = round(mix["varbinds_per_s"])
                result["snmpd_walk_pdus_per_cpu_s"] = round(mix["pdus_per_cpu_s"])
                result["snmpd_walk_varbinds_per_pdu"] = round(mix["varbinds_per_pdu"], 1)
                result["snmpd_walk_windows"] = mix["windows"]
            stop_tree(proc)

            why = "--no-snmpd-netns" if args.no_snmpd_netns else netns_unusable()
            if why is None:
                stale = clean_stale_netns()
                if stale:
                    say(f"removed stale namespaces: {', '.join(stale)}")
                for n in ns_sizes:
                    try:
                        m = measure_snmpd_netns(n, tmp, windows, args)
                    except NetnsError as exc:
                        say(f"snmpd in a {n}-interface namespace: not measured: {exc}")
                        result[f"snmpd_if{n}_error"] = str(exc)[:300]
                        continue
                    store_snmpd(result, f"snmpd_if{n}", m)
            else:
                say(f"snmpd in a network namespace: not measured ({why}); only the host figures, whose "
                    f"ifTable is not a router's")
                result["snmpd_netns_error"] = why
            # the figures compared with the farm: the realistic namespace's, else the host's
            fair = f"snmpd_if{args.snmpd_interfaces}"
            basis = fair if f"{fair}_pdus_per_cpu_s" in result else "snmpd_host"
            if f"{basis}_pdus_per_cpu_s" in result:
                result["snmpd_basis"] = (f"netns, {args.snmpd_interfaces} interfaces" if basis == fair else
                                         f"host, {result.get('snmpd_host_if_rows')} ifTable rows (not comparable)")
                for k in ("bulk_pdus_per_s", "varbinds_per_s", "pdus_per_cpu_s", "cpu_per_s", "varbinds_per_pdu",
                          "best_window", "other_load_cores"):
                    result[f"snmpd_{k}"] = result[f"{basis}_{k}"]

        for workers in worker_counts:
            duration = 600 + 2 * (2 * per_measure + (args.cycle_bound if workers == 1 else 0))
            proc, port, ready = start_farm(inv_path, workers, duration, tmp)
            procs.append(proc)
            key = f"farm_w{workers}"
            say(f"farm, {workers} worker(s): {ready}")
            targets = [(a, port) for a in addresses]
            t = time.perf_counter()
            passes = warm_up(socks, targets, bulk, proc.pid, 1 if workers == 1 else 3)
            rss = tree_rss_mib(proc.pid)
            say(f"  warmed up in {time.perf_counter() - t:.1f} s; farm RSS {rss:.0f} MiB "
                f"({len(_kids(proc.pid))} worker process(es))")
            m = measure(f"farm {workers} worker(s)", socks, targets, [bulk], proc.pid, windows, args.repeats,
                        args.seconds, args.max_requests)
            result[f"{key}_bulk_pdus_per_s"] = round(m["pdus_per_s"])
            result[f"{key}_varbinds_per_s"] = round(m["varbinds_per_s"])
            result[f"{key}_pdus_per_cpu_s"] = round(m["pdus_per_cpu_s"])
            result[f"{key}_cpu_per_s"] = round(m["agent_cpu_per_s"], 2)
            result[f"{key}_client_cpu_per_s"] = round(m["client_cpu_per_s"], 2)
            result[f"{key}_warmup"] = passes
            result[f"{key}_rss_mib"] = round(rss)
            result[f"{key}_best_window"] = m["best_window"]
            result[f"{key}_other_load_cores"] = round(m["other_load_cores"], 2)
            result[f"{key}_windows"] = m["windows"]
            if workers == 1 and not args.no_cycle:
                say(f"RIE cycle against the 1-worker farm: {len(targets)} devices, GET sysUpTime.0 + GETBULK walk "
                    f"of 6 columns (max-rep {args.cycle_max_repetitions}), {args.concurrency} devices in flight:")
                drain(socks, 0.3)
                cpu0 = tree_cpu(proc.pid)
                cyc = run_cycle(socks, targets, COLUMNS, args.cycle_max_repetitions, args.concurrency,
                                args.cycle_bound)
                farm_cpu = tree_cpu(proc.pid) - cpu0
                rie = {"devices": cyc.devices, "completed": cyc.completed, "failed": cyc.failed,
                       "pdus": cyc.pdus, "requests_sent": cyc.requests_sent, "varbinds": cyc.varbinds,
                       "useful_varbinds": cyc.useful_varbinds, "lost": cyc.lost, "errors": cyc.errors,
                       "wall_s": round(cyc.wall_s, 2), "farm_cpu_s": round(farm_cpu, 2),
                       "client_cpu_s": round(cyc.client_cpu_s, 2), "max_repetitions": args.cycle_max_repetitions,
                       "concurrency": args.concurrency, "incomplete": cyc.incomplete, "notes": cyc.notes,
                       "within_60s_one_core": (not cyc.incomplete and cyc.failed == 0 and cyc.wall_s <= 60
                                               and farm_cpu <= 60)}
                result["rie_cycle"] = rie
                say(f"  {cyc.completed}/{cyc.devices} devices in {cyc.wall_s:.1f} s: {cyc.pdus} PDUs, "
                    f"{cyc.varbinds} varbinds ({cyc.useful_varbinds} in the columns), farm CPU {farm_cpu:.1f} s, "
                    f"client CPU {cyc.client_cpu_s:.1f} s, lost {cyc.lost}, failed {cyc.failed}, "
                    f"errors {cyc.errors}{' INCOMPLETE: ' + '; '.join(cyc.notes) if cyc.incomplete else ''}")
            stop_tree(proc)
    finally:
        for proc in procs:
            stop_tree(proc)
        if not args.no_snmpd and not args.no_snmpd_netns and os.path.exists(IP) and os.geteuid() == 0:
            for name in _safe_netns_names():  # ours, if a measurement's own clean-up did not run
                if name.startswith(NETNS_PREFIX) and name.endswith(f"-{os.getpid()}"):
                    try:
                        delete_netns(name)
                    except NetnsError as exc:
                        say(f"could not delete namespace {name}: {exc}")
        for s in socks:
            s.close()
        shutil.rmtree(tmp, ignore_errors=True)

    if "farm_w1_pdus_per_cpu_s" in result and result.get("snmpd_pdus_per_cpu_s"):
        ratio = result["farm_w1_pdus_per_cpu_s"] / result["snmpd_pdus_per_cpu_s"]
        result["farm_w1_vs_snmpd_per_core"] = round(ratio, 2)
        result["farm_beats_snmpd_per_core"] = result["farm_w1_pdus_per_cpu_s"] > result["snmpd_pdus_per_cpu_s"]
        if result.get("snmpd_host_pdus_per_cpu_s"):
            ratio = result["farm_w1_pdus_per_cpu_s"] / result["snmpd_host_pdus_per_cpu_s"]
            result["farm_w1_vs_snmpd_host_per_core"] = round(ratio, 2)
    say("summary:")
    for k in ("farm_w1", "farm_w2"):
        if f"{k}_bulk_pdus_per_s" in result:
            say(f"  {k}: {result[f'{k}_bulk_pdus_per_s']} bulk PDU/s, {result[f'{k}_varbinds_per_s']} varbinds/s, "
                f"{result[f'{k}_pdus_per_cpu_s']} PDU per CPU-s (farm using {result[f'{k}_cpu_per_s']} core, "
                f"load generator {result[f'{k}_client_cpu_per_s']} core)")
    for key in ["snmpd_host"] + [f"snmpd_if{n}" for n in ns_sizes]:
        if f"{key}_bulk_pdus_per_s" in result:
            where = "host interfaces" if key == "snmpd_host" else f"netns {key[8:]} interfaces"
            say(f"  snmpd same request, {where} ({result[f'{key}_if_rows']} ifTable rows): "
                f"{result[f'{key}_bulk_pdus_per_s']} PDU/s, {result[f'{key}_varbinds_per_s']} varbinds/s, "
                f"{result[f'{key}_pdus_per_cpu_s']} PDU per CPU-s, {result[f'{key}_varbinds_per_pdu']} varbinds/PDU "
                f"(snmpd using {result[f'{key}_cpu_per_s']} core)")
    if "snmpd_walk_pdus_per_s" in result:
        say(f"  snmpd (host) mib-2 walk mix: {result['snmpd_walk_pdus_per_s']} PDU/s, "
            f"{result['snmpd_walk_pdus_per_cpu_s']} PDU per CPU-s")
    if "farm_w1_vs_snmpd_per_core" in result:
        say(f"  farm (1 worker) / snmpd per core ({result['snmpd_basis']}): {result['farm_w1_vs_snmpd_per_core']}×"
            + (f"; / snmpd on host interfaces: {result['farm_w1_vs_snmpd_host_per_core']}×"
               if "farm_w1_vs_snmpd_host_per_core" in result else ""))
    if "rie_cycle" in result:
        r = result["rie_cycle"]
        say(f"  RIE cycle: {r['devices']} devices, {r['pdus']} PDUs, {r['wall_s']} s wall, "
            f"farm CPU {r['farm_cpu_s']} s "
            f"-> within 60 s on one core: {r['within_60s_one_core']}")
    print(json.dumps(result, separators=(",", ":")), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
