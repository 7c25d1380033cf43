"""Running the SSH device simulator: in a thread of this process, or as its own process.

* :class:`SshFarmThread` runs an :class:`~simulators.ssh_server.SshFarm` on its own event
  loop in a daemon thread (tests, benchmarks, and any process that already has a loop of
  its own to keep free).
* ``python -m simulators.ssh_run --inventory FILE --port N ...`` serves until SIGINT or
  SIGTERM (or ``--duration``) and prints one ``ready`` line on stdout when it listens;
  :func:`spawn` starts it and waits for that line. ``vigie simulate --ssh`` uses this:
  the SNMP farm forks its workers, and an SSH server in a separate process keeps its own
  GIL and its own sockets out of them.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import concurrent.futures
import os
import selectors
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from simulators.scenario import FaultTimeline, load_scenario
from simulators.ssh_server import SshFarm, SshFarmSettings
from vigie.errors import SimulatorError, VigieError
from vigie.inventory import load_inventory

T = TypeVar("T")
READY = "vigie ssh: ready"


class SshFarmThread:
    """An SSH farm on its own event loop, in a daemon thread."""

    def __init__(self, settings: SshFarmSettings) -> None:
        self.farm = SshFarm(settings)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    def start(self, timeout: float = 60.0) -> SshFarmThread:
        """Listen on every device's address; raises what binding raised (e.g. :class:`SimulatorError`)."""
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), name="vigie-ssh-farm", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise SimulatorError(f"the SSH farm did not start within {timeout:.0f} s")
        if self._error is not None:
            raise self._error
        return self

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        try:
            await self.farm.start()
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        await self._stop.wait()
        await self.farm.close()

    def call(self, fn: Callable[..., T], *args: Any, timeout: float = 10.0) -> T:
        """Run ``fn(*args)`` in the farm's loop thread and return its result."""
        if self._loop is None:
            raise SimulatorError("the SSH farm is not running")
        fut: concurrent.futures.Future[T] = concurrent.futures.Future()

        def run() -> None:
            try:
                fut.set_result(fn(*args))
            except BaseException as exc:
                fut.set_exception(exc)

        self._loop.call_soon_threadsafe(run)
        return fut.result(timeout)

    def edit_config(self, device: str, lines: list[str], by: str = "admin") -> None:
        self.call(self.farm.edit_config, device, lines, by)

    def stop(self, timeout: float = 10.0) -> None:
        if self._loop is not None and self._stop is not None and self._thread is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop.set)
            self._thread.join(timeout)

    def __enter__(self) -> SshFarmThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def settings_from_args(args: argparse.Namespace, environ: dict[str, str] | None = None) -> SshFarmSettings:
    env = dict(os.environ) if environ is None else environ
    password = env.get(args.password_env)
    if not password:
        raise SimulatorError(f"environment variable {args.password_env!r} is not set; export it with the password "
                             "the simulated routers accept")
    inv = load_inventory(args.inventory)
    scenario = load_scenario(args.scenario, inv) if args.scenario else None
    return SshFarmSettings(inventory=inv, timeline=FaultTimeline(scenario, inv),
                           start=args.start if args.start is not None else time.time(), port=args.port,
                           username=args.username, password=password, devices=args.devices)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--inventory", required=True, help="inventory file (JSON)")
    p.add_argument("--port", type=int, default=2222, help="TCP port on every device address (default 2222)")
    p.add_argument("--scenario", help="fault scenario (TOML): silent devices do not answer SSH either")
    p.add_argument("--start", type=float, help="wall time of the scenario's t=0 (default: now); give the SNMP farm's")
    p.add_argument("--username", default="vigie", help="login accepted by every device (default vigie)")
    p.add_argument("--password-env", default="VIGIE_SSH_PASSWORD",
                   help="environment variable holding the password (default VIGIE_SSH_PASSWORD)")
    p.add_argument("--devices", default="*", help="comma-separated globs of the devices served (default all)")
    p.add_argument("--duration", type=float, help="stop after this many seconds")


