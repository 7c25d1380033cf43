"""``vigie run``: settings validated, inventory loaded, store opened, then the monitor until SIGINT
or SIGTERM (or ``--duration``), everything flushed on the way out."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import orjson

from vigie.bus import LocalBus
from vigie.errors import ConfigError
from vigie.inventory import load_inventory
from vigie.monitor.runtime import MetricsWriter, Monitor, MonitorSummary, ObservationSource, OnlyDevices
from vigie.monitor.status import MonitorStatus, format_status
from vigie.settings import Settings, SettingsError, load_settings
from vigie.store import SqliteStore

log = logging.getLogger("vigie.monitor")


def add_run_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--inventory", type=Path, default=None, help="inventory file (JSON) [monitor.inventory]")
    p.add_argument("--config", type=Path, default=None, help="settings file (TOML); see docs/settings.md")
    p.add_argument("--store", type=Path, default=None, help="SQLite store (default vigie.db) [monitor.store]")
    p.add_argument("--interval", type=float, default=None, help="poll interval in seconds [poll.interval_s]")
    p.add_argument("--concurrency", type=int, default=None, help="polls in flight at once [poll.concurrency]")
    p.add_argument("--port", type=int, default=None, help="UDP port for every device [poll.port]")
    p.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                   help="any setting, e.g. --set engine.failures_to_down=2 (repeatable)")
    p.add_argument("--duration", type=float, default=None, help="stop after this many seconds")
    p.add_argument("--status-format", choices=("text", "json"), default="text",
                   help="status lines on stdout: text for people, json (one object per line) for scripts")
    p.add_argument("--show-settings", action="store_true", help="print the effective settings and where each "
                   "comes from, then exit")
    p.add_argument("-q", "--quiet", action="store_true", help="no status lines")


def settings_from(args: argparse.Namespace) -> Settings:
    flags: dict[str, Any] = {
        "monitor.inventory": str(args.inventory) if args.inventory is not None else None,
        "monitor.store": str(args.store) if args.store is not None else None,
        "poll.interval_s": args.interval, "poll.concurrency": args.concurrency, "poll.port": args.port,
    }
    problems = []
    for item in args.set:
        key, eq, value = item.partition("=")
        if not eq or "." not in key:
            problems.append(f"--set {item!r}: write SECTION.KEY=VALUE, e.g. --set poll.interval_s=30")
            continue
        flags[key.strip()] = value.strip()
    if problems:
        raise SettingsError(problems)
    return load_settings(args.config, os.environ, flags)


def make_metrics(settings: Settings) -> MetricsWriter | None:
    if not settings.influx.enabled:
        return None
    from vigie.sinks.influx import InfluxSettings, InfluxSink

    i = settings.influx
    return InfluxSink(InfluxSettings(url=i.url, org=i.org, bucket=i.bucket, token_ref=i.token or None,
                                     batch_lines=i.batch_lines, flush_interval_s=i.flush_interval_s,
                                     memory_lines=i.memory_lines, spool_dir=Path(i.spool_dir),
                                     spool_max_bytes=int(i.spool_max_mb * 1024 * 1024), timeout_s=i.timeout_s))


async def run_monitor(settings: Settings, duration: float | None, on_status: Any,
                      bus: LocalBus | None = None) -> MonitorSummary:
    started = time.perf_counter()
    inv = load_inventory(Path(settings.monitor.inventory))
    store = SqliteStore(settings.monitor.store)
    try:
        metrics = make_metrics(settings)
        sources: list[ObservationSource] = []
        by_telemetry: frozenset[str] = frozenset()
        if settings.telemetry.enabled:  # each device has one source: telemetry for these, SNMP for the others
            import fnmatch

            from collectors.telemetry import collector_from_settings

            by_telemetry = frozenset(fnmatch.filter(sorted(inv.devices), settings.telemetry.devices))
            if not by_telemetry:
                raise ConfigError(f"telemetry.devices = {settings.telemetry.devices!r} matches no device of the "
                                  "inventory; give a glob over device names, e.g. '*' or 'S*-R1'")
            sources.append(OnlyDevices(collector_from_settings(settings.telemetry, inv, expected=by_telemetry),
                                       by_telemetry))
        cli = None
        if settings.cli.enabled:
            from collectors.cli.scheduler import CliScheduler

            cli = CliScheduler(settings.cli, inv)
        monitor = Monitor(settings, inv, store, bus=bus, metrics=metrics, on_status=on_status, sources=sources,
                          snmp_exclude=by_telemetry)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        if duration is not None:
            loop.call_later(duration, stop.set)
        log.info("monitoring %d devices (%d sites) every %g s; store %s; ready in %.1f s", len(inv.devices),
                 len(inv.sites), settings.poll.interval_s, settings.monitor.store, time.perf_counter() - started)
        side = asyncio.create_task(cli.run(stop), name="cli schedule") if cli is not None else None
        try:
            return await monitor.run(stop)
        finally:
            if side is not None:
                stop.set()
                try:
                    await asyncio.wait_for(side, settings.cli.timeout_s + 5)
                except (TimeoutError, asyncio.CancelledError):
                    log.warning("CLI schedule did not stop in time; abandoned")
                except Exception:
                    log.exception("CLI schedule failed")
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
    finally:
        store.close()


def run_command(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    if args.show_settings:
        for key, value, origin in settings.describe():
            print(f"{key:<32} {value!r:<28} {origin}")
        return 0
    if not Path(settings.monitor.inventory).is_file():
        raise ConfigError(f"inventory {settings.monitor.inventory}: no such file; give --inventory FILE "
                          "(vigie inventory generate -o FILE makes a synthetic one)")
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s %(levelname)s %(message)s")

    def on_status(status: MonitorStatus) -> None:
        if args.quiet:
            return
        if args.status_format == "json":
            sys.stdout.write(orjson.dumps(status.as_dict()).decode() + "\n")
        else:
            sys.stdout.write(format_status(status) + "\n")
        sys.stdout.flush()

    summary = asyncio.run(run_monitor(settings, args.duration, on_status))
    line = {"stopped": True, "cycles": summary.cycles, "polls": summary.polls, "changes": summary.changes,
            "resumed_changes": summary.resumed_changes, "store_pending": summary.store_pending,
            "metrics": {k: v for k, v in summary.metrics.items() if isinstance(v, (int, float, str, type(None)))}}
    if args.status_format == "json":
        print(orjson.dumps(line).decode(), flush=True)
    else:
        print(f"vigie run: stopped after {summary.cycles} cycles, {summary.polls} polls, {summary.changes} state "
              f"changes stored" + (f"; {summary.store_pending} events NOT stored" if summary.store_pending else ""),
              flush=True)
    return 1 if summary.store_pending else 0


__all__ = ["add_run_arguments", "run_command", "run_monitor", "settings_from"]
