"""``vigie poll`` and ``vigie probe``: one cycle of the whole inventory, or one device."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

import orjson

from collectors.scheduler import CycleReport, Scheduler
from collectors.snmp.poller import Poller
from collectors.snmp.session import PollFailure
from collectors.snmp.targets import Credentials, Target, targets_for
from collectors.snmp.transport import SnmpTransport
from vigie.errors import ConfigError
from vigie.inventory import load_inventory
from vigie.observations import DevicePoll
from vigie.snmp.types import ObjectIdentifier, TimeTicks, format_oid
from vigie.snmp.users import user_for

SYSTEM = {"sysDescr": 1, "sysObjectID": 2, "sysUpTime": 3, "sysContact": 4, "sysName": 5, "sysLocation": 6}


def summary(report: CycleReport, polls: list[DevicePoll]) -> dict[str, Any]:
    p50, p95 = report.percentile_ms(0.5), report.percentile_ms(0.95)
    return {
        "devices": report.devices, "ok": report.ok, "failed": report.failed, "timeouts": report.timeouts,
        "errors": report.errors, "wall_s": round(report.wall_s, 3), "cpu_s": round(report.cpu_s, 3),
        "p50_ms": round(p50, 1) if p50 is not None else None, "p95_ms": round(p95, 1) if p95 is not None else None,
        "pdus": sum(p.pdus for p in polls), "retries": sum(p.retries for p in polls),
        "interfaces": sum(len(p.interfaces) for p in polls), "completion": round(report.completion, 4),
        "late": report.late,
    }


async def _poll_once(targets: list[Target], concurrency: int, spread_s: float) -> tuple[CycleReport, list[DevicePoll],
                                                                                        dict[str, int]]:
    transport = await SnmpTransport.open()
    try:
        poller = Poller(transport)
        polls: list[DevicePoll] = []
        sched = Scheduler(targets, poller.poll, interval_s=max(spread_s, 1.0), concurrency=concurrency)
        report = await sched.run_cycle(polls.append, spread=spread_s > 0)
        return report, polls, asdict(transport.stats)
    finally:
        transport.close()


def poll_command(args: argparse.Namespace) -> int:
    inv = load_inventory(args.inventory)
    targets = targets_for(inv, port=args.port)
    if args.devices:
        import fnmatch

        targets = [t for t in targets if fnmatch.fnmatch(t.device, args.devices)]
        if not targets:
            raise ConfigError(f"--devices {args.devices!r} matches no device of the inventory")
    report, polls, tstats = asyncio.run(_poll_once(targets, args.concurrency, args.spread))
    out = summary(report, polls)
    out["transport"] = tstats
    if args.format == "text" or args.verbose:
        print(f"polled {out['devices']} devices in {out['wall_s']} s ({out['cpu_s']} CPU-s): {out['ok']} ok, "
              f"{out['failed']} failed ({out['timeouts']} timeouts); {out['pdus']} PDUs, {out['interfaces']} "
              f"interfaces; response p50 {out['p50_ms']} ms, p95 {out['p95_ms']} ms")
        failures = [p for p in polls if not p.ok]
        for p in sorted(failures, key=lambda p: p.device)[: args.show_failures]:
            print(f"  {p.device:<14} {p.address:<15} {p.error}: {p.detail}")
        if len(failures) > args.show_failures:
            print(f"  ... and {len(failures) - args.show_failures} more")
    if args.format == "json":
        print(orjson.dumps(out).decode())
    return 0


def _probe_target(args: argparse.Namespace, environ: Mapping[str, str]) -> Target:
    host, _, port = args.address.partition(":")
    if args.v3_user:
        auth, priv = environ.get(args.auth_env), environ.get(args.priv_env)
        if not auth or not priv:
            raise ConfigError(f"--v3-user needs its passphrases in the environment: export {args.auth_env}=... "
                              f"and {args.priv_env}=... (never on the command line)")
        creds = Credentials("3", user=user_for(args.v3_user, args.auth_proto, args.priv_proto, auth, priv))
    else:
        community = args.community or environ.get("VIGIE_SNMP_COMMUNITY") or "public"
        creds = Credentials("2c", community=community.encode())
    try:
        port_n = int(port) if port else 161
    except ValueError:
        raise ConfigError(f"{args.address!r}: the port must be a number, e.g. 127.16.0.1:16161") from None
    return Target(host, "", host, port_n, creds, args.timeout, args.retries, 25)


def _text(value: object) -> object:
    if isinstance(value, bytes):
        text = value.decode("utf-8", "replace")
        return text if text.isprintable() or "\r\n" in text else value.hex(":")
    if isinstance(value, ObjectIdentifier):
        return format_oid(value)
    if isinstance(value, TimeTicks):
        return int(value)
    return value if isinstance(value, int) else str(value)


async def _probe(target: Target) -> dict[str, Any]:
    transport = await SnmpTransport.open()
    try:
        poller = Poller(transport, extra_columns={"alias": "1.3.6.1.2.1.31.1.1.1.18"})
        session = poller.session(target)
        system: dict[str, object] = {}
        try:
            got = await session.get([(1, 3, 6, 1, 2, 1, 1, n, 0) for n in SYSTEM.values()])
            for (name, _), (_, value) in zip(SYSTEM.items(), got.pdu.varbinds):
                system[name] = _text(value)
        except PollFailure as exc:
            return {"address": f"{target.address}:{target.port}", "error": exc.cause.value, "detail": exc.detail}
        poll = await poller.poll(target)
        poll = await poller.poll(target) if poll.ok and any(i.name is None for i in poll.interfaces) else poll
        aliases = poll.extra.get("alias", {})
        return {"address": f"{target.address}:{target.port}", "version": target.credentials.version,
                "system": system, "error": poll.error.value if poll.error else None, "detail": poll.detail,
                "response_ms": poll.response_ms, "pdus": poll.pdus,
                "interfaces": [{**asdict(i), "alias": _text(aliases.get((i.if_index,), b""))}
                               for i in poll.interfaces]}
    finally:
        transport.close()


def probe_command(args: argparse.Namespace) -> int:
    target = _probe_target(args, os.environ)
    started = time.perf_counter()
    result = asyncio.run(_probe(target))
    result["elapsed_s"] = round(time.perf_counter() - started, 3)
    if args.format == "json":
        sys.stdout.write(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode() + "\n")
        return 0 if result.get("error") is None else 1
    if "system" not in result:
        print(f"{result['address']}: {result['error']}: {result['detail']}", file=sys.stderr)
        return 1
    print(f"{result['address']} (SNMPv{result['version']}, {result['elapsed_s']} s)")
    for key, value in result["system"].items():
        print(f"  {key:<12} {value}")
    print(f"  {'ifIndex':>7} {'name':<24} {'adm':>3} {'opr':>3} {'Mbit/s':>7} {'in octets':>20} {'out octets':>20} "
          f"{'inErr':>7} {'outErr':>7} {'inDisc':>7} {'outDisc':>7}")
    for i in result["interfaces"]:
        print(f"  {i['if_index']:>7} {str(i['name'] or '')[:24]:<24} {i['admin_status'] or '':>3} "
              f"{i['oper_status'] or '':>3} {i['speed_mbps'] if i['speed_mbps'] is not None else '':>7} "
              f"{i['in_octets'] if i['in_octets'] is not None else '':>20} "
              f"{i['out_octets'] if i['out_octets'] is not None else '':>20} "
              f"{i['in_errors'] if i['in_errors'] is not None else '':>7} "
              f"{i['out_errors'] if i['out_errors'] is not None else '':>7} "
              f"{i['in_discards'] if i['in_discards'] is not None else '':>7} "
              f"{i['out_discards'] if i['out_discards'] is not None else '':>7}  {i['alias']}")
    if result["error"]:
        print(f"  poll: {result['error']}: {result['detail']}")
        return 1
    return 0
