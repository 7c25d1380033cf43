"""The SNMP agent farm: every inventory device answering on its own loopback address.

One UDP socket per port and per worker, bound to the wildcard address with
``IP_PKTINFO``: the kernel tells us which of the 127.0.0.0/8 addresses a request was sent
to, and we answer from that same address, so each device is its own agent to any SNMP
manager (net-snmp, pysnmp, Vigie) while the farm needs no socket per device. Requests from
outside 127.0.0.0/8 or to an address that is not a device are dropped. Each worker process
has its own sockets on the same ports (``SO_REUSEPORT``: the kernel spreads requests over
them); each runs a tight synchronous loop (no asyncio on this hot path).

Devices are built on first use, and in each worker's idle time (a few milliseconds at a
time, so no request waits long) until the whole inventory is built; built devices are
moved out of the garbage collector's sight (``gc.freeze``), so collections stay short.

Faults come from :class:`simulators.scenario.FaultTimeline`: silent devices (down, or cut
off from the datacentres), packet loss, slow agents, malformed replies; link states,
reboots and counter wraps are inside each device's MIB view.
"""

from __future__ import annotations

import gc
import heapq
import os
import random
import selectors
import signal
import socket
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulators.device import SimDevice
from simulators.mib import View
from simulators.responder import Responder
from simulators.scenario import FaultTimeline
from vigie.errors import SimulatorError
from vigie.model import Inventory

IP_PKTINFO = getattr(socket, "IP_PKTINFO", 8)
SO_REUSEPORT: int | None = getattr(socket, "SO_REUSEPORT", None)
RCVBUF = 8 * 1024 * 1024
BUILD_SLICE_S = 0.002  # background building: at most this long between two looks at the sockets
BUILD_BATCH = 100  # ... and at most this many devices
GC_THRESHOLD = (20_000, 50, 100)  # workers: fewer young collections (built devices are frozen)


@dataclass(slots=True)
class FarmSettings:
    inventory: Inventory
    timeline: FaultTimeline
    start: float  # wall time the scenario's t=0 refers to
    communities: frozenset[bytes] = frozenset({b"public"})
    usm: Any = None  # v3 agent engine factory input (users), see simulators.v3agent
    port: int | None = None  # overrides every profile's port
    recorded: dict[str, View] = field(default_factory=dict)  # address -> recorded device
    max_size: int = 8192
    seed: int = 1


def set_buffers(sock: socket.socket, size: int) -> None:
    """Large socket buffers: bursts of thousands of requests must not be dropped by the
    kernel. The ``FORCE`` variants pass net.core.rmem_max when running as root."""
    for force, plain in ((getattr(socket, "SO_RCVBUFFORCE", None), socket.SO_RCVBUF),
                         (getattr(socket, "SO_SNDBUFFORCE", None), socket.SO_SNDBUF)):
        try:
            if force is None:
                raise PermissionError
            sock.setsockopt(socket.SOL_SOCKET, force, size)
        except PermissionError:
            sock.setsockopt(socket.SOL_SOCKET, plain, size)


def _addr_key(address: str) -> bytes:
    return socket.inet_aton(address)


