"""USM for the non-authoritative side (the poller): requests, discovery, responses.

Typical flow for one device::

    send(build_discovery_request(msg_id, request_id))
    report = decode_v3_response(reply, user)           # REPORT unknownEngineIDs
    engine = RemoteEngine.learn(report, now)           # engine ID, boots, time
    send(encode_v3_request(pdu, user=user, engine_id=engine.engine_id,
                           engine_boots=engine.boots, engine_time=engine.estimated_time(now),
                           msg_id=..., salt=salts()))
    response = decode_v3_response(reply, user, engine=engine, now=now)
    response.raise_for_report()                        # REPORTs become exceptions

``now`` is the caller's monotonic clock in seconds: this module never reads a clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from vigie.snmp.errors import (
    NotInTimeWindowError,
    SnmpAuthError,
    SnmpDecodeError,
    SnmpDecryptError,
    SnmpError,
    UnknownEngineError,
    UnsupportedSecurityError,
)
from vigie.snmp.pdu import Pdu, decode_message, encode_pdu
from vigie.snmp.types import GET, OID, REPORT, format_oid
from vigie.snmp.usm import REPORT_REASONS, SecurityLevel, UsmUser, seal, unseal
from vigie.snmp.v3 import FLAG_AUTH, V3Message, encode_scoped_pdu

__all__ = [
    "MAX_SIZE",
    "RemoteEngine",
    "V3Response",
    "build_discovery_request",
    "decode_v3_response",
    "encode_v3_request",
]

MAX_SIZE: Final = 65507
_TIME_WINDOW: Final = 150
_MAX_INT: Final = 0x7FFFFFFF
_REPORT_ERRORS: Final[dict[str, type[SnmpError]]] = {
    "unknownEngineIDs": UnknownEngineError,
    "notInTimeWindows": NotInTimeWindowError,
    "unknownUserNames": SnmpAuthError,
    "wrongDigests": SnmpAuthError,
    "decryptionErrors": SnmpDecryptError,
    "unsupportedSecLevels": UnsupportedSecurityError,
}


@dataclass(frozen=True, slots=True)
class V3Response:
    """A verified, decrypted v3 response (or REPORT) and the engine values it carried."""

    msg_id: int
    security_level: SecurityLevel
    engine_id: bytes
    engine_boots: int
    engine_time: int
    user_name: bytes
    context_engine_id: bytes
    context_name: bytes
    pdu: Pdu

    @property
    def report_oid(self) -> OID | None:
        """The first varbind name of a REPORT (a usmStats or snmp* counter)."""
        if self.pdu.type != REPORT or not self.pdu.varbinds:
            return None
        return self.pdu.varbinds[0][0]

    @property
    def report_reason(self) -> str | None:
        """``"unknownEngineIDs"``, ``"notInTimeWindows"``, ... or None for a response."""
        oid = self.report_oid
        if oid is None:
            return None if self.pdu.type != REPORT else "unknown"
        return REPORT_REASONS.get(oid, format_oid(oid))

    def raise_for_report(self) -> None:
        """Raise the matching :class:`SnmpError` when this is a REPORT."""
        reason = self.report_reason
        if reason is not None:
            error = _REPORT_ERRORS.get(reason, SnmpError)
            raise error(f"agent engine {self.engine_id.hex()} sent a REPORT: {reason}")


@dataclass(slots=True)
class RemoteEngine:
    """What the manager knows of an authoritative engine (RFC 3414 section 2.3)."""

    engine_id: bytes
    boots: int
    time: int
    at: float  # the caller's clock when ``time`` was learnt
    latest_received_time: int

    @classmethod
    def learn(cls, response: V3Response, now: float) -> RemoteEngine:
        """From a discovery REPORT (or any response): engine ID, boots and time."""
        if not response.engine_id:
            raise UnknownEngineError("the agent reported an empty engine ID")
        return cls(response.engine_id, response.engine_boots, response.engine_time, now, response.engine_time)

    def estimated_time(self, now: float) -> int:
        """The agent's snmpEngineTime now, by our clock."""
        return min(self.time + max(int(now - self.at), 0), _MAX_INT)

    def in_time_window(self, boots: int, engine_time: int) -> bool:
        """RFC 3414 3.2.7 b): is an authentic message with these values timely?"""
        return not (
            self.boots >= _MAX_INT
            or boots < self.boots
            or (boots == self.boots and engine_time < self.latest_received_time - _TIME_WINDOW)
        )

    def update(self, boots: int, engine_time: int, now: float) -> None:
        """Adopt newer boots/time from an authentic message (RFC 3414 3.2.7 b)."""
        if boots > self.boots or (boots == self.boots and engine_time > self.latest_received_time):
            self.boots = boots
            self.time = engine_time
            self.latest_received_time = engine_time
            self.at = now


