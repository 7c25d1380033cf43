"""Errors as a real agent reports them, and a farm that survives whatever it is sent.

Wrong community: no answer (a timeout). Missing instance / object: the v2c exceptions.
SET: notWritable. Then 2,000 malformed datagrams (seeded): random bytes, truncated and
bit-flipped requests, absurd BER lengths, v3 messages with garbage USM parameters,
GETBULK with absurd repetitions; afterwards the farm still answers correctly. Addresses
that are not devices never answer.
"""

from __future__ import annotations

import random
import socket
import time
from collections.abc import Callable

import pytest
from pyasn1.codec.ber import decoder
from pysnmp.proto import api
from pysnmp.proto.mpmod.rfc3412 import SNMPv3Message

from tests.integration.farmkit import (
    FarmHandle,
    ber_int,
    ber_oid,
    discovery_request,
    exchange,
    first_device,
    netsnmp,
    octets,
    parse_records,
    pdu,
    seq,
    tlv,
    usm,
    v2c,
    v2c_message,
    v3_message,
)
from vigie.model import Role

pytestmark = pytest.mark.integration

SYS_NAME = (1, 3, 6, 1, 2, 1, 1, 5, 0)
SYS_UPTIME = (1, 3, 6, 1, 2, 1, 1, 3, 0)
IF_NAME = (1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 1)
GET, GETNEXT, SET, GETBULK = 0xA0, 0xA1, 0xA3, 0xA5
MAX_MESSAGE_SIZE = 8192  # the farm's default --max-message-size
FLOOD = 2000
SEED = 20_240_611


def _decode_reply(data: bytes) -> tuple[int, object]:
    """An agent's reply, decoded by pyasn1 with pysnmp's schemas (never Vigie's codec)."""
    version = int(api.decodeMessageVersion(data))
    if version == 3:
        msg, rest = decoder.decode(data, asn1Spec=SNMPv3Message())
    else:
        msg, rest = decoder.decode(data, asn1Spec=api.PROTOCOL_MODULES[version].Message())
    assert rest == b"", "trailing bytes after the reply"
    return version, msg


def test_wrong_community_gets_no_answer(farm: FarmHandle) -> None:
    dev = first_device(farm.inventory, Role.CE)
    r = netsnmp("snmpget", *v2c("private"), farm.target(dev), "SNMPv2-MIB::sysName.0", timeout_s=1, retries=0)
    assert r.returncode != 0
    assert "Timeout: No Response from" in r.stderr, r.stderr


def test_missing_instance_and_object(farm: FarmHandle) -> None:
    dev = first_device(farm.inventory, Role.CE)
    r = netsnmp("snmpget", *v2c(), "-On", farm.target(dev), "SNMPv2-MIB::sysUpTime.1", ".1.3.6.1.2.1.1.99.0",
                ".1.3.6.1.4.1.9.9.9.0", "SNMPv2-MIB::sysName.0")
    assert r.returncode == 0, r.stderr
    got = dict(parse_records(r.stdout))
    assert got[".1.3.6.1.2.1.1.3.1"] == "No Such Instance currently exists at this OID"
    assert got[".1.3.6.1.2.1.1.99.0"] == "No Such Object available on this agent at this OID"
    assert got[".1.3.6.1.4.1.9.9.9.0"] == "No Such Object available on this agent at this OID"
    assert got[".1.3.6.1.2.1.1.5.0"] == f"STRING: {dev.name}"


def test_set_is_refused_not_writable(farm: FarmHandle) -> None:
    dev = first_device(farm.inventory, Role.CE)
    r = netsnmp("snmpset", *v2c(), farm.target(dev), "SNMPv2-MIB::sysName.0", "s", "hijacked")
    assert r.returncode != 0
    assert "notWritable" in r.stdout + r.stderr, r.stdout + r.stderr
    r = netsnmp("snmpget", *v2c(), farm.target(dev), "SNMPv2-MIB::sysName.0")
    assert r.stdout.strip() == f"SNMPv2-MIB::sysName.0 = STRING: {dev.name}"


