"""One device's SNMP conversation: v2c or v3 (discovery, time window, reports), retries.

A :class:`Session` sends request PDUs and returns response PDUs, or raises
:class:`PollFailure` carrying the :class:`~vigie.observations.PollError` cause. The
poller turns those into results; nothing here ever stops other devices.
The v3 engine learnt by discovery is kept between polls (the session lives as long as
the poller), so discovery costs one round trip per device and per agent restart.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from collectors.snmp.targets import Target
from collectors.snmp.transport import RequestTimeout, SendRefused, SnmpTransport
from vigie.observations import PollError
from vigie.snmp.errors import (
    NotInTimeWindowError,
    SnmpAuthError,
    SnmpDecodeError,
    SnmpDecryptError,
    SnmpError,
    UnknownEngineError,
    UnsupportedSecurityError,
)
from vigie.snmp.pdu import CommunityMessage, Pdu, encode_request
from vigie.snmp.types import OID, REPORT, RESPONSE
from vigie.snmp.usm import SaltCounter
from vigie.snmp.usm_manager import RemoteEngine, build_discovery_request, decode_v3_response, encode_v3_request

SNMP_V2C = 1
_SALTS = SaltCounter(int.from_bytes(os.urandom(8), "big"))
_REASONS = {
    "unknownUserNames": (PollError.UNKNOWN_USER, "the agent does not know user {user!r}"),
    "wrongDigests": (PollError.AUTH_FAILURE, "wrong authentication key for user {user!r} (wrongDigests)"),
    "decryptionErrors": (PollError.AUTH_FAILURE, "wrong privacy key for user {user!r} (decryptionErrors)"),
    "unsupportedSecLevels": (PollError.AUTH_FAILURE, "the agent refuses authPriv for user {user!r}"),
}


class PollFailure(Exception):
    def __init__(self, cause: PollError, detail: str) -> None:
        super().__init__(detail)
        self.cause = cause
        self.detail = detail


@dataclass(slots=True)
class Exchange:
    pdu: Pdu
    rtt_s: float


class Session:
    """Requests to one target through a shared transport."""

    __slots__ = ("_clock", "engine", "pdus", "quick", "retries", "target", "transport")

    def __init__(self, transport: SnmpTransport, target: Target,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.transport = transport
        self.target = target
        self.engine: RemoteEngine | None = None
        self._clock = clock
        self.pdus = 0
        self.retries = 0
        # A device that did not answer its last poll gets one attempt, not the profile's
        # retries: dead devices must not hold poll slots for the whole retry ladder.
        self.quick = False

    async def get(self, names: Sequence[OID]) -> Exchange:
        return await self.request(0xA0, names)

    async def bulk(self, names: Sequence[OID], non_repeaters: int, max_repetitions: int) -> Exchange:
        return await self.request(0xA5, names, non_repeaters, max_repetitions)

    async def request(self, pdu_type: int, names: Sequence[OID], non_repeaters: int = 0,
                      max_repetitions: int = 0) -> Exchange:
        creds = self.target.credentials
        if creds.problem is not None:
            raise PollFailure(PollError.CONFIG, creds.problem)
        if creds.version == "2c":
            return await self._v2c(pdu_type, names, non_repeaters, max_repetitions)
        return await self._v3(pdu_type, names, non_repeaters, max_repetitions)

    # --- transport with results --------------------------------------------------------
    async def _send(self, data: bytes, key: int) -> tuple[object, float]:
        t = self.target
        started = self._clock()
        since = asyncio.get_running_loop().time()
        try:
            retries = 0 if self.quick else t.retries
            msg, attempts = await self.transport.request(t.endpoint, data, key, t.timeout_s, retries)
        except SendRefused as exc:
            self.pdus += 1
            raise PollFailure(PollError.SEND_ERROR, str(exc)) from exc
        except RequestTimeout as exc:
            self.pdus += retries + 1
            self.retries += retries
            noise = self.transport.noise_since(t.endpoint, since)
            if noise is not None:
                raise PollFailure(PollError.DECODE_ERROR, f"{t.address}:{t.port} answered garbage: {noise}") from exc
            raise PollFailure(PollError.TIMEOUT, f"{t.address}:{t.port}: {exc}") from exc
        self.pdus += attempts
        self.retries += attempts - 1
        return msg, self._clock() - started

    async def _v2c(self, pdu_type: int, names: Sequence[OID], nr: int, mr: int) -> Exchange:
        key = self.transport.new_id()
        data = encode_request(SNMP_V2C, self.target.credentials.community, pdu_type, key, names, nr, mr)
        msg, rtt = await self._send(data, key)
        if not isinstance(msg, CommunityMessage) or msg.version != SNMP_V2C or msg.pdu.type != RESPONSE:
            raise PollFailure(PollError.DECODE_ERROR, f"{self.target.address}: answer is not a v2c Response")
        if msg.community != self.target.credentials.community:
            raise PollFailure(PollError.DECODE_ERROR, f"{self.target.address}: answer with another community")
        return Exchange(msg.pdu, rtt)

    async def _discover(self) -> RemoteEngine:
        key = self.transport.new_id()
        msg, _ = await self._send(build_discovery_request(key, key), key)
        user = self.target.credentials.user
        assert user is not None
        try:
            report = decode_v3_response(msg, user)  # type: ignore[arg-type]
            engine = RemoteEngine.learn(report, self._clock())
        except SnmpError as exc:
            raise PollFailure(PollError.UNKNOWN_ENGINE, f"{self.target.address}: discovery failed: {exc}") from exc
        return engine

    async def _v3(self, pdu_type: int, names: Sequence[OID], nr: int, mr: int) -> Exchange:
        user = self.target.credentials.user
        assert user is not None
        for attempt in range(3):  # discovery, then a time-window resync, then give up
            if self.engine is None:
                self.engine = await self._discover()
            engine = self.engine
            key = self.transport.new_id()
            pdu = Pdu(pdu_type, key, nr, mr, tuple((n, None) for n in names))
            now = self._clock()
            data = encode_v3_request(pdu, user=user, engine_id=engine.engine_id, engine_boots=engine.boots,
                                     engine_time=engine.estimated_time(now), msg_id=key, salt=_SALTS())
            msg, rtt = await self._send(data, key)
            try:
                resp = decode_v3_response(msg, user, engine=engine, now=self._clock())  # type: ignore[arg-type]
            except NotInTimeWindowError:
                self.engine = None  # the agent rebooted or our clock drifted: rediscover
                continue
            except (SnmpAuthError, SnmpDecryptError) as exc:
                raise PollFailure(PollError.AUTH_FAILURE, f"{self.target.address}: {exc}") from exc
            except (UnsupportedSecurityError, SnmpDecodeError, SnmpError) as exc:
                raise PollFailure(PollError.DECODE_ERROR, f"{self.target.address}: {exc}") from exc
            if resp.pdu.type == REPORT:
                reason = resp.report_reason or "unknown"
                if reason in ("notInTimeWindows", "unknownEngineIDs") and attempt < 2:
                    if reason == "notInTimeWindows" and resp.engine_id == engine.engine_id:
                        self.engine = RemoteEngine.learn(resp, self._clock())
                    else:
                        self.engine = None
                    continue
                cause, text = _REASONS.get(reason, (PollError.AGENT_ERROR, f"REPORT {reason}"))
                raise PollFailure(cause, f"{self.target.address}: " + text.format(user=user.name.decode()))
            if resp.pdu.request_id != key:
                raise PollFailure(PollError.DECODE_ERROR, f"{self.target.address}: answer to another request")
            return Exchange(resp.pdu, rtt)
        raise PollFailure(PollError.NOT_IN_TIME_WINDOW,
                          f"{self.target.address}: still out of the time window after rediscovery")


__all__ = ["Exchange", "PollFailure", "Session", "UnknownEngineError"]
