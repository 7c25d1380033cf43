"""BER primitives, value types and round-trips with edge values."""

from __future__ import annotations

import pickle

import pytest

from vigie.errors import VigieError
from vigie.snmp import (
    END_OF_MIB_VIEW,
    GETBULK,
    NO_SUCH_INSTANCE,
    NO_SUCH_OBJECT,
    RESPONSE,
    CommunityMessage,
    Counter32,
    Counter64,
    Gauge32,
    IpAddress,
    ObjectIdentifier,
    Opaque,
    Pdu,
    SnmpDecodeError,
    SnmpEncodeError,
    SnmpError,
    TimeTicks,
    ber,
    clear_caches,
    decode_message,
    encode_community_message,
    encode_request,
    encode_response,
    format_oid,
    oid_starts_with,
    parse_oid,
)
from vigie.snmp.errors import (
    NotInTimeWindowError,
    SnmpAuthError,
    SnmpDecryptError,
    UnknownEngineError,
    UnsupportedSecurityError,
)

EDGE_VALUES = [
    0,
    1,
    -1,
    127,
    128,
    -128,
    -129,
    255,
    256,
    2**31 - 1,
    -(2**31),
    True,
    b"",
    b"x",
    b"\x00" * 127,
    b"y" * 128,
    b"z" * 255,
    b"w" * 256,
    b"v" * 70_000,
    None,
    Counter32(0),
    Counter32(2**31),
    Counter32(2**32 - 1),
    Gauge32(0),
    Gauge32(2**32 - 1),
    TimeTicks(0),
    TimeTicks(2**32 - 1),
    Counter64(0),
    Counter64(2**63),
    Counter64(2**64 - 1),
    Opaque(b""),
    Opaque(b"\x9f\x78\x04\x3f\x80\x00\x00"),
    IpAddress(b"\x00\x00\x00\x00"),
    IpAddress(b"\xff\xff\xff\xff"),
    ObjectIdentifier((0, 0)),
    ObjectIdentifier((1, 3, 6, 1, 4, 1, 2**32 - 1)),
    ObjectIdentifier((2, 999, 3)),
    ObjectIdentifier((2, 2**32 - 81)),
    NO_SUCH_OBJECT,
    NO_SUCH_INSTANCE,
    END_OF_MIB_VIEW,
]


def roundtrip(value: object) -> object:
    data = encode_response(1, b"public", 7, [((1, 3, 6, 1, 2, 1, 1, 1, 0), value)])  # type: ignore[list-item]
    msg = decode_message(data)
    assert isinstance(msg, CommunityMessage)
    return msg.pdu.varbinds[0][1]


@pytest.mark.parametrize("value", EDGE_VALUES, ids=lambda v: f"{type(v).__name__}:{str(v)[:20]}")
def test_value_roundtrip_keeps_value_and_type(value: object) -> None:
    decoded = roundtrip(value)
    if isinstance(value, bool):
        assert decoded == int(value) and type(decoded) is int
        return
    assert decoded == value
    assert type(decoded) is type(value)


def test_exception_values_are_singletons_and_pickle_to_themselves() -> None:
    for value in (NO_SUCH_OBJECT, NO_SUCH_INSTANCE, END_OF_MIB_VIEW):
        assert roundtrip(value) is value
        assert pickle.loads(pickle.dumps(value)) is value
    assert repr(END_OF_MIB_VIEW) == "endOfMibView"


@pytest.mark.parametrize(
    "value",
    [
        2**31,
        -(2**31) - 1,
        Counter32(2**32),
        Counter32(-1),
        Gauge32(2**32),
        TimeTicks(-5),
        Counter64(2**64),
        Counter64(-1),
        IpAddress(b"\x01\x02\x03"),
        "text",
        1.5,
        object(),
    ],
    ids=repr,
)
def test_out_of_range_or_wrong_type_values_raise_encode_error(value: object) -> None:
    with pytest.raises(SnmpEncodeError):
        encode_response(1, b"public", 1, [((1, 3, 6, 1), value)])  # type: ignore[list-item]


@pytest.mark.parametrize(
    "oid",
    [
        (0, 0),
        (0, 39),
        (1, 39),
        (2, 0),
        (2, 40),
        (2, 999),
        (1, 3, 6, 1, 4, 1, 2**32 - 1, 0, 127, 128, 16383, 16384),
        (1, 3) + tuple(range(126)),
        (2, 2**32 - 81),
    ],
)
def test_oid_roundtrip_including_large_arcs(oid: tuple[int, ...]) -> None:
    clear_caches()
    for _ in range(2):  # the second time from the caches
        data = encode_request(1, b"c", 0xA0, 1, [oid])
        msg = decode_message(data)
        assert isinstance(msg, CommunityMessage)
        assert msg.pdu.varbinds == ((oid, None),)


