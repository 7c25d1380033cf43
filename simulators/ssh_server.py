"""SSH for the simulated routers: an asyncssh server answering on each device's own address.

**Addressing.** Every served device gets its own listening socket on its management
address (``127.x.y.z:port``): a client reaching ``<mgmt_address>:<port>`` reaches that
device, and the server tells which device a connection is for from the connection's local
address (``getsockname``). No socket listens on ``0.0.0.0``, so nothing but 127.0.0.0/8
ever reaches the simulator. The price is one file descriptor per device: the soft
``RLIMIT_NOFILE`` is raised to the hard limit, and serving more devices than it allows is
refused with a message that says how to serve fewer (a glob over device names). Tests and
benchmarks serve up to 1,000 devices; the full RIE (20,466) needs ``ulimit -n`` ≥ 21,000.

**Faults.** The farm's fault timeline applies: a device that is silent (down, or cut off
from the datacentres) at connection time accepts the TCP connection and never sends an
SSH banner (the client times out, as it would on a router that stopped answering) and a
device that falls silent during a session stops answering its commands.

**Sessions.** Password authentication against one username/password for every device
(the enable secret defaults to the password). The CLI itself is
:class:`simulators.ssh_cli.CliShell`; this module only moves its text in and out.
"""

from __future__ import annotations

import asyncio
import fnmatch
import hmac
import ipaddress
import logging
import resource
import socket
import time
from dataclasses import dataclass, field
from typing import Any

import asyncssh

from simulators import ssh_ios, ssh_junos, ssh_vrp
from simulators.device import SimDevice
from simulators.scenario import FaultTimeline
from simulators.ssh_cli import CliShell, DeviceConfig, RenderCtx, SimPlatform
from simulators.traffic import stable_unit
from vigie.errors import SimulatorError
from vigie.model import Inventory

log = logging.getLogger("vigie.simulators.ssh")
PLATFORMS: dict[str, SimPlatform] = {"cisco": ssh_ios.PLATFORM, "juniper": ssh_junos.PLATFORM,
                                     "huawei": ssh_vrp.PLATFORM}
FD_RESERVE = 256  # descriptors kept for sessions, logs and the rest of the process
ACCEPT_BATCH = 64


@dataclass(slots=True)
class SshFarmSettings:
    inventory: Inventory
    timeline: FaultTimeline
    start: float  # wall time the scenario's t=0 refers to (the SNMP farm's)
    port: int
    username: str
    password: str
    enable_secret: str | None = None  # defaults to the password
    devices: str = "*"  # comma-separated globs over device names
    hold_s: float = 600.0  # a silent device holds a connection this long, then closes it
    backlog: int = 128


@dataclass(slots=True)
class SshStats:
    connections: int = 0
    sessions: int = 0
    auth_failures: int = 0
    silent_held: int = 0
    failed: int = 0  # connections that ended before a session (auth failure, client gone)
    by_device: dict[str, int] = field(default_factory=dict)


def select_devices(inventory: Inventory, patterns: str) -> list[str]:
    """Names of the devices matching any of the comma-separated globs, with a 127.0.0.0/8 address."""
    globs = [p.strip() for p in patterns.split(",") if p.strip()] or ["*"]
    out = []
    for dev in inventory.devices.values():
        if not any(fnmatch.fnmatchcase(dev.name, g) for g in globs):
            continue
        try:
            if ipaddress.ip_address(dev.mgmt_address) in ipaddress.ip_network("127.0.0.0/8"):
                out.append(dev.name)
        except ValueError:
            continue
    return out


