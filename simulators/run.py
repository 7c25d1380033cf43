"""``vigie simulate`` and ``vigie demo``: load, validate, bind, then serve until stopped.

Everything that can be wrong with the input (inventory, scenario, credentials, port) is
checked before anything starts, and reported with exit code 2.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import time

from simulators.farm import Farm, FarmSettings, read_recorded, run_workers
from simulators.groundtruth import GroundTruthWriter
from simulators.responder import Responder
from simulators.scenario import FaultTimeline, load_scenario
from simulators.v3agent import UsmConfig, usm_config
from vigie.errors import ConfigError
from vigie.inventory import load_inventory
from vigie.model import Inventory
from vigie.secrets import resolve


def communities(inv: Inventory, flags: list[str] | None) -> frozenset[bytes]:
    if flags:
        return frozenset(c.encode() for c in flags)
    found = set()
    for prof in inv.snmp_profiles.values():
        if prof.version == "2c" and prof.community_ref:
            found.add(resolve(prof.community_ref, default="public").encode())
    return frozenset(found or {b"public"})


def _address_range(inv: Inventory) -> str:
    addrs = sorted(int(ipaddress.ip_address(d.mgmt_address)) for d in inv.devices.values()
                   if ":" not in d.mgmt_address)
    if not addrs:
        return "no IPv4 device"
    return f"{ipaddress.ip_address(addrs[0])} – {ipaddress.ip_address(addrs[-1])}"


def prepare(args: argparse.Namespace) -> tuple[Farm, UsmConfig | None, Inventory, FaultTimeline, float]:
    started = time.perf_counter()
    inv = load_inventory(args.inventory)
    scenario = load_scenario(args.scenario, inv) if args.scenario is not None else None
    start = time.time()
    timeline = FaultTimeline(scenario, inv)
    usm = usm_config(inv, args.v3_user, args.v3_auth_protocol, args.v3_priv_protocol,
                     args.v3_auth_env, args.v3_priv_env)
    if args.max_message_size < 484:
        raise ConfigError(f"--max-message-size {args.max_message_size} is below SNMP's minimum of 484 bytes")
    settings = FarmSettings(inventory=inv, timeline=timeline, start=start,
                            communities=communities(inv, args.community), usm=usm, port=args.port,
                            recorded=read_recorded(args.snmprec), max_size=args.max_message_size, seed=args.seed)
    farm = Farm(settings)
    farm.bind()
    print(f"vigie simulate: {len(inv.devices)} devices ({len(inv.sites)} sites) on {_address_range(inv)}, "
          f"UDP port {', '.join(map(str, farm.ports))}, {args.workers} worker(s), "
          f"v2c{' + v3 user ' + repr(usm.user_names()) if usm else ''}; "
          f"ready in {time.perf_counter() - started:.1f} s", flush=True)
    return farm, usm, inv, timeline, start


def simulate(args: argparse.Namespace) -> int:
    from simulators.ssh_run import start_for_simulate

    farm, usm, inv, timeline, start = prepare(args)
    ssh = start_for_simulate(args, start)
    if ssh is not None:
        print(f"vigie simulate: SSH CLI on TCP port {args.ssh_port} of each device address (pid {ssh.pid})", flush=True)
    try:
        return _serve(args, farm, usm, inv, timeline, start)
    finally:
        if ssh is not None:
            ssh.stop()


def _serve(args: argparse.Namespace, farm: Farm, usm: UsmConfig | None, inv: Inventory, timeline: FaultTimeline,
           start: float) -> int:
    writer = None
    if args.ground_truth is not None:
        records = [{"t": 0.0, "element": "farm", "kind": "simulation", "change": "start",
                    "detail": {"devices": len(inv.devices), "pid": os.getpid()}}]
        writer = GroundTruthWriter(args.ground_truth, records + timeline.ground_truth(), start)
    communities_ = farm.s.communities
    max_size = farm.s.max_size

    def make_responder() -> Responder:
        return Responder(communities_, max_size, usm.engine() if usm else None)

    publishers = None
    if getattr(args, "telemetry", None):
        from simulators.telemetry import PublisherSettings, PublisherThread

        publishers = PublisherThread(PublisherSettings(inv, timeline, start, args.telemetry,
                                                       period_s=args.telemetry_period, seed=args.seed))
        print(f"vigie simulate: telemetry to {args.telemetry} every {args.telemetry_period:g} s", flush=True)
    started = False

    def tick(now: float) -> None:
        nonlocal started
        if publishers is not None and not started:  # from the first tick: every worker is forked by then
            started = True
            publishers.start()
        if writer is not None:
            writer.tick(now)

    try:
        failed = run_workers(farm, make_responder, args.workers, args.duration, tick)
    finally:
        if publishers is not None and started:
            publishers.stop(timeout=10.0)
    if writer is not None:
        writer.close()
    print(f"vigie simulate: stopped{f', {failed} worker(s) failed' if failed else ''}", flush=True)
    return 1 if failed else 0


__all__ = ["prepare", "simulate"]
