"""User-based Security Model: keys, users, digests and AES (RFC 3414, 7860, 3826).

* :func:`password_to_key` is the RFC 3414 A.2 1 MiB expansion (memoised: a farm of
  20,000 agents sharing one user pays it once); :func:`localize_key` binds it to an
  engine ID. :class:`UsmUser` holds the non-localised keys and caches localised ones
  per engine ID in a bounded :class:`KeyCache`.
* The AES-128 key is the first 16 octets of the localised privacy key, whatever the
  authentication hash (what net-snmp and pysnmp do for SHA-2 users too).
* :func:`seal` builds an outgoing message (encrypt, then digest with the
  authentication parameters zeroed in place); :func:`unseal` checks and opens one.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Final

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms

from vigie.snmp.ber import encode_octet_string
from vigie.snmp.errors import (
    SnmpAuthError,
    SnmpDecodeError,
    SnmpDecryptError,
    SnmpError,
    UnsupportedSecurityError,
)
from vigie.snmp.types import OID
from vigie.snmp.v3 import (
    FLAG_AUTH,
    FLAG_PRIV,
    ScopedPdu,
    UsmSecurityParameters,
    V3Message,
    decode_scoped_pdu,
    encode_v3_envelope,
)

try:  # cryptography >= 43 keeps CFB under "decrepit"
    from cryptography.hazmat.decrepit.ciphers.modes import CFB
except ImportError:  # pragma: no cover - older cryptography
    from cryptography.hazmat.primitives.ciphers.modes import CFB

__all__ = [
    "USM_STATS_DECRYPTION_ERRORS",
    "USM_STATS_NOT_IN_TIME_WINDOWS",
    "USM_STATS_UNKNOWN_ENGINE_IDS",
    "USM_STATS_UNKNOWN_USER_NAMES",
    "USM_STATS_UNSUPPORTED_SEC_LEVELS",
    "USM_STATS_WRONG_DIGESTS",
    "AuthProtocol",
    "KeyCache",
    "PrivProtocol",
    "SaltCounter",
    "SecurityLevel",
    "UsmStats",
    "UsmUser",
    "localize_key",
    "password_to_key",
    "seal",
    "unseal",
]

_USM_STATS: Final = (1, 3, 6, 1, 6, 3, 15, 1, 1)
USM_STATS_UNSUPPORTED_SEC_LEVELS: Final = (*_USM_STATS, 1, 0)
USM_STATS_NOT_IN_TIME_WINDOWS: Final = (*_USM_STATS, 2, 0)
USM_STATS_UNKNOWN_USER_NAMES: Final = (*_USM_STATS, 3, 0)
USM_STATS_UNKNOWN_ENGINE_IDS: Final = (*_USM_STATS, 4, 0)
USM_STATS_WRONG_DIGESTS: Final = (*_USM_STATS, 5, 0)
USM_STATS_DECRYPTION_ERRORS: Final = (*_USM_STATS, 6, 0)
REPORT_REASONS: Final[dict[OID, str]] = {
    USM_STATS_UNSUPPORTED_SEC_LEVELS: "unsupportedSecLevels",
    USM_STATS_NOT_IN_TIME_WINDOWS: "notInTimeWindows",
    USM_STATS_UNKNOWN_USER_NAMES: "unknownUserNames",
    USM_STATS_UNKNOWN_ENGINE_IDS: "unknownEngineIDs",
    USM_STATS_WRONG_DIGESTS: "wrongDigests",
    USM_STATS_DECRYPTION_ERRORS: "decryptionErrors",
}

_ONE_MIB: Final = 1 << 20


class SecurityLevel(enum.IntEnum):
    """Security level, valued as the auth/priv bits of msgFlags."""

    NO_AUTH_NO_PRIV = 0
    AUTH_NO_PRIV = FLAG_AUTH
    AUTH_PRIV = FLAG_AUTH | FLAG_PRIV


class AuthProtocol(enum.Enum):
    """Authentication protocols: hash, localised key length and MAC length."""

    NONE = ("none", (1, 3, 6, 1, 6, 3, 10, 1, 1, 1), "", 0, 0)
    MD5 = ("MD5", (1, 3, 6, 1, 6, 3, 10, 1, 1, 2), "md5", 16, 12)
    SHA = ("SHA", (1, 3, 6, 1, 6, 3, 10, 1, 1, 3), "sha1", 20, 12)
    SHA224 = ("SHA-224", (1, 3, 6, 1, 6, 3, 10, 1, 1, 4), "sha224", 28, 16)
    SHA256 = ("SHA-256", (1, 3, 6, 1, 6, 3, 10, 1, 1, 5), "sha256", 32, 24)
    SHA384 = ("SHA-384", (1, 3, 6, 1, 6, 3, 10, 1, 1, 6), "sha384", 48, 32)
    SHA512 = ("SHA-512", (1, 3, 6, 1, 6, 3, 10, 1, 1, 7), "sha512", 64, 48)

    def __init__(self, label: str, oid: OID, hash_name: str, key_len: int, mac_len: int):
        self.label = label
        self.oid = oid
        self.hash_name = hash_name
        self.key_len = key_len
        self.mac_len = mac_len


class PrivProtocol(enum.Enum):
    """Privacy protocols (only AES-128 CFB; DES and AES-192/256 are not implemented)."""

    NONE = ("none", (1, 3, 6, 1, 6, 3, 10, 1, 2, 1), 0)
    AES128 = ("AES", (1, 3, 6, 1, 6, 3, 10, 1, 2, 4), 16)

    def __init__(self, label: str, oid: OID, key_len: int):
        self.label = label
        self.oid = oid
        self.key_len = key_len


def _as_bytes(text: bytes | str) -> bytes:
    return text.encode() if isinstance(text, str) else bytes(text)


@lru_cache(maxsize=128)
def _master_key(passphrase: bytes, hash_name: str) -> bytes:
    expanded = (passphrase * (_ONE_MIB // len(passphrase) + 1))[:_ONE_MIB]
    return hashlib.new(hash_name, expanded).digest()


def password_to_key(passphrase: bytes | str, auth_proto: AuthProtocol) -> bytes:
    """RFC 3414 A.2: hash 1 MiB of the repeated passphrase (the non-localised key Ku)."""
    if auth_proto is AuthProtocol.NONE:
        raise UnsupportedSecurityError("no key without an authentication protocol")
    secret = _as_bytes(passphrase)
    if len(secret) < 8:
        raise SnmpError("USM passphrases have at least 8 characters (RFC 3414 11.2)")
    return _master_key(secret, auth_proto.hash_name)


def localize_key(key: bytes, engine_id: bytes, auth_proto: AuthProtocol) -> bytes:
    """RFC 3414 A.2: Kul = H(Ku || snmpEngineID || Ku)."""
    return hashlib.new(auth_proto.hash_name, key + engine_id + key).digest()


class KeyCache:
    """Localised (auth key, AES key) pairs of one user per engine ID; emptied when full.

    Each :class:`UsmUser` owns one (do not share a cache between users). A miss costs
    two hashes of a few dozen octets, so a farm with more engines than ``max_size`` only
    loses a couple of microseconds per message.
    """

    __slots__ = ("_entries", "max_size")

    def __init__(self, max_size: int = 8192) -> None:
        self.max_size = max_size
        self._entries: dict[bytes, tuple[bytes, bytes]] = {}

    def get(self, user: UsmUser, engine_id: bytes) -> tuple[bytes, bytes]:
        """The localised keys of ``user`` for ``engine_id``."""
        keys = self._entries.get(engine_id)
        if keys is None:
            auth = b""
            priv = b""
            if user.auth_proto is not AuthProtocol.NONE:
                auth = localize_key(user.auth_key, engine_id, user.auth_proto)
                if user.priv_proto is not PrivProtocol.NONE:
                    priv = localize_key(user.priv_key, engine_id, user.auth_proto)
                    priv = priv[: user.priv_proto.key_len]
            if len(self._entries) >= self.max_size:
                self._entries.clear()
            keys = self._entries[engine_id] = (auth, priv)
        return keys

    def __len__(self) -> int:
        return len(self._entries)


@dataclass(frozen=True, slots=True)
class UsmUser:
    """A USM user with its non-localised keys (Ku); build it with :meth:`create`."""

    name: bytes
    auth_proto: AuthProtocol = AuthProtocol.NONE
    auth_key: bytes = b""
    priv_proto: PrivProtocol = PrivProtocol.NONE
    priv_key: bytes = b""
    key_cache: KeyCache = field(default_factory=KeyCache, compare=False, repr=False)

    def __post_init__(self) -> None:
        if len(self.name) > 32:
            raise SnmpError(f"USM user name {self.name!r} is longer than 32 octets")
        if self.priv_proto is not PrivProtocol.NONE and self.auth_proto is AuthProtocol.NONE:
            raise UnsupportedSecurityError(f"user {self.name!r}: privacy needs an authentication protocol")

    @classmethod
    def create(
        cls,
        name: bytes | str,
        auth_proto: AuthProtocol = AuthProtocol.NONE,
        auth_passphrase: bytes | str | None = None,
        priv_proto: PrivProtocol = PrivProtocol.NONE,
        priv_passphrase: bytes | str | None = None,
    ) -> UsmUser:
        """A user from passphrases (the privacy key is hashed with the auth hash)."""
        auth_key = priv_key = b""
        if auth_proto is not AuthProtocol.NONE:
            if auth_passphrase is None:
                raise SnmpError(f"user {name!r}: {auth_proto.label} needs a passphrase")
            auth_key = password_to_key(auth_passphrase, auth_proto)
        if priv_proto is not PrivProtocol.NONE:
            if priv_passphrase is None or auth_proto is AuthProtocol.NONE:
                raise SnmpError(f"user {name!r}: {priv_proto.label} needs a passphrase and an auth protocol")
            priv_key = password_to_key(priv_passphrase, auth_proto)
        return cls(_as_bytes(name), auth_proto, auth_key, priv_proto, priv_key)

    @property
    def security_level(self) -> SecurityLevel:
        """The highest level this user supports."""
        if self.priv_proto is not PrivProtocol.NONE:
            return SecurityLevel.AUTH_PRIV
        if self.auth_proto is not AuthProtocol.NONE:
            return SecurityLevel.AUTH_NO_PRIV
        return SecurityLevel.NO_AUTH_NO_PRIV

    def keys(self, engine_id: bytes) -> tuple[bytes, bytes]:
        """(localised auth key, AES key) for ``engine_id``."""
        return self.key_cache.get(self, engine_id)


@dataclass(slots=True)
class UsmStats:
    """usmStats counters (RFC 3414 section 5), kept by the caller across messages."""

    unsupported_sec_levels: int = 0
    not_in_time_windows: int = 0
    unknown_user_names: int = 0
    unknown_engine_ids: int = 0
    wrong_digests: int = 0
    decryption_errors: int = 0


class SaltCounter:
    """64-bit AES salt source: a wrapping counter from a caller-chosen start.

    Seed it once per process with something unpredictable (e.g. ``os.urandom``).
    """

    __slots__ = ("_next",)

    def __init__(self, start: int = 0) -> None:
        self._next = start & 0xFFFFFFFFFFFFFFFF

    def __call__(self) -> int:
        value = self._next
        self._next = (value + 1) & 0xFFFFFFFFFFFFFFFF
        return value


def _aes(key: bytes, boots: int, engine_time: int, salt: bytes) -> Cipher[CFB]:
    iv = boots.to_bytes(4, "big") + engine_time.to_bytes(4, "big") + salt
    return Cipher(algorithms.AES(key), CFB(iv))


def seal(
    *,
    user: UsmUser,
    level: SecurityLevel,
    msg_id: int,
    max_size: int,
    reportable: bool,
    engine_id: bytes,
    engine_boots: int,
    engine_time: int,
    scoped_pdu: bytes,
    salt: int = 0,
) -> bytes:
    """Protect an encoded ScopedPDU at ``level`` and wrap it into a whole v3 message.

    ``engine_*`` are the authoritative engine's (the agent's) values; ``salt`` is the
    64-bit AES salt, which must never repeat for one key.
    """
    flags = int(level) | (0x04 if reportable else 0)
    auth_params = priv_params = b""
    auth_key = b""
    msg_data = scoped_pdu
    if level & FLAG_AUTH:
        if user.auth_proto is AuthProtocol.NONE:
            raise UnsupportedSecurityError(f"user {user.name!r} has no authentication key")
        auth_key, priv_key = user.keys(engine_id)
        auth_params = bytes(user.auth_proto.mac_len)
        if level & FLAG_PRIV:
            if user.priv_proto is PrivProtocol.NONE:
                raise UnsupportedSecurityError(f"user {user.name!r} has no privacy key")
            priv_params = (salt & 0xFFFFFFFFFFFFFFFF).to_bytes(8, "big")
            encryptor = _aes(priv_key, engine_boots, engine_time, priv_params).encryptor()
            msg_data = encode_octet_string(encryptor.update(scoped_pdu) + encryptor.finalize())
    usm = UsmSecurityParameters(engine_id, engine_boots, engine_time, user.name, auth_params, priv_params)
    message, offset = encode_v3_envelope(msg_id, max_size, flags, usm, msg_data)
    if not auth_key:
        return message
    mac = hmac.digest(auth_key, message, user.auth_proto.hash_name)[: user.auth_proto.mac_len]
    return message[:offset] + mac + message[offset + len(mac) :]


def verify_digest(msg: V3Message, user: UsmUser, auth_key: bytes) -> bool:
    """True when msgAuthenticationParameters is the right HMAC for ``msg``."""
    usm = msg.usm
    proto = user.auth_proto
    if usm is None or proto is AuthProtocol.NONE or len(usm.auth_params) != proto.mac_len:
        return False
    offset = msg.auth_params_offset
    raw = msg.raw
    zeroed = raw[:offset] + bytes(proto.mac_len) + raw[offset + proto.mac_len :]
    mac = hmac.digest(auth_key, zeroed, proto.hash_name)[: proto.mac_len]
    return hmac.compare_digest(mac, usm.auth_params)


def decrypt_scoped_pdu(msg: V3Message, priv_key: bytes) -> ScopedPdu:
    """Decrypt and parse the scoped PDU of an authPriv message."""
    usm = msg.usm
    if usm is None or msg.encrypted_pdu is None:
        raise SnmpDecryptError("message has no USM encrypted PDU")
    if len(usm.priv_params) != 8:
        raise SnmpDecryptError(f"msgPrivacyParameters of {len(usm.priv_params)} octets (AES salt has 8)")
    decryptor = _aes(priv_key, usm.engine_boots, usm.engine_time, usm.priv_params).decryptor()
    plain = decryptor.update(msg.encrypted_pdu) + decryptor.finalize()
    try:
        return decode_scoped_pdu(plain, 0, len(plain), exact=False)
    except SnmpDecodeError as exc:
        raise SnmpDecryptError(f"decrypted scoped PDU does not parse ({exc}): wrong key?") from exc


def unseal(msg: V3Message, user: UsmUser, engine_id: bytes) -> ScopedPdu:
    """Check the digest and decrypt as ``msg.flags`` say; keys localised to ``engine_id``."""
    if msg.usm is None:
        raise UnsupportedSecurityError(f"security model {msg.security_model} is not USM (3)")
    auth_key, priv_key = user.keys(engine_id)
    if msg.flags & FLAG_AUTH:
        if user.auth_proto is AuthProtocol.NONE:
            raise UnsupportedSecurityError(f"user {user.name!r} has no authentication key")
        if not verify_digest(msg, user, auth_key):
            raise SnmpAuthError(f"wrong digest for user {user.name!r}")
    if msg.flags & FLAG_PRIV:
        if user.priv_proto is PrivProtocol.NONE:
            raise UnsupportedSecurityError(f"user {user.name!r} has no privacy key")
        return decrypt_scoped_pdu(msg, priv_key)
    assert msg.scoped_pdu is not None
    return msg.scoped_pdu
