"""SNMP value types, mapped onto cheap Python types.

=======================  =====================================================
SMI type                 Python value
=======================  =====================================================
INTEGER / Integer32      ``int`` (exactly ``int``; ``bool`` is encoded as 0/1)
OCTET STRING             ``bytes``
NULL                     ``None``
OBJECT IDENTIFIER        :class:`ObjectIdentifier` (a ``tuple`` of ints)
IpAddress                :class:`IpAddress` (4 ``bytes``)
Counter32                :class:`Counter32` (an ``int``)
Gauge32 / Unsigned32     :class:`Gauge32`
TimeTicks                :class:`TimeTicks` (hundredths of a second)
Opaque                   :class:`Opaque` (``bytes``)
Counter64                :class:`Counter64`
noSuchObject ...         :data:`NO_SUCH_OBJECT`, :data:`NO_SUCH_INSTANCE`,
                         :data:`END_OF_MIB_VIEW` (singletons)
=======================  =====================================================

OIDs used as varbind *names* are plain ``tuple[int, ...]`` (:data:`OID`); only OID
*values* are wrapped in :class:`ObjectIdentifier` so that the encoder can tell them from
other values. Constructors do not validate ranges (decoding must stay cheap); the
encoder rejects out-of-range values with :class:`~vigie.snmp.errors.SnmpEncodeError`.
"""

from __future__ import annotations

from typing import Final, TypeAlias, final

from vigie.snmp.errors import SnmpEncodeError

__all__ = [
    "END_OF_MIB_VIEW",
    "ERROR_STATUS_NAMES",
    "NO_SUCH_INSTANCE",
    "NO_SUCH_OBJECT",
    "OID",
    "PDU_TYPE_NAMES",
    "Counter32",
    "Counter64",
    "ExceptionValue",
    "Gauge32",
    "IpAddress",
    "ObjectIdentifier",
    "Opaque",
    "TimeTicks",
    "Value",
    "VarBind",
    "format_oid",
    "oid_starts_with",
    "parse_oid",
]

OID: TypeAlias = tuple[int, ...]


class Counter32(int):
    """Counter32: a non-negative 32-bit counter that wraps."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"Counter32({int(self)})"


class Gauge32(int):
    """Gauge32 (also Unsigned32): a non-negative 32-bit value."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"Gauge32({int(self)})"


class TimeTicks(int):
    """TimeTicks: hundredths of a second, modulo 2**32."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"TimeTicks({int(self)})"


class Counter64(int):
    """Counter64: a non-negative 64-bit counter that wraps (SNMPv2c/v3 only)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"Counter64({int(self)})"


