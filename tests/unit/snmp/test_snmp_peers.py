"""The strongest proof: real peers on loopback.

* net-snmp's ``snmpget``/``snmpwalk``/``snmpbulkwalk`` (v1, v2c, v3 authPriv SHA and
  SHA-256 with AES) read the throwaway agent that only uses our codec;
* pysnmp's own manager (hlapi, its full USM) reads it too;
* our manager side (discovery, authPriv GET/GETBULK, reports) polls net-snmp's ``snmpd``.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from vigie.snmp import (
    GET,
    GETBULK,
    NO_SUCH_OBJECT,
    OID,
    AuthProtocol,
    CommunityMessage,
    Counter32,
    Counter64,
    Gauge32,
    IpAddress,
    ObjectIdentifier,
    Opaque,
    Pdu,
    PrivProtocol,
    RemoteEngine,
    SaltCounter,
    TimeTicks,
    UsmUser,
    V3Response,
    Value,
    build_discovery_request,
    decode_message,
    decode_v3_response,
    encode_request,
    encode_v3_request,
    oid_starts_with,
    parse_oid,
)

if TYPE_CHECKING:  # the agent comes from the conftest fixture; this is only for annotations
    from conftest import MiniAgent

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        shutil.which("snmpget") is None or shutil.which("snmpd") is None,
        reason="net-snmp tools (Debian package snmp, snmpd) not installed",
    ),
]

SHA1_USER = UsmUser.create("vigie", AuthProtocol.SHA, "authpass123", PrivProtocol.AES128, "privpass123")
SHA256_USER = UsmUser.create("vigie256", AuthProtocol.SHA256, "authpass256", PrivProtocol.AES128, "privpass256")
SYS_DESCR = (1, 3, 6, 1, 2, 1, 1, 1, 0)
SYS_NAME = (1, 3, 6, 1, 2, 1, 1, 5, 0)
IF_HC_IN = (1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 6)
NETSNMP_ENV = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "MIBS": "", "MIBDIRS": "/nonexistent"}


def netsnmp(tool: str, *args: str, tmp_path: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = dict(NETSNMP_ENV, SNMP_PERSISTENT_DIR=str(tmp_path / "netsnmp"), HOME=str(tmp_path))
    cmd = [tool, "-m", "", "-On", "-Ox", "-r", "1", "-t", "3", *args]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env, check=False)
    if check:
        assert result.returncode == 0, f"{cmd}: {result.stderr}"
    return result


def parse_netsnmp(output: str) -> dict[OID, Value | str]:
    """``.1.3.6... = TYPE: value`` lines (Hex-STRING values may wrap) -> our values."""
    out: dict[OID, Value | str] = {}
    for entry in re.split(r"\n(?=\.\d)", output.strip()):
        if " = " not in entry:
            continue
        name, _, text = entry.partition(" = ")
        kind, _, value = text.partition(": ")
        parsed: Value | str
        if text == '""':
            parsed = b""
        elif kind == "Hex-STRING":
            parsed = bytes.fromhex(value.replace("\n", " "))
        elif kind == "STRING":
            parsed = value.strip('"').encode()
        elif kind == "OID":
            parsed = ObjectIdentifier(parse_oid(value))
        elif kind == "Timeticks":
            parsed = TimeTicks(int(value.split(")")[0].strip("(")))
        elif kind in ("INTEGER", "Counter32", "Gauge32", "Counter64"):
            cls = {"INTEGER": int, "Counter32": Counter32, "Gauge32": Gauge32, "Counter64": Counter64}[kind]
            parsed = cls(int(value))
        elif kind == "IpAddress":
            parsed = IpAddress.from_string(value)
        elif text.startswith("No Such Object"):
            parsed = NO_SUCH_OBJECT
        else:
            parsed = text
        out[parse_oid(name)] = parsed
    return out


def expected(agent: MiniAgent, name: OID) -> Value | str:
    value = agent.mib[name]
    return "Opaque: Float: 1.000000" if isinstance(value, Opaque) else value


def check_against_mib(agent: MiniAgent, got: dict[OID, Value | str]) -> None:
    assert got
    for name, value in got.items():
        want = expected(agent, name)
        assert value == want, name
        assert type(value) is type(want), name


def v3_args(user: UsmUser, auth: str, auth_pass: str, priv_pass: str) -> list[str]:
    return [
        "-v3",
        "-l",
        "authPriv",
        "-u",
        user.name.decode(),
        "-a",
        auth,
        "-A",
        auth_pass,
        "-x",
        "AES",
        "-X",
        priv_pass,
    ]


@pytest.fixture
def agent(mini_agent: Callable[..., MiniAgent]) -> Iterator[MiniAgent]:
    started = mini_agent(users=(SHA1_USER, SHA256_USER))
    yield started
    assert not started.errors, started.errors


def test_snmpget_v2c_reads_every_value_type(agent: MiniAgent, tmp_path: Path) -> None:
    names = [
        SYS_DESCR,
        (1, 3, 6, 1, 2, 1, 1, 2, 0),
        (1, 3, 6, 1, 2, 1, 1, 3, 0),
        (1, 3, 6, 1, 2, 1, 1, 4, 0),
        (1, 3, 6, 1, 2, 1, 1, 7, 0),
        (1, 3, 6, 1, 4, 1, 99999, 1, 0),
        (1, 3, 6, 1, 4, 1, 99999, 2, 0),
        (1, 3, 6, 1, 4, 1, 99999, 3, 0),
        (1, 3, 6, 1, 4, 1, 99999, 4, 4294967295),
        (1, 3, 6, 1, 2, 1, 2, 2, 1, 5, 1),
        (1, 3, 6, 1, 2, 1, 2, 2, 1, 10, 1),
        (1, 3, 6, 1, 2, 1, 4, 20, 1, 1, 10, 0, 0, 3),
        (*IF_HC_IN, 1),
    ]
    result = netsnmp(
        "snmpget",
        "-v2c",
        "-c",
        "public",
        f"127.0.0.1:{agent.port}",
        *(".".join(map(str, n)) for n in names),
        "1.3.6.1.2.1.1.99.0",
        tmp_path=tmp_path,
    )
    got = parse_netsnmp(result.stdout)
    assert got.pop((1, 3, 6, 1, 2, 1, 1, 99, 0)) is NO_SUCH_OBJECT
    assert sorted(got) == sorted(names)
    check_against_mib(agent, got)


def test_snmpbulkwalk_v2c_and_snmpwalk_v1(agent: MiniAgent, tmp_path: Path) -> None:
    result = netsnmp(
        "snmpbulkwalk", "-v2c", "-c", "public", "-Cr7", f"127.0.0.1:{agent.port}", "1.3.6.1.2.1", tmp_path=tmp_path
    )
    got = parse_netsnmp(result.stdout)
    assert sorted(got) == [n for n in agent.names if oid_starts_with(n, (1, 3, 6, 1, 2, 1))]
    check_against_mib(agent, got)
    result = netsnmp(
        "snmpwalk", "-v1", "-c", "public", f"127.0.0.1:{agent.port}", "1.3.6.1.2.1.2.2.1", tmp_path=tmp_path
    )
    got = parse_netsnmp(result.stdout)
    assert len(got) == 5 * 24
    check_against_mib(agent, got)


@pytest.mark.parametrize(
    ("user", "auth", "auth_pass", "priv_pass"),
    [(SHA1_USER, "SHA", "authpass123", "privpass123"), (SHA256_USER, "SHA-256", "authpass256", "privpass256")],
    ids=["SHA-AES", "SHA256-AES"],
)
def test_snmpget_and_snmpbulkwalk_v3_auth_priv(
    agent: MiniAgent, tmp_path: Path, user: UsmUser, auth: str, auth_pass: str, priv_pass: str
) -> None:
    args = v3_args(user, auth, auth_pass, priv_pass)
    result = netsnmp(
        "snmpget", *args, f"127.0.0.1:{agent.port}", "1.3.6.1.2.1.1.5.0", "1.3.6.1.2.1.1.1.0", tmp_path=tmp_path
    )
    got = parse_netsnmp(result.stdout)
    assert got == {SYS_NAME: b"S01234-R1", SYS_DESCR: agent.mib[SYS_DESCR]}
    result = netsnmp("snmpbulkwalk", *args, f"127.0.0.1:{agent.port}", ".".join(map(str, IF_HC_IN)), tmp_path=tmp_path)
    got = parse_netsnmp(result.stdout)
    assert len(got) == 24
    check_against_mib(agent, got)
    assert agent.stats.unknown_engine_ids >= 1  # net-snmp discovered our engine
    assert agent.stats.wrong_digests == 0 and agent.stats.not_in_time_windows == 0


def test_snmpget_v3_wrong_passphrase_is_refused(agent: MiniAgent, tmp_path: Path) -> None:
    args = v3_args(SHA256_USER, "SHA-256", "wrong-passphrase", "privpass256")
    result = netsnmp("snmpget", *args, f"127.0.0.1:{agent.port}", "1.3.6.1.2.1.1.5.0", tmp_path=tmp_path, check=False)
    assert result.returncode != 0
    assert "Authentication failure" in result.stderr
    assert agent.stats.wrong_digests == 1


def test_pysnmp_manager_reads_our_agent_v2c_and_v3(agent: MiniAgent) -> None:
    hlapi = pytest.importorskip("pysnmp.hlapi.v3arch.asyncio")

    async def run() -> tuple[list[tuple[OID, Any]], list[tuple[OID, Any]]]:
        engine = hlapi.SnmpEngine()
        target = await hlapi.UdpTransportTarget.create(("127.0.0.1", agent.port), timeout=3, retries=1)
        user = hlapi.UsmUserData(
            "vigie256",
            "authpass256",
            "privpass256",
            authProtocol=hlapi.USM_AUTH_HMAC192_SHA256,
            privProtocol=hlapi.USM_PRIV_CFB128_AES,
        )
        err, status, _, v3 = await hlapi.get_cmd(
            engine,
            user,
            target,
            hlapi.ContextData(),
            hlapi.ObjectType(hlapi.ObjectIdentity(SYS_NAME)),
            hlapi.ObjectType(hlapi.ObjectIdentity((*IF_HC_IN, 3))),
            lookupMib=False,
        )
        assert err is None and not status, (err, status)
        err, status, _, bulk = await hlapi.bulk_cmd(
            engine,
            hlapi.CommunityData("public"),
            target,
            hlapi.ContextData(),
            0,
            24,
            hlapi.ObjectType(hlapi.ObjectIdentity(IF_HC_IN)),
            lookupMib=False,
        )
        assert err is None and not status, (err, status)
        engine.close_dispatcher()
        return [(tuple(n), v) for n, v in v3], [(tuple(n), v) for n, v in bulk]

    v3, bulk = asyncio.run(asyncio.wait_for(run(), timeout=30))
    assert [(n, bytes(v)) if i == 0 else (n, int(v)) for i, (n, v) in enumerate(v3)] == [
        (SYS_NAME, b"S01234-R1"),
        ((*IF_HC_IN, 3), agent.mib[(*IF_HC_IN, 3)]),
    ]
    assert [(n, int(v)) for n, v in bulk] == [((*IF_HC_IN, i), agent.mib[(*IF_HC_IN, i)]) for i in range(1, 25)]


# -- our manager side against net-snmp's snmpd -------------------------------------------


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Client:
    """A blocking UDP client for the tests (the real poller is asyncio, in collectors/)."""

    def __init__(self, port: int) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.settimeout(2.0)
        self.addr = ("127.0.0.1", port)

    def ask(self, data: bytes) -> bytes:
        for _ in range(3):
            self.sock.sendto(data, self.addr)
            try:
                return self.sock.recvfrom(65535)[0]
            except TimeoutError:
                continue
        raise AssertionError("no answer from snmpd")


@pytest.fixture(scope="module")
def snmpd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    tmp = tmp_path_factory.mktemp("snmpd")
    port = free_udp_port()
    conf = tmp / "snmpd.conf"
    conf.write_text(
        "rocommunity public 127.0.0.1\n"
        'createUser vigie256 SHA-256 "authpass256" AES "privpass256"\n'
        'createUser vigie SHA "authpass123" AES "privpass123"\n'
        "rouser vigie256 priv\nrouser vigie priv\n"
        "sysName vigie-snmpd\nsysContact noc@vigie.test\nsysLocation loopback\n"
    )
    env = dict(NETSNMP_ENV, SNMP_PERSISTENT_DIR=str(tmp / "persist"))
    proc = subprocess.Popen(
        ["snmpd", "-f", "-Lf", str(tmp / "snmpd.log"), "-C", "-c", str(conf), f"udp:127.0.0.1:{port}"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        client = Client(port)
        client.sock.settimeout(0.2)
        probe = encode_request(1, b"public", GET, 1, [SYS_NAME])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                client.sock.sendto(probe, client.addr)
                client.sock.recvfrom(65535)
                break
            except (TimeoutError, ConnectionRefusedError):
                continue
        else:
            pytest.fail(f"snmpd did not start: {(tmp / 'snmpd.log').read_text(errors='replace')}")
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def test_our_v2c_requests_against_snmpd(snmpd: int) -> None:
    client = Client(snmpd)
    reply = decode_message(
        client.ask(
            encode_request(1, "public", GET, 77, [SYS_NAME, (1, 3, 6, 1, 2, 1, 1, 4, 0), (1, 3, 6, 1, 2, 1, 1, 3, 0)])
        )
    )
    assert isinstance(reply, CommunityMessage) and reply.pdu.request_id == 77
    (_, name), (_, contact), (_, uptime) = reply.pdu.varbinds
    assert (name, contact) == (b"vigie-snmpd", b"noc@vigie.test") and type(uptime) is TimeTicks
    reply = decode_message(
        client.ask(
            encode_request(1, "public", GETBULK, 78, [(1, 3, 6, 1, 2, 1, 2, 2, 1)], non_repeaters=0, max_repetitions=30)
        )
    )
    assert isinstance(reply, CommunityMessage) and len(reply.pdu.varbinds) == 30
    assert all(oid_starts_with(n, (1, 3, 6, 1, 2, 1, 2, 2, 1)) for n, _ in reply.pdu.varbinds[:5])


def discover(client: Client, user: UsmUser) -> RemoteEngine:
    report = decode_v3_response(client.ask(build_discovery_request(msg_id=500, request_id=501)), user)
    assert report.report_reason == "unknownEngineIDs" and report.pdu.request_id == 501
    return RemoteEngine.learn(report, now=time.monotonic())


@pytest.mark.parametrize("user", [SHA1_USER, SHA256_USER], ids=["SHA-AES", "SHA256-AES"])
def test_our_v3_manager_against_snmpd(snmpd: int, user: UsmUser) -> None:
    client = Client(snmpd)
    engine = discover(client, user)
    salts = SaltCounter(int.from_bytes(os.urandom(8), "big"))

    def ask(pdu: Pdu, msg_id: int) -> V3Response:
        now = time.monotonic()
        request = encode_v3_request(
            pdu,
            user=user,
            engine_id=engine.engine_id,
            engine_boots=engine.boots,
            engine_time=engine.estimated_time(now),
            msg_id=msg_id,
            salt=salts(),
        )
        response = decode_v3_response(client.ask(request), user, engine=engine, now=now)
        response.raise_for_report()
        assert response.msg_id == msg_id and response.pdu.request_id == pdu.request_id
        return response

    got = ask(Pdu(GET, 600, 0, 0, ((SYS_NAME, None), (SYS_DESCR, None))), 601)
    assert got.pdu.varbinds[0] == (SYS_NAME, b"vigie-snmpd") and isinstance(got.pdu.varbinds[1][1], bytes)
    bulk = ask(Pdu(GETBULK, 602, 1, 10, (((1, 3, 6, 1, 2, 1, 1, 3), None), ((1, 3, 6, 1, 2, 1, 1), None))), 603)
    assert type(bulk.pdu.varbinds[0][1]) is TimeTicks and len(bulk.pdu.varbinds) == 11


def test_our_v3_manager_gets_reports_from_snmpd(snmpd: int) -> None:
    client = Client(snmpd)
    engine = discover(client, SHA256_USER)
    for user, reason in [
        (
            UsmUser.create("vigie256", AuthProtocol.SHA256, "bad-password", PrivProtocol.AES128, "privpass256"),
            "wrongDigests",
        ),
        (
            UsmUser.create("nobody", AuthProtocol.SHA256, "authpass256", PrivProtocol.AES128, "privpass256"),
            "unknownUserNames",
        ),
    ]:
        request = encode_v3_request(
            Pdu(GET, 700, 0, 0, ((SYS_NAME, None),)),
            user=user,
            engine_id=engine.engine_id,
            engine_boots=engine.boots,
            engine_time=engine.estimated_time(time.monotonic()),
            msg_id=701,
            salt=1,
        )
        assert decode_v3_response(client.ask(request), user).report_reason == reason
    stale = encode_v3_request(
        Pdu(GET, 702, 0, 0, ((SYS_NAME, None),)),
        user=SHA256_USER,
        engine_id=engine.engine_id,
        engine_boots=engine.boots,
        engine_time=engine.estimated_time(time.monotonic()) + 1000,
        msg_id=703,
        salt=2,
    )
    report = decode_v3_response(client.ask(stale), SHA256_USER)
    assert report.report_reason == "notInTimeWindows" and report.security_level == 1  # authenticated
