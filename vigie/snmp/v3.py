"""The SNMPv3 message envelope (RFC 3412) and the USM security parameters (RFC 3414).

:func:`decode_v3_message` parses a v3 message without any key: header data, USM
security parameters and either the plaintext scoped PDU or the still-encrypted bytes.
Verifying and decrypting is :mod:`vigie.snmp.usm`'s job; it needs ``raw`` and
``auth_params_offset`` to compute the HMAC with the digest zeroed in place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from vigie.snmp.ber import (
    TAG_INTEGER,
    TAG_OCTET_STRING,
    TAG_SEQUENCE,
    decode_int32,
    encode_int32,
    encode_length,
    encode_octet_string,
    read_tlv,
    tlv,
)
from vigie.snmp.errors import SnmpDecodeError, SnmpEncodeError
from vigie.snmp.pdu import Pdu, decode_pdu, encode_pdu

__all__ = [
    "FLAG_AUTH",
    "FLAG_PRIV",
    "FLAG_REPORTABLE",
    "SECURITY_MODEL_USM",
    "ScopedPdu",
    "UsmSecurityParameters",
    "V3Message",
    "decode_scoped_pdu",
    "decode_usm_parameters",
    "decode_v3_message",
    "encode_scoped_pdu",
    "encode_v3_envelope",
    "encode_v3_message",
]

FLAG_AUTH: Final = 0x01
FLAG_PRIV: Final = 0x02
FLAG_REPORTABLE: Final = 0x04
SECURITY_MODEL_USM: Final = 3
_MAX_INT: Final = 0x7FFFFFFF


@dataclass(frozen=True, slots=True)
class UsmSecurityParameters:
    """UsmSecurityParameters (RFC 3414 section 2.4), as carried in msgSecurityParameters."""

    engine_id: bytes
    engine_boots: int
    engine_time: int
    user_name: bytes
    auth_params: bytes = b""
    priv_params: bytes = b""


@dataclass(frozen=True, slots=True)
class ScopedPdu:
    """contextEngineID, contextName and the PDU."""

    context_engine_id: bytes
    context_name: bytes
    pdu: Pdu


@dataclass(frozen=True, slots=True)
class V3Message:
    """A parsed but still protected SNMPv3 message.

    ``usm`` is None when the security model is not USM (``security_params`` then holds
    the raw octets). Exactly one of ``scoped_pdu`` / ``encrypted_pdu`` is set.
    ``auth_params_offset`` is where msgAuthenticationParameters' content starts in
    ``raw`` (-1 without USM).
    """

    msg_id: int
    max_size: int
    flags: int
    security_model: int
    security_params: bytes
    usm: UsmSecurityParameters | None
    scoped_pdu: ScopedPdu | None
    encrypted_pdu: bytes | None
    raw: bytes
    auth_params_offset: int

    @property
    def authenticated(self) -> bool:
        """The authFlag is set."""
        return bool(self.flags & FLAG_AUTH)

    @property
    def encrypted(self) -> bool:
        """The privFlag is set."""
        return bool(self.flags & FLAG_PRIV)

    @property
    def reportable(self) -> bool:
        """The reportableFlag is set."""
        return bool(self.flags & FLAG_REPORTABLE)


def _non_negative(data: bytes, start: int, stop: int, what: str) -> int:
    """An INTEGER (0..2147483647) header field.

    Some agents drop the leading zero octet (221 sent as ``02 01 dd``, i.e. -35): such a
    value is read as unsigned, as the sender meant it; genuinely out-of-range values fail.
    """
    value = decode_int32(data, start, stop)
    if value < 0:
        value = int.from_bytes(data[start:stop], "big")
        if value > _MAX_INT:
            raise SnmpDecodeError(f"{what} {value} is outside 0..2147483647", start)
    return value


def decode_usm_parameters(data: bytes, pos: int, end: int) -> tuple[UsmSecurityParameters, int]:
    """Decode UsmSecurityParameters at ``pos``; also return the auth params' offset."""
    start, stop = read_tlv(data, pos, end, TAG_SEQUENCE, "UsmSecurityParameters")
    if stop != end:
        raise SnmpDecodeError("unexpected octets after UsmSecurityParameters", stop)
    s, e = read_tlv(data, start, stop, TAG_OCTET_STRING, "msgAuthoritativeEngineID")
    engine_id = data[s:e]
    s, e = read_tlv(data, e, stop, TAG_INTEGER, "msgAuthoritativeEngineBoots")
    boots = _non_negative(data, s, e, "msgAuthoritativeEngineBoots")
    s, e = read_tlv(data, e, stop, TAG_INTEGER, "msgAuthoritativeEngineTime")
    engine_time = _non_negative(data, s, e, "msgAuthoritativeEngineTime")
    s, e = read_tlv(data, e, stop, TAG_OCTET_STRING, "msgUserName")
    user_name = data[s:e]
    if e - s > 32:
        raise SnmpDecodeError(f"msgUserName of {e - s} octets (at most 32)", s)
    auth_offset, e = read_tlv(data, e, stop, TAG_OCTET_STRING, "msgAuthenticationParameters")
    auth_params = data[auth_offset:e]
    s, e = read_tlv(data, e, stop, TAG_OCTET_STRING, "msgPrivacyParameters")
    priv_params = data[s:e]
    if e != stop:
        raise SnmpDecodeError("unexpected octets in UsmSecurityParameters", e)
    params = UsmSecurityParameters(engine_id, boots, engine_time, user_name, auth_params, priv_params)
    return params, auth_offset