def test_getbulk_with_absurd_repetitions_is_capped(farm: FarmHandle) -> None:
    dev = first_device(farm.inventory, Role.COLLECT)
    for non_repeaters in (0, -1):
        req = v2c_message(pdu(GETBULK, 77, [(1, 3), IF_NAME], non_repeaters, 100_000))
        data = exchange(dev.mgmt_address, farm.port, req)
        if data is None and non_repeaters < 0:
            continue  # dropping an out-of-range non-repeaters is acceptable too
        assert data is not None, "no answer to a GETBULK with max-repetitions 100000"
        assert len(data) <= MAX_MESSAGE_SIZE
        version, msg = _decode_reply(data)
        assert version == 1
        rsp = api.v2c.apiMessage.get_pdu(msg)
        assert int(api.v2c.apiPDU.get_request_id(rsp)) == 77
        assert int(api.v2c.apiPDU.get_error_status(rsp)) == 0
        assert len(api.v2c.apiPDU.get_varbinds(rsp)) >= 2


def _valid_requests(rng: random.Random) -> list[bytes]:
    rid = rng.randrange(1, 2**31)
    return [
        v2c_message(pdu(GET, rid, [SYS_NAME, SYS_UPTIME])),
        v2c_message(pdu(GETNEXT, rid, [(1, 3, 6, 1, 2, 1, 2)])),
        v2c_message(pdu(GETBULK, rid, [(1, 3, 6, 1, 2, 1, 1), IF_NAME], 1, 10)),
        discovery_request(rid, rid + 1),
    ]


def _absurd_length(rng: random.Random, req: bytes) -> bytes:
    """A valid request whose BER lengths lie."""
    choice = rng.randrange(7)
    if choice == 0:  # outer SEQUENCE claims 2 GiB
        return b"\x30\x84\x7f\xff\xff\xff" + req[2:]
    if choice == 1:  # 9-byte long-form length
        return b"\x30\x89" + b"\xff" * 9 + req[2:]
    if choice == 2:  # indefinite length (not allowed in SNMP's BER)
        return b"\x30\x80" + req[2:] + b"\x00\x00"
    if choice == 3:  # community claims more bytes than the datagram has
        return req[:5] + b"\x84\x00\x01\x00\x00" + req[6:]
    if choice == 4:  # a request-id of 200 bytes
        return v2c_message(tlv(GET, tlv(0x02, b"\x7f" + bytes(199)) + ber_int(0) + ber_int(0)
                               + seq(seq(ber_oid(SYS_NAME), b"\x05\x00"))))
    if choice == 5:  # an OID arc far beyond 2**64
        return v2c_message(pdu(GET, 5, [(1, 3, 6, 1, 2**80, 1)]))
    # a varbind list claiming 65,535 bytes
    return v2c_message(tlv(GET, ber_int(5) + ber_int(0) + ber_int(0) + b"\x30\x82\xff\xff"
                           + seq(ber_oid(SYS_NAME), b"\x05\x00")))


def _garbage_usm(rng: random.Random) -> bytes:
    scoped = seq(octets(b""), octets(b""), pdu(GET, rng.randrange(2**31), [SYS_NAME]))
    choice = rng.randrange(8)
    if choice == 0:  # security parameters that are not BER at all
        return v3_message(rng.randrange(2**31), rng.randbytes(rng.randrange(0, 120)), scoped)
    if choice == 1:  # authPriv flags with random engine id / user / auth / priv parameters
        params = usm(rng.randbytes(rng.randrange(0, 40)), rng.randrange(2**31), rng.randrange(2**31),
                     rng.randbytes(rng.randrange(0, 40)), rng.randbytes(rng.randrange(0, 30)),
                     rng.randbytes(rng.randrange(0, 10)))
        return v3_message(rng.randrange(2**31), params, octets(rng.randbytes(64)), flags=0x07)
    if choice == 2:  # negative boots and time, a user name of 300 bytes
        return v3_message(1, usm(b"\x80\x00\x00\x09\x01" + bytes(4), -1, -5, b"u" * 300), scoped)
    if choice == 3:  # privacy without authentication (invalid flags)
        return v3_message(2, usm(user=b"vigie", priv=bytes(8)), octets(rng.randbytes(48)), flags=0x06)
    if choice == 4:  # unknown security model, absurd max size
        return v3_message(3, usm(), scoped, security_model=99, max_size=rng.choice([0, -1, 2**40]))
    if choice == 5:  # encrypted PDU that is not a multiple of anything, for the real user
        params = usm(b"\x80\x00\x00\x09\x01" + bytes(4), 1, 1, b"vigie", bytes(24), bytes(8))
        return v3_message(4, params, octets(rng.randbytes(rng.randrange(0, 33))), flags=0x03)
    if choice == 6:  # USM parameters SEQUENCE with missing fields
        return v3_message(5, seq(octets(b"x"), ber_int(1)), scoped)
    return v3_message(6, usm(), tlv(0xA0, rng.randbytes(20)))  # scopedPDU of the wrong type