class Opaque(bytes):
    """Opaque: arbitrary BER wrapped in an OCTET STRING."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"Opaque({bytes(self)!r})"


class IpAddress(bytes):
    """IpAddress: exactly four bytes, network order."""

    __slots__ = ()

    @classmethod
    def from_string(cls, text: str) -> IpAddress:
        """``IpAddress.from_string("10.0.0.1")``."""
        parts = text.split(".")
        try:
            octets = bytes(int(p) for p in parts)
        except ValueError as exc:
            raise SnmpEncodeError(f"invalid IPv4 address {text!r}: use a.b.c.d") from exc
        if len(octets) != 4:
            raise SnmpEncodeError(f"invalid IPv4 address {text!r}: use a.b.c.d")
        return cls(octets)

    def __str__(self) -> str:
        return ".".join(str(b) for b in self)

    def __repr__(self) -> str:
        if len(self) == 4:
            return f"IpAddress('{self}')"
        return f"IpAddress({bytes(self)!r})"


class ObjectIdentifier(tuple[int, ...]):
    """An OBJECT IDENTIFIER used as a *value* (names are plain tuples)."""

    __slots__ = ()

    def __str__(self) -> str:
        return format_oid(self)

    def __repr__(self) -> str:
        return f"ObjectIdentifier('{format_oid(self)}')"


@final
class ExceptionValue:
    """One of the SNMPv2 varbind exceptions; compare by identity with the singletons."""

    __slots__ = ("name", "tag")

    def __init__(self, name: str, tag: int) -> None:
        self.name = name
        self.tag = tag

    def __repr__(self) -> str:
        return self.name

    def __reduce__(self) -> str:
        return _EXCEPTION_GLOBALS[self.tag]


NO_SUCH_OBJECT: Final = ExceptionValue("noSuchObject", 0x80)
NO_SUCH_INSTANCE: Final = ExceptionValue("noSuchInstance", 0x81)
END_OF_MIB_VIEW: Final = ExceptionValue("endOfMibView", 0x82)
_EXCEPTION_GLOBALS: Final = {
    0x80: "NO_SUCH_OBJECT",
    0x81: "NO_SUCH_INSTANCE",
    0x82: "END_OF_MIB_VIEW",
}

Value: TypeAlias = int | bytes | ObjectIdentifier | ExceptionValue | None
VarBind: TypeAlias = tuple[OID, Value]

# PDU types (context-specific constructed tags, RFC 3416 and RFC 1157).
GET: Final = 0xA0
GETNEXT: Final = 0xA1
RESPONSE: Final = 0xA2
SET: Final = 0xA3
TRAPV1: Final = 0xA4  # SNMPv1 Trap-PDU: recognised, not decoded
GETBULK: Final = 0xA5
INFORM: Final = 0xA6
TRAPV2: Final = 0xA7
REPORT: Final = 0xA8

PDU_TYPE_NAMES: Final = {
    GET: "GetRequest",
    GETNEXT: "GetNextRequest",
    RESPONSE: "Response",
    SET: "SetRequest",
    GETBULK: "GetBulkRequest",
    INFORM: "InformRequest",
    TRAPV2: "SNMPv2-Trap",
    REPORT: "Report",
}

# error-status values (RFC 3416 section 3).
NO_ERROR: Final = 0
TOO_BIG: Final = 1
NO_SUCH_NAME: Final = 2
BAD_VALUE: Final = 3
READ_ONLY: Final = 4
GEN_ERR: Final = 5
NO_ACCESS: Final = 6
WRONG_TYPE: Final = 7
WRONG_LENGTH: Final = 8
WRONG_ENCODING: Final = 9
WRONG_VALUE: Final = 10
NO_CREATION: Final = 11
INCONSISTENT_VALUE: Final = 12
RESOURCE_UNAVAILABLE: Final = 13
COMMIT_FAILED: Final = 14
UNDO_FAILED: Final = 15
AUTHORIZATION_ERROR: Final = 16
NOT_WRITABLE: Final = 17
INCONSISTENT_NAME: Final = 18

ERROR_STATUS_NAMES: Final = (
    "noError",
    "tooBig",
    "noSuchName",
    "badValue",
    "readOnly",
    "genErr",
    "noAccess",
    "wrongType",
    "wrongLength",
    "wrongEncoding",
    "wrongValue",
    "noCreation",
    "inconsistentValue",
    "resourceUnavailable",
    "commitFailed",
    "undoFailed",
    "authorizationError",
    "notWritable",
    "inconsistentName",
)

_MAX_SUBID: Final = 0xFFFFFFFF


def parse_oid(text: str) -> OID:
    """``parse_oid("1.3.6.1.2.1.1.3.0")`` -> ``(1, 3, 6, 1, 2, 1, 1, 3, 0)``.

    A leading dot is accepted. Arcs must be decimal integers in 0..2**32-1, at least two.
    """
    body = text[1:] if text.startswith(".") else text
    parts = body.split(".")
    if not all(part.isascii() and part.isdigit() for part in parts):
        raise SnmpEncodeError(f"invalid OID {text!r}: use dotted decimal such as '1.3.6.1.2.1.1.3.0'")
    arcs = tuple(int(part) for part in parts)
    if len(arcs) < 2:
        raise SnmpEncodeError(f"invalid OID {text!r}: an OID has at least two arcs")
    for arc in arcs:
        if arc < 0 or arc > _MAX_SUBID:
            raise SnmpEncodeError(f"invalid OID {text!r}: arc {arc} is not in 0..4294967295")
    return arcs


def format_oid(oid: tuple[int, ...]) -> str:
    """``format_oid((1, 3, 6, 1))`` -> ``"1.3.6.1"``."""
    return ".".join(map(str, oid))


def oid_starts_with(oid: tuple[int, ...], prefix: tuple[int, ...]) -> bool:
    """True when ``oid`` is ``prefix`` or lies under it (walk termination test)."""
    return len(oid) >= len(prefix) and oid[: len(prefix)] == prefix
