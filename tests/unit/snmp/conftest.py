"""Fixtures for the SNMP codec tests: pcap payloads and a throwaway loopback agent.

The agent uses nothing but vigie.snmp (decode, answer, encode) on 127.0.0.1 and a random
free port, in a thread with bounded waits, so that net-snmp's tools and pysnmp can
query it: if they read it right, the codec is right.
"""

from __future__ import annotations

import bisect
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from vigie.snmp import (
    END_OF_MIB_VIEW,
    GET,
    GETBULK,
    GETNEXT,
    NO_SUCH_OBJECT,
    OID,
    RESPONSE,
    AgentReport,
    CommunityMessage,
    Counter32,
    Counter64,
    Gauge32,
    IpAddress,
    ObjectIdentifier,
    Opaque,
    Pdu,
    SaltCounter,
    SnmpError,
    TimeTicks,
    UsmStats,
    UsmUser,
    Value,
    VarBind,
    decode_message,
    encode_response,
    encode_v3_response,
    process_v3_request,
)

PCAP_DIR = Path(__file__).resolve().parents[2] / "data" / "pcaps"
AGENT_ENGINE_ID = bytes.fromhex("80001f888056696769655465737431")


def udp_payloads(path: Path) -> list[bytes]:
    """UDP payloads of a classic pcap file (Ethernet / IPv4 / UDP only)."""
    data = path.read_bytes()
    magic = data[:4]
    if magic == b"\xd4\xc3\xb2\xa1":
        endian = "<"
    elif magic == b"\xa1\xb2\xc3\xd4":
        endian = ">"
    else:
        raise ValueError(f"{path}: not a classic pcap file")
    (linktype,) = struct.unpack(endian + "I", data[20:24])
    assert linktype == 1, f"{path}: link type {linktype} is not Ethernet"
    out: list[bytes] = []
    pos = 24
    while pos + 16 <= len(data):
        _, _, incl_len, _ = struct.unpack(endian + "IIII", data[pos : pos + 16])
        frame = data[pos + 16 : pos + 16 + incl_len]
        pos += 16 + incl_len
        ethertype = int.from_bytes(frame[12:14], "big")
        ip = frame[14:]
        if ethertype != 0x0800 or ip[9] != 17:  # IPv4, UDP
            continue
        udp = ip[(ip[0] & 0x0F) * 4 :]
        length = int.from_bytes(udp[4:6], "big")
        out.append(udp[8:length])
    return out


def _test_mib() -> dict[OID, Value]:
    mib: dict[OID, Value] = {
        (1, 3, 6, 1, 2, 1, 1, 1, 0): b"Vigie test agent \xe2\x80\x94 codec only",
        (1, 3, 6, 1, 2, 1, 1, 2, 0): ObjectIdentifier((1, 3, 6, 1, 4, 1, 8072, 3, 2, 10)),
        (1, 3, 6, 1, 2, 1, 1, 3, 0): TimeTicks(4_294_967_295),
        (1, 3, 6, 1, 2, 1, 1, 4, 0): b"",
        (1, 3, 6, 1, 2, 1, 1, 5, 0): b"S01234-R1",
        (1, 3, 6, 1, 2, 1, 1, 7, 0): 72,
        (1, 3, 6, 1, 4, 1, 99999, 1, 0): -2_147_483_648,
        (1, 3, 6, 1, 4, 1, 99999, 2, 0): Opaque(b"\x9f\x78\x04\x3f\x80\x00\x00"),
        (1, 3, 6, 1, 4, 1, 99999, 3, 0): b"x" * 300,
        (1, 3, 6, 1, 4, 1, 99999, 4, 4294967295): Gauge32(0),
    }
    for index in range(1, 25):
        mib[(1, 3, 6, 1, 2, 1, 2, 2, 1, 1, index)] = index
        mib[(1, 3, 6, 1, 2, 1, 2, 2, 1, 2, index)] = f"GigabitEthernet0/{index}".encode()
        mib[(1, 3, 6, 1, 2, 1, 2, 2, 1, 5, index)] = Gauge32(4_294_967_295 if index % 2 else 1_000_000_000)
        mib[(1, 3, 6, 1, 2, 1, 2, 2, 1, 8, index)] = 1 + index % 2
        mib[(1, 3, 6, 1, 2, 1, 2, 2, 1, 10, index)] = Counter32(4_294_967_295 - index)
        mib[(1, 3, 6, 1, 2, 1, 4, 20, 1, 1, 10, 0, 0, index)] = IpAddress(bytes((10, 0, 0, index)))
        mib[(1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 6, index)] = Counter64(2**64 - 1 - index * 1_000_003)
        mib[(1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 10, index)] = Counter64(index * 2**40)
    return mib


