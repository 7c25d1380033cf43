"""Helpers of the integration tier: run ``vigie simulate`` as a subprocess, call net-snmp's
tools, parse their output, craft raw SNMP datagrams.

Everything is bounded (timeouts on every wait, counts on every loop) and talks to
127.0.0.0/8 only. The raw-datagram encoder here is a deliberately tiny, independent BER
writer (not :mod:`vigie.snmp`): the farm is built on Vigie's codec, so the bytes we throw
at it must not come from that same codec.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import vigie.mibs
from vigie.model import Device, Inventory, Role

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data"
MIBDIR = str(Path(vigie.mibs.__file__).resolve().parent)
AUTH_KEY = "vigie-auth-passphrase"
PRIV_KEY = "vigie-priv-passphrase"
COMMUNITY = "public"
RECORDED_ADDRESS = "127.200.0.1"  # the shared farm serves this recorded device there (--snmprec)
RECORDED_FILE = DATA / "snmprec" / "cisco-c3750.snmprec"
READY_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 10.0
NETSNMP_TIMEOUT_S = 20.0


def free_udp_port() -> int:
    """A UDP port nobody uses right now on 127.0.0.1 (bind port 0, read it, close)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def farm_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIE_")}
    env.update(VIGIE_SNMP_AUTH_KEY=AUTH_KEY, VIGIE_SNMP_PRIV_KEY=PRIV_KEY, PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


# --- the farm as a subprocess ---------------------------------------------------------------


@dataclass
class FarmHandle:
    """A running ``vigie simulate``: its process, where it listens, what it serves."""

    proc: subprocess.Popen[str]
    port: int
    inventory: Inventory
    inventory_path: Path
    directory: Path
    ground_truth: Path
    stderr_path: Path
    ready_line: str = ""
    ready_wall: float = 0.0  # time.time() when the ready line was read
    lines: list[str] = field(default_factory=list)
    _stderr: IO[bytes] | None = None
    _reader: threading.Thread | None = None

    def target(self, device: Device | str) -> str:
        addr = device if isinstance(device, str) else device.mgmt_address
        return f"{addr}:{self.port}"

    def stderr(self) -> str:
        try:
            return self.stderr_path.read_text(errors="replace")
        except OSError:
            return ""

    def alive(self) -> bool:
        return self.proc.poll() is None


def start_farm(inventory: Inventory, inventory_path: Path, directory: Path, port: int,
               extra: Sequence[str] = (), env: dict[str, str] | None = None,
               ready_timeout: float = READY_TIMEOUT_S, name: str = "farm") -> FarmHandle:
    """Start ``vigie simulate`` and wait (bounded) for its ready line; fail with its stderr."""
    gt = directory / f"{name}-ground-truth.jsonl"
    stderr_path = directory / f"{name}.stderr"
    err = stderr_path.open("wb")
    cmd = [sys.executable, "-m", "vigie.cli", "simulate", "--inventory", str(inventory_path),
           "--duration", "600", "--ground-truth", str(gt), *extra]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL,
                            env=env if env is not None else farm_env(), cwd=str(REPO), text=True)
    handle = FarmHandle(proc, port, inventory, inventory_path, directory, gt, stderr_path, _stderr=err)
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    handle._reader = threading.Thread(target=read, name=f"{name}-stdout", daemon=True)
    handle._reader.start()
    deadline = time.monotonic() + ready_timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            stop_farm(handle)
            raise AssertionError(f"{name}: no ready line within {ready_timeout:.0f} s; stderr:\n{handle.stderr()}")
        try:
            line = lines.get(timeout=min(remaining, 0.5))
        except queue.Empty:
            continue
        if line is None:
            code = proc.wait(timeout=STOP_TIMEOUT_S)
            raise AssertionError(f"{name}: exited with {code} before ready; stderr:\n{handle.stderr()}")
        handle.lines.append(line)
        if "ready" in line:
            handle.ready_line = line
            handle.ready_wall = time.time()
            return handle