def test_oid_encoding_matches_x690() -> None:
    assert ber.encode_oid((1, 3, 6, 1, 2, 1)) == bytes.fromhex("06052b06010201")
    assert ber.encode_oid_body((2, 999, 3)) == bytes.fromhex("883703")
    assert ber.encode_oid_body((1, 3, 6, 1, 4, 1, 2**32 - 1)) == bytes.fromhex("2b060104018fffffff7f")
    assert ber.encode_oid_body((1, 3, 128)) == bytes.fromhex("2b8100")


@pytest.mark.parametrize(
    "oid",
    [(), (1,), (3, 1), (0, 40), (1, 40), (1, 3, -1), (1, 3, 2**32), (1, 3, "6"), (1, 3, 1.0), (1, 3) + (0,) * 127],
    ids=repr,
)
def test_bad_oids_raise_encode_error(oid: tuple[object, ...]) -> None:
    with pytest.raises(SnmpEncodeError):
        ber.encode_oid(oid)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ("", "empty"),
        ("2b8f", "ends inside"),
        ("2b80 01", "not minimal"),
        ("2b 90 80 80 80 00", r"greater than 2\*\*32-1"),
        ("2b" + "01" * 127, "longer than 128"),
        ("2b" + "8101" * 127, "longer than 128"),
    ],
)
def test_bad_oid_content_raises_decode_error(body: str, why: str) -> None:
    raw = bytes.fromhex(body)
    with pytest.raises(SnmpDecodeError, match=why):
        ber.decode_oid(raw, 0, len(raw))