async def _serve(settings: SshFarmSettings, duration: float | None, started: float) -> SshFarm:
    farm = SshFarm(settings)
    await farm.start()
    addrs = sorted(farm.addresses, key=lambda a: tuple(int(x) for x in a.split(".")))
    print(f"{READY}: {len(farm.names)} devices on {addrs[0]} – {addrs[-1]}, TCP port {settings.port}, "
          f"in {time.perf_counter() - started:.1f} s", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await asyncio.wait_for(stop.wait(), duration)
    except TimeoutError:
        pass
    await farm.close()
    return farm


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m simulators.ssh_run", description="SSH CLI of the simulated routers")
    add_arguments(p)
    args = p.parse_args(argv)
    started = time.perf_counter()
    try:
        settings = settings_from_args(args)
        farm = asyncio.run(_serve(settings, args.duration, started))
    except VigieError as exc:
        print(f"vigie ssh: {exc}", file=sys.stderr)
        return 2
    st = farm.stats
    print(f"vigie ssh: stopped; {st.connections} connections, {st.sessions} sessions, "
          f"{st.auth_failures} refused logins, {st.silent_held} held by silent devices", flush=True)
    return 0


class SshProcess:
    """The simulator running as a process: its output is drained in the background (a full
    pipe never blocks it); its stderr goes on to ours; :meth:`stop` ends it."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.lines: collections.deque[str] = collections.deque(maxlen=200)
        self._threads = [threading.Thread(target=self._drain, args=(proc.stdout, None), daemon=True),
                         threading.Thread(target=self._drain, args=(proc.stderr, sys.stderr), daemon=True)]
        for t in self._threads:
            t.start()

    def _drain(self, stream: Any, forward: Any) -> None:
        for line in stream:
            self.lines.append(line.rstrip("\n"))
            if forward is not None:
                forward.write(line)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self, timeout: float = 20.0) -> int:
        """SIGTERM, then wait (SIGKILL after ``timeout``); the exit code."""
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait(10)
        for t in self._threads:
            t.join(5)
        return code

    def output(self) -> str:
        return "\n".join(self.lines)


def spawn(inventory: str | Path, port: int, *, scenario: str | Path | None = None, start: float | None = None,
          username: str = "vigie", password_env: str = "VIGIE_SSH_PASSWORD", devices: str = "*",
          timeout: float = 120.0, env: dict[str, str] | None = None) -> SshProcess:
    """Start the SSH simulator as a process and return it once it listens.

    Raises :class:`SimulatorError` with the process's own message if it could not start."""
    cmd = [sys.executable, "-m", "simulators.ssh_run", "--inventory", str(inventory), "--port", str(port),
           "--username", username, "--password-env", password_env, "--devices", devices]
    if scenario is not None:
        cmd += ["--scenario", str(scenario)]
    if start is not None:
        cmd += ["--start", repr(start)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if not sel.select(max(0.0, min(1.0, deadline - time.monotonic()))):
                if proc.poll() is not None:
                    break
                continue
            line = proc.stdout.readline()
            if line.startswith(READY):
                return SshProcess(proc)
            if not line and proc.poll() is not None:
                break
    finally:
        sel.close()
    proc.kill()
    _, err = proc.communicate(timeout=10)
    raise SimulatorError(f"the SSH simulator did not start: {err.strip() or 'no message'}")


def add_simulate_arguments(p: argparse.ArgumentParser) -> None:
    """The ``--ssh*`` flags of ``vigie simulate``."""
    p.add_argument("--ssh", action="store_true", help="also serve the devices' SSH CLI (IOS XE, Junos, VRP)")
    p.add_argument("--ssh-port", type=int, default=2222, help="TCP port on every device address (default 2222)")
    p.add_argument("--ssh-devices", default="*", help="comma-separated globs of the devices with SSH (default all)")
    p.add_argument("--ssh-username", default="vigie", help="SSH login the devices accept (default vigie)")
    p.add_argument("--ssh-password-env", default="VIGIE_SSH_PASSWORD",
                   help="environment variable holding the SSH password (default VIGIE_SSH_PASSWORD)")


def start_for_simulate(args: argparse.Namespace, start: float) -> SshProcess | None:
    """For ``vigie simulate``: the SSH simulator when ``--ssh`` is given (None otherwise), on the
    same inventory, scenario and scenario start as the SNMP farm."""
    if not getattr(args, "ssh", False):
        return None
    return spawn(args.inventory, args.ssh_port, scenario=args.scenario, start=start, username=args.ssh_username,
                 password_env=args.ssh_password_env, devices=args.ssh_devices)


if __name__ == "__main__":
    sys.exit(main())