def _absurd_bulk(rng: random.Random) -> bytes:
    nr, mr = rng.choice([(-1, 100_000), (2**31 - 1, 100_000), (-1, -1), (0, 2**31 - 1), (5, 100_000)])
    return v2c_message(pdu(GETBULK, rng.randrange(2**31), [(1, 3), IF_NAME, SYS_NAME], nr, mr))


def _malformed(rng: random.Random, n: int) -> list[bytes]:
    makers: list[Callable[[], bytes]] = [
        lambda: rng.randbytes(rng.randrange(0, 600)),
        lambda: b"\x30" + rng.randbytes(rng.randrange(0, 200)),
        lambda: (lambda r: r[: rng.randrange(1, len(r))])(rng.choice(_valid_requests(rng))),
        lambda: _absurd_length(rng, rng.choice(_valid_requests(rng)[:3])),
        lambda: _garbage_usm(rng),
        lambda: _absurd_bulk(rng),
        lambda: bytes(b ^ (1 << rng.randrange(8)) if rng.random() < 0.05 else b
                      for b in rng.choice(_valid_requests(rng))),
    ]
    return [makers[i % len(makers)]() for i in range(n)]


def test_flood_of_malformed_datagrams(farm: FarmHandle) -> None:
    rng = random.Random(SEED)
    devices = [first_device(farm.inventory, Role.CE), first_device(farm.inventory, Role.COLLECT)]
    datagrams = _malformed(rng, FLOOD)
    replies: list[bytes] = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * 1024 * 1024)
        sock.setblocking(False)

        def drain() -> None:
            for _ in range(FLOOD):
                try:
                    replies.append(sock.recv(65535))
                except BlockingIOError:
                    return

        for i, datagram in enumerate(datagrams):
            sock.sendto(datagram, (devices[i % 2].mgmt_address, farm.port))
            if i % 100 == 99:
                drain()
                time.sleep(0.005)  # let the farm keep up (a flood, not a buffer-overflow test)
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            drain()
            time.sleep(0.05)
    assert farm.alive(), f"farm died; stderr:\n{farm.stderr()}"
    # whatever the farm answered is well-formed SNMP within its size limit (pyasn1 is slow:
    # decode a sample of the large replies, all the small ones)
    assert all(len(data) <= MAX_MESSAGE_SIZE for data in replies)
    small = [d for d in replies if len(d) < 1000]
    large = [d for d in replies if len(d) >= 1000]
    for data in small + rng.sample(large, min(len(large), 20)):
        _decode_reply(data)
    for dev in devices:
        r = netsnmp("snmpget", *v2c(), farm.target(dev), "SNMPv2-MIB::sysName.0")
        assert r.returncode == 0, r.stderr
        assert r.stdout.strip() == f"SNMPv2-MIB::sysName.0 = STRING: {dev.name}"
    assert "Traceback" not in farm.stderr(), farm.stderr()


def test_address_that_is_not_a_device_never_answers(farm: FarmHandle) -> None:
    taken = {d.mgmt_address for d in farm.inventory.devices.values()}
    addresses = ("127.250.0.1", "127.16.0.250", "127.0.0.1")
    assert not taken & set(addresses)
    dev = first_device(farm.inventory, Role.CE)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(0.2)
        for address in addresses:
            sock.sendto(v2c_message(pdu(GET, 9, [SYS_NAME])), (address, farm.port))
            sock.sendto(discovery_request(9, 10), (address, farm.port))
        sock.sendto(v2c_message(pdu(GET, 11, [SYS_NAME])), (dev.mgmt_address, farm.port))  # the control
        sources = []
        deadline = time.monotonic() + 0.6  # loopback replies take milliseconds
        while time.monotonic() < deadline:
            try:
                sources.append(sock.recvfrom(65535)[1])
            except TimeoutError:
                continue
    assert sources == [(dev.mgmt_address, farm.port)]
    r = netsnmp("snmpget", *v2c(), "127.250.0.1:" + str(farm.port), "SNMPv2-MIB::sysName.0", timeout_s=1, retries=0)
    assert r.returncode != 0 and "Timeout" in r.stderr, r.stderr
