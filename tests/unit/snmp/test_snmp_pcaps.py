"""Real captures (Wireshark sample captures, BSD-3, see tests/data/pcaps/COPYING): every
SNMP payload decodes, and re-encodes to the same octets whenever the original was canonical
(pyasn1 decodes and re-encodes it unchanged)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest
from pyasn1.codec.ber import decoder, encoder
from pysnmp.proto.api import v1 as pv1
from pysnmp.proto.api import v2c as pv2
from pysnmp.proto.mpmod.rfc3412 import SNMPv3Message

from vigie.snmp import (
    GET,
    GETBULK,
    GETNEXT,
    REPORT,
    RESPONSE,
    SET,
    AgentReport,
    CommunityMessage,
    SnmpDecodeError,
    UsmStats,
    UsmUser,
    V3Message,
    decode_message,
    decode_v3_response,
    encode_community_message,
    encode_v3_message,
    process_v3_request,
)

Payloads = Callable[[str], list[bytes]]
GOOD = [
    "snmpv1_get.pcap",
    "snmpv2_get.pcap",
    "snmpv2_get_bulk.pcap",
    "snmpv2_get_next.pcap",
    "snmpv3_get_next.pcap",
    "snmpwalk-short.pcap",
]


def pyasn1_canonical(data: bytes, msg: CommunityMessage | V3Message) -> bool:
    """True when pyasn1 re-encodes ``data`` to the same octets."""
    spec = SNMPv3Message() if isinstance(msg, V3Message) else pv1.Message() if msg.version == 0 else pv2.Message()
    msg, rest = decoder.decode(data, asn1Spec=spec)
    return not rest and bytes(encoder.encode(msg)) == data


def reencode(msg: CommunityMessage | V3Message) -> bytes:
    if isinstance(msg, CommunityMessage):
        return encode_community_message(msg.version, msg.community, msg.pdu)
    return encode_v3_message(msg)


@pytest.mark.parametrize("name", GOOD)
def test_every_payload_decodes_and_canonical_ones_reencode_identically(name: str, pcap_payloads: Payloads) -> None:
    payloads = pcap_payloads(name)
    assert payloads
    compared = 0
    for data in payloads:
        msg = decode_message(data)
        if isinstance(msg, V3Message) and b"\x02\x01\xdd" in data:
            continue  # boots/time 221 sent as -35 (no leading zero): see the test below
        if pyasn1_canonical(data, msg):
            assert reencode(msg) == data, data.hex()
            compared += 1
    assert compared >= 1


def test_capture_contents(pcap_payloads: Payloads) -> None:
    kinds: Counter[tuple[int, int]] = Counter()
    for name in GOOD:
        for data in pcap_payloads(name):
            msg = decode_message(data)
            if isinstance(msg, CommunityMessage):
                kinds[(msg.version, msg.pdu.type)] += 1
    assert kinds[(0, GET)] == 25 and kinds[(0, RESPONSE)] == 28 and kinds[(0, SET)] == 5
    assert kinds[(1, GETBULK)] == 1 and kinds[(1, GETNEXT)] == 201
    bulk = decode_message(pcap_payloads("snmpv2_get_bulk.pcap")[0])
    assert isinstance(bulk, CommunityMessage) and bulk.community == b""
    assert bulk.pdu.varbinds == (((1, 3, 6, 1, 2, 1, 1, 5, 0), None),)


def test_walk_capture_pairs_requests_and_responses(pcap_payloads: Payloads) -> None:
    requests: dict[int, tuple[int, ...]] = {}
    answered = 0
    for data in pcap_payloads("snmpwalk-short.pcap"):
        msg = decode_message(data)
        assert isinstance(msg, CommunityMessage)
        if msg.pdu.type == GETNEXT:
            requests[msg.pdu.request_id] = msg.pdu.varbinds[0][0]
        else:
            asked = requests.pop(msg.pdu.request_id)
            name = msg.pdu.varbinds[0][0]
            assert name > asked, "a GETNEXT answer must be lexicographically greater"
            answered += 1
    assert answered == 200 and not requests


def test_v3_capture_with_leading_zero_bug_is_read_as_the_sender_meant(pcap_payloads: Payloads) -> None:
    msgs = [decode_message(data) for data in pcap_payloads("snmpv3_get_next.pcap")]
    assert all(isinstance(m, V3Message) for m in msgs)
    discovery, report, request, response = msgs
    assert isinstance(discovery, V3Message) and isinstance(report, V3Message)
    assert isinstance(request, V3Message) and isinstance(response, V3Message)
    assert discovery.reportable and discovery.usm is not None and discovery.usm.engine_id == b""
    assert report.usm is not None and report.usm.engine_boots == 221  # sent as 02 01 dd
    assert report.scoped_pdu is not None and report.scoped_pdu.pdu.type == REPORT
    assert request.usm is not None and request.usm.user_name == b"username"
    assert response.scoped_pdu is not None and response.scoped_pdu.pdu.varbinds == (((1, 3, 6, 1, 2, 1, 1, 6, 0), b""),)
    # Our agent answers the captured discovery request with its own engine values.
    result = process_v3_request(
        discovery, engine_id=b"\x80\x00\x00\x00\x01", engine_boots=1, engine_time=9, users={}, stats=UsmStats()
    )
    assert isinstance(result, AgentReport) and result.reason == "unknownEngineIDs" and result.data is not None
    answer = decode_v3_response(result.data, UsmUser(b""))
    assert answer.pdu.request_id == discovery.scoped_pdu.pdu.request_id  # type: ignore[union-attr]
    assert answer.msg_id == discovery.msg_id and answer.engine_id == b"\x80\x00\x00\x00\x01"


def test_malformed_captures_fail_cleanly(pcap_payloads: Payloads) -> None:
    (data,) = pcap_payloads("snmp-oid-subidentifier-too-long.pcap")
    with pytest.raises(SnmpDecodeError, match="sub-identifier") as info:
        decode_message(data)
    assert info.value.offset is not None and data[info.value.offset] == 0x80
    # The Wireshark crash capture is a well-formed authPriv envelope (the crash was in the
    # dissector's decryption): it parses, and unknown users are reported, not raised.
    for data in pcap_payloads("snmp-crash-62790.pcap"):
        msg = decode_message(data)
        assert isinstance(msg, V3Message) and msg.encrypted and msg.encrypted_pdu
        assert encode_v3_message(msg) == data
        assert msg.usm is not None
        result = process_v3_request(
            msg, engine_id=msg.usm.engine_id, engine_boots=0, engine_time=0, users={}, stats=UsmStats()
        )
        assert isinstance(result, AgentReport) and result.reason == "unknownUserNames"