def raise_fd_limit(needed: int) -> int:
    """Raise the soft descriptor limit for ``needed`` listeners; the limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = needed + FD_RESERVE
    if soft < want:
        new = want if hard == resource.RLIM_INFINITY else min(hard, want)
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
        soft = new
    if soft < want:
        raise SimulatorError(f"serving {needed} devices over SSH needs {want} file descriptors but the limit is "
                             f"{soft} (ulimit -n); serve fewer devices with a narrower glob, or raise the hard limit")
    return soft


class SshFarm:
    """Listening sockets, the devices they stand for, and the SSH sessions on them (one event loop)."""

    def __init__(self, settings: SshFarmSettings) -> None:
        self.s = settings
        self.stats = SshStats()
        self.names = select_devices(settings.inventory, settings.devices)
        self.by_addr = {settings.inventory.devices[n].mgmt_address: n for n in self.names}
        self.sims: dict[str, SimDevice] = {}
        self.configs: dict[str, DeviceConfig] = {}
        self._listeners: list[socket.socket] = []
        self._held: dict[socket.socket, float] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._conns: set[asyncssh.SSHServerConnection] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._options: asyncssh.SSHServerConnectionOptions | None = None
        self._sweeper: asyncio.Task[None] | None = None

    # --- life cycle --------------------------------------------------------------------
    async def start(self) -> None:
        """Bind every device's address (errors are :class:`SimulatorError`, nothing left open)."""
        if not self.names:
            raise SimulatorError(f"no device matches {self.s.devices!r} with a 127.0.0.0/8 address; nothing to serve")
        if not 1 <= self.s.port <= 65535:
            raise SimulatorError(f"SSH port {self.s.port} is not a TCP port; use 1..65535")
        raise_fd_limit(len(self.names))
        self._loop = loop = asyncio.get_running_loop()
        key = asyncssh.generate_private_key("ssh-ed25519")
        self._options = asyncssh.SSHServerConnectionOptions(
            server_factory=lambda: _Server(self), server_host_keys=[key], line_editor=False, encoding="utf-8",
            login_timeout=60.0, agent_forwarding=False, x11_forwarding=False, allow_scp=False)
        try:
            for name in self.names:
                address = self.s.inventory.devices[name].mgmt_address
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                self._listeners.append(sock)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.bind((address, self.s.port))
                sock.listen(self.s.backlog)
                sock.setblocking(False)
                loop.add_reader(sock.fileno(), self._accept, sock)
        except OSError as exc:
            await self.close()
            raise SimulatorError(f"cannot listen on {address}:{self.s.port} (device {name!r}): {exc.strerror}; "
                                 "choose another SSH port, or stop what uses it") from exc
        self._sweeper = loop.create_task(self._sweep())

    async def close(self) -> None:
        loop = self._loop
        for sock in self._listeners:
            if loop is not None:
                try:
                    loop.remove_reader(sock.fileno())
                except (ValueError, OSError):
                    pass
            sock.close()
        self._listeners.clear()
        for conn in list(self._held):
            self._release(conn)
        for ssh in list(self._conns):
            ssh.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=5.0)
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None

    @property
    def addresses(self) -> list[str]:
        return list(self.by_addr)

    # --- devices ----------------------------------------------------------------------
    def silent(self, name: str, now: float | None = None) -> bool:
        return self.s.timeline.silent(name, (time.time() if now is None else now) - self.s.start)

    def sim(self, name: str) -> SimDevice:
        sim = self.sims.get(name)
        if sim is None:
            tl = self.s.timeline
            sim = self.sims[name] = SimDevice(self.s.inventory, self.s.inventory.devices[name], self.s.start,
                                              tl.boot_offsets(name), tl.oper_down_intervals(name),
                                              tl.counter_wraps(name))
        return sim

    def config(self, name: str) -> DeviceConfig:
        cfg = self.configs.get(name)
        if cfg is None:  # last changed some days before the simulation started, the same in every run
            cfg = self.configs[name] = DeviceConfig(changed_at=float(int(self.s.start - 86400 * (1 + 30 * stable_unit(
                name, "config")))))
        return cfg

    def edit_config(self, name: str, lines: list[str], by: str = "admin", at: float | None = None) -> None:
        """An operator changes ``name``'s configuration: ``lines`` are appended to it."""
        if name not in self.s.inventory.devices:
            raise KeyError(f"device {name!r} not in inventory")
        cfg = self.config(name)
        cfg.extra.extend(lines)
        cfg.changed_at = time.time() if at is None else at
        cfg.changed_by = by

    def shell(self, name: str, user: str) -> CliShell:
        dev = self.s.inventory.devices[name]
        secret = self.s.enable_secret if self.s.enable_secret is not None else self.s.password

        def ctx() -> RenderCtx:
            return RenderCtx(self.sim(name), self.s.inventory, time.time(), self.config(name), user)

        return CliShell(PLATFORMS[dev.vendor], name, user, secret, ctx)

    def check_password(self, username: str, password: str) -> bool:
        ok = hmac.compare_digest(username.encode(), self.s.username.encode()) & hmac.compare_digest(
            password.encode(), self.s.password.encode())
        if not ok:
            self.stats.auth_failures += 1
        return ok

    # --- connections ------------------------------------------------------------------
    def _accept(self, lsock: socket.socket) -> None:
        assert self._loop is not None
        for _ in range(ACCEPT_BATCH):
            try:
                conn, peer = lsock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:  # EMFILE and friends: try again on the next readiness
                log.warning("accept failed on %s: %s", lsock.getsockname(), exc)
                return
            name = self.by_addr.get(conn.getsockname()[0])
            if name is None or not str(peer[0]).startswith("127."):
                conn.close()
                continue
            conn.setblocking(False)
            self.stats.connections += 1
            self.stats.by_device[name] = self.stats.by_device.get(name, 0) + 1
            if self.silent(name):
                self._hold(conn)
                continue
            task = self._loop.create_task(self._serve(conn))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _serve(self, conn: socket.socket) -> None:
        assert self._options is not None
        try:
            ssh = await asyncssh.run_server(conn, options=self._options)
        except Exception as exc:  # auth refused, client gone: the client sees it, the farm counts it
            self.stats.failed += 1
            log.debug("SSH connection ended before a session: %s", exc)
            conn.close()
            return
        self._conns.add(ssh)
        try:
            await ssh.wait_closed()
        finally:
            self._conns.discard(ssh)

    def _hold(self, conn: socket.socket) -> None:
        """A silent device: keep the connection open, read and drop what comes, never answer."""
        assert self._loop is not None
        self.stats.silent_held += 1
        self._held[conn] = time.monotonic() + self.s.hold_s
        self._loop.add_reader(conn.fileno(), self._drain, conn)

    def _drain(self, conn: socket.socket) -> None:
        try:
            data = conn.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self._release(conn)

    def _release(self, conn: socket.socket) -> None:
        if self._held.pop(conn, None) is None:
            return
        if self._loop is not None:
            try:
                self._loop.remove_reader(conn.fileno())
            except (ValueError, OSError):
                pass
        conn.close()

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            now = time.monotonic()
            for conn, until in list(self._held.items()):
                if until <= now:
                    self._release(conn)


