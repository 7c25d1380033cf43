"""Poll targets: inventory devices with their SNMP profile resolved into credentials.

Secrets are resolved once per profile (``vigie.secrets``), never logged: a target's repr
shows the user or that a community is set, not its value. A profile whose secrets cannot
be resolved does not stop the others: its devices get a CONFIG error at poll time.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping
from dataclasses import dataclass, field

from vigie.errors import ConfigError
from vigie.model import Device, Inventory, SnmpProfile
from vigie.secrets import resolve
from vigie.snmp.users import user_for
from vigie.snmp.usm import UsmUser


@dataclass(frozen=True, slots=True)
class Credentials:
    version: str  # "2c" or "3"
    community: bytes = field(default=b"", repr=False)
    user: UsmUser | None = field(default=None, repr=False)
    problem: str | None = None  # why these credentials cannot be used

    def __repr__(self) -> str:
        who = self.user.name.decode() if self.user else "community ***"
        return f"Credentials(v{self.version}, {who}{', ' + self.problem if self.problem else ''})"


@dataclass(frozen=True, slots=True)
class Target:
    device: str
    vendor: str
    address: str
    port: int
    credentials: Credentials
    timeout_s: float
    retries: int
    max_repetitions: int

    @property
    def endpoint(self) -> tuple[str, int]:
        return self.address, self.port


def credentials_for(profile: SnmpProfile, environ: Mapping[str, str] | None = None) -> Credentials:
    """Resolve a profile's secrets; a failure is kept in ``problem``, not raised."""
    try:
        if profile.version == "2c":
            assert profile.community_ref is not None
            return Credentials("2c", community=resolve(profile.community_ref, environ, default="public").encode())
        assert profile.user and profile.auth_key_ref and profile.priv_key_ref
        assert profile.auth_protocol and profile.priv_protocol
        user = user_for(profile.user, profile.auth_protocol, profile.priv_protocol,
                        resolve(profile.auth_key_ref, environ), resolve(profile.priv_key_ref, environ))
        return Credentials("3", user=user)
    except ConfigError as exc:
        return Credentials(profile.version, problem=f"SNMP profile {profile.name!r}: {exc}")


def targets_for(inv: Inventory, port: int | None = None, environ: Mapping[str, str] | None = None,
                devices: list[Device] | None = None) -> list[Target]:
    """One target per IPv4 device (``port`` overrides every profile's)."""
    creds = {name: credentials_for(p, environ) for name, p in inv.snmp_profiles.items()}
    out = []
    for dev in devices if devices is not None else inv.devices.values():
        try:
            socket.inet_aton(dev.mgmt_address)
        except OSError:
            continue  # IPv6 transport comes later
        prof = inv.snmp_profiles[dev.snmp_profile]
        out.append(Target(dev.name, dev.vendor, dev.mgmt_address, port if port is not None else prof.port,
                          creds[prof.name], prof.timeout_ms / 1000.0, prof.retries, prof.max_repetitions))
    return out