def stop_farm(handle: FarmHandle, timeout: float = STOP_TIMEOUT_S) -> int:
    """SIGTERM, bounded wait, SIGKILL if needed; the exit code (negative: killed by a signal)."""
    proc = handle.proc
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=timeout)
    if handle._reader is not None:
        handle._reader.join(timeout=timeout)
    if handle._stderr is not None:
        handle._stderr.close()
        handle._stderr = None
    return int(proc.returncode)


# --- net-snmp command-line tools ------------------------------------------------------------

_NETSNMP_HOME: Path | None = None


def netsnmp_home(base: Path) -> None:
    """Give net-snmp's tools a private config and persistent dir (no /etc/snmp/snmp.conf
    ``mibs :`` line, no cached engine state between tests)."""
    global _NETSNMP_HOME
    base.mkdir(parents=True, exist_ok=True)
    (base / "snmp.conf").write_text("")
    _NETSNMP_HOME = base


def netsnmp_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SNMP", "MIB"))}
    env["MIBDIRS"] = f"+{MIBDIR}"
    env["MIBS"] = "SNMPv2-MIB:IF-MIB"  # what tests name; not net-snmp's default list (not installed here)
    if _NETSNMP_HOME is not None:
        env["SNMPCONFPATH"] = str(_NETSNMP_HOME)
        env["SNMP_PERSISTENT_DIR"] = str(_NETSNMP_HOME / "persist")
    return env


def netsnmp(tool: str, *args: str, timeout_s: int = 2, retries: int = 1,
            wall_timeout: float = NETSNMP_TIMEOUT_S) -> subprocess.CompletedProcess[str]:
    """Run ``tool -t timeout_s -r retries ARGS`` (bounded by ``wall_timeout``)."""
    cmd = [tool, "-t", str(timeout_s), "-r", str(retries), *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=wall_timeout, env=netsnmp_env(),
                          stdin=subprocess.DEVNULL)


def netsnmp_raw(tool: str, *args: str, timeout_s: int = 2, retries: int = 1,
                wall_timeout: float = NETSNMP_TIMEOUT_S) -> subprocess.CompletedProcess[bytes]:
    """:func:`netsnmp` with the output as bytes (no newline translation: CR LF stay)."""
    cmd = [tool, "-t", str(timeout_s), "-r", str(retries), *args]
    return subprocess.run(cmd, capture_output=True, timeout=wall_timeout, env=netsnmp_env(),
                          stdin=subprocess.DEVNULL)


def v2c(community: str = COMMUNITY) -> list[str]:
    return ["-v2c", "-c", community]


def v3(user: str = "vigie", auth: str = "SHA-256", auth_key: str = AUTH_KEY, priv_key: str = PRIV_KEY) -> list[str]:
    return ["-v3", "-l", "authPriv", "-u", user, "-a", auth, "-A", auth_key, "-x", "AES", "-X", priv_key]


_RECORD = re.compile(r"^(\.?[0-9]+(?:\.[0-9]+)+|[A-Za-z][\w-]*::[\w.]+) = ")


def parse_records(text: str, keep_cr: bool = False) -> list[tuple[str, str]]:
    """net-snmp output → [(oid, value text)]; values may span several lines (sysDescr).
    ``keep_cr``: split on LF only, so CR LF inside a value survive."""
    out: list[tuple[str, str]] = []
    for line in text.rstrip("\n").split("\n") if keep_cr else text.splitlines():
        m = _RECORD.match(line)
        if m:
            out.append((m.group(1), line[m.end():]))
        elif out:
            oid, value = out[-1]
            out[-1] = (oid, value + "\n" + line)
    return out


END_OF_MIB = "No more variables left in this MIB View"


def oid_tuple(oid: str) -> tuple[int, ...]:
    return tuple(int(x) for x in oid.strip(".").split("."))


def numeric_walk(text: str) -> list[tuple[tuple[int, ...], str]]:
    """``-On`` walk output → [(oid tuple, value)], the end-of-MIB notice removed."""
    return [(oid_tuple(o), v) for o, v in parse_records(text) if not v.startswith(END_OF_MIB)]