class _Server(asyncssh.SSHServer):
    def __init__(self, farm: SshFarm) -> None:
        self.farm = farm
        self.device = ""
        self.user = ""

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        sockname = conn.get_extra_info("sockname")
        self.device = self.farm.by_addr.get(sockname[0], "") if sockname else ""

    def begin_auth(self, username: str) -> bool:
        self.user = username
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return bool(self.device) and self.farm.check_password(username, password)

    def session_requested(self) -> asyncssh.SSHServerSession[str] | bool:
        if not self.device:
            return False
        self.farm.stats.sessions += 1
        return _Session(self.farm, self.device, self.user)


class _Session(asyncssh.SSHServerSession[str]):
    def __init__(self, farm: SshFarm, device: str, user: str) -> None:
        self.farm = farm
        self.device = device
        self.shell = farm.shell(device, user)
        self.chan: asyncssh.SSHServerChannel[str] | None = None

    def connection_made(self, chan: asyncssh.SSHServerChannel[str]) -> None:
        self.chan = chan

    def pty_requested(self, term_type: str, term_size: tuple[int, int, int, int], term_modes: Any) -> bool:
        return True

    def shell_requested(self) -> bool:
        return True

    def session_started(self) -> None:
        if self.chan is not None and not self.farm.silent(self.device):
            self.chan.write(self.shell.greeting())

    def data_received(self, data: str, datatype: asyncssh.DataType) -> None:
        if self.chan is None or self.farm.silent(self.device):
            return  # fell silent during the session: typed text goes nowhere
        out = self.shell.feed(data)
        if out:
            self.chan.write(out)
        if self.shell.closed:
            self.chan.exit(0)

    def eof_received(self) -> bool:
        return False

    def break_received(self, msec: int) -> bool:
        return True


__all__ = ["PLATFORMS", "SshFarm", "SshFarmSettings", "SshStats", "raise_fd_limit", "select_devices"]
