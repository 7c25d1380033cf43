"""The collector side of bench/poll_scale.py: runs in its own process, prints JSON lines.

    python bench/_pollbench.py vigie  --inventory F [--devices-file F] --cycles N ...
    python bench/_pollbench.py pysnmp --inventory F --devices-file F --cycles N [--lookup-mib]

``vigie``: Vigie's real path (``targets_for`` → ``Poller`` → ``Scheduler.run_cycle``, as
``vigie poll --once`` does, no spread), cycle after cycle in one process, so the first cycle
(names walked, max-repetitions learnt, v3 engines discovered) and the steady state are
both measured. ``pysnmp``: pysnmp 7's asyncio hlapi ``bulk_cmd`` doing the same walk
(sysUpTime as a non-repeater + the same columns side by side, the same max-repetitions
learning, ifName on the first cycle only), on the same targets.

Per cycle, one line ``{"kind": "cycle", ...}``: wall, this process's CPU
(``time.process_time``), peak RSS (``ru_maxrss``), PDUs, results, and, with
``--farm-pid``, the farm's CPU over the cycle (``/proc``) and the machine's busy time.
The last line is ``{"kind": "done", ...}``. With ``--profile-cycle K`` cycle K runs
under cProfile and its top functions are in that cycle's line.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import pstats
import resource
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _loadgen import machine_busy_s, tree_cpu  # noqa: E402

from collectors.snmp.oidsets import DEFAULT, SYS_UPTIME  # noqa: E402
from collectors.snmp.targets import Target, targets_for  # noqa: E402
from vigie.inventory import load_inventory  # noqa: E402

MAX_VARBINDS_PER_PDU = 250  # as collectors/snmp/poller.py
MAX_PDUS_PER_WALK = 400


def emit(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def rss_peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def rss_now_mib() -> float:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return 0.0


def load_targets(args: argparse.Namespace) -> list[Target]:
    inv = load_inventory(args.inventory)
    targets = targets_for(inv, port=args.port)
    if args.devices_file:
        names = set(Path(args.devices_file).read_text().split())
        targets = [t for t in targets if t.device in names]
    return targets


def top_functions(prof: cProfile.Profile, n: int = 25) -> dict[str, list[list[Any]]]:
    st = pstats.Stats(prof, stream=io.StringIO())
    rows = []
    for (file, line, func), (_cc, nc, tt, ct, _callers) in st.stats.items():  # type: ignore[attr-defined]
        short = file.replace(str(ROOT) + "/", "").replace(sys.prefix + "/", "")
        rows.append([f"{short}:{line}({func})", nc, round(tt, 3), round(ct, 3)])
    by_tt = sorted(rows, key=lambda r: -r[2])[:n]
    by_ct = sorted(rows, key=lambda r: -r[3])[:n]
    return {"tottime": by_tt, "cumtime": by_ct, "total_tt": [[round(sum(r[2] for r in rows), 3)]]}


class CycleMeter:
    """Wall, own CPU, farm CPU and machine busy time around one cycle."""

    def __init__(self, farm_pid: int | None) -> None:
        self.farm_pid = farm_pid

    def __enter__(self) -> CycleMeter:
        self.farm0 = tree_cpu(self.farm_pid) if self.farm_pid else 0.0
        self.busy0 = machine_busy_s()
        self.ru0 = resource.getrusage(resource.RUSAGE_SELF)
        self.cpu0 = time.process_time()
        self.t0 = time.monotonic()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall_s = time.monotonic() - self.t0
        self.cpu_s = time.process_time() - self.cpu0
        self.sys_s = resource.getrusage(resource.RUSAGE_SELF).ru_stime - self.ru0.ru_stime
        self.busy_s = machine_busy_s() - self.busy0
        self.farm_cpu_s = (tree_cpu(self.farm_pid) - self.farm0) if self.farm_pid else None

    def fields(self, devices: int) -> dict[str, Any]:
        out = {"wall_s": round(self.wall_s, 3), "cpu_s": round(self.cpu_s, 3),
               "sys_s": round(self.sys_s, 3),
               "cpu_ms_per_device": round(1000.0 * self.cpu_s / devices, 4) if devices else None,
               "rss_mib": round(rss_peak_mib(), 1), "rss_now_mib": round(rss_now_mib(), 1),
               "machine_busy_cores": round(self.busy_s / self.wall_s, 2) if self.wall_s else None}
        if self.farm_cpu_s is not None:
            out["farm_cpu_s"] = round(self.farm_cpu_s, 2)
            out["farm_cores"] = round(self.farm_cpu_s / self.wall_s, 2) if self.wall_s else None
            out["others_cores"] = round(max(self.busy_s - self.cpu_s - self.farm_cpu_s, 0.0) / self.wall_s, 2)
        return out


# -- Vigie ------------------------------------------------------------------------------------


async def run_vigie(args: argparse.Namespace) -> None:
    from collectors.scheduler import Scheduler
    from collectors.snmp.poller import Poller
    from collectors.snmp.transport import SnmpTransport
    from vigie.observations import DevicePoll

    t0, cpu0 = time.monotonic(), time.process_time()
    targets = load_targets(args)
    transport = await SnmpTransport.open()
    setup = {"kind": "setup", "devices": len(targets), "setup_s": round(time.monotonic() - t0, 2),
             "setup_cpu_s": round(time.process_time() - cpu0, 2), "rss_mib": round(rss_peak_mib(), 1),
             "versions": sorted({t.credentials.version for t in targets}),
             "problems": sorted({t.credentials.problem for t in targets if t.credentials.problem})[:3]}
    emit(setup)
    try:
        poller = Poller(transport)
        sched = Scheduler(targets, poller.poll, interval_s=args.interval, concurrency=args.concurrency)
        cycles = []
        for k in range(1, args.cycles + 1):
            polls: list[DevicePoll] = []
            st0 = asdict(transport.stats)
            # cProfile's default (wall-clock) timer: a CPU-time timer is a system call per event here
            # and distorts more than it corrects (descheduled time still lands on whatever ran)
            prof = cProfile.Profile() if k == args.profile_cycle else None
            with CycleMeter(args.farm_pid) as m:
                if prof is not None:
                    prof.enable()
                report = await sched.run_cycle(polls.append, spread=False)
                if prof is not None:
                    prof.disable()
            st1 = asdict(transport.stats)
            p50, p95 = report.percentile_ms(0.5), report.percentile_ms(0.95)
            line: dict[str, Any] = {
                "kind": "cycle", "cycle": k, "devices": report.devices, "ok": report.ok, "failed": report.failed,
                "timeouts": report.timeouts, "errors": report.errors, **m.fields(report.devices),
                "scheduler_cpu_s": round(report.cpu_s, 3),
                "pdus": sum(p.pdus for p in polls), "retries": sum(p.retries for p in polls),
                "interfaces": sum(len(p.interfaces) for p in polls),
                "with_names": sum(1 for p in polls if p.interfaces and p.interfaces[0].name is not None),
                "p50_ms": round(p50, 1) if p50 is not None else None,
                "p95_ms": round(p95, 1) if p95 is not None else None,
                "max_ms": round(max(report.durations_ms), 1) if report.durations_ms else None,
                "transport": {key: st1[key] - st0[key] for key in st1},
                "pending_after": len(transport.pending),
            }
            if prof is not None:
                line["profile"] = top_functions(prof)
                line["profiled"] = True
            cycles.append(line)
            emit(line)
            if args.pause and k < args.cycles:
                await asyncio.sleep(args.pause)
        emit({"kind": "done", "cycles": len(cycles), "rss_mib": round(rss_peak_mib(), 1)})
    finally:
        transport.close()


# -- pysnmp -----------------------------------------------------------------------------------


async def run_pysnmp(args: argparse.Namespace) -> None:
    from pysnmp.hlapi.v3arch.asyncio import (
        CommunityData,
        ContextData,
        ObjectIdentity,
        ObjectType,
        SnmpEngine,
        UdpTransportTarget,
        bulk_cmd,
    )
    from pysnmp.proto import rfc1905

    t0, cpu0 = time.monotonic(), time.process_time()
    targets = load_targets(args)
    engine = SnmpEngine()
    ctx = ContextData()
    auths = {}
    for t in targets:
        if t.credentials.version != "2c":
            raise SystemExit("the pysnmp comparison is v2c only")
        auths.setdefault(t.credentials.community, CommunityData(t.credentials.community.decode(), mpModel=1))
    transports = {t.device: await UdpTransportTarget.create((t.address, t.port), timeout=t.timeout_s,
                                                           retries=t.retries) for t in targets}
    emit({"kind": "setup", "devices": len(targets), "setup_s": round(time.monotonic() - t0, 2),
          "setup_cpu_s": round(time.process_time() - cpu0, 2), "rss_mib": round(rss_peak_mib(), 1)})
    exc_tags = {rfc1905.endOfMibView.tagSet, rfc1905.noSuchObject.tagSet, rfc1905.noSuchInstance.tagSet}
    lookup = args.lookup_mib
    columns = dict(DEFAULT.columns)
    caches: dict[str, dict[str, Any]] = {t.device: {"names": None, "rows": None, "reps": None} for t in targets}
    uptime_oid = SYS_UPTIME + (0,)

    def oid_of(name: Any) -> tuple[int, ...]:
        return tuple(name.get_oid()) if hasattr(name, "get_oid") else tuple(name)

    async def walk(t: Target, cols: dict[str, tuple[int, ...]], reps: int) -> tuple[dict[str, dict[int, Any]],
                                                                                     int | None, int]:
        values: dict[str, dict[int, Any]] = {c: {} for c in cols}
        cursors = dict(cols)
        uptime = None
        pdus = 0
        first = True
        auth, tr = auths[t.credentials.community], transports[t.device]
        for _ in range(MAX_PDUS_PER_WALK):
            if not cursors:
                break
            active = list(cursors)
            nr = 1 if first else 0
            names = ([SYS_UPTIME] if nr else []) + [cursors[c] for c in active]
            r = max(1, min(reps, MAX_VARBINDS_PER_PDU // len(active)))
            err_ind, err_status, _err_index, vbs = await bulk_cmd(
                engine, auth, tr, ctx, nr, r, *(ObjectType(ObjectIdentity(n)) for n in names), lookupMib=lookup)
            pdus += 1
            if err_ind:
                raise TimeoutError(str(err_ind))
            if err_status:
                raise RuntimeError(f"error-status {err_status}")
            vbs = list(vbs)
            if nr:
                if vbs and oid_of(vbs[0][0]) == uptime_oid and vbs[0][1].tagSet not in exc_tags:
                    uptime = int(vbs[0][1])
                vbs = vbs[1:]
            first = False
            if not vbs:
                break
            width = len(active)
            for i, vb in enumerate(vbs):
                name = active[i % width]
                cursor = cursors.get(name)
                if cursor is None:
                    continue
                col = cols[name]
                oid = oid_of(vb[0])
                value = vb[1]
                if value.tagSet in exc_tags or oid[:len(col)] != col or len(oid) <= len(col):
                    del cursors[name]
                    continue
                if oid <= cursor:
                    del cursors[name]
                    continue
                values[name][oid[len(col)]] = value
                cursors[name] = oid
        return values, uptime, pdus

    async def poll(t: Target) -> tuple[bool, int, int]:
        cache = caches[t.device]
        cols = dict(columns)
        if cache["names"] is None:
            cols["name"] = DEFAULT.names
        reps = cache["reps"] or min(t.max_repetitions, (cache["rows"] or t.max_repetitions - 1) + 1)
        try:
            values, uptime, pdus = await walk(t, cols, reps)
        except (TimeoutError, RuntimeError):
            return False, 0, 0
        rows = max((len(v) for v in values.values()), default=0)
        cache["rows"] = rows
        cache["reps"] = rows + 1 if rows else None
        if values.get("name"):
            cache["names"] = {i: v.asOctets().decode("utf-8", "replace") for i, v in values["name"].items()}
        # the same typed result as Vigie's: one record of Python ints per interface
        names = cache["names"] or {}
        ints = {c: {i: int(v) for i, v in vals.items()} for c, vals in values.items() if c != "name"}
        indexes = sorted({i for vals in ints.values() for i in vals})
        samples = [(i, names.get(i), *(ints[c].get(i) for c in columns)) for i in indexes]
        return uptime is not None, pdus, len(samples)

    sem = asyncio.Semaphore(args.concurrency)

    async def one(t: Target) -> tuple[bool, int, int]:
        async with sem:
            return await poll(t)

    for k in range(1, args.cycles + 1):
        with CycleMeter(args.farm_pid) as m:
            results = await asyncio.gather(*(one(t) for t in targets))
        ok = sum(1 for r in results if r[0])
        emit({"kind": "cycle", "cycle": k, "devices": len(targets), "ok": ok, "failed": len(targets) - ok,
              **m.fields(len(targets)), "pdus": sum(r[1] for r in results),
              "interfaces": sum(r[2] for r in results), "lookup_mib": lookup})
    emit({"kind": "done", "cycles": args.cycles, "rss_mib": round(rss_peak_mib(), 1)})
    engine.close_dispatcher()


# -- script -----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("mode", choices=("vigie", "pysnmp"))
    ap.add_argument("--inventory", required=True)
    ap.add_argument("--port", type=int, default=None)
    ap.add_argument("--devices-file", default=None, help="device names, whitespace-separated (default: all)")
    ap.add_argument("--cycles", type=int, default=3)
    ap.add_argument("--concurrency", type=int, default=500)
    ap.add_argument("--interval", type=float, default=60.0)
    ap.add_argument("--pause", type=float, default=0.0, help="seconds between cycles")
    ap.add_argument("--farm-pid", type=int, default=None)
    ap.add_argument("--profile-cycle", type=int, default=0)
    ap.add_argument("--lookup-mib", action="store_true", help="pysnmp: resolve MIB names (its default)")
    args = ap.parse_args(argv)
    try:
        asyncio.run(run_vigie(args) if args.mode == "vigie" else run_pysnmp(args))
    except BaseException as exc:  # the orchestrator reads the reason from the last line
        if isinstance(exc, KeyboardInterrupt):
            raise
        emit({"kind": "error", "error": f"{type(exc).__name__}: {exc}"[:500]})
        raise
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