def value_type(value: str) -> str:
    return value.split(":", 1)[0] if ": " in value else value


def hex_value(value: str) -> bytes:
    """``-Ox`` output of an OCTET STRING → bytes."""
    if value == '""':
        return b""
    assert value.startswith("Hex-STRING: "), value
    return bytes.fromhex(value[len("Hex-STRING: "):].replace("\n", " "))


def counter(value: str) -> int:
    """``Counter64: 123`` / ``Counter32: 123`` → 123."""
    kind, _, number = value.partition(": ")
    assert kind in ("Counter32", "Counter64"), value
    return int(number)


# --- inventory picks --------------------------------------------------------------------------


def first_device(inv: Inventory, role: Role) -> Device:
    return next(d for d in inv.devices.values() if d.role is role)


def active_interface(inv: Inventory, device: Device) -> int:
    """ifIndex of an interface that carries traffic: admin up and linked."""
    linked = set()
    for link in inv.links_of(device.name):
        mine = link.a if link.a.device == device.name else link.b
        linked.add(mine.interface)
    return next(i.index for i in sorted(device.interfaces, key=lambda i: i.index)
                if i.admin_up and i.name in linked)


# --- a tiny independent BER writer, for raw datagrams -----------------------------------------


def length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def tlv(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + length(len(content)) + content


def ber_int(value: int, tag: int = 0x02) -> bytes:
    n = max(1, (value + (value < 0)).bit_length() // 8 + 1)
    return tlv(tag, value.to_bytes(n, "big", signed=True))


def ber_oid(oid: Sequence[int]) -> bytes:
    out = bytearray([oid[0] * 40 + oid[1]])
    for arc in oid[2:]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        out += bytes(reversed(chunk))
    return tlv(0x06, bytes(out))


def seq(*parts: bytes) -> bytes:
    return tlv(0x30, b"".join(parts))


def octets(data: bytes) -> bytes:
    return tlv(0x04, data)


def pdu(tag: int, request_id: int, oids: Sequence[Sequence[int]], a: int = 0, b: int = 0) -> bytes:
    """A request PDU (GET 0xA0, GETNEXT 0xA1, SET 0xA3, GETBULK 0xA5 with a/b =
    non-repeaters/max-repetitions) with NULL values."""
    vbs = seq(*(seq(ber_oid(o), b"\x05\x00") for o in oids))
    return tlv(tag, ber_int(request_id) + ber_int(a) + ber_int(b) + vbs)


def v2c_message(pdu_bytes: bytes, community: bytes = COMMUNITY.encode(), version: int = 1) -> bytes:
    return seq(ber_int(version), octets(community), pdu_bytes)


def v3_message(msg_id: int, usm_params: bytes, scoped: bytes, flags: int = 0x04, max_size: int = 65507,
               security_model: int = 3) -> bytes:
    header = seq(ber_int(msg_id), ber_int(max_size), octets(bytes([flags])), ber_int(security_model))
    return seq(ber_int(3), header, octets(usm_params), scoped)


def usm(engine_id: bytes = b"", boots: int = 0, time_: int = 0, user: bytes = b"", auth: bytes = b"",
        priv: bytes = b"") -> bytes:
    return seq(octets(engine_id), ber_int(boots), ber_int(time_), octets(user), octets(auth), octets(priv))


def discovery_request(msg_id: int, request_id: int) -> bytes:
    """The RFC 3414 §4 discovery probe: noAuthNoPriv, reportable, empty engine id and user."""
    scoped = seq(octets(b""), octets(b""), pdu(0xA0, request_id, []))
    return v3_message(msg_id, usm(), scoped)


def exchange(address: str, port: int, datagram: bytes, timeout: float = 2.0) -> bytes | None:
    """Send one datagram to ADDRESS:PORT from a fresh socket; the reply or None (bounded wait)."""
    assert address.startswith("127.")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        s.settimeout(timeout)
        s.sendto(datagram, (address, port))
        try:
            data, src = s.recvfrom(65535)
        except TimeoutError:
            return None
        assert src == (address, port), f"reply came from {src}, not {(address, port)}"
        return data
