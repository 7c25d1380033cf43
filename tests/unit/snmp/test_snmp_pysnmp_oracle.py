"""pysnmp/pyasn1 as the oracle for community messages: each side decodes what the other
encodes, and both produce the very same octets for the same message."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyasn1.codec.ber import decoder, encoder
from pysnmp.proto.api import v1 as pv1
from pysnmp.proto.api import v2c as pv2

from vigie.snmp import (
    END_OF_MIB_VIEW,
    GET,
    GETBULK,
    GETNEXT,
    NO_SUCH_INSTANCE,
    NO_SUCH_OBJECT,
    RESPONSE,
    SET,
    CommunityMessage,
    Counter32,
    Counter64,
    Gauge32,
    IpAddress,
    ObjectIdentifier,
    Opaque,
    Pdu,
    TimeTicks,
    Value,
    VarBind,
    decode_message,
    encode_community_message,
)

ALL_VALUES: list[Value] = [
    0,
    -1,
    2**31 - 1,
    -(2**31),
    b"",
    b"\x00\xffbinary",
    b"x" * 300,
    None,
    ObjectIdentifier((1, 3, 6, 1, 4, 1, 8072, 3, 2, 10)),
    IpAddress(b"\x0a\x00\x00\x01"),
    Counter32(2**32 - 1),
    Gauge32(1_000_000_000),
    TimeTicks(123456),
    Opaque(b"\x9f\x78\x04\x3f\x80\x00\x00"),
    Counter64(2**64 - 1),
    Counter64(0),
    NO_SUCH_OBJECT,
    NO_SUCH_INSTANCE,
    END_OF_MIB_VIEW,
]
V1_VALUES: list[Value] = [
    v
    for v in ALL_VALUES
    if not isinstance(v, Counter64) and v not in (NO_SUCH_OBJECT, NO_SUCH_INSTANCE, END_OF_MIB_VIEW)
]

_PYSNMP_PDU = {
    GET: pv2.GetRequestPDU,
    GETNEXT: pv2.GetNextRequestPDU,
    GETBULK: pv2.GetBulkRequestPDU,
    RESPONSE: pv2.ResponsePDU,
    SET: pv2.SetRequestPDU,
}
_PYSNMP_V1_PDU = {
    GET: pv1.GetRequestPDU,
    GETNEXT: pv1.GetNextRequestPDU,
    RESPONSE: pv1.GetResponsePDU,
    SET: pv1.SetRequestPDU,
}


def to_pysnmp(value: Value, v1: bool = False) -> Any:
    api = pv1 if v1 else pv2
    if value is None:
        return api.Null("")
    if value is NO_SUCH_OBJECT:
        return pv2.NoSuchObject("")
    if value is NO_SUCH_INSTANCE:
        return pv2.NoSuchInstance("")
    if value is END_OF_MIB_VIEW:
        return pv2.EndOfMibView("")
    table: list[tuple[type, Any]] = [
        (Counter64, pv2.Counter64),
        (Counter32, pv1.Counter if v1 else pv2.Counter32),
        (Gauge32, pv1.Gauge if v1 else pv2.Gauge32),
        (TimeTicks, api.TimeTicks),
        (IpAddress, api.IpAddress),
        (Opaque, api.Opaque),
        (ObjectIdentifier, api.ObjectIdentifier),
        (int, api.Integer),
        (bytes, api.OctetString),
    ]
    for ours, theirs in table:
        if isinstance(value, ours):
            return theirs(value)
    raise AssertionError(value)


def from_pysnmp(value: Any) -> Value:
    tag = bytes(encoder.encode(value))[0]
    if tag == 0x02:
        return int(value)
    if tag == 0x04:
        return bytes(value.asOctets())
    if tag == 0x05:
        return None
    if tag == 0x06:
        return ObjectIdentifier(tuple(value))
    kinds: dict[int, type[bytes]] = {0x40: IpAddress, 0x44: Opaque}
    if tag in kinds:
        return kinds[tag](value.asOctets())
    counters: dict[int, type[int]] = {0x41: Counter32, 0x42: Gauge32, 0x43: TimeTicks, 0x46: Counter64}
    if tag in counters:
        return counters[tag](int(value))
    return {0x80: NO_SUCH_OBJECT, 0x81: NO_SUCH_INSTANCE, 0x82: END_OF_MIB_VIEW}[tag]


def pysnmp_encode(version: int, community: bytes, pdu: Pdu) -> bytes:
    v1 = version == 0
    api = pv1 if v1 else pv2
    theirs = (_PYSNMP_V1_PDU if v1 else _PYSNMP_PDU)[pdu.type]()
    pdu_api = pv2.apiBulkPDU if pdu.type == GETBULK else api.apiPDU
    pdu_api.set_defaults(theirs)
    pdu_api.set_request_id(theirs, pdu.request_id)
    if pdu.type == GETBULK:
        pv2.apiBulkPDU.set_non_repeaters(theirs, pdu.non_repeaters)
        pv2.apiBulkPDU.set_max_repetitions(theirs, pdu.max_repetitions)
    else:
        pdu_api.set_error_status(theirs, pdu.error_status)
        pdu_api.set_error_index(theirs, pdu.error_index)
    pdu_api.set_varbinds(theirs, [(name, to_pysnmp(value, v1)) for name, value in pdu.varbinds])
    msg = api.Message()
    api.apiMessage.set_defaults(msg)
    api.apiMessage.set_community(msg, community)
    api.apiMessage.set_pdu(msg, theirs)
    return bytes(encoder.encode(msg))


def pysnmp_decode(data: bytes) -> tuple[int, bytes, Pdu]:
    version = int(decoder.decode(data, asn1Spec=pv2.Message())[0][0]) if data else -1
    api = pv1 if version == 0 else pv2
    msg, rest = decoder.decode(data, asn1Spec=api.Message())
    assert not rest
    theirs = api.apiMessage.get_pdu(msg)
    pdu_type = bytes(encoder.encode(theirs))[0]
    pdu_api = pv2.apiBulkPDU if pdu_type == GETBULK else api.apiPDU
    varbinds = tuple((tuple(name), from_pysnmp(value)) for name, value in pdu_api.get_varbinds(theirs))
    if pdu_type == GETBULK:
        status, index = int(pdu_api.get_non_repeaters(theirs)), int(pdu_api.get_max_repetitions(theirs))
    else:
        status, index = int(pdu_api.get_error_status(theirs)), int(pdu_api.get_error_index(theirs))
    community = bytes(api.apiMessage.get_community(msg).asOctets())
    return version, community, Pdu(pdu_type, int(pdu_api.get_request_id(theirs)), status, index, varbinds)


def numbered(values: list[Value]) -> tuple[VarBind, ...]:
    return tuple(((1, 3, 6, 1, 4, 1, 99999, i, 0), value) for i, value in enumerate(values))


def pyasn1_quirk(pdu: Pdu) -> bool:
    """pyasn1 encodes negative powers of two non-minimally (-128 as ff80): X.690 says 80."""
    ints = [pdu.request_id, pdu.error_status, pdu.error_index]
    ints += [v for _, v in pdu.varbinds if type(v) is int]
    return any(v < -1 and (-v) & (-v - 1) == 0 for v in ints)


def check_both_ways(version: int, community: bytes, pdu: Pdu) -> None:
    ours = encode_community_message(version, community, pdu)
    theirs = pysnmp_encode(version, community, pdu)
    if not pyasn1_quirk(pdu):
        assert ours == theirs, f"\nours   {ours.hex()}\ntheirs {theirs.hex()}"
    assert pysnmp_decode(ours) == (version, community, pdu)
    decoded = decode_message(theirs)
    assert isinstance(decoded, CommunityMessage)
    assert (decoded.version, decoded.community, decoded.pdu) == (version, community, pdu)
    for (_, a), (_, b) in zip(decoded.pdu.varbinds, pdu.varbinds, strict=True):
        assert type(a) is type(b)


@pytest.mark.parametrize("pdu_type", [GET, GETNEXT, SET, RESPONSE])
def test_v2c_messages_with_every_value_type(pdu_type: int) -> None:
    values: list[Value] = ALL_VALUES if pdu_type in (SET, RESPONSE) else [None] * 5
    check_both_ways(1, b"public", Pdu(pdu_type, 0x7FFFFFFF, 0, 0, numbered(values)))


def test_v2c_getbulk() -> None:
    names = numbered([None, None, None])
    check_both_ways(1, b"s3cr3t", Pdu(GETBULK, 12345, 1, 50, names))


def test_pyasn1_non_minimal_negative_integers_still_decode() -> None:
    pdu = Pdu(RESPONSE, -128, 0, 0, numbered([-(2**31), -256]))
    theirs = pysnmp_encode(1, b"public", pdu)
    assert "0205ff80000000" in theirs.hex()  # the quirk this test documents
    assert encode_community_message(1, b"public", pdu) != theirs
    check_both_ways(1, b"public", pdu)


def test_v2c_response_with_error_status_and_negative_request_id() -> None:
    check_both_ways(1, b"", Pdu(RESPONSE, -5, 5, 2, numbered([b"a", None])))


@pytest.mark.parametrize("pdu_type", [GET, GETNEXT, SET, RESPONSE])
def test_v1_messages(pdu_type: int) -> None:
    values: list[Value] = V1_VALUES if pdu_type in (SET, RESPONSE) else [None] * 3
    check_both_ways(0, b"public", Pdu(pdu_type, 42, 0, 0, numbered(values)))


def test_big_getbulk_response_like_an_ifxtable_walk() -> None:
    varbinds = tuple(
        ((1, 3, 6, 1, 2, 1, 31, 1, 1, 1, column, index), Counter64(index * 10**15 + column))
        for index in range(1, 60)
        for column in (6, 7, 10, 11)
    )
    check_both_ways(1, b"public", Pdu(RESPONSE, 1, 0, 0, varbinds))


oids = st.lists(st.integers(0, 2**32 - 1), min_size=0, max_size=20).flatmap(
    lambda rest: st.sampled_from([(0, 0), (1, 3), (1, 39), (2, 5), (2, 1000)]).map(lambda head: (*head, *rest))
)
values: st.SearchStrategy[Value] = st.one_of(
    st.integers(-(2**31), 2**31 - 1),
    st.binary(max_size=300),
    st.none(),
    oids.map(ObjectIdentifier),
    st.binary(min_size=4, max_size=4).map(IpAddress),
    st.integers(0, 2**32 - 1).map(Counter32),
    st.integers(0, 2**32 - 1).map(Gauge32),
    st.integers(0, 2**32 - 1).map(TimeTicks),
    st.binary(max_size=20).map(Opaque),
    st.integers(0, 2**64 - 1).map(Counter64),
    st.sampled_from([NO_SUCH_OBJECT, NO_SUCH_INSTANCE, END_OF_MIB_VIEW]),
)


@settings(max_examples=150, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    request_id=st.integers(-(2**31), 2**31 - 1),
    community=st.binary(max_size=40),
    varbinds=st.lists(st.tuples(oids, values), max_size=12),
)
def test_random_responses_agree_with_pysnmp(request_id: int, community: bytes, varbinds: list[VarBind]) -> None:
    check_both_ways(1, community, Pdu(RESPONSE, request_id, 0, 0, tuple(varbinds)))
