"""SNMPv3 for the simulated devices: one authoritative engine per device, USM authPriv.

Each device has its own snmpEngineID (RFC 3411 format 1: enterprise + IPv4 address),
engineBoots (incremented by every reboot of the scenario) and engineTime (seconds since
its last boot), so a manager discovers and times each device separately, as on a real
network. Users come from the inventory's v3 SNMP profiles or from ``--v3-user``; their
passphrases only from the environment (or the profile's secret references).
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from typing import Any

from simulators.agent import RESPONSE, answer_encoded, encode_fitting
from simulators.device import SimDevice
from simulators.mib import View
from simulators.traffic import stable_unit
from vigie.errors import ConfigError
from vigie.model import Inventory
from vigie.secrets import resolve
from vigie.snmp.errors import SnmpError
from vigie.snmp.pdu import Pdu, encode_pdu_tlvs
from vigie.snmp.users import user_for
from vigie.snmp.usm import (
    SaltCounter,
    SecurityLevel,
    UsmStats,
    UsmUser,
    seal,
)
from vigie.snmp.usm_agent import AgentReport, AgentRequest, encode_v3_response, process_v3_request
from vigie.snmp.v3 import V3Message, encode_scoped_pdu
from vigie.vendors import VENDORS

AUTHORIZATION_ERROR = 16
REQUESTS = frozenset((0xA0, 0xA1, 0xA3, 0xA5))  # GET, GETNEXT, SET, GETBULK


def engine_id(enterprise: int, address: str) -> bytes:
    try:
        ip = socket.inet_aton(address)
    except OSError:
        ip = address.encode()[:27]
        return (0x80000000 | enterprise).to_bytes(4, "big") + b"\x04" + ip
    return (0x80000000 | enterprise).to_bytes(4, "big") + b"\x01" + ip


@dataclass(slots=True)
class UsmConfig:
    users: dict[bytes, UsmUser]
    started: float = 0.0

    def user_names(self) -> list[str]:
        return sorted(u.decode() for u in self.users)

    def engine(self) -> V3Engine:
        return V3Engine(self.users, self.started)


def usm_config(inv: Inventory, user: str | None, auth: str, priv: str, auth_env: str,
               priv_env: str) -> UsmConfig | None:
    """The farm's v3 users: ``user`` with passphrases from ``auth_env``/``priv_env``, plus
    every v3 profile of the inventory whose secrets resolve. None when there is none."""
    users: dict[bytes, UsmUser] = {}
    if user is not None:
        a, p = os.environ.get(auth_env), os.environ.get(priv_env)
        if not a or not p:
            raise ConfigError(f"--v3-user {user!r} needs its passphrases in the environment: export "
                              f"{auth_env}=... and {priv_env}=...")
        users[user.encode()] = user_for(user, auth, priv, a, p)
    for prof in inv.snmp_profiles.values():
        if prof.version != "3" or prof.user is None or prof.user.encode() in users:
            continue
        assert prof.auth_key_ref and prof.priv_key_ref and prof.auth_protocol and prof.priv_protocol
        try:
            a, p = resolve(prof.auth_key_ref), resolve(prof.priv_key_ref)
        except ConfigError as exc:
            raise ConfigError(f"SNMP profile {prof.name!r}: {exc}") from exc
        users[prof.user.encode()] = user_for(prof.user, prof.auth_protocol, prof.priv_protocol, a, p)
    return UsmConfig(users) if users else None


@dataclass(slots=True)
class V3Engine:
    """Per-worker state: usmStats counters and the AES salt sequence."""

    users: dict[bytes, UsmUser]
    started: float
    stats: UsmStats = field(default_factory=UsmStats)
    salt: SaltCounter = field(default_factory=lambda: SaltCounter(int.from_bytes(os.urandom(8), "big")))
    _ids: dict[str, bytes] = field(default_factory=dict)

    def identity(self, device: SimDevice | None, t: float) -> tuple[bytes, int, int]:
        if device is None:
            return b"\x80\x00\x1f\x88\x04vigie-recorded", 1, max(int(t - self.started), 0)
        eid = self._ids.get(device.name)
        if eid is None:
            vendor = VENDORS.get(device.device.vendor)
            eid = self._ids[device.name] = engine_id(vendor.enterprise if vendor else 8072,
                                                     device.device.mgmt_address)
        boots = 1 + int(stable_unit(device.name, "boots") * 40) + device.boot_number(t)
        return eid, boots, min(int(t - device.boot_time(t)), 0x7FFFFFFF)

    def handle(self, msg: V3Message, view: View, t: float, wrong_rid: bool, device: SimDevice | None,
               max_size: int, ctx: Any = None) -> bytes | None:
        eid, boots, etime = self.identity(device, t)
        try:
            req = process_v3_request(msg, engine_id=eid, engine_boots=boots, engine_time=etime,
                                     users=self.users, stats=self.stats)
        except SnmpError:
            return None
        if isinstance(req, AgentReport):
            return req.data
        pdu = req.pdu
        size = min(max_size, req.max_size)
        rid = (pdu.request_id + 1) & 0x7FFFFFFF if wrong_rid else pdu.request_id
        if req.security_level is not SecurityLevel.AUTH_PRIV:
            # The access policy (VACM) of the RIE's routers: read access needs authPriv,
            # as with net-snmp's `rouser NAME priv`: a weaker request is refused, not served.
            if pdu.type not in REQUESTS:
                return None
            response = Pdu(RESPONSE, rid, AUTHORIZATION_ERROR, 0, pdu.varbinds)
            return encode_v3_response(req, response, engine_id=eid, engine_boots=boots, engine_time=etime,
                                      salt=self.salt(), max_size=size)
        result = answer_encoded(view, pdu.type, pdu.varbinds, pdu.error_status, pdu.error_index,
                                t if ctx is None else ctx)
        if result is None:
            return None

        def encode(varbinds: list[bytes], status: int, index: int) -> bytes:
            return self._seal(req, encode_pdu_tlvs(RESPONSE, rid, status, index, varbinds), eid, boots, etime,
                              max_size)

        return encode_fitting(result, encode, size)

    def _seal(self, req: AgentRequest, pdu: bytes, eid: bytes, boots: int, etime: int, max_size: int) -> bytes:
        """``encode_v3_response`` for a PDU already encoded."""
        scoped = encode_scoped_pdu(req.context_engine_id, req.context_name, pdu)
        return seal(user=req.user, level=req.security_level, msg_id=req.msg_id, max_size=max_size,
                    reportable=False, engine_id=eid, engine_boots=boots, engine_time=etime,
                    scoped_pdu=scoped, salt=self.salt())