def build_discovery_request(msg_id: int, request_id: int, max_size: int = MAX_SIZE) -> bytes:
    """Engine discovery: noAuthNoPriv, reportable, empty engine ID and user, empty GET."""
    scoped = encode_scoped_pdu(b"", b"", Pdu(GET, request_id))
    return seal(
        user=UsmUser(b""),
        level=SecurityLevel.NO_AUTH_NO_PRIV,
        msg_id=msg_id,
        max_size=max_size,
        reportable=True,
        engine_id=b"",
        engine_boots=0,
        engine_time=0,
        scoped_pdu=scoped,
    )


def encode_v3_request(
    pdu: Pdu,
    *,
    user: UsmUser,
    engine_id: bytes,
    engine_boots: int,
    engine_time: int,
    msg_id: int,
    salt: int = 0,
    security_level: SecurityLevel | None = None,
    context_engine_id: bytes | None = None,
    context_name: bytes = b"",
    max_size: int = MAX_SIZE,
) -> bytes:
    """A reportable request at ``security_level`` (default: the user's highest level).

    ``salt`` is the 64-bit AES salt (never repeat it for one key: use a SaltCounter).
    """
    level = user.security_level if security_level is None else security_level
    scoped = encode_scoped_pdu(
        engine_id if context_engine_id is None else context_engine_id,
        context_name,
        encode_pdu(pdu),
    )
    return seal(
        user=user,
        level=level,
        msg_id=msg_id,
        max_size=max_size,
        reportable=True,
        engine_id=engine_id,
        engine_boots=engine_boots,
        engine_time=engine_time,
        scoped_pdu=scoped,
        salt=salt,
    )


def decode_v3_response(
    data: bytes | V3Message,
    user: UsmUser,
    *,
    security_level: SecurityLevel | None = None,
    engine: RemoteEngine | None = None,
    now: float = 0.0,
) -> V3Response:
    """Verify, decrypt and decode a response to a request made as ``user``.

    Unauthenticated REPORTs (discovery, unknown user, wrong digest) are returned as
    they are; anything else below ``security_level`` (default: the user's) raises
    :class:`UnsupportedSecurityError`. With ``engine``, an authentic message outside
    the time window raises :class:`NotInTimeWindowError` and a newer one updates it.
    """
    msg = decode_message(data) if not isinstance(data, V3Message) else data
    if not isinstance(msg, V3Message):
        raise SnmpDecodeError(f"expected an SNMPv3 message, got version {msg.version}")
    usm = msg.usm
    if usm is None:
        raise UnsupportedSecurityError(f"security model {msg.security_model} is not USM (3)")
    level = SecurityLevel(msg.flags & 0x03)
    if msg.flags & FLAG_AUTH:
        if usm.user_name != user.name:
            raise SnmpAuthError(f"response for user {usm.user_name!r}, expected {user.name!r}")
        scoped = unseal(msg, user, usm.engine_id)
        if engine is not None and usm.engine_id == engine.engine_id:
            if not engine.in_time_window(usm.engine_boots, usm.engine_time):
                raise NotInTimeWindowError(
                    f"engine {usm.engine_id.hex()} sent boots={usm.engine_boots} "
                    f"time={usm.engine_time}, outside the window: rediscover it"
                )
            engine.update(usm.engine_boots, usm.engine_time, now)
    else:
        assert msg.scoped_pdu is not None
        scoped = msg.scoped_pdu
    wanted = user.security_level if security_level is None else security_level
    if scoped.pdu.type != REPORT and level < wanted:
        raise UnsupportedSecurityError(f"response at security level {level.name}, {wanted.name} required")
    return V3Response(
        msg.msg_id,
        level,
        usm.engine_id,
        usm.engine_boots,
        usm.engine_time,
        usm.user_name,
        scoped.context_engine_id,
        scoped.context_name,
        scoped.pdu,
    )