def decode_scoped_pdu(data: bytes, pos: int, end: int, *, exact: bool = True) -> ScopedPdu:
    """Decode a ScopedPDU SEQUENCE at ``pos``.

    With ``exact=False`` octets after the SEQUENCE are ignored (decrypted plaintext).
    """
    start, stop = read_tlv(data, pos, end, TAG_SEQUENCE, "ScopedPDU")
    if exact and stop != end:
        raise SnmpDecodeError("unexpected octets after the ScopedPDU", stop)
    s, e = read_tlv(data, start, stop, TAG_OCTET_STRING, "contextEngineID")
    context_engine_id = data[s:e]
    s, e = read_tlv(data, e, stop, TAG_OCTET_STRING, "contextName")
    context_name = data[s:e]
    pdu, after = decode_pdu(data, e, stop)
    if after != stop:
        raise SnmpDecodeError("unexpected octets after the PDU in the ScopedPDU", after)
    return ScopedPdu(context_engine_id, context_name, pdu)


def decode_v3_message(data: bytes, pos: int, end: int) -> V3Message:
    """The rest of a v3 message after msgVersion (called by ``decode_message``)."""
    start, stop = read_tlv(data, pos, end, TAG_SEQUENCE, "msgGlobalData")
    s, e = read_tlv(data, start, stop, TAG_INTEGER, "msgID")
    msg_id = _non_negative(data, s, e, "msgID")
    s, e = read_tlv(data, e, stop, TAG_INTEGER, "msgMaxSize")
    max_size = _non_negative(data, s, e, "msgMaxSize")
    s, e = read_tlv(data, e, stop, TAG_OCTET_STRING, "msgFlags")
    if e - s != 1:
        raise SnmpDecodeError(f"msgFlags of {e - s} octets (1 expected)", s)
    flags = data[s]
    if flags & 0x03 == FLAG_PRIV:
        raise SnmpDecodeError("msgFlags asks for privacy without authentication", s)
    s, e = read_tlv(data, e, stop, TAG_INTEGER, "msgSecurityModel")
    model = _non_negative(data, s, e, "msgSecurityModel")
    if e != stop:
        raise SnmpDecodeError("unexpected octets in msgGlobalData", e)
    s, e = read_tlv(data, stop, end, TAG_OCTET_STRING, "msgSecurityParameters")
    security_params = data[s:e]
    usm: UsmSecurityParameters | None = None
    auth_offset = -1
    if model == SECURITY_MODEL_USM:
        usm, auth_offset = decode_usm_parameters(data, s, e)
    scoped: ScopedPdu | None = None
    encrypted: bytes | None = None
    if flags & FLAG_PRIV:
        s, e = read_tlv(data, e, end, TAG_OCTET_STRING, "encryptedPDU")
        encrypted = data[s:e]
        if e != end:
            raise SnmpDecodeError("unexpected octets after the encryptedPDU", e)
    else:
        scoped = decode_scoped_pdu(data, e, end)
    return V3Message(msg_id, max_size, flags, model, security_params, usm, scoped, encrypted, data, auth_offset)


