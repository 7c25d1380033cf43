"""Errors raised by the SNMP codec and the User-based Security Model.

Every error derives from :class:`vigie.errors.VigieError`::

    VigieError                        (vigie.errors)
    └── SnmpError                     any error of the SNMP codec, USM or transports
        ├── SnmpDecodeError           malformed bytes: says what is wrong and at which offset
        ├── SnmpEncodeError           a value that cannot be encoded (type, range, bad OID text)
        ├── SnmpAuthError             wrong digest, unknown user name, user/level mismatch
        ├── SnmpDecryptError          privacy parameters or ciphertext that cannot be decrypted
        ├── UnknownEngineError        the peer does not know our engine ID (discovery needed)
        ├── NotInTimeWindowError      engineBoots/engineTime outside the 150 s window
        └── UnsupportedSecurityError  security model, level or protocol not supported

The codec never lets another exception type escape from decoding untrusted bytes:
anything malformed becomes :class:`SnmpDecodeError` (or another :class:`SnmpError`).
"""

from __future__ import annotations

from vigie.errors import VigieError

__all__ = [
    "NotInTimeWindowError",
    "SnmpAuthError",
    "SnmpDecodeError",
    "SnmpDecryptError",
    "SnmpEncodeError",
    "SnmpError",
    "UnknownEngineError",
    "UnsupportedSecurityError",
]


class SnmpError(VigieError):
    """Root of every SNMP codec, USM and transport error."""


class SnmpDecodeError(SnmpError):
    """Bytes that are not a valid SNMP message; ``offset`` is where the problem is."""

    def __init__(self, what: str, offset: int | None = None) -> None:
        self.what = what
        self.offset = offset
        super().__init__(what if offset is None else f"{what} at offset {offset}")

    def __reduce__(self) -> tuple[type[SnmpDecodeError], tuple[str, int | None]]:
        return (type(self), (self.what, self.offset))


class SnmpEncodeError(SnmpError):
    """A value given to the codec cannot be encoded (wrong type, out of range, bad OID)."""


class SnmpAuthError(SnmpError):
    """Authentication failed: wrong digest, unknown user name, or a security-level mismatch."""


class SnmpDecryptError(SnmpError):
    """The encrypted scoped PDU cannot be decrypted (bad privacy parameters or key)."""


class UnknownEngineError(SnmpError):
    """The authoritative engine ID is unknown: run engine discovery first."""


class NotInTimeWindowError(SnmpError):
    """engineBoots/engineTime are outside the RFC 3414 time window: re-synchronise."""


class UnsupportedSecurityError(SnmpError):
    """A security model, level or protocol that the codec or the peer does not support."""