@pytest.mark.parametrize("n", [0, 1, 127, 128, 255, 256, 65535, 65536, 2**24, 2**31])
def test_length_roundtrip(n: int) -> None:
    encoded = ber.encode_length(n)
    data = encoded + b"\x00"
    big_end = len(encoded) + n
    assert ber.decode_length(data, 0, max(big_end, len(data))) == (n, len(encoded))
    assert len(encoded) == (1 if n < 128 else 2 if n < 256 else 3 if n < 65536 else 1 + (n.bit_length() + 7) // 8)


def test_length_errors() -> None:
    with pytest.raises(SnmpDecodeError, match="indefinite"):
        ber.decode_length(b"\x80", 0, 1)
    with pytest.raises(SnmpDecodeError, match="at most 4"):
        ber.decode_length(b"\x85\x00\x00\x00\x00\x01", 0, 6)
    with pytest.raises(SnmpDecodeError, match="runs past"):
        ber.decode_length(b"\x84\x7f\xff\xff\xff" + b"\x00" * 5, 0, 10)
    with pytest.raises(SnmpDecodeError, match="truncated"):
        ber.decode_length(b"\x82\x01", 0, 2)
    with pytest.raises(SnmpDecodeError, match="truncated"):
        ber.decode_length(b"", 0, 0)


def test_two_gigabyte_declared_length_fails_fast_with_offset() -> None:
    data = b"\x30\x84\x7f\xff\xff\xff\x02\x01\x01\x04"
    with pytest.raises(SnmpDecodeError) as info:
        decode_message(data)
    assert info.value.offset == 1
    assert "offset 1" in str(info.value)


def test_integer_encodings_are_minimal_twos_complement() -> None:
    assert ber.encode_int32(0) == b"\x02\x01\x00"
    assert ber.encode_int32(127) == b"\x02\x01\x7f"
    assert ber.encode_int32(128) == b"\x02\x02\x00\x80"
    assert ber.encode_int32(-128) == b"\x02\x01\x80"
    assert ber.encode_int32(-129) == b"\x02\x02\xff\x7f"
    assert ber.encode_int32(-(2**31)) == b"\x02\x04\x80\x00\x00\x00"
    assert ber.encode_unsigned(ber.TAG_COUNTER32, 2**32 - 1) == b"\x41\x05\x00\xff\xff\xff\xff"
    assert ber.encode_unsigned(ber.TAG_COUNTER64, 2**64 - 1) == b"\x46\x09\x00" + b"\xff" * 8
    assert ber.encode_unsigned(ber.TAG_GAUGE32, 0) == b"\x42\x01\x00"


def test_lenient_decoding_of_unsigned_without_leading_zero_and_non_minimal_lengths() -> None:
    # Counter32 0xffffffff sent in 4 octets (a common agent bug) reads as 2**32-1.
    assert ber.decode_unsigned(b"\xff\xff\xff\xff", 0, 4, 32) == 2**32 - 1
    with pytest.raises(SnmpDecodeError):
        ber.decode_unsigned(b"\x01\xff\xff\xff\xff", 0, 5, 32)
    with pytest.raises(SnmpDecodeError):
        ber.decode_unsigned(b"", 0, 0, 64)
    # A long-form length where the short form would do is accepted.
    assert ber.decode_length(b"\x81\x05" + b"\x00" * 5, 0, 7) == (5, 2)
    with pytest.raises(SnmpDecodeError, match="Integer32"):
        ber.decode_int32(b"\x00\x80\x00\x00\x00", 0, 5)
    assert ber.decode_int32(b"\x00\x7f\xff\xff\xff", 0, 5) == 2**31 - 1


def test_getbulk_fields_and_pdu_properties() -> None:
    pdu = Pdu(GETBULK, 99, 2, 25, (((1, 3, 6, 1, 2, 1, 1, 3), None),))
    assert (pdu.non_repeaters, pdu.max_repetitions) == (2, 25)
    assert pdu.type_name == "GetBulkRequest"
    msg = decode_message(encode_community_message(1, b"public", pdu))
    assert isinstance(msg, CommunityMessage)
    assert msg.pdu == pdu
    assert msg.version == 1 and msg.community == b"public"
    with pytest.raises(SnmpEncodeError, match="SNMPv1"):
        encode_request(0, "public", GETBULK, 1, [(1, 3, 6)])
    with pytest.raises(SnmpEncodeError):
        encode_community_message(2, b"public", pdu)
    with pytest.raises(SnmpEncodeError, match="PDU type"):
        encode_community_message(1, b"public", Pdu(0xA9, 1))


def test_response_fast_path_equals_generic_encoding() -> None:
    varbinds = (((1, 3, 6, 1, 2, 1, 1, 3, 0), TimeTicks(5)), ((1, 3, 6, 1, 2, 1, 1, 5, 0), b"R1" * 100))
    generic = encode_community_message(1, b"public", Pdu(RESPONSE, 5, 0, 0, varbinds))
    assert encode_response(1, "public", 5, varbinds) == generic


def test_types_helpers() -> None:
    assert parse_oid(".1.3.6.1.2.1.1.3.0") == (1, 3, 6, 1, 2, 1, 1, 3, 0)
    assert format_oid((1, 3, 6, 1)) == "1.3.6.1"
    for bad in ("", "1", "1.3.x", "1..3", "1.3.-1", "1.3.4294967296", "1.3. 6"):
        with pytest.raises(SnmpEncodeError):
            parse_oid(bad)
    assert oid_starts_with((1, 3, 6, 1, 2), (1, 3, 6))
    assert oid_starts_with((1, 3, 6), (1, 3, 6))
    assert not oid_starts_with((1, 3), (1, 3, 6))
    assert not oid_starts_with((1, 3, 7, 1), (1, 3, 6))
    assert oid_starts_with((1, 3, 6, 1), ObjectIdentifier((1, 3)))
    assert str(IpAddress.from_string("10.0.0.1")) == "10.0.0.1"
    assert repr(IpAddress.from_string("10.0.0.1")) == "IpAddress('10.0.0.1')"
    with pytest.raises(SnmpEncodeError):
        IpAddress.from_string("10.0.0")
    assert repr(Counter64(5)) == "Counter64(5)" and repr(ObjectIdentifier((1, 3))) == "ObjectIdentifier('1.3')"
    assert Counter64(5) == 5 and hash(ObjectIdentifier((1, 3))) == hash((1, 3))


def test_error_tree() -> None:
    for cls in (
        SnmpDecodeError,
        SnmpEncodeError,
        SnmpAuthError,
        SnmpDecryptError,
        UnknownEngineError,
        NotInTimeWindowError,
        UnsupportedSecurityError,
    ):
        assert issubclass(cls, SnmpError)
    assert issubclass(SnmpError, VigieError)
    err = pickle.loads(pickle.dumps(SnmpDecodeError("bad tag", 12)))
    assert (err.what, err.offset) == ("bad tag", 12)


def test_oid_caches_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ber, "OID_CACHE_SIZE", 10)
    clear_caches()
    for i in range(50):
        decode_message(encode_request(1, b"c", 0xA0, 1, [(1, 3, 6, 1, i)]))
        assert len(ber._OID_TLV_CACHE) <= 10
        assert len(ber._OID_DECODE_CACHE) <= 10
    clear_caches()