class Farm:
    """Sockets and the device table; :meth:`serve` is the worker loop."""

    def __init__(self, settings: FarmSettings) -> None:
        self.s = settings
        inv = settings.inventory
        self.by_addr: dict[bytes, str] = {}
        ports: set[int] = set()
        for dev in inv.devices.values():
            try:
                self.by_addr[_addr_key(dev.mgmt_address)] = dev.name
            except OSError:
                continue  # IPv6 management addresses are not simulated
            prof = inv.snmp_profiles[dev.snmp_profile]
            ports.add(settings.port if settings.port is not None else prof.port)
        self.recorded = {_addr_key(a): v for a, v in settings.recorded.items()}
        if settings.port is not None or not ports:
            ports = {settings.port if settings.port is not None else 161}
        self.ports = sorted(ports)
        self.sockets: list[socket.socket] = []
        self.devices: dict[str, SimDevice] = {}
        self.responder: Responder | None = None
        self.freezing = False  # in a worker: built devices are hidden from the collector

    # --- sockets --------------------------------------------------------------------
    def bind(self) -> None:
        """Bind every port (in the parent: errors are reported before any worker starts)."""
        for port in self.ports:
            if SO_REUSEPORT is not None:
                self._probe(port)
            self.sockets.append(self._open(port))

    def _probe(self, port: int) -> None:
        """Fail if anything holds ``port``, even another farm sharing it with SO_REUSEPORT."""
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            probe.bind(("0.0.0.0", port))
        except OSError as exc:
            self.close()
            raise SimulatorError(f"cannot listen on UDP port {port}: {exc.strerror}; "
                                 "choose another with --port, or stop what uses it") from exc
        finally:
            probe.close()

    def _open(self, port: int) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            set_buffers(sock, RCVBUF)
            sock.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)
            if SO_REUSEPORT is not None:
                sock.setsockopt(socket.SOL_SOCKET, SO_REUSEPORT, 1)
            sock.bind(("0.0.0.0", port))
        except OSError as exc:
            sock.close()
            self.close()
            raise SimulatorError(f"cannot listen on UDP port {port}: {exc.strerror}; "
                                 "choose another with --port, or stop what uses it") from exc
        sock.setblocking(False)
        return sock

    def own_sockets(self) -> None:
        """In a worker other than the first: open its own sockets on the same ports and
        close the inherited ones (the first worker reads those)."""
        if SO_REUSEPORT is None:
            return  # no SO_REUSEPORT: the workers share the parent's sockets
        inherited = self.sockets
        self.sockets = []
        for sock in inherited:
            sock.close()
        for port in self.ports:
            self.sockets.append(self._open(port))

    def close(self) -> None:
        for sock in self.sockets:
            sock.close()
        self.sockets.clear()

    # --- devices --------------------------------------------------------------------
    def device(self, name: str) -> SimDevice:
        sim = self.devices.get(name)
        if sim is None:
            sim = self._build(name)
            if self.freezing:
                gc.freeze()  # O(1): long-lived from now on, never scanned again
        return sim

    def _build(self, name: str) -> SimDevice:
        tl = self.s.timeline
        sim = SimDevice(self.s.inventory, self.s.inventory.devices[name], self.s.start,
                        tl.boot_offsets(name), tl.oper_down_intervals(name), tl.counter_wraps(name))
        self.devices[name] = sim
        return sim

    def build_some(self, pending: list[str], budget_s: float = BUILD_SLICE_S, most: int = BUILD_BATCH) -> None:
        """Build devices of ``pending`` (taken from its end) for about ``budget_s`` seconds,
        then hide everything built so far from the garbage collector."""
        deadline = time.perf_counter() + budget_s
        devices = self.devices
        for _ in range(most):
            if not pending:
                break
            name = pending.pop()
            if name not in devices:
                self._build(name)
            if time.perf_counter() >= deadline:
                break
        gc.freeze()

    # --- serving --------------------------------------------------------------------
    def serve(self, responder: Responder, stop: Callable[[], bool], worker: int = 0) -> None:
        """Answer requests until ``stop()`` is true (checked at least twice a second)."""
        self.responder = responder
        rng = random.Random(self.s.seed * 1000 + worker)
        gc.set_threshold(*GC_THRESHOLD)
        gc.freeze()  # the inventory and the timeline live as long as the worker
        self.freezing = True
        pending = [n for n in reversed(self.s.inventory.devices) if n not in self.devices]
        sel = selectors.DefaultSelector()
        for sock in self.sockets:
            sel.register(sock, selectors.EVENT_READ)
        delayed: list[tuple[float, int, socket.socket, bytes, bytes, tuple[str, int]]] = []
        seq = 0
        tl = self.s.timeline
        faultless = not tl.change_times()  # no scenario: no device is ever silent, lossy, slow...
        start = self.s.start
        by_addr = self.by_addr
        recorded = self.recorded
        devices = self.devices
        respond = responder.respond
        pack = struct.pack
        clock = time.time
        ip = socket.IPPROTO_IP
        while not stop():
            timeout = 0.0 if pending else 0.5  # idle time builds devices in the background
            if delayed:
                timeout = min(timeout, max(0.0, delayed[0][0] - clock()))
            events = sel.select(timeout)
            if not events and pending:
                self.build_some(pending)
            for key, _ in events:
                rsock: socket.socket = key.fileobj  # type: ignore[assignment]
                recvmsg = rsock.recvmsg
                for _ in range(256):
                    try:
                        data, anc, _flags, src = recvmsg(65535, 64)
                    except (BlockingIOError, InterruptedError):
                        break
                    if not src[0].startswith("127."):
                        continue
                    dst = b""
                    for level, kind, cdata in anc:
                        if level == ip and kind == IP_PKTINFO:
                            dst = cdata[8:12]
                    now = clock()
                    name = by_addr.get(dst)
                    if name is None:
                        view = recorded.get(dst)
                        if view is None:
                            continue
                        reply = responder.respond_view(data, view, now)
                    elif faultless:
                        reply = respond(data, devices.get(name) or self.device(name), now)
                    else:
                        t = now - start
                        if tl.silent(name, t):
                            continue
                        loss = tl.loss(name, t)
                        if loss and rng.random() < loss:
                            continue
                        mode = tl.malformed(name, t)
                        reply = respond(data, self.device(name), now, mode == "wrong_request_id")
                        if reply is not None and mode is not None:
                            reply = _break(reply, mode, rng)
                        delay = tl.delay_s(name, t)
                        if delay and reply is not None:
                            seq += 1
                            heapq.heappush(delayed, (now + delay, seq, rsock, reply, dst, src))
                            continue
                    if reply is not None:
                        try:
                            rsock.sendmsg([reply], [(ip, IP_PKTINFO, pack("=i4s4s", 0, dst, dst))], 0, src)
                        except (BlockingIOError, InterruptedError, ConnectionRefusedError):
                            pass  # the manager is gone or its buffer is full: a real agent would lose it too
            now = clock()
            while delayed and delayed[0][0] <= now:
                _, _, sock, reply, dst, src = heapq.heappop(delayed)
                _send(sock, reply, dst, src, pack)
        sel.close()


