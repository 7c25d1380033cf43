"""SNMPv3 USM authPriv against net-snmp's tools: SHA-256 (the inventory's v3 profile) and
SHA-1 (``--v3-user``), wrong keys and unknown users, per-device engine IDs."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from pyasn1.codec.ber import decoder
from pysnmp.proto.api import v2c as api
from pysnmp.proto.mpmod.rfc3412 import SNMPv3Message
from pysnmp.proto.rfc1905 import ReportPDU
from pysnmp.proto.secmod.rfc3414.service import UsmSecurityParameters

from tests.integration.farmkit import (
    AUTH_KEY,
    END_OF_MIB,
    PRIV_KEY,
    FarmHandle,
    discovery_request,
    exchange,
    farm_env,
    first_device,
    free_udp_port,
    netsnmp,
    parse_records,
    start_farm,
    stop_farm,
    v3,
)
from vigie.model import Role
from vigie.vendors import VENDORS

pytestmark = pytest.mark.integration

USM_STATS_UNKNOWN_ENGINE_IDS = (1, 3, 6, 1, 6, 3, 15, 1, 1, 4, 0)
U1_AUTH, U1_PRIV = "u1-auth-passphrase", "u1-priv-passphrase"


def _ifx_rows(out: str) -> int:
    return sum(1 for _, v in parse_records(out) if not v.startswith(END_OF_MIB))


@pytest.mark.parametrize("role", [Role.COLLECT, Role.CE])
def test_sha256_get_and_bulkwalk(farm: FarmHandle, role: Role) -> None:
    dev = first_device(farm.inventory, role)
    r = netsnmp("snmpget", *v3(), farm.target(dev), "SNMPv2-MIB::sysName.0")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"SNMPv2-MIB::sysName.0 = STRING: {dev.name}"
    r = netsnmp("snmpbulkwalk", *v3(), farm.target(dev), "IF-MIB::ifXTable")
    assert r.returncode == 0, r.stderr
    assert _ifx_rows(r.stdout) == 19 * len(dev.interfaces)


def test_wrong_passphrase_is_an_authentication_failure(farm: FarmHandle) -> None:
    dev = first_device(farm.inventory, Role.COLLECT)
    r = netsnmp("snmpget", *v3(auth_key="not-the-passphrase"), farm.target(dev), "SNMPv2-MIB::sysName.0")
    assert r.returncode != 0
    assert "Authentication failure" in r.stderr, r.stderr
    r = netsnmp("snmpget", *v3(auth="SHA"), farm.target(dev), "SNMPv2-MIB::sysName.0")  # right key, wrong hash
    assert r.returncode != 0
    assert "Authentication failure" in r.stderr, r.stderr


def test_unknown_user(farm: FarmHandle) -> None:
    dev = first_device(farm.inventory, Role.COLLECT)
    r = netsnmp("snmpget", *v3(user="mallory"), farm.target(dev), "SNMPv2-MIB::sysName.0")
    assert r.returncode != 0
    assert "Unknown user name" in r.stderr, r.stderr


def _discover(farm: FarmHandle, address: str, n: int) -> tuple[bytes, int, int]:
    """RFC 3414 discovery with a raw datagram, the REPORT decoded by pyasn1 (pysnmp's schema)."""
    data = exchange(address, farm.port, discovery_request(1000 + n, 5000 + n))
    assert data is not None, f"no REPORT from {address}"
    msg, rest = decoder.decode(data, asn1Spec=SNMPv3Message())
    assert rest == b""
    assert int(msg["msgGlobalData"]["msgID"]) == 1000 + n
    params, _ = decoder.decode(bytes(msg["msgSecurityParameters"]), asn1Spec=UsmSecurityParameters())
    pdu = msg["msgData"]["plaintext"]["data"].getComponent()
    assert isinstance(pdu, ReportPDU)
    assert int(api.apiPDU.get_request_id(pdu)) == 5000 + n
    [(oid, value)] = api.apiPDU.get_varbinds(pdu)
    assert tuple(oid) == USM_STATS_UNKNOWN_ENGINE_IDS and int(value) >= 1
    return (bytes(params["msgAuthoritativeEngineId"]), int(params["msgAuthoritativeEngineBoots"]),
            int(params["msgAuthoritativeEngineTime"]))


def test_each_device_is_its_own_engine(farm: FarmHandle) -> None:
    devices = [first_device(farm.inventory, role) for role in (Role.CE, Role.COLLECT, Role.CORE, Role.DATACENTRE)]
    seen = {}
    for n, dev in enumerate(devices):
        engine_id, boots, etime = _discover(farm, dev.mgmt_address, n)
        # RFC 3411 format: enterprise with the high bit set, format 1 (IPv4), the address
        enterprise = VENDORS[dev.vendor].enterprise
        assert engine_id == (0x80000000 | enterprise).to_bytes(4, "big") + b"\x01" + socket.inet_aton(dev.mgmt_address)
        assert boots >= 1 and etime >= 0
        seen[engine_id] = dev.name
    assert len(seen) == len(devices)


@pytest.mark.parametrize("level", ["noAuthNoPriv", "authNoPriv"])
def test_authpriv_user_is_refused_below_authpriv(farm: FarmHandle, level: str) -> None:
    dev = first_device(farm.inventory, Role.COLLECT)
    args = ["-v3", "-l", level, "-u", "vigie"] + (["-a", "SHA-256", "-A", AUTH_KEY] if level == "authNoPriv" else [])
    r = netsnmp("snmpget", *args, farm.target(dev), "SNMPv2-MIB::sysName.0", timeout_s=1, retries=0)
    assert dev.name not in r.stdout, f"{level} request of an authPriv user was answered: {r.stdout.strip()}"
    assert r.returncode != 0
    # refused as net-snmp's snmpd does with `rouser NAME priv`, not left unanswered
    assert "authorizationError" in r.stdout + r.stderr or "access denied" in (r.stdout + r.stderr).lower()


@pytest.fixture
def sha1_farm(farm: FarmHandle) -> Iterator[FarmHandle]:
    """A second, short-lived farm on its own port with a SHA-1 user from --v3-user and
    passphrases from custom environment variables."""
    port = free_udp_port()
    handle = start_farm(farm.inventory, farm.inventory_path, farm.directory, port,
                        ["--port", str(port), "--v3-user", "u1", "--v3-auth-protocol", "SHA",
                         "--v3-auth-env", "U1_AUTH", "--v3-priv-env", "U1_PRIV"],
                        env=farm_env(U1_AUTH=U1_AUTH, U1_PRIV=U1_PRIV), name="sha1-farm")
    yield handle
    code = stop_farm(handle)
    assert code == 0, f"SHA-1 farm exited with {code}; stderr:\n{handle.stderr()}"


def test_sha1_user_from_flags(sha1_farm: FarmHandle) -> None:
    assert "'u1'" in sha1_farm.ready_line and "'vigie'" in sha1_farm.ready_line, sha1_farm.ready_line
    dev = first_device(sha1_farm.inventory, Role.CORE)
    u1 = v3(user="u1", auth="SHA", auth_key=U1_AUTH, priv_key=U1_PRIV)
    r = netsnmp("snmpget", *u1, sha1_farm.target(dev), "SNMPv2-MIB::sysName.0")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"SNMPv2-MIB::sysName.0 = STRING: {dev.name}"
    r = netsnmp("snmpbulkwalk", *u1, sha1_farm.target(dev), "IF-MIB::ifXTable")
    assert r.returncode == 0, r.stderr
    assert _ifx_rows(r.stdout) == 19 * len(dev.interfaces)
    # the profile's SHA-256 user is served too; u1 is SHA-1 only
    r = netsnmp("snmpget", *v3(), sha1_farm.target(dev), "SNMPv2-MIB::sysName.0")
    assert r.returncode == 0, r.stderr
    r = netsnmp("snmpget", *v3(user="u1", auth="SHA-256", auth_key=U1_AUTH, priv_key=U1_PRIV),
                sha1_farm.target(dev), "SNMPv2-MIB::sysName.0")
    assert r.returncode != 0 and "Authentication failure" in r.stderr, r.stderr
    assert AUTH_KEY != U1_AUTH and PRIV_KEY != U1_PRIV