class MiniAgent:
    """A tiny SNMP agent (v1/v2c community ``public``, v3 USM users) built on the codec."""

    def __init__(self, users: tuple[UsmUser, ...] = (), engine_boots: int = 7) -> None:
        self.mib = _test_mib()
        self.names = sorted(self.mib)
        self.users = {user.name: user for user in users}
        self.engine_id = AGENT_ENGINE_ID
        self.engine_boots = engine_boots
        self.time_offset = 1000
        self.stats = UsmStats()
        self.salts = SaltCounter(0x1234_5678_9ABC_DEF0)
        self.errors: list[BaseException] = []
        self.handled = 0
        self._started = time.monotonic()
        self._stop = threading.Event()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.05)
        self.port: int = self.sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, name="snmp-mini-agent", daemon=True)

    def engine_time(self) -> int:
        return int(time.monotonic() - self._started) + self.time_offset

    def _next(self, name: OID) -> VarBind:
        i = bisect.bisect_right(self.names, name)
        if i >= len(self.names):
            return (name, END_OF_MIB_VIEW)
        nxt = self.names[i]
        return (nxt, self.mib[nxt])

    def answer(self, pdu: Pdu) -> tuple[list[VarBind], int, int]:
        if pdu.type == GET:
            return [(name, self.mib.get(name, NO_SUCH_OBJECT)) for name, _ in pdu.varbinds], 0, 0
        if pdu.type == GETNEXT:
            return [self._next(name) for name, _ in pdu.varbinds], 0, 0
        if pdu.type == GETBULK:
            names = [name for name, _ in pdu.varbinds]
            non_rep = max(0, min(pdu.non_repeaters, len(names)))
            out = [self._next(name) for name in names[:non_rep]]
            current = names[non_rep:]
            for _ in range(min(max(pdu.max_repetitions, 0), 200)):
                if not current:
                    break
                row = [self._next(name) for name in current]
                out.extend(row)
                if all(value is END_OF_MIB_VIEW for _, value in row):
                    break
                current = [name for name, _ in row]
            return out, 0, 0
        return list(pdu.varbinds), 5, 0  # genErr for anything else

    def handle(self, data: bytes) -> bytes | None:
        msg = decode_message(data)
        if isinstance(msg, CommunityMessage):
            if msg.community != b"public":
                return None
            varbinds, status, index = self.answer(msg.pdu)
            if msg.version == 0 and any(value is END_OF_MIB_VIEW or value is NO_SUCH_OBJECT for _, value in varbinds):
                bad = next(i for i, (_, v) in enumerate(varbinds) if v is END_OF_MIB_VIEW or v is NO_SUCH_OBJECT)
                return encode_response(0, msg.community, msg.pdu.request_id, msg.pdu.varbinds, 2, bad + 1)
            return encode_response(msg.version, msg.community, msg.pdu.request_id, varbinds, status, index)
        now = self.engine_time()
        result = process_v3_request(
            msg,
            engine_id=self.engine_id,
            engine_boots=self.engine_boots,
            engine_time=now,
            users=self.users,
            stats=self.stats,
        )
        if isinstance(result, AgentReport):
            return result.data
        varbinds, status, index = self.answer(result.pdu)
        pdu = Pdu(RESPONSE, result.pdu.request_id, status, index, tuple(varbinds))
        return encode_v3_response(
            result,
            pdu,
            engine_id=self.engine_id,
            engine_boots=self.engine_boots,
            engine_time=now,
            salt=self.salts(),
        )

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data, peer = self.sock.recvfrom(65535)
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                reply = self.handle(data)
            except SnmpError as exc:
                self.errors.append(exc)
                continue
            except Exception as exc:  # a bug: record it, the test will fail on it
                self.errors.append(exc)
                continue
            self.handled += 1
            if reply is not None:
                self.sock.sendto(reply, peer)

    def start(self) -> MiniAgent:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


@pytest.fixture
def mini_agent() -> Iterator[Callable[..., MiniAgent]]:
    """Factory: ``mini_agent(users=(...,))`` starts an agent, stopped after the test."""
    agents: list[MiniAgent] = []

    def start(users: tuple[UsmUser, ...] = (), engine_boots: int = 7) -> MiniAgent:
        agent = MiniAgent(users, engine_boots).start()
        agents.append(agent)
        return agent

    yield start
    for agent in agents:
        agent.stop()


@pytest.fixture(scope="session")
def pcap_payloads() -> Callable[[str], list[bytes]]:
    """``pcap_payloads("snmpv2_get.pcap")`` -> the UDP payloads of a copied capture."""
    return lambda name: udp_payloads(PCAP_DIR / name)
