"""Datagram in, datagram out, for one simulated device: community and USM security around
the command responder (:mod:`simulators.agent`).

Malformed or unauthorised requests are dropped and counted, as a real agent does
(snmpInASNParseErrs, snmpInBadCommunityNames, usmStats...); v3 discovery and security
failures get the REPORT a real agent would send.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from simulators.agent import RESPONSE, answer_encoded, encode_fitting
from simulators.device import SimDevice
from simulators.ifmib import VIEW
from simulators.mib import View
from simulators.v3agent import V3Engine
from vigie.snmp.errors import SnmpError
from vigie.snmp.pdu import CommunityMessage, decode_message, encode_response_tlvs
from vigie.snmp.v3 import V3Message

SNMP_V1, SNMP_V2C = 0, 1


@dataclass(slots=True)
class AgentStats:
    """Per-worker counters, in the spirit of SNMPv2-MIB's snmp group."""

    requests: int = 0
    responses: int = 0
    parse_errors: int = 0
    bad_community: int = 0
    bad_version: int = 0
    not_requests: int = 0
    usm: dict[str, int] = field(default_factory=dict)


class Responder:
    """Answers requests for any simulated device with the farm's credentials."""

    def __init__(self, communities: frozenset[bytes], max_size: int, usm: V3Engine | None = None) -> None:
        self.communities = communities
        self.max_size = max_size
        self.usm = usm  # set when v3 users are configured
        self.stats = AgentStats()

    def respond(self, data: bytes, device: SimDevice, t: float, wrong_rid: bool = False) -> bytes | None:
        return self.respond_view(data, VIEW, t, wrong_rid, device, device.context(t))

    def respond_view(self, data: bytes, view: View, t: float, wrong_rid: bool = False,
                     device: SimDevice | None = None, ctx: Any = None) -> bytes | None:
        """Answer from ``view``; its getters get ``ctx`` (the time ``t`` when None)."""
        self.stats.requests += 1
        try:
            msg = decode_message(data)
        except SnmpError:
            self.stats.parse_errors += 1
            return None
        if ctx is None:
            ctx = t
        if isinstance(msg, CommunityMessage):
            return self._community(msg, view, ctx, wrong_rid)
        if self.usm is None:
            self.stats.bad_version += 1
            return None
        return self._v3(msg, view, t, wrong_rid, device, ctx)

    def _community(self, msg: CommunityMessage, view: View, ctx: Any, wrong_rid: bool) -> bytes | None:
        if msg.version != SNMP_V2C:
            self.stats.bad_version += 1  # this farm speaks v2c and v3, as configured on the RIE
            return None
        if msg.community not in self.communities:
            self.stats.bad_community += 1
            return None
        pdu = msg.pdu
        result = answer_encoded(view, pdu.type, pdu.varbinds, pdu.error_status, pdu.error_index, ctx)
        if result is None:
            self.stats.not_requests += 1
            return None
        self.stats.responses += 1
        rid = (pdu.request_id + 1) & 0x7FFFFFFF if wrong_rid else pdu.request_id
        community = msg.community

        def encode(varbinds: list[bytes], status: int, index: int) -> bytes:
            return encode_response_tlvs(SNMP_V2C, community, rid, varbinds, status, index)

        return encode_fitting(result, encode, self.max_size)

    def _v3(self, msg: V3Message, view: View, t: float, wrong_rid: bool, device: SimDevice | None,
            ctx: Any) -> bytes | None:
        assert self.usm is not None
        reply = self.usm.handle(msg, view, t, wrong_rid, device, self.max_size, ctx)
        if reply is not None:
            self.stats.responses += 1
        return reply


__all__ = ["RESPONSE", "AgentStats", "Responder"]
