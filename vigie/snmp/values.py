"""Varbind values: Python value <-> BER TLV, for every SMI type of :mod:`vigie.snmp.types`.

The hot loops in :mod:`vigie.snmp.pdu` inline the common cases (Counter64, INTEGER, short
OCTET STRING, NULL) and call :func:`encode_value` / :func:`decode_value` for the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from vigie.snmp.ber import (
    _BYTE,
    TAG_COUNTER32,
    TAG_COUNTER64,
    TAG_END_OF_MIB_VIEW,
    TAG_GAUGE32,
    TAG_INTEGER,
    TAG_IPADDRESS,
    TAG_NO_SUCH_INSTANCE,
    TAG_NO_SUCH_OBJECT,
    TAG_NULL,
    TAG_OCTET_STRING,
    TAG_OID,
    TAG_OPAQUE,
    TAG_TIMETICKS,
    decode_int32,
    decode_oid,
    decode_unsigned,
    encode_int32,
    encode_length,
    encode_octet_string,
    encode_oid,
    encode_unsigned,
)
from vigie.snmp.errors import SnmpDecodeError, SnmpEncodeError
from vigie.snmp.types import (
    END_OF_MIB_VIEW,
    NO_SUCH_INSTANCE,
    NO_SUCH_OBJECT,
    Counter32,
    Counter64,
    ExceptionValue,
    Gauge32,
    IpAddress,
    ObjectIdentifier,
    Opaque,
    TimeTicks,
    Value,
)

__all__ = ["UNSIGNED_HEADERS", "decode_value", "encode_value"]


def _encode_bool(value: bool) -> bytes:
    return encode_int32(int(value))


def _encode_bytes_like(value: bytearray | memoryview) -> bytes:
    return encode_octet_string(bytes(value))


def _encode_null(_: None) -> bytes:
    return b"\x05\x00"


def _encode_ip(value: IpAddress) -> bytes:
    if len(value) != 4:
        raise SnmpEncodeError(f"IpAddress {bytes(value)!r} must be exactly 4 octets")
    return b"\x40\x04" + value


def _encode_opaque(value: Opaque) -> bytes:
    return _BYTE[TAG_OPAQUE] + encode_length(len(value)) + value


def _encode_exception(value: ExceptionValue) -> bytes:
    return bytes((value.tag, 0))


def _unsigned_encoder(tag: int) -> Callable[[int], bytes]:
    bits = 64 if tag == TAG_COUNTER64 else 32
    headers = UNSIGNED_HEADERS[tag]

    def encode(value: int) -> bytes:
        if value >> bits:  # negative or too large: encode_unsigned raises with the message
            return encode_unsigned(tag, value)
        size = (value.bit_length() >> 3) + 1
        return headers[size] + value.to_bytes(size, "big")

    return encode


# Tag and length octets of Counter32/Gauge32/TimeTicks/Counter64, indexed by content size.
UNSIGNED_HEADERS: Final = {
    tag: tuple(bytes((tag, n)) for n in range(10))
    for tag in (TAG_COUNTER32, TAG_GAUGE32, TAG_TIMETICKS, TAG_COUNTER64)
}


_ENCODERS: Final[dict[type, Callable[[Any], bytes]]] = {
    int: encode_int32,
    bool: _encode_bool,
    bytes: encode_octet_string,
    bytearray: _encode_bytes_like,
    memoryview: _encode_bytes_like,
    type(None): _encode_null,
    ObjectIdentifier: encode_oid,
    IpAddress: _encode_ip,
    Counter32: _unsigned_encoder(TAG_COUNTER32),
    Gauge32: _unsigned_encoder(TAG_GAUGE32),
    TimeTicks: _unsigned_encoder(TAG_TIMETICKS),
    Counter64: _unsigned_encoder(TAG_COUNTER64),
    Opaque: _encode_opaque,
    ExceptionValue: _encode_exception,
}
# Subclasses of the types above are matched in this order (most derived first).
_SUBCLASS_ORDER: Final = (
    Counter64,
    Counter32,
    Gauge32,
    TimeTicks,
    IpAddress,
    Opaque,
    ObjectIdentifier,
    bool,
    int,
    bytes,
)


def encode_value(value: object) -> bytes:
    """Encode one varbind value as a TLV (see :mod:`vigie.snmp.types` for the mapping)."""
    encoder = _ENCODERS.get(type(value))
    if encoder is None:
        for cls in _SUBCLASS_ORDER:
            if isinstance(value, cls):
                encoder = _ENCODERS[cls]
                break
        else:
            raise SnmpEncodeError(
                f"cannot encode {type(value).__name__} value {value!r}: use int, bytes, None, "
                "ObjectIdentifier or a vigie.snmp.types class (str must be encoded to bytes)"
            )
    try:
        return encoder(value)
    except (OverflowError, TypeError, ValueError) as exc:
        raise SnmpEncodeError(f"cannot encode value {value!r}: {exc}") from exc


_EXCEPTIONS: Final = {
    TAG_NO_SUCH_OBJECT: NO_SUCH_OBJECT,
    TAG_NO_SUCH_INSTANCE: NO_SUCH_INSTANCE,
    TAG_END_OF_MIB_VIEW: END_OF_MIB_VIEW,
}


def decode_value(data: bytes, tag: int, start: int, stop: int) -> Value:
    """Decode the content octets ``data[start:stop]`` of a value whose tag is ``tag``."""
    if tag == TAG_INTEGER:
        return decode_int32(data, start, stop)
    if tag == TAG_OCTET_STRING:
        return data[start:stop]
    if tag == TAG_COUNTER64:
        return Counter64(decode_unsigned(data, start, stop, 64))
    if tag == TAG_COUNTER32:
        return Counter32(decode_unsigned(data, start, stop, 32))
    if tag == TAG_GAUGE32:
        return Gauge32(decode_unsigned(data, start, stop, 32))
    if tag == TAG_TIMETICKS:
        return TimeTicks(decode_unsigned(data, start, stop, 32))
    if tag == TAG_OID:
        return ObjectIdentifier(decode_oid(data, start, stop))
    if tag == TAG_NULL or tag in _EXCEPTIONS:
        if stop != start:
            raise SnmpDecodeError(f"value with tag 0x{tag:02x} must have no content", start)
        return _EXCEPTIONS.get(tag)
    if tag == TAG_IPADDRESS:
        if stop - start != 4:
            raise SnmpDecodeError(f"IpAddress of {stop - start} octets (4 expected)", start)
        return IpAddress(data[start:stop])
    if tag == TAG_OPAQUE:
        return Opaque(data[start:stop])
    raise SnmpDecodeError(f"unknown value tag 0x{tag:02x} (value content)", start)
