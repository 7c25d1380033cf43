"""USM for the authoritative side (agents, the simulated farm): RFC 3414 section 3.2.

:func:`process_v3_request` turns a decoded :class:`~vigie.snmp.v3.V3Message` into
either an :class:`AgentRequest` (authenticated, decrypted, ready to answer with
:func:`encode_v3_response`) or an :class:`AgentReport` carrying the encoded REPORT to send
back (engine discovery, time window, unknown user, wrong digest, ...). The caller owns
the clock: it passes the engine's boots and time (seconds since the last boot).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from vigie.snmp.errors import (
    SnmpDecryptError,
    SnmpEncodeError,
    UnsupportedSecurityError,
)
from vigie.snmp.pdu import Pdu, encode_pdu
from vigie.snmp.types import OID, REPORT, Counter32
from vigie.snmp.usm import (
    REPORT_REASONS,
    USM_STATS_DECRYPTION_ERRORS,
    USM_STATS_NOT_IN_TIME_WINDOWS,
    USM_STATS_UNKNOWN_ENGINE_IDS,
    USM_STATS_UNKNOWN_USER_NAMES,
    USM_STATS_UNSUPPORTED_SEC_LEVELS,
    USM_STATS_WRONG_DIGESTS,
    AuthProtocol,
    PrivProtocol,
    SecurityLevel,
    UsmStats,
    UsmUser,
    decrypt_scoped_pdu,
    seal,
    verify_digest,
)
from vigie.snmp.v3 import (
    FLAG_AUTH,
    FLAG_PRIV,
    ScopedPdu,
    V3Message,
    encode_scoped_pdu,
)

__all__ = ["MAX_SIZE", "TIME_WINDOW", "AgentReport", "AgentRequest", "encode_v3_response", "process_v3_request"]

TIME_WINDOW: Final = 150  # seconds, RFC 3414 section 2.2.3
_MAX_BOOTS: Final = 0x7FFFFFFF
MAX_SIZE: Final = 65507  # our msgMaxSize: the largest UDP payload over IPv4


@dataclass(frozen=True, slots=True)
class AgentRequest:
    """An authenticated, decrypted request and what is needed to answer it.

    USM only proves who sent it: access control stays with the caller (e.g. refuse a
    ``security_level`` below what ``user`` is configured for, check ``context_engine_id``)
    and the response must fit the requester's ``max_size`` (else answer tooBig).
    """

    msg_id: int
    max_size: int
    security_level: SecurityLevel
    user: UsmUser
    context_engine_id: bytes
    context_name: bytes
    pdu: Pdu


@dataclass(frozen=True, slots=True)
class AgentReport:
    """The request failed a USM check: ``reason`` says which (a usmStats name).

    ``data`` is the encoded REPORT message to send back, or None when the request did
    not set the reportable flag (then nothing is sent).
    """

    reason: str
    oid: OID
    counter: int
    data: bytes | None


def _report(
    msg: V3Message,
    oid: OID,
    counter: int,
    local: tuple[bytes, int, int],
    scoped: ScopedPdu | None,
    user: UsmUser | None = None,
) -> AgentReport:
    """The REPORT for a failed check: authNoPriv with ``user``, else noAuthNoPriv."""
    data = None
    if msg.reportable:
        engine_id, engine_boots, engine_time = local
        request_id = scoped.pdu.request_id if scoped is not None else 0
        context_name = scoped.context_name if scoped is not None else b""
        pdu = Pdu(REPORT, request_id, 0, 0, ((oid, Counter32(counter & 0xFFFFFFFF)),))  # Counter32 wraps
        level = SecurityLevel.AUTH_NO_PRIV if user is not None else SecurityLevel.NO_AUTH_NO_PRIV
        if user is None:
            user = UsmUser(msg.usm.user_name if msg.usm is not None else b"")
        data = seal(
            user=user,
            level=level,
            msg_id=msg.msg_id,
            max_size=MAX_SIZE,
            reportable=False,
            engine_id=engine_id,
            engine_boots=engine_boots,
            engine_time=engine_time,
            scoped_pdu=encode_scoped_pdu(engine_id, context_name, pdu),
        )
    return AgentReport(REPORT_REASONS[oid], oid, counter, data)


def process_v3_request(
    msg: V3Message,
    *,
    engine_id: bytes,
    engine_boots: int,
    engine_time: int,
    users: Mapping[bytes, UsmUser],
    stats: UsmStats,
) -> AgentRequest | AgentReport:
    """Run the RFC 3414 3.2 checks for an incoming request on the authoritative engine.

    Raises :class:`UnsupportedSecurityError` for a non-USM security model (the message
    is dropped, no report).
    """
    usm = msg.usm
    if usm is None:
        raise UnsupportedSecurityError(f"security model {msg.security_model} is not USM (3)")
    local = (engine_id, engine_boots, engine_time)
    scoped = msg.scoped_pdu  # None when encrypted
    if usm.engine_id != engine_id:  # 3.2.3: includes discovery (empty engine ID)
        stats.unknown_engine_ids += 1
        return _report(msg, USM_STATS_UNKNOWN_ENGINE_IDS, stats.unknown_engine_ids, local, scoped)
    user = users.get(usm.user_name)
    if user is None:  # 3.2.4
        stats.unknown_user_names += 1
        return _report(msg, USM_STATS_UNKNOWN_USER_NAMES, stats.unknown_user_names, local, scoped)
    level = SecurityLevel(msg.flags & 0x03)
    if (level & FLAG_AUTH and user.auth_proto is AuthProtocol.NONE) or (
        level & FLAG_PRIV and user.priv_proto is PrivProtocol.NONE
    ):  # 3.2.5
        stats.unsupported_sec_levels += 1
        return _report(msg, USM_STATS_UNSUPPORTED_SEC_LEVELS, stats.unsupported_sec_levels, local, scoped)
    if level & FLAG_AUTH:
        auth_key, priv_key = user.keys(engine_id)
        if not verify_digest(msg, user, auth_key):  # 3.2.6
            stats.wrong_digests += 1
            return _report(msg, USM_STATS_WRONG_DIGESTS, stats.wrong_digests, local, scoped)
        if (  # 3.2.7 a): the authoritative receiver's time window
            engine_boots >= _MAX_BOOTS
            or usm.engine_boots != engine_boots
            or abs(usm.engine_time - engine_time) > TIME_WINDOW
        ):
            stats.not_in_time_windows += 1
            return _report(msg, USM_STATS_NOT_IN_TIME_WINDOWS, stats.not_in_time_windows, local, scoped, user)
        if level & FLAG_PRIV:  # 3.2.8
            try:
                scoped = decrypt_scoped_pdu(msg, priv_key)
            except SnmpDecryptError:
                stats.decryption_errors += 1
                return _report(msg, USM_STATS_DECRYPTION_ERRORS, stats.decryption_errors, local, None)
    assert scoped is not None
    return AgentRequest(
        msg.msg_id, msg.max_size, level, user, scoped.context_engine_id, scoped.context_name, scoped.pdu
    )


def encode_v3_response(
    request: AgentRequest,
    pdu: Pdu,
    *,
    engine_id: bytes,
    engine_boots: int,
    engine_time: int,
    salt: int = 0,
    max_size: int = MAX_SIZE,
) -> bytes:
    """Encrypt and authenticate a response at the request's security level.

    ``salt`` (64-bit) must not repeat for one key: take it from a
    :class:`~vigie.snmp.usm.SaltCounter`.
    """
    if not isinstance(pdu, Pdu):
        raise SnmpEncodeError(f"expected a Pdu, got {type(pdu).__name__}")
    scoped = encode_scoped_pdu(request.context_engine_id, request.context_name, encode_pdu(pdu))
    return seal(
        user=request.user,
        level=request.security_level,
        msg_id=request.msg_id,
        max_size=max_size,
        reportable=False,
        engine_id=engine_id,
        engine_boots=engine_boots,
        engine_time=engine_time,
        scoped_pdu=scoped,
        salt=salt,
    )
