"""One asyncio UDP socket carrying every SNMP request in flight, matched by ID.

Thousands of requests share one socket: each gets an ID (the request-id for v1/v2c, the
msgID for v3) unique within the transport, and the answer is matched by ID *and* by the
address it came from. Late answers (to a request already answered or given up),
duplicates and answers from elsewhere are counted and dropped. Datagrams that do not
decode are remembered per source address, so that a device that answers garbage is
reported as such, not as a timeout.
"""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass, field
from typing import Any

from vigie.snmp.errors import SnmpError
from vigie.snmp.pdu import CommunityMessage, decode_message
from vigie.snmp.v3 import V3Message

Address = tuple[str, int]
RCVBUF = 4 * 1024 * 1024  # DESIGN.md: ≈4 MiB for 1,000 requests in flight
ID_MODULUS = 1 << 31


class RequestTimeout(Exception):
    """No answer within the time given (internal: the poller turns it into a result)."""


@dataclass(slots=True)
class TransportStats:
    sent: int = 0
    received: int = 0
    matched: int = 0
    late_or_duplicate: int = 0  # no request waiting under that ID
    wrong_source: int = 0  # the ID was waiting, but for another address
    undecodable: int = 0
    send_errors: int = 0


@dataclass(slots=True)
class _Pending:
    addr: Address
    future: asyncio.Future[CommunityMessage | V3Message]


@dataclass(slots=True)
class SnmpTransport(asyncio.DatagramProtocol):
    stats: TransportStats = field(default_factory=TransportStats)
    pending: dict[int, _Pending] = field(default_factory=dict)
    # last answer per address that matched nothing: (loop time, what was wrong)
    noise: dict[Address, tuple[float, str]] = field(default_factory=dict)
    _transport: asyncio.DatagramTransport | None = None
    _sock: socket.socket | None = None
    _next_id: int = 1

    # --- lifecycle ----------------------------------------------------------------
    @classmethod
    async def open(cls, bind: Address = ("127.0.0.1", 0), rcvbuf: int = RCVBUF) -> SnmpTransport:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for opt, force in ((socket.SO_RCVBUF, getattr(socket, "SO_RCVBUFFORCE", None)),
                           (socket.SO_SNDBUF, getattr(socket, "SO_SNDBUFFORCE", None))):
            try:
                sock.setsockopt(socket.SOL_SOCKET, force if force is not None else opt, rcvbuf)
            except PermissionError:
                sock.setsockopt(socket.SOL_SOCKET, opt, rcvbuf)
        sock.bind(bind)
        sock.setblocking(False)
        proto = cls()
        proto._sock = sock
        loop = asyncio.get_running_loop()
        await loop.create_datagram_endpoint(lambda: proto, sock=sock)
        return proto

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
        for p in self.pending.values():
            if not p.future.done():
                p.future.cancel()
        self.pending.clear()

    @property
    def local_address(self) -> Address:
        assert self._transport is not None
        addr: Address = self._transport.get_extra_info("sockname")
        return addr

    # --- ids ------------------------------------------------------------------------
    def new_id(self) -> int:
        """An ID not waiting for an answer now (request-id / msgID, 1..2**31-1)."""
        while True:
            n = self._next_id
            self._next_id = n + 1 if n + 1 < ID_MODULUS else 1
            if n not in self.pending:
                return n

    # --- receiving -----------------------------------------------------------------
    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.stats.received += 1
        source: Address = (addr[0], addr[1])
        try:
            msg = decode_message(data)
        except SnmpError as exc:
            self.stats.undecodable += 1
            self._noise(source, f"undecodable answer ({exc})")
            return
        key = msg.pdu.request_id if isinstance(msg, CommunityMessage) else msg.msg_id
        pending = self.pending.get(key)
        if pending is None:
            self.stats.late_or_duplicate += 1
            self._noise(source, f"answer with an unexpected ID {key} (late, duplicate or forged)")
            return
        if pending.addr != source:
            self.stats.wrong_source += 1
            self._noise(source, f"answer with an unexpected ID {key} (it belongs to a request to another agent)")
            return
        del self.pending[key]
        if not pending.future.done():
            self.stats.matched += 1
            pending.future.set_result(msg)

    def _noise(self, source: Address, what: str) -> None:
        self.noise[source] = (asyncio.get_running_loop().time(), what)

    def noise_since(self, addr: Address, since: float) -> str | None:
        """What ``addr`` sent that matched nothing since loop time ``since`` (late answers to
        earlier requests are not held against later ones)."""
        item = self.noise.pop(addr, None)
        if item is None or item[0] < since:
            return None
        return item[1]

    def error_received(self, exc: Exception) -> None:
        self.stats.send_errors += 1  # ICMP errors surface here on Linux; the request times out

    # --- sending --------------------------------------------------------------------
    async def request(self, addr: Address, data: bytes, key: int, timeout_s: float, retries: int,
                      backoff: float = 1.5) -> tuple[CommunityMessage | V3Message, int]:
        """Send ``data`` and wait for the answer under ``key``; resend on timeout (same ID,
        so a late answer to an earlier attempt still counts). Returns (message, attempts)."""
        assert self._transport is not None, "transport not open"
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[CommunityMessage | V3Message] = loop.create_future()
        self.pending[key] = _Pending(addr, fut)
        wait = timeout_s
        try:
            for attempt in range(retries + 1):
                self._send(data, addr)
                handle = loop.call_later(wait, _expire, fut)
                try:
                    msg = await asyncio.shield(fut)
                    return msg, attempt + 1
                except _Expired:
                    fut = loop.create_future()
                    self.pending[key] = _Pending(addr, fut)
                    wait *= backoff
                finally:
                    handle.cancel()
            raise RequestTimeout(f"no answer after {retries + 1} attempt(s)")
        finally:
            current = self.pending.get(key)
            if current is not None and current.future is fut:
                del self.pending[key]


    def _send(self, data: bytes, addr: Address) -> None:
        """Send now through the socket, so that the system's refusal is ours to report
        (asyncio's sendto would only pass it to error_received); queue when full."""
        assert self._transport is not None and self._sock is not None
        try:
            self._sock.sendto(data, addr)
        except (BlockingIOError, InterruptedError):
            self._transport.sendto(data, addr)
        except OSError as exc:
            self.stats.send_errors += 1
            raise SendRefused(f"the system refuses to send to {addr[0]}:{addr[1]}: {exc.strerror}") from exc
        self.stats.sent += 1


class SendRefused(Exception):
    """The operating system refused to send (no route, permission...)."""


class _Expired(Exception):
    pass


def _expire(fut: asyncio.Future[Any]) -> None:
    if not fut.done():
        fut.set_exception(_Expired())