def encode_scoped_pdu(context_engine_id: bytes, context_name: bytes, pdu: Pdu | bytes) -> bytes:
    """A ScopedPDU SEQUENCE; ``pdu`` may be already encoded."""
    encoded = pdu if isinstance(pdu, bytes) else encode_pdu(pdu)
    return tlv(TAG_SEQUENCE, encode_octet_string(context_engine_id) + encode_octet_string(context_name) + encoded)


def _check_int(value: int, what: str) -> None:
    if not 0 <= value <= _MAX_INT:
        raise SnmpEncodeError(f"{what} {value} is outside 0..2147483647")


def encode_v3_envelope(
    msg_id: int,
    max_size: int,
    flags: int,
    usm: UsmSecurityParameters,
    msg_data: bytes,
) -> tuple[bytes, int]:
    """A whole USM message around ``msg_data`` (a ScopedPDU or an encryptedPDU TLV).

    Returns the message and the offset of msgAuthenticationParameters' content, where
    the digest goes once computed over the message with those octets zeroed.
    """
    _check_int(msg_id, "msgID")
    _check_int(max_size, "msgMaxSize")
    _check_int(usm.engine_boots, "msgAuthoritativeEngineBoots")
    _check_int(usm.engine_time, "msgAuthoritativeEngineTime")
    if len(usm.user_name) > 32:
        raise SnmpEncodeError(f"user name {usm.user_name!r} is longer than 32 octets")
    head = (
        encode_octet_string(usm.engine_id)
        + encode_int32(usm.engine_boots)
        + encode_int32(usm.engine_time)
        + encode_octet_string(usm.user_name)
    )
    auth_tlv = encode_octet_string(usm.auth_params)
    auth_in_params = len(head) + len(auth_tlv) - len(usm.auth_params)
    params_body = head + auth_tlv + encode_octet_string(usm.priv_params)
    params = tlv(TAG_SEQUENCE, params_body)
    auth_in_params += len(params) - len(params_body)
    global_data = tlv(
        TAG_SEQUENCE,
        encode_int32(msg_id) + encode_int32(max_size) + bytes((TAG_OCTET_STRING, 1, flags)) + b"\x02\x01\x03",
    )
    params_octets = encode_octet_string(params)
    prefix = b"\x02\x01\x03" + global_data + params_octets[: len(params_octets) - len(params)]
    body_len = len(prefix) + len(params) + len(msg_data)
    head_octets = b"\x30" + encode_length(body_len)
    offset = len(head_octets) + len(prefix) + auth_in_params
    return head_octets + prefix + params + msg_data, offset


def encode_v3_message(msg: V3Message) -> bytes:
    """Re-encode a decoded message as it is (digest and ciphertext included)."""
    if msg.encrypted_pdu is not None:
        msg_data = encode_octet_string(msg.encrypted_pdu)
    elif msg.scoped_pdu is not None:
        sp = msg.scoped_pdu
        msg_data = encode_scoped_pdu(sp.context_engine_id, sp.context_name, sp.pdu)
    else:
        raise SnmpEncodeError("V3Message has neither a scoped PDU nor an encrypted PDU")
    if msg.usm is not None:
        return encode_v3_envelope(msg.msg_id, msg.max_size, msg.flags, msg.usm, msg_data)[0]
    global_data = tlv(
        TAG_SEQUENCE,
        encode_int32(msg.msg_id)
        + encode_int32(msg.max_size)
        + bytes((TAG_OCTET_STRING, 1, msg.flags))
        + encode_int32(msg.security_model),
    )
    return tlv(TAG_SEQUENCE, b"\x02\x01\x03" + global_data + encode_octet_string(msg.security_params) + msg_data)
