"""``vigie``: the one command, and the composition root that wires the packages together.

Exit codes: 0 success, 1 runtime failure, 2 bad input (invalid inventory, scenario,
settings or flags), with a message on stderr that names the bad value and the fix.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import orjson

from vigie.errors import InventoryInvalid, VigieError


def _cmd_inventory_check(args: argparse.Namespace) -> int:
    from vigie.inventory import check_inventory

    started = time.perf_counter()
    problems = check_inventory(args.file)
    elapsed = time.perf_counter() - started
    if problems:
        print(f"{args.file}: INVALID, {len(problems)} problem(s):", file=sys.stderr)
        for p in problems:
            print(f"  - {p}", file=sys.stderr)
        return 2
    print(f"{args.file}: valid ({elapsed:.2f} s)")
    return 0


def _cmd_inventory_show(args: argparse.Namespace) -> int:
    from vigie.inventory import load_inventory
    from vigie.inventory.summary import format_summary, summarise

    summary = summarise(load_inventory(args.file))
    if args.format == "json":
        sys.stdout.write(orjson.dumps(summary, option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        print(format_summary(summary))
    return 0


def _cmd_inventory_generate(args: argparse.Namespace) -> int:
    from simulators.rie import generate_rie
    from vigie.inventory import write_inventory

    started = time.perf_counter()
    inv = generate_rie(sites=args.sites, seed=args.seed, port=args.port, snmp=args.snmp)
    write_inventory(inv, args.output)
    print(f"{args.output}: {len(inv.sites)} sites, {len(inv.devices)} devices, {len(inv.links)} links "
          f"(seed {args.seed}, {time.perf_counter() - started:.1f} s)")
    return 0


def _cmd_simulate(args: argparse.Namespace) -> int:
    from simulators.run import simulate

    return simulate(args)


def _cmd_demo(args: argparse.Namespace) -> int:
    from vigie.demo import demo

    return demo(args)


def _cmd_poll(args: argparse.Namespace) -> int:
    from collectors.snmp.commands import poll_command

    return poll_command(args)


def _cmd_run(args: argparse.Namespace) -> int:
    from vigie.monitor.command import run_command

    return run_command(args)


def _cmd_probe(args: argparse.Namespace) -> int:
    from collectors.snmp.commands import probe_command

    return probe_command(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vigie", description="Vigie: the RIE's network operations monitor.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    inv = sub.add_parser("inventory", help="check, summarise or generate inventory files")
    isub = inv.add_subparsers(dest="inventory_command", required=True, metavar="ACTION")
    p = isub.add_parser("check", help="validate a file; every problem with its place and fix (exit 2 if invalid)")
    p.add_argument("file", type=Path)
    p.set_defaults(func=_cmd_inventory_check)
    p = isub.add_parser("show", help="counts by access class, POP, region, role")
    p.add_argument("file", type=Path)
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=_cmd_inventory_show)
    p = isub.add_parser("generate", help="a synthetic RIE (seeded: same seed, same bytes)")
    p.add_argument("--sites", type=int, default=14000)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--port", type=int, default=161, help="UDP port the SNMP profiles give (default 161)")
    p.add_argument("--snmp", choices=("v2c", "v3", "mixed"), default="v2c",
                   help="SNMP profiles: v2c, v3 (authPriv SHA-256/AES), or mixed (infrastructure on v3)")
    p.add_argument("-o", "--output", type=Path, required=True)
    p.set_defaults(func=_cmd_inventory_generate)

    p = sub.add_parser("simulate", help="SNMP agent farm: every inventory device on its own loopback address")
    add_simulate_arguments(p)
    p.set_defaults(func=_cmd_simulate)

    p = sub.add_parser("poll", help="poll every device of the inventory (one cycle with --once)")
    p.add_argument("--inventory", type=Path, required=True)
    p.add_argument("--once", action="store_true", required=True, help="one cycle, then a summary (required for now)")
    p.add_argument("--port", type=int, default=None, help="UDP port for every device (default: the SNMP profile's)")
    p.add_argument("--concurrency", type=int, default=500, help="polls in flight at once (default 500)")
    p.add_argument("--spread", type=float, default=0.0,
                   help="spread the cycle over this many seconds (default 0: as fast as possible)")
    p.add_argument("--devices", default=None, metavar="PATTERN", help="only devices whose name matches (glob)")
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="json: one summary object on the last line")
    p.add_argument("--show-failures", type=int, default=20, help="failed devices listed in text (default 20)")
    p.add_argument("-v", "--verbose", action="store_true", help="text summary too with --format json")
    p.set_defaults(func=_cmd_poll)

    p = sub.add_parser("run", help="the monitor: poll, derive states and alarms, store, until SIGINT/SIGTERM")
    from vigie.monitor.command import add_run_arguments

    add_run_arguments(p)
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("probe", help="one device as Vigie sees it: system group and interfaces with counters")
    p.add_argument("address", metavar="ADDRESS[:PORT]")
    p.add_argument("--community", default=None, help="v2c community (default $VIGIE_SNMP_COMMUNITY or 'public')")
    p.add_argument("--v3-user", default=None, help="SNMPv3 user (authPriv); passphrases from the environment")
    p.add_argument("--auth-proto", choices=("SHA", "SHA-256"), default="SHA-256")
    p.add_argument("--priv-proto", choices=("AES",), default="AES")
    p.add_argument("--auth-env", default="VIGIE_SNMP_AUTH_KEY", help="variable holding the auth passphrase")
    p.add_argument("--priv-env", default="VIGIE_SNMP_PRIV_KEY", help="variable holding the priv passphrase")
    p.add_argument("--timeout", type=float, default=2.0, help="seconds per attempt (default 2)")
    p.add_argument("--retries", type=int, default=1)
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=_cmd_probe)

    from topology.cli import add_commands as add_resilience

    add_resilience(sub)
    from sla.cli import add_commands as add_sla

    add_sla(sub)
    from collectors.cli.command import add_commands as add_backup

    add_backup(sub)
    from tui.cli import add_commands as add_tui

    add_tui(sub)

    p = sub.add_parser("demo", help="a simulated RIE with faults, the farm serving it and the monitor watching it")
    p.add_argument("--sites", type=int, default=14000)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--port", type=int, default=16161, help="UDP port of the simulated agents (default 16161)")
    p.add_argument("--dir", type=Path, default=Path("demo"), help="where the demo writes its files")
    p.add_argument("--interval", type=float, default=60.0,
                   help="poll interval in seconds (default 60: the monitor and the dashboard share one process)")
    p.add_argument("--status-every", type=float, default=10.0, help="seconds between status lines (default 10)")
    p.add_argument("--duration", type=float, default=None, help="stop after this many seconds")
    p.set_defaults(func=_cmd_demo)
    return parser


def add_simulate_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--inventory", type=Path, required=True)
    p.add_argument("--port", type=int, default=None, help="UDP port for every device (default: the SNMP profile's)")
    p.add_argument("--workers", type=int, default=1, help="worker processes sharing the load (default 1)")
    p.add_argument("--scenario", type=Path, default=None, help="fault scenario (TOML, see docs/scenarios.md)")
    p.add_argument("--ground-truth", type=Path, default=None, help="write what the farm did here (JSONL)")
    p.add_argument("--community", action="append", default=None,
                   help="v2c community accepted (repeatable; default: $VIGIE_SNMP_COMMUNITY or 'public')")
    p.add_argument("--v3-user", default=None, help="SNMPv3 user (default: the inventory's v3 profiles)")
    p.add_argument("--v3-auth-protocol", choices=("SHA", "SHA-256"), default="SHA-256")
    p.add_argument("--v3-priv-protocol", choices=("AES",), default="AES")
    p.add_argument("--v3-auth-env", default="VIGIE_SNMP_AUTH_KEY",
                   help="environment variable holding the v3 auth passphrase (default VIGIE_SNMP_AUTH_KEY)")
    p.add_argument("--v3-priv-env", default="VIGIE_SNMP_PRIV_KEY",
                   help="environment variable holding the v3 priv passphrase (default VIGIE_SNMP_PRIV_KEY)")
    p.add_argument("--snmprec", action="append", default=[], metavar="ADDRESS=FILE",
                   help="also serve a recorded real device (.snmprec) on ADDRESS (repeatable)")
    p.add_argument("--max-message-size", type=int, default=8192, help="largest reply in bytes (default 8192)")
    p.add_argument("--duration", type=float, default=None, help="stop after this many seconds")
    p.add_argument("--seed", type=int, default=1, help="seed of packet-loss draws")
    from simulators.ssh_run import add_simulate_arguments as add_ssh

    add_ssh(p)
    p.add_argument("--telemetry", default=None, metavar="BROKER_URL",
                   help="also publish each device's telemetry to this MQTT broker (mqtt://127.0.0.1:1883)")
    p.add_argument("--telemetry-period", type=float, default=7.0, help="seconds between a device's samples")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
        return code
    except InventoryInvalid as exc:
        print(f"vigie: invalid inventory {exc}", file=sys.stderr)
        return 2
    except VigieError as exc:
        print(f"vigie: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
