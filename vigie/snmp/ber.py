"""Hand-written BER for the subset of ASN.1 that SNMP uses.

Decoding functions take ``(data, pos, end)``: ``data`` is the whole datagram, ``pos`` the
offset to read at and ``end`` the end of the enclosing element; nothing is ever read past
``end`` and every declared length is checked against it before any allocation, so a
10-byte input that declares 2 GB fails at once. Errors are :class:`SnmpDecodeError` with
the offset. Decoding is lenient where real agents are sloppy and harmless (non-minimal
lengths and integers, Counter32 sent without its leading zero octet) and strict where
it matters (indefinite lengths, lengths past the buffer, malformed OIDs).

OID encodings are cached in both directions (bounded dicts): agents and pollers encode
and decode the same few thousand OIDs all day long.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from vigie.snmp.errors import SnmpDecodeError, SnmpEncodeError

__all__ = [
    "MAX_OID_ARCS",
    "OID_CACHE_SIZE",
    "clear_caches",
    "decode_int32",
    "decode_length",
    "decode_oid",
    "decode_unsigned",
    "encode_int32",
    "encode_length",
    "encode_octet_string",
    "encode_oid",
    "encode_oid_body",
    "encode_unsigned",
    "read_any",
    "read_tlv",
    "tlv",
]

TAG_INTEGER: Final = 0x02
TAG_OCTET_STRING: Final = 0x04
TAG_NULL: Final = 0x05
TAG_OID: Final = 0x06
TAG_SEQUENCE: Final = 0x30
TAG_IPADDRESS: Final = 0x40
TAG_COUNTER32: Final = 0x41
TAG_GAUGE32: Final = 0x42
TAG_TIMETICKS: Final = 0x43
TAG_OPAQUE: Final = 0x44
TAG_COUNTER64: Final = 0x46
TAG_NO_SUCH_OBJECT: Final = 0x80
TAG_NO_SUCH_INSTANCE: Final = 0x81
TAG_END_OF_MIB_VIEW: Final = 0x82

MAX_OID_ARCS: Final = 128  # RFC 2578 section 3.5
OID_CACHE_SIZE: Final = 65536  # entries per direction; the cache is emptied when full
_MAX_SUBID: Final = 0xFFFFFFFF

_BYTE: Final = tuple(bytes((i,)) for i in range(256))
_HIGH_BIT: Final = re.compile(rb"[\x80-\xff]")


# -- lengths and generic TLVs ---------------------------------------------------------


def encode_length(n: int) -> bytes:
    """Definite length octets, short form below 128, minimal long form above."""
    if n < 0x80:
        return _BYTE[n]
    if n < 0x100:
        return b"\x81" + _BYTE[n]
    if n < 0x10000:
        return b"\x82" + n.to_bytes(2, "big")
    size = (n.bit_length() + 7) >> 3
    return _BYTE[0x80 | size] + n.to_bytes(size, "big")


def tlv(tag: int, content: bytes) -> bytes:
    """Tag, length and content."""
    n = len(content)
    if n < 0x80:
        return bytes((tag, n)) + content
    return _BYTE[tag] + encode_length(n) + content


def decode_length(data: bytes, pos: int, end: int) -> tuple[int, int]:
    """Read the length octets at ``pos``; return ``(length, content_start)``.

    The content must fit before ``end``.
    """
    if pos >= end:
        raise SnmpDecodeError("truncated: length octets missing", pos)
    first = data[pos]
    if first < 0x80:
        start = pos + 1
        n = first
    elif first == 0x80:
        raise SnmpDecodeError("indefinite length is not allowed in SNMP", pos)
    else:
        size = first & 0x7F
        if size > 4:
            raise SnmpDecodeError(f"length encoded in {size} octets (at most 4 allowed)", pos)
        start = pos + 1 + size
        if start > end:
            raise SnmpDecodeError("truncated: length octets missing", pos)
        n = int.from_bytes(data[pos + 1 : start], "big")
    if start + n > end:
        raise SnmpDecodeError(
            f"length {n} runs past the end of the enclosing data ({end - start} octets left)",
            pos,
        )
    return n, start


def read_tlv(data: bytes, pos: int, end: int, tag: int, what: str) -> tuple[int, int]:
    """Expect ``tag`` at ``pos``; return ``(content_start, content_end)``."""
    if pos + 2 <= end and data[pos] == tag:
        n = data[pos + 1]
        if n < 0x80 and pos + 2 + n <= end:  # the common case, inline
            return pos + 2, pos + 2 + n
    if pos >= end:
        raise SnmpDecodeError(f"truncated: {what} missing", pos)
    if data[pos] != tag:
        raise SnmpDecodeError(f"expected {what} (tag 0x{tag:02x}), found tag 0x{data[pos]:02x}", pos)
    n, start = decode_length(data, pos + 1, end)
    return start, start + n


def read_any(data: bytes, pos: int, end: int) -> tuple[int, int, int]:
    """Read any TLV at ``pos``; return ``(tag, content_start, content_end)``."""
    if pos >= end:
        raise SnmpDecodeError("truncated: element missing", pos)
    n, start = decode_length(data, pos + 1, end)
    return data[pos], start, start + n


# -- integers ---------------------------------------------------------------------------


def encode_int32(value: int) -> bytes:
    """INTEGER / Integer32 TLV (two's complement, minimal)."""
    size = ((value if value >= 0 else ~value).bit_length() >> 3) + 1
    if size > 4:
        raise SnmpEncodeError(f"INTEGER {value} is outside Integer32 (-2**31..2**31-1)")
    return _INT_HDR[size] + value.to_bytes(size, "big", signed=True)


_INT_HDR: Final = tuple(bytes((TAG_INTEGER, i)) for i in range(10))
_UNSIGNED_BITS: Final = {TAG_COUNTER32: 32, TAG_GAUGE32: 32, TAG_TIMETICKS: 32, TAG_COUNTER64: 64}
_UNSIGNED_NAMES: Final = {
    TAG_COUNTER32: "Counter32",
    TAG_GAUGE32: "Gauge32",
    TAG_TIMETICKS: "TimeTicks",
    TAG_COUNTER64: "Counter64",
}


def encode_unsigned(tag: int, value: int) -> bytes:
    """Counter32/Gauge32/TimeTicks/Counter64 TLV, with a leading zero octet when needed."""
    bits = _UNSIGNED_BITS[tag]
    if value >> bits:  # negative values shift to -1, too large ones to non-zero
        raise SnmpEncodeError(f"{_UNSIGNED_NAMES[tag]} {value} is outside 0..2**{bits}-1")
    size = (value.bit_length() >> 3) + 1
    return bytes((tag, size)) + value.to_bytes(size, "big")


def decode_int32(data: bytes, start: int, stop: int) -> int:
    """INTEGER content that must fit Integer32."""
    size = stop - start
    if 0 < size < 5:  # always in range
        return int.from_bytes(data[start:stop], "big", signed=True)
    if size != 5:
        raise SnmpDecodeError(f"INTEGER of {size} octets (Integer32 needs 1..4)", start)
    value = int.from_bytes(data[start:stop], "big", signed=True)
    if not -0x80000000 <= value <= 0x7FFFFFFF:
        raise SnmpDecodeError(f"INTEGER {value} outside Integer32", start)
    return value


def decode_unsigned(data: bytes, start: int, stop: int, bits: int) -> int:
    """Unsigned content octets; a missing leading zero octet is tolerated."""
    size = stop - start
    if size == 0 or size > (bits >> 3) + 1 or (size == (bits >> 3) + 1 and data[start]):
        raise SnmpDecodeError(f"{size}-octet unsigned value does not fit {bits} bits", start)
    return int.from_bytes(data[start:stop], "big")


# -- object identifiers ---------------------------------------------------------------------


_OID_TLV_CACHE: dict[tuple[int, ...], bytes] = {}
_OID_DECODE_CACHE: dict[bytes, tuple[int, ...]] = {}


def _subid(arc: int) -> bytes:
    """One base-128 sub-identifier (``arc`` already known to be non-negative)."""
    if arc < 0x80:
        return _BYTE[arc]
    if arc < 0x4000:
        return bytes((0x80 | (arc >> 7), arc & 0x7F))
    if arc > _MAX_SUBID:
        raise SnmpEncodeError(f"OID arc {arc} is greater than 2**32-1")
    chunk = [arc & 0x7F]
    arc >>= 7
    while arc:
        chunk.append(0x80 | (arc & 0x7F))
        arc >>= 7
    chunk.reverse()
    return bytes(chunk)


def encode_oid_body(oid: Sequence[int]) -> bytes:
    """Content octets of an OBJECT IDENTIFIER (X.690 8.19)."""
    count = len(oid)
    if count < 2 or count > MAX_OID_ARCS:
        raise SnmpEncodeError(f"OID {oid!r} has {count} arcs; SNMP OIDs have 2..{MAX_OID_ARCS} arcs")
    head, second = oid[0], oid[1]
    rest = oid[2:]
    try:
        if head not in (0, 1, 2) or second < 0 or (head < 2 and second > 39):
            raise SnmpEncodeError(f"OID {oid!r}: first arcs must be 0.0-39, 1.0-39 or 2.n (X.690 8.19.4)")
        if rest and min(rest) < 0:
            raise SnmpEncodeError(f"OID {oid!r} has a negative arc")
        first = head * 40 + second
        if first < 0x80:
            if not rest or max(rest) < 0x80:
                return bytes((first, *rest))
            if len(rest) == 1 or max(rest[:-1]) < 0x80:  # a table index: only the last arc is large
                return bytes((first, *rest[:-1])) + _subid(rest[-1])
        return b"".join([_subid(first), *map(_subid, rest)])
    except (TypeError, IndexError):
        raise SnmpEncodeError(f"OID {oid!r} has an arc that is not an integer") from None


def encode_oid(oid: tuple[int, ...]) -> bytes:
    """OBJECT IDENTIFIER TLV, from the bounded cache when possible."""
    cached = _OID_TLV_CACHE.get(oid)
    if cached is None:
        cached = _encode_oid_miss(oid)
    return cached


def _encode_oid_miss(oid: Sequence[int]) -> bytes:
    encoded = tlv(TAG_OID, encode_oid_body(oid))
    if len(_OID_TLV_CACHE) >= OID_CACHE_SIZE:
        _OID_TLV_CACHE.clear()
    _OID_TLV_CACHE[tuple(oid)] = encoded
    return encoded


def decode_oid(data: bytes, start: int, stop: int) -> tuple[int, ...]:
    """OBJECT IDENTIFIER content octets -> arcs, from the bounded cache when possible."""
    raw = data[start:stop]
    cached = _OID_DECODE_CACHE.get(raw)
    if cached is None:
        cached = _decode_oid_miss(raw, start)
    return cached


def _decode_oid_miss(raw: bytes, offset: int) -> tuple[int, ...]:
    if not raw:
        raise SnmpDecodeError("empty OBJECT IDENTIFIER", offset)
    if raw.isascii():  # every sub-identifier fits one octet: the common case
        first = raw[0]
        if len(raw) >= MAX_OID_ARCS:
            raise SnmpDecodeError(f"OBJECT IDENTIFIER longer than {MAX_OID_ARCS} arcs", offset)
        if first < 40:
            arcs = (0, first, *raw[1:])
        elif first < 80:
            arcs = (1, first - 40, *raw[1:])
        else:
            arcs = (2, first - 80, *raw[1:])
    else:
        arcs = _decode_oid_long(raw, offset)
    if len(_OID_DECODE_CACHE) >= OID_CACHE_SIZE:
        _OID_DECODE_CACHE.clear()
    _OID_DECODE_CACHE[raw] = arcs
    return arcs


def _decode_oid_long(raw: bytes, offset: int) -> tuple[int, ...]:
    """The general case: some sub-identifiers span several octets.

    Octets before the first one with the high bit set are one-octet sub-identifiers
    (found in C by a regex search); only the rest, usually the short index part of a
    table OID, goes through the per-octet loop.
    """
    if raw[-1] & 0x80:
        raise SnmpDecodeError("OBJECT IDENTIFIER ends inside a sub-identifier", offset + len(raw) - 1)
    found = _HIGH_BIT.search(raw)
    first_multi = found.start() if found is not None else len(raw)
    subids = list(raw[:first_multi])
    value = 0
    for index in range(first_multi, len(raw)):
        octet = raw[index]
        if octet == 0x80 and value == 0:
            raise SnmpDecodeError("OBJECT IDENTIFIER sub-identifier starts with 0x80 (not minimal)", offset + index)
        value = (value << 7) | (octet & 0x7F)
        if value > _MAX_SUBID:
            raise SnmpDecodeError("OBJECT IDENTIFIER sub-identifier greater than 2**32-1", offset + index)
        if octet < 0x80:
            subids.append(value)
            value = 0
    first = subids[0]
    if len(subids) >= MAX_OID_ARCS:
        raise SnmpDecodeError(f"OBJECT IDENTIFIER longer than {MAX_OID_ARCS} arcs", offset)
    if first < 40:
        return (0, first, *subids[1:])
    if first < 80:
        return (1, first - 40, *subids[1:])
    return (2, first - 80, *subids[1:])


def clear_caches() -> None:
    """Empty the OID caches (tests and memory-conscious callers)."""
    _OID_TLV_CACHE.clear()
    _OID_DECODE_CACHE.clear()


def encode_octet_string(value: bytes) -> bytes:
    """OCTET STRING TLV."""
    n = len(value)
    if n < 0x80:
        return bytes((TAG_OCTET_STRING, n)) + value
    return b"\x04" + encode_length(n) + value
