"""USM users from the names the inventory and the command line use ("SHA-256", "AES").

Shared by the poller and the simulated agents, so that both sides accept the same
protocol names, apply the same passphrase rule and size the localised-key cache for the
whole RIE (one localised key pair per engine, i.e. per device, per user).
"""

from __future__ import annotations

from dataclasses import replace

from vigie.errors import ConfigError
from vigie.snmp.usm import AuthProtocol, KeyCache, PrivProtocol, UsmUser

AUTH_PROTOCOLS = {"SHA": AuthProtocol.SHA, "SHA-256": AuthProtocol.SHA256}
PRIV_PROTOCOLS = {"AES": PrivProtocol.AES128}
KEY_CACHE_SIZE = 1 << 16  # localised keys of every device of the RIE, per user
MIN_PASSPHRASE = 8  # RFC 3414 section 11.2


def user_for(name: str, auth: str, priv: str, auth_pass: str, priv_pass: str) -> UsmUser:
    """An authPriv user; ConfigError naming the bad value when it cannot be one."""
    if auth not in AUTH_PROTOCOLS or priv not in PRIV_PROTOCOLS:
        raise ConfigError(f"SNMPv3 user {name!r}: auth {auth!r} / priv {priv!r} not supported; "
                          f"use {', '.join(AUTH_PROTOCOLS)} and {', '.join(PRIV_PROTOCOLS)}")
    if len(auth_pass) < MIN_PASSPHRASE or len(priv_pass) < MIN_PASSPHRASE:
        raise ConfigError(f"SNMPv3 user {name!r}: passphrases must have at least {MIN_PASSPHRASE} characters "
                          "(RFC 3414)")
    user = UsmUser.create(name, AUTH_PROTOCOLS[auth], auth_pass, PRIV_PROTOCOLS[priv], priv_pass)
    return replace(user, key_cache=KeyCache(KEY_CACHE_SIZE))
