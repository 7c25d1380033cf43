"""Fuzzing (hypothesis, derandomised, bounded): random bytes and mutated valid messages
give a value or an SnmpError, never another exception, never a hang, never huge memory."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vigie.snmp import (
    END_OF_MIB_VIEW,
    GET,
    RESPONSE,
    AgentRequest,
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
    SnmpDecodeError,
    SnmpError,
    TimeTicks,
    UsmStats,
    UsmUser,
    V3Message,
    build_discovery_request,
    decode_message,
    decode_v3_response,
    encode_community_message,
    encode_v3_request,
    encode_v3_response,
    process_v3_request,
)

FUZZ = settings(
    max_examples=400,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
ENGINE = bytes.fromhex("80001f8880f00dcafe")
USER = UsmUser.create("fuzz", AuthProtocol.SHA256, "authpass-fuzz", PrivProtocol.AES128, "privpass-fuzz")
USERS = {USER.name: USER, b"plain": UsmUser(b"plain")}


GOOD_PCAPS = (
    "snmpv1_get.pcap",
    "snmpv2_get.pcap",
    "snmpv2_get_bulk.pcap",
    "snmpv2_get_next.pcap",
    "snmpv3_get_next.pcap",
    "snmpwalk-short.pcap",
    "snmp-crash-62790.pcap",
)


def build_seeds(pcap_payloads: Callable[[str], list[bytes]]) -> list[bytes]:
    seeds: list[bytes] = []
    for name in GOOD_PCAPS:
        seeds.extend(pcap_payloads(name)[:6])
    varbinds = (
        ((1, 3, 6, 1, 2, 1, 1, 1, 0), b"descr" * 30),
        ((1, 3, 6, 1, 2, 1, 1, 2, 0), ObjectIdentifier((1, 3, 6, 1, 4, 1, 2**32 - 1))),
        ((1, 3, 6, 1, 2, 1, 1, 3, 0), TimeTicks(99)),
        ((1, 3, 6, 1, 2, 1, 2, 2, 1, 10, 1), Counter32(7)),
        ((1, 3, 6, 1, 2, 1, 2, 2, 1, 5, 1), Gauge32(10**9)),
        ((1, 3, 6, 1, 2, 1, 4, 20, 1, 1, 1), IpAddress(b"\x0a\x00\x00\x01")),
        ((1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 6, 1), Counter64(2**64 - 1)),
        ((1, 3, 6, 1, 4, 1, 1, 0), Opaque(b"\x01")),
        ((1, 3, 6, 1, 4, 1, 2, 0), -5),
        ((1, 3, 6, 1, 4, 1, 3, 0), None),
        ((1, 3, 6, 1, 4, 1, 4, 0), END_OF_MIB_VIEW),
    )
    seeds.append(encode_community_message(1, b"public", Pdu(RESPONSE, 1, 0, 0, varbinds)))
    seeds.append(encode_community_message(0, b"public", Pdu(GET, 2, 0, 0, varbinds[:3])))
    seeds.append(build_discovery_request(5, 6))
    request = encode_v3_request(
        Pdu(GET, 9, 0, 0, varbinds[:2]), user=USER, engine_id=ENGINE, engine_boots=1, engine_time=100, msg_id=3, salt=11
    )
    seeds.append(request)
    msg = decode_message(request)
    assert isinstance(msg, V3Message)
    accepted = process_v3_request(msg, engine_id=ENGINE, engine_boots=1, engine_time=100, users=USERS, stats=UsmStats())
    assert isinstance(accepted, AgentRequest)
    seeds.append(
        encode_v3_response(
            accepted, Pdu(RESPONSE, 9, 0, 0, varbinds), engine_id=ENGINE, engine_boots=1, engine_time=100, salt=12
        )
    )
    return seeds


@pytest.fixture(scope="module")
def seeds(pcap_payloads: Callable[[str], list[bytes]]) -> list[bytes]:
    return build_seeds(pcap_payloads)


def exercise(data: bytes) -> None:
    """Everything an agent or a poller does with untrusted bytes."""
    try:
        msg = decode_message(data)
    except SnmpError:
        return
    if isinstance(msg, CommunityMessage):
        encode_community_message(msg.version, msg.community, msg.pdu)  # what we read, we can write
        return
    try:
        process_v3_request(msg, engine_id=ENGINE, engine_boots=1, engine_time=100, users=USERS, stats=UsmStats())
    except SnmpError:
        pass
    try:
        decode_v3_response(msg, USER)
    except SnmpError:
        pass


@FUZZ
@given(st.binary(max_size=300))
def test_random_bytes(data: bytes) -> None:
    exercise(data)


@FUZZ
@given(st.binary(max_size=200))
def test_random_bytes_inside_a_sequence(data: bytes) -> None:
    exercise(b"\x30" + bytes([len(data)]) + data if len(data) < 128 else b"\x30\x81" + bytes([len(data)]) + data)


def mutate(source: st.DataObject, seeds: list[bytes]) -> bytes:
    draw = source.draw
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "byte", "truncate", "insert", "delete", "length"]))
        if not data:
            break
        pos = draw(st.integers(0, len(data) - 1))
        if kind == "flip":
            data[pos] ^= 1 << draw(st.integers(0, 7))
        elif kind == "byte":
            data[pos] = draw(st.integers(0, 255))
        elif kind == "truncate":
            del data[pos:]
        elif kind == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=4))
        elif kind == "delete":
            del data[pos : pos + draw(st.integers(1, 4))]
        else:  # replace a length with a huge or indefinite one
            data[pos : pos + 1] = draw(st.sampled_from([b"\x80", b"\x84\x7f\xff\xff\xff", b"\x81\xff", b"\x89"]))
    return bytes(data)


@FUZZ
@given(st.data())
def test_mutated_valid_messages(seeds: list[bytes], data: st.DataObject) -> None:
    exercise(mutate(data, seeds))


def test_every_truncation_of_every_seed(seeds: list[bytes]) -> None:
    for data in seeds:
        exercise(data)
        for cut in range(len(data)):
            with pytest.raises(SnmpError):
                decode_message(data[:cut])


def test_malformed_captures(pcap_payloads: Callable[[str], list[bytes]]) -> None:
    for name in ("snmp-crash-62790.pcap", "snmp-oid-subidentifier-too-long.pcap"):
        for data in pcap_payloads(name):
            exercise(data)


@pytest.mark.parametrize(
    "data",
    [
        b"\x30\x84\x7f\xff\xff\xff\x02\x01\x01\x04",  # 2 GB message in 10 octets
        b"\x30\x08\x02\x01\x01\x04\x84\x7f\xff\xff\xff",  # 2 GB community
        b"\x30\x0e\x02\x01\x01\x04\x00\xa2\x84\x7f\xff\xff\xff\x02\x01\x01",  # 2 GB PDU
        b"\x30\x80\x02\x01\x01\x00\x00",  # indefinite length
        b"\x30\x89" + b"\xff" * 9,  # 9-octet length
    ],
)
def test_huge_declared_lengths_fail_fast_and_small(data: bytes) -> None:
    tracemalloc.start()
    start = time.perf_counter()
    with pytest.raises(SnmpDecodeError):
        decode_message(data)
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert elapsed < 0.05
    assert peak < 100_000


def test_long_runs_of_continuation_octets_and_deep_varbind_lists_stay_bounded() -> None:
    oid = b"\x2b" + b"\xff" * 60_000 + b"\x01"
    body = b"\x06\x83" + len(oid).to_bytes(3, "big") + oid + b"\x05\x00"
    varbind = b"\x30\x83" + len(body).to_bytes(3, "big") + body
    tracemalloc.start()
    start = time.perf_counter()
    with pytest.raises(SnmpDecodeError, match="greater than"):
        from vigie.snmp.pdu import decode_varbinds

        decode_varbinds(varbind, 0, len(varbind))
    assert time.perf_counter() - start < 0.05
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 1_000_000
    many = b"".join(b"\x30\x07\x06\x03\x2b\x06\x01\x05\x00" for _ in range(5000))
    from vigie.snmp.pdu import decode_varbinds

    assert len(decode_varbinds(many, 0, len(many))) == 5000


def test_single_octet_corruptions_of_the_v3_response(seeds: list[bytes]) -> None:
    data = bytearray(seeds[-1])  # the authPriv response
    for pos in range(0, len(data), 3):
        for value in (0x00, 0x80, 0xFF):
            copy = bytearray(data)
            copy[pos] = value
            exercise(bytes(copy))
