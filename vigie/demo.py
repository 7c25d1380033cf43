"""``vigie demo``: a simulated RIE with a scripted fault scenario, the farm serving it, the monitor
watching it, on embedded defaults: nothing to install or configure beyond the package.

The farm runs as a child process (``vigie simulate``), the monitor in this one. The scenario is
written next to the inventory (``demo/scenario.toml``) and names elements of the generated
network: a POP lost for a while, a site router that dies, a premium site losing one access.
The farm's ground truth goes to ``demo/ground-truth.jsonl``, the monitor's store to
``demo/vigie.db``; both are kept for ``vigie sla report`` and friends.

On a terminal (stdin, stdout and stderr all TTYs) the demo opens the dashboard (``tui``) over the
running monitor, in the same event loop; quitting it (q, Ctrl+C) stops the monitor cleanly
(everything flushed), then the farm. Otherwise (piped, in CI) it prints status lines as before.
The monitor's log then goes to ``demo/monitor.log``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from simulators.rie import generate_rie
from vigie.errors import SimulatorError
from vigie.inventory import write_inventory
from vigie.model import Inventory
from vigie.monitor.command import run_monitor
from vigie.monitor.status import MonitorStatus, format_status
from vigie.settings import load_settings


def demo_scenario(inv: Inventory, start_s: float) -> str:
    """Faults on elements of ``inv``: seen within a few cycles of the demo's start."""
    sites = sorted(inv.sites.values(), key=lambda s: s.code)
    pops = sorted({s.pop for s in sites})
    pop = "MRS" if "MRS" in pops else pops[-1]
    economy = next((s for s in sites if s.access_class == "economy" and s.pop != pop), sites[0])
    premium = next((s for s in sites if s.access_class == "premium" and s.pop != pop), None)
    out = ['name = "vigie demo"\ndescription = "a POP lost, a site router down, a premium access cut"\n',
           f'[[fault]]\nat = {start_s:.0f}\nkind = "device_down"\ndevice = "{economy.code}-R1"\n'
           'duration = "6m"\nnote = "power cut at the site"\n',
           f'[[fault]]\nat = {start_s + 60:.0f}\nkind = "pop_loss"\npop = "{pop}"\nduration = "5m"\n']
    if premium is not None:
        link = next((lk.id for lk in inv.links.values() if lk.id == f"ACC-{premium.code}-R2"), None)
        if link is not None:
            out.append(f'[[fault]]\nat = {start_s + 30:.0f}\nkind = "link_down"\nlink = "{link}"\n'
                       'duration = "4m"\n')
    return "\n".join(out)


def _start_farm(directory: Path, inventory: Path, scenario: Path, duration: float | None) -> subprocess.Popen[bytes]:
    log = (directory / "farm.log").open("wb")
    cmd = [sys.executable, "-m", "vigie.cli", "simulate", "--inventory", str(inventory), "--scenario", str(scenario),
           "--ground-truth", str(directory / "ground-truth.jsonl")]
    if duration is not None:
        cmd += ["--duration", str(duration + 30)]
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        text = (directory / "farm.log").read_text(errors="replace")
        if "ready in" in text:
            return proc
        if proc.poll() is not None:
            raise SimulatorError(f"the simulated network stopped at start (exit {proc.returncode}):\n{text[-2000:]}")
        time.sleep(0.2)
    proc.kill()
    raise SimulatorError(f"the simulated network was not ready within 120 s; see {directory / 'farm.log'}")


def on_terminal() -> bool:
    """Whether the dashboard can take the terminal (Textual draws on stderr, reads stdin)."""
    return all(stream is not None and stream.isatty() for stream in (sys.stdin, sys.stdout, sys.stderr))


def demo(args: argparse.Namespace) -> int:
    directory: Path = args.dir
    directory.mkdir(parents=True, exist_ok=True)
    inventory = directory / "rie.json"
    t0 = time.perf_counter()
    inv = generate_rie(sites=args.sites, seed=args.seed, port=args.port)
    write_inventory(inv, inventory)
    scenario = directory / "scenario.toml"
    scenario.write_text(demo_scenario(inv, start_s=1.5 * args.interval))
    print(f"vigie demo: {inventory}: {len(inv.sites)} sites, {len(inv.devices)} devices "
          f"({time.perf_counter() - t0:.1f} s); faults scripted in {scenario}", flush=True)
    dashboard = on_terminal()
    farm = _start_farm(directory, inventory, scenario, args.duration)
    print(f"vigie demo: simulated network up on 127.0.0.0/8 UDP {args.port} (log {directory / 'farm.log'}); "
          f"monitor polling every {args.interval:g} s, store {directory / 'vigie.db'}. "
          + ("Opening the dashboard: q quits." if dashboard else "Ctrl-C stops."), flush=True)
    settings = load_settings(None, {}, {"monitor.inventory": str(inventory),
                                        "monitor.store": str(directory / "vigie.db"),
                                        "poll.interval_s": args.interval, "monitor.status_every_s": args.status_every})

    def show(status: MonitorStatus) -> None:
        print(format_status(status), flush=True)

    try:
        if dashboard:
            from tui.embed import run_dashboard_with_monitor

            summary = run_dashboard_with_monitor(settings, args.duration, directory / "monitor.log")
        else:
            summary = asyncio.run(run_monitor(settings, args.duration, show))
    finally:
        if farm.poll() is None:
            os.killpg(farm.pid, signal.SIGTERM)
            try:
                farm.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(farm.pid, signal.SIGKILL)
                farm.wait()
    if summary is None:
        print(f"vigie demo: the monitor did not stop cleanly; see {directory / 'monitor.log'}", flush=True)
        return 1
    print(f"vigie demo: stopped after {summary.cycles} cycles, {summary.changes} state changes stored in "
          f"{directory / 'vigie.db'}; what really happened is in {directory / 'ground-truth.jsonl'}", flush=True)
    return 0


__all__ = ["demo", "demo_scenario", "on_terminal"]