def _send(sock: socket.socket, reply: bytes, dst: bytes, src: tuple[str, int], pack: Any) -> None:
    try:
        sock.sendmsg([reply], [(socket.IPPROTO_IP, IP_PKTINFO, pack("=i4s4s", 0, dst, dst))], 0, src)
    except (BlockingIOError, InterruptedError, ConnectionRefusedError):
        pass  # the manager is gone or its buffer is full: a real agent would lose it too


def _break(reply: bytes, mode: str, rng: random.Random) -> bytes:
    """Damage a reply the way a buggy agent or a bad link would."""
    if mode == "garbage":
        return rng.randbytes(max(len(reply), 8))
    if mode == "truncated":
        return reply[: max(len(reply) // 2, 2)]
    if mode == "bad_length":
        return b"\x30\x84\x7f\xff\xff\xff" + reply[2:]
    return reply  # wrong_request_id is done by the responder


def run_workers(farm: Farm, make_responder: Callable[[], Responder], workers: int,
                duration: float | None, on_tick: Callable[[float], None] | None = None) -> int:
    """Fork ``workers`` processes serving ``farm``; return when told to stop (SIGINT,
    SIGTERM) or after ``duration`` seconds. ``on_tick`` runs in the parent about every
    0.2 s (ground truth). Returns the number of workers that failed."""
    stopping = False

    def handle(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    children: list[int] = []
    gc.freeze()  # what the parent built is shared: the workers' collections must not touch it
    for w in range(max(workers, 1)):
        pid = os.fork()
        if pid == 0:  # child
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
            code = 0
            parent = os.getppid()
            try:
                if w:
                    farm.own_sockets()
                farm.serve(make_responder(), lambda parent=parent: os.getppid() != parent, w)  # type: ignore[misc]
            except BaseException:
                import traceback

                traceback.print_exc()
                code = 1
            os._exit(code)
        children.append(pid)
    # The first worker reads the parent's sockets: the parent lets go of them, so that they
    # close with that worker and the kernel never hashes requests to a socket nobody reads.
    farm.close()
    old_int = signal.signal(signal.SIGINT, handle)
    old_term = signal.signal(signal.SIGTERM, handle)
    deadline = None if duration is None else time.monotonic() + duration
    failed = 0
    try:
        while not stopping and (deadline is None or time.monotonic() < deadline):
            if on_tick is not None:
                on_tick(time.time())
            for pid in list(children):
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    children.remove(pid)
                    failed += 1 if os.waitstatus_to_exitcode(status) != 0 else 0
            if not children:
                break
            time.sleep(0.2)
    finally:
        for pid in children:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for pid in children:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
        signal.signal(signal.SIGINT, old_int)
        signal.signal(signal.SIGTERM, old_term)
        farm.close()
        if on_tick is not None:
            on_tick(time.time())
    return failed


def read_recorded(specs: list[str]) -> dict[str, View]:
    """``ADDRESS=FILE.snmprec`` specs → recorded views."""
    from simulators.snmprec import load_snmprec

    out: dict[str, View] = {}
    for spec in specs:
        address, sep, path = spec.partition("=")
        if not sep or not address.startswith("127."):
            raise SimulatorError(f"--snmprec {spec!r}: write ADDRESS=FILE with an address in 127.0.0.0/8, "
                                 "e.g. 127.200.0.1=cisco-c3750.snmprec")
        out[address] = load_snmprec(Path(path))
    return out
