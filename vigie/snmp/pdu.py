"""PDUs, varbind lists and community (SNMPv1/v2c) messages.

The varbind loops are the hot path of both the agent farm and the poller: they are
written out by hand (inline tag and length handling, cached OID encodings, exact-type
dispatch for the common value types) and fall back to :mod:`vigie.snmp.ber` for the rest.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, cast

from vigie.snmp.ber import (
    _OID_DECODE_CACHE,
    _OID_TLV_CACHE,
    TAG_COUNTER64,
    TAG_INTEGER,
    TAG_OCTET_STRING,
    TAG_SEQUENCE,
    _decode_oid_miss,
    _encode_oid_miss,
    decode_int32,
    decode_length,
    encode_int32,
    encode_length,
    encode_octet_string,
    read_tlv,
    tlv,
)
from vigie.snmp.errors import SnmpDecodeError, SnmpEncodeError
from vigie.snmp.types import (
    GET,
    GETBULK,
    GETNEXT,
    INFORM,
    OID,
    PDU_TYPE_NAMES,
    REPORT,
    RESPONSE,
    SET,
    TRAPV1,
    TRAPV2,
    Counter32,
    Counter64,
    Gauge32,
    TimeTicks,
    VarBind,
)
from vigie.snmp.values import UNSIGNED_HEADERS, decode_value, encode_value

if TYPE_CHECKING:
    from vigie.snmp.v3 import V3Message

__all__ = [
    "SNMP_V1",
    "SNMP_V2C",
    "SNMP_V3",
    "CommunityMessage",
    "Pdu",
    "decode_message",
    "decode_pdu",
    "decode_varbinds",
    "encode_community_message",
    "encode_pdu",
    "encode_pdu_tlvs",
    "encode_request",
    "encode_response",
    "encode_response_tlvs",
    "encode_varbind_tlvs",
    "encode_varbinds",
]

SNMP_V1: Final = 0
SNMP_V2C: Final = 1
SNMP_V3: Final = 3

_PDU_TAGS: Final = frozenset((GET, GETNEXT, RESPONSE, SET, GETBULK, INFORM, TRAPV2, REPORT))
_SEQ_HDR: Final = tuple(bytes((TAG_SEQUENCE, n)) if n < 0x80 else b"\x30\x81" + bytes((n,)) for n in range(256))
_INT_HDR: Final = tuple(bytes((TAG_INTEGER, n)) for n in range(6))
_C64_HDR: Final = tuple(bytes((TAG_COUNTER64, n)) for n in range(10))
_OCT_HDR: Final = tuple(bytes((TAG_OCTET_STRING, n)) for n in range(128))
_NULL: Final = b"\x05\x00"
_U32_HDR: Final = {
    Counter32: UNSIGNED_HEADERS[0x41],
    Gauge32: UNSIGNED_HEADERS[0x42],
    TimeTicks: UNSIGNED_HEADERS[0x43],
}


@dataclass(frozen=True, slots=True)
class Pdu:
    """One PDU. For GETBULK, ``error_status``/``error_index`` carry non-repeaters and
    max-repetitions (also readable under those names)."""

    type: int
    request_id: int
    error_status: int = 0
    error_index: int = 0
    varbinds: tuple[VarBind, ...] = ()

    @property
    def non_repeaters(self) -> int:
        """GETBULK non-repeaters (the error-status field)."""
        return self.error_status

    @property
    def max_repetitions(self) -> int:
        """GETBULK max-repetitions (the error-index field)."""
        return self.error_index

    @property
    def type_name(self) -> str:
        """``"GetBulkRequest"``, ``"Response"``..."""
        return PDU_TYPE_NAMES.get(self.type, f"0x{self.type:02x}")


@dataclass(frozen=True, slots=True)
class CommunityMessage:
    """An SNMPv1 (version 0) or SNMPv2c (version 1) message."""

    version: int
    community: bytes
    pdu: Pdu


# -- varbind lists ------------------------------------------------------------------------


def encode_varbinds(varbinds: Iterable[VarBind]) -> bytes:
    """The VarBindList SEQUENCE TLV."""
    return _wrap_varbind_tlvs(encode_varbind_tlvs(varbinds))


def encode_varbind_tlvs(varbinds: Iterable[VarBind]) -> list[bytes]:
    """Each VarBind as its own SEQUENCE TLV: pieces an agent can count, cut and join with
    :func:`encode_response_tlvs` (``encode_varbinds`` is these, joined and wrapped)."""
    out: list[bytes] = []
    append = out.append
    oid_get = _OID_TLV_CACHE.get
    seq_hdr = _SEQ_HDR
    u32_get = _U32_HDR.get
    try:
        for name, value in cast("Iterable[tuple[OID, Any]]", varbinds):  # exact-type dispatch below
            oid = oid_get(name)
            if oid is None:
                oid = _encode_oid_miss(name)
            kind = type(value)
            if kind is Counter64:
                if value >> 64:
                    raise SnmpEncodeError(f"Counter64 {value} is outside 0..2**64-1")
                size = (value.bit_length() >> 3) + 1
                encoded = _C64_HDR[size] + value.to_bytes(size, "big")
            elif kind is int:
                size = ((value if value >= 0 else ~value).bit_length() >> 3) + 1
                if size > 4:
                    raise SnmpEncodeError(f"INTEGER {value} is outside Integer32")
                encoded = _INT_HDR[size] + value.to_bytes(size, "big", signed=True)
            elif kind is bytes and len(value) < 0x80:
                encoded = _OCT_HDR[len(value)] + value
            elif value is None:
                encoded = _NULL
            elif (hdr := u32_get(kind)) is not None and not value >> 32:
                size = (value.bit_length() >> 3) + 1
                encoded = hdr[size] + value.to_bytes(size, "big")
            else:
                encoded = encode_value(value)
            size = len(oid) + len(encoded)
            append((seq_hdr[size] if size < 0x100 else b"\x30" + encode_length(size)) + oid + encoded)
    except (TypeError, ValueError) as exc:
        raise SnmpEncodeError(f"cannot encode varbinds: {exc} (names are tuples of ints)") from exc
    return out


_UNSIGNED32: Final = (Counter32, Gauge32, TimeTicks)  # tags 0x41, 0x42, 0x43


def decode_varbinds(data: bytes, pos: int, end: int) -> tuple[VarBind, ...]:
    """The content of a VarBindList between ``pos`` and ``end``."""
    out: list[VarBind] = []
    append = out.append
    oid_get = _OID_DECODE_CACHE.get
    from_bytes = int.from_bytes
    while pos < end:
        if pos + 2 > end or data[pos] != TAG_SEQUENCE:
            raise SnmpDecodeError("expected a VarBind SEQUENCE", pos)
        size = data[pos + 1]
        if size < 0x80:
            start = pos + 2
            stop = start + size
            if stop > end:
                raise SnmpDecodeError(f"VarBind length {size} runs past the list", pos)
        else:
            size, start = decode_length(data, pos + 1, end)
            stop = start + size
        # name
        if start + 2 > stop or data[start] != 0x06:
            raise SnmpDecodeError("expected the VarBind name (OBJECT IDENTIFIER)", start)
        size = data[start + 1]
        if size < 0x80:
            start += 2
        else:
            size, start = decode_length(data, start + 1, stop)
        vstart = start + size
        if vstart > stop:
            raise SnmpDecodeError("VarBind name runs past the VarBind", start)
        raw = data[start:vstart]
        name = oid_get(raw)
        if name is None:
            name = _decode_oid_miss(raw, start)
        # value
        if vstart + 2 > stop:
            raise SnmpDecodeError("VarBind value missing", vstart)
        tag = data[vstart]
        size = data[vstart + 1]
        if size < 0x80:
            vstart += 2
        else:
            size, vstart = decode_length(data, vstart + 1, stop)
        if vstart + size != stop:
            raise SnmpDecodeError("VarBind value length does not match the VarBind", vstart)
        if tag == TAG_COUNTER64 and 0 < size < 9:
            append((name, Counter64(from_bytes(data[vstart:stop], "big"))))
        elif tag == TAG_INTEGER and 0 < size < 5:
            append((name, from_bytes(data[vstart:stop], "big", signed=True)))
        elif tag == TAG_OCTET_STRING:
            append((name, data[vstart:stop]))
        elif 0x41 <= tag <= 0x43 and 0 < size < 5:  # Counter32, Gauge32, TimeTicks: a poll's bulk
            append((name, _UNSIGNED32[tag - 0x41](from_bytes(data[vstart:stop], "big"))))
        elif tag == 0x05 and not size:  # NULL: the values of every request
            append((name, None))
        else:
            append((name, decode_value(data, tag, vstart, stop)))
        pos = stop
    return tuple(out)


# -- PDUs ---------------------------------------------------------------------------------


def encode_pdu(pdu: Pdu) -> bytes:
    """A PDU TLV (tag = ``pdu.type``)."""
    return _encode_pdu_fields(
        pdu.type, pdu.request_id, pdu.error_status, pdu.error_index, encode_varbinds(pdu.varbinds)
    )


def _encode_pdu_fields(
    pdu_type: int, request_id: int, error_status: int, error_index: int, varbind_list: bytes
) -> bytes:
    if pdu_type not in _PDU_TAGS:
        raise SnmpEncodeError(f"unknown PDU type 0x{pdu_type:02x}: use the constants in types")
    try:
        head = encode_int32(request_id) + encode_int32(error_status) + encode_int32(error_index)
    except TypeError as exc:
        raise SnmpEncodeError(f"PDU header fields must be int: {exc}") from exc
    return tlv(pdu_type, head + varbind_list)


def decode_pdu(data: bytes, pos: int, end: int) -> tuple[Pdu, int]:
    """Decode the PDU at ``pos``; return it and the offset after it."""
    if pos >= end:
        raise SnmpDecodeError("truncated: PDU missing", pos)
    pdu_type = data[pos]
    if pdu_type not in _PDU_TAGS:
        if pdu_type == TRAPV1:
            raise SnmpDecodeError("SNMPv1 Trap-PDU (0xa4) is not supported", pos)
        raise SnmpDecodeError(f"unknown PDU type 0x{pdu_type:02x}", pos)
    size, start = decode_length(data, pos + 1, end)
    stop = start + size
    s, e = read_tlv(data, start, stop, TAG_INTEGER, "request-id")
    request_id = decode_int32(data, s, e)
    s, e = read_tlv(data, e, stop, TAG_INTEGER, "error-status")
    error_status = decode_int32(data, s, e)
    s, e = read_tlv(data, e, stop, TAG_INTEGER, "error-index")
    error_index = decode_int32(data, s, e)
    s, e = read_tlv(data, e, stop, TAG_SEQUENCE, "variable-bindings")
    if e != stop:
        raise SnmpDecodeError(f"{stop - e} unexpected octets after the variable-bindings", e)
    varbinds = decode_varbinds(data, s, e)
    return Pdu(pdu_type, request_id, error_status, error_index, varbinds), stop


# -- community messages ---------------------------------------------------------------


def _community_bytes(community: bytes | str) -> bytes:
    return community.encode() if isinstance(community, str) else bytes(community)


def _check_version(version: int) -> None:
    if version not in (SNMP_V1, SNMP_V2C):
        raise SnmpEncodeError(f"community messages are version 0 (v1) or 1 (v2c), not {version!r}")


def encode_community_message(version: int, community: bytes | str, pdu: Pdu) -> bytes:
    """A whole SNMPv1/v2c message."""
    _check_version(version)
    body = _INT_HDR[1] + bytes((version,)) + encode_octet_string(_community_bytes(community))
    return tlv(TAG_SEQUENCE, body + encode_pdu(pdu))


def encode_response(
    version: int,
    community: bytes | str,
    request_id: int,
    varbinds: Iterable[VarBind],
    error_status: int = 0,
    error_index: int = 0,
) -> bytes:
    """Fast path for agents: a whole Response message straight from varbinds."""
    _check_version(version)
    pdu = _encode_pdu_fields(RESPONSE, request_id, error_status, error_index, encode_varbinds(varbinds))
    body = _INT_HDR[1] + bytes((version,)) + encode_octet_string(_community_bytes(community))
    return tlv(TAG_SEQUENCE, body + pdu)


def encode_pdu_tlvs(
    pdu_type: int, request_id: int, error_status: int, error_index: int, varbind_tlvs: Sequence[bytes]
) -> bytes:
    """A PDU TLV from VarBind TLVs already encoded (see :func:`encode_varbind_tlvs`)."""
    return _encode_pdu_fields(pdu_type, request_id, error_status, error_index, _wrap_varbind_tlvs(varbind_tlvs))


def encode_response_tlvs(
    version: int,
    community: bytes | str,
    request_id: int,
    varbind_tlvs: Sequence[bytes],
    error_status: int = 0,
    error_index: int = 0,
) -> bytes:
    """:func:`encode_response` from VarBind TLVs already encoded: the agents' hot path, which
    copies the varbinds once."""
    _check_version(version)
    try:
        head = encode_int32(request_id) + encode_int32(error_status) + encode_int32(error_index)
    except TypeError as exc:
        raise SnmpEncodeError(f"PDU header fields must be int: {exc}") from exc
    size = sum(map(len, varbind_tlvs))
    vbl_hdr = _SEQ_HDR[size] if size < 0x100 else b"\x30" + encode_length(size)
    pdu_size = len(head) + len(vbl_hdr) + size
    pdu_hdr = b"\xa2" + encode_length(pdu_size)
    prefix = _INT_HDR[1] + bytes((version,)) + encode_octet_string(_community_bytes(community))
    msg_size = len(prefix) + len(pdu_hdr) + pdu_size
    return b"".join((b"\x30", encode_length(msg_size), prefix, pdu_hdr, head, vbl_hdr, *varbind_tlvs))


def _wrap_varbind_tlvs(varbind_tlvs: Sequence[bytes]) -> bytes:
    body = b"".join(varbind_tlvs)
    size = len(body)
    return (_SEQ_HDR[size] if size < 0x100 else b"\x30" + encode_length(size)) + body


def encode_request(
    version: int,
    community: bytes | str,
    pdu_type: int,
    request_id: int,
    names: Iterable[tuple[int, ...]],
    non_repeaters: int = 0,
    max_repetitions: int = 0,
) -> bytes:
    """Fast path for pollers: GET/GETNEXT/GETBULK with NULL values from OID names."""
    _check_version(version)
    if pdu_type == GETBULK:
        if version == SNMP_V1:
            raise SnmpEncodeError("GETBULK does not exist in SNMPv1: use version 1 (v2c)")
        status, index = non_repeaters, max_repetitions
    else:
        status, index = 0, 0
    varbinds = encode_varbinds([(name, None) for name in names])
    pdu = _encode_pdu_fields(pdu_type, request_id, status, index, varbinds)
    body = _INT_HDR[1] + bytes((version,)) + encode_octet_string(_community_bytes(community))
    return tlv(TAG_SEQUENCE, body + pdu)


def decode_message(data: bytes) -> CommunityMessage | V3Message:
    """Decode a whole datagram: a community message, or a still-protected v3 message."""
    if not isinstance(data, bytes):
        data = bytes(data)
    end = len(data)
    try:
        start, stop = read_tlv(data, 0, end, TAG_SEQUENCE, "message SEQUENCE")
        if stop != end:
            raise SnmpDecodeError(f"{end - stop} unexpected octets after the message", stop)
        s, e = read_tlv(data, start, stop, TAG_INTEGER, "msgVersion")
        version = decode_int32(data, s, e)
        if version == SNMP_V3:
            from vigie.snmp.v3 import decode_v3_message  # import cycle: v3 imports this module

            return decode_v3_message(data, e, stop)
        if version not in (SNMP_V1, SNMP_V2C):
            raise SnmpDecodeError(f"unsupported SNMP version {version}", s)
        s, e = read_tlv(data, e, stop, TAG_OCTET_STRING, "community")
        community = data[s:e]
        pdu, after = decode_pdu(data, e, stop)
        if after != stop:
            raise SnmpDecodeError(f"{stop - after} unexpected octets after the PDU", after)
        return CommunityMessage(version, community, pdu)
    except (IndexError, ValueError, OverflowError) as exc:  # belt and braces
        raise SnmpDecodeError(f"malformed message ({exc})") from exc
