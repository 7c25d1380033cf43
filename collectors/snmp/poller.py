"""Polling devices: one GETBULK walk of every column at once, typed results, never raises.

A poll is sysUpTime (as a non-repeater of the first GETBULK, so it costs no extra round
trip) plus the OID set's interface columns walked side by side: each column advances
from its own last OID, so sparse tables, agents that return fewer rows than asked and
columns of different lengths all work; a column ends when it leaves its subtree. tooBig
halves max-repetitions; what the agent really returns per PDU is learnt per device, and
so is the table size, so most devices take one round trip per poll. The ifIndex → ifName
map is cached and refreshed when sysUpTime shows a restart or new interfaces appear; an
agent without ifXTable is detected once and polled with the Counter32 columns.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from collectors.snmp.oidsets import SYS_UPTIME, OidSet, oidset_for
from collectors.snmp.session import PollFailure, Session
from collectors.snmp.targets import Target
from collectors.snmp.transport import SnmpTransport
from vigie.observations import DevicePoll, InterfaceSample, PollError
from vigie.snmp.types import OID, ExceptionValue, TimeTicks, Value

TOO_BIG = 1
MAX_VARBINDS_PER_PDU = 250  # keeps requests and answers of common agents under ~8 KB
MAX_PDUS_PER_WALK = 400
SYS_UPTIME_0 = SYS_UPTIME + (0,)


@dataclass(slots=True)
class DeviceCache:
    """What the poller remembers of a device between polls."""

    names: dict[int, str] | None = None
    uptime: int | None = None  # last sysUpTime seen (ticks)
    uptime_at: float | None = None
    has_hc: bool | None = None  # None: not known yet
    has_ifname: bool | None = None
    rows: int | None = None  # interfaces seen last time
    reps: int | None = None  # max-repetitions that works for this agent
    agent_cap: int | None = None  # most rows per PDU the agent returned when asked for more
    timeouts: int = 0  # consecutive polls without any answer


@dataclass(slots=True)
class Walk:
    values: dict[str, dict[tuple[int, ...], Value]] = field(default_factory=dict)
    uptime: int | None = None
    uptime_at: float | None = None
    rtt_s: float | None = None
    partial: bool = False
    rows_per_pdu: int | None = None


async def walk_columns(session: Session, columns: Mapping[str, OID], reps: int, with_uptime: bool,
                       wall: Callable[[], float] = time.time) -> Walk:
    """Walk ``columns`` side by side with GETBULK; raises PollFailure only if nothing came."""
    result = Walk(values={name: {} for name in columns})
    cursors: dict[str, OID] = dict(columns)
    first = True
    for _ in range(MAX_PDUS_PER_WALK):
        if not cursors:
            return result
        active = list(cursors)
        nr = 1 if first and with_uptime else 0
        names = ([SYS_UPTIME] if nr else []) + [cursors[c] for c in active]
        r = max(1, min(reps, MAX_VARBINDS_PER_PDU // len(active)))
        exchange = await session.bulk(names, nr, r)
        pdu = exchange.pdu
        if result.rtt_s is None:
            result.rtt_s = exchange.rtt_s
        if pdu.error_status == TOO_BIG and r > 1:
            reps = r // 2
            result.rows_per_pdu = reps
            continue
        if pdu.error_status != 0:
            raise PollFailure(PollError.AGENT_ERROR, f"{session.target.address}: error-status {pdu.error_status} "
                              f"(index {pdu.error_index}) to a GETBULK of {len(names)} variables")
        vbs = pdu.varbinds
        if nr:
            if vbs and vbs[0][0] == SYS_UPTIME_0 and type(vbs[0][1]) is TimeTicks:
                result.uptime = int(vbs[0][1])
                result.uptime_at = wall()
            vbs = vbs[1:]
        first = False
        if not vbs:
            result.partial = bool(cursors)
            return result
        width = len(active)
        returned_rows = (len(vbs) + width - 1) // width
        if returned_rows < r and len(vbs) % width == 0:
            result.rows_per_pdu = max(returned_rows, 1)  # the agent sends fewer rows than asked
        values = result.values
        for j, name in enumerate(active):
            col = columns[name]
            clen = len(col)
            cursor = cursors[name]
            store = values[name]
            for oid, value in vbs[j::width]:  # this column's answers, row after row
                if type(value) is ExceptionValue or oid[:clen] != col or len(oid) <= clen:
                    del cursors[name]
                    break
                if oid <= cursor:  # an agent that goes backwards would loop forever
                    del cursors[name]
                    result.partial = True
                    break
                store[oid[clen:]] = value
                cursor = oid
            else:
                cursors[name] = cursor
    result.partial = True
    return result


def _int(value: Value | None) -> int | None:
    return value if isinstance(value, int) else None


_EMPTY: dict[tuple[int, ...], Value] = {}


class Poller:
    """Polls targets through one transport; keeps per-device sessions and caches."""

    def __init__(self, transport: SnmpTransport, extra_columns: Mapping[str, str] | None = None,
                 wall: Callable[[], float] = time.time, clock: Callable[[], float] = time.monotonic) -> None:
        self.transport = transport
        self.extra_columns = dict(extra_columns or {})
        self.sessions: dict[str, Session] = {}
        self.caches: dict[str, DeviceCache] = {}
        self._oidsets: dict[str, OidSet] = {}
        self._wall = wall
        self._clock = clock

    def session(self, target: Target) -> Session:
        s = self.sessions.get(target.device)
        if s is None or s.target != target:
            s = self.sessions[target.device] = Session(self.transport, target, self._clock)
        return s

    def oidset(self, vendor: str) -> OidSet:
        oids = self._oidsets.get(vendor)
        if oids is None:
            oids = self._oidsets[vendor] = oidset_for(vendor, self.extra_columns)
        return oids

    async def poll(self, target: Target) -> DevicePoll:
        """Poll one device; every failure becomes a result with its cause."""
        started_wall, started = self._wall(), self._clock()
        session = self.session(target)
        pdus0, retries0 = session.pdus, session.retries
        cache = self.caches.setdefault(target.device, DeviceCache())
        session.quick = cache.timeouts > 0
        try:
            sample, walk = await self._poll(session, target, cache)
            cache.timeouts = 0
            error, detail = (None, "")
            if not sample and walk.uptime is None:
                error, detail = PollError.NO_DATA, f"{target.address}: no sysUpTime and no interface answered"
        except PollFailure as exc:
            cache.timeouts = cache.timeouts + 1 if exc.cause is PollError.TIMEOUT else 0
            return DevicePoll(target.device, target.address, started_wall, self._clock() - started, exc.cause,
                              exc.detail, pdus=session.pdus - pdus0, retries=session.retries - retries0)
        return DevicePoll(target.device, target.address, started_wall, self._clock() - started, error, detail,
                          sys_uptime=walk.uptime, uptime_at=walk.uptime_at,
                          response_ms=walk.rtt_s * 1000.0 if walk.rtt_s is not None else None,
                          interfaces=sample, pdus=session.pdus - pdus0, retries=session.retries - retries0,
                          partial=walk.partial,
                          extra={k[6:]: v for k, v in walk.values.items() if k.startswith("extra:")})

    async def _poll(self, session: Session, target: Target, cache: DeviceCache) -> tuple[
            tuple[InterfaceSample, ...], Walk]:
        oids = self.oidset(target.vendor)
        columns = dict(oids.columns)
        if cache.has_hc is False:
            columns.update(oids.fallback)
        if cache.names is None:
            columns["name"] = oids.names_fallback if cache.has_ifname is False else oids.names
        columns.update({f"extra:{k}": v for k, v in oids.extra.items()})
        reps = cache.reps or min(target.max_repetitions, (cache.rows or target.max_repetitions - 1) + 1)
        walk = await walk_columns(session, columns, reps, True, self._wall)
        rows = max((len(v) for k, v in walk.values.items() if not k.startswith("extra:")), default=0)
        if cache.names is None and rows and cache.has_ifname is None:
            cache.has_ifname = bool(walk.values.get("name"))
        if cache.has_hc is None and rows and not walk.values.get("in_octets"):
            cache.has_hc = False  # no HC counters: read the Counter32 columns now and from now on
            fallback = dict(oids.fallback)
            if cache.names is None and not walk.values.get("name"):
                fallback["name"] = oids.names_fallback  # no ifName either: ifDescr
            more = await walk_columns(session, fallback, reps, False, self._wall)
            walk.values.update(more.values)
            walk.partial = walk.partial or more.partial
        elif cache.has_hc is None and walk.values.get("in_octets"):
            cache.has_hc = True
        if walk.rows_per_pdu is not None:
            cache.agent_cap = walk.rows_per_pdu
        cache.rows = rows
        cache.reps = min(rows + 1, cache.agent_cap or 1_000) if rows else None
        restarted = self._restarted(cache, walk)
        names = walk.values.get("name")
        if names:
            cache.names = {idx[0]: v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)
                           for idx, v in names.items() if len(idx) == 1}
        elif restarted:
            cache.names = None  # never report names from before a restart: read them again
        if cache.names is not None and rows > len(cache.names):
            cache.names = None  # new interfaces: refresh the ifIndex → ifName map on the next poll
        if walk.uptime is not None:
            cache.uptime, cache.uptime_at = walk.uptime, walk.uptime_at
        return self._samples(walk, cache, 32 if cache.has_hc is False else 64), walk

    @staticmethod
    def _restarted(cache: DeviceCache, walk: Walk) -> bool:
        """sysUpTime well below what the last poll predicts (beyond 2 s + 1 % of the
        elapsed time), unless that is sysUpTime's own wrap at 2**32 ticks (497 days)."""
        if cache.uptime is None or walk.uptime is None or cache.uptime_at is None or walk.uptime_at is None:
            return False
        elapsed = int((walk.uptime_at - cache.uptime_at) * 100)
        # signed distance from the expected value, modulo the wrap
        diff = (walk.uptime - cache.uptime - elapsed + (1 << 31)) % (1 << 32) - (1 << 31)
        return diff < -(200 + elapsed // 100)

    @staticmethod
    def _samples(walk: Walk, cache: DeviceCache, bits: int) -> tuple[InterfaceSample, ...]:
        cols = walk.values
        keys: set[tuple[int, ...]] = set()
        for name, vals in cols.items():
            if not name.startswith("extra:"):
                keys.update(vals)
        names = cache.names or {}
        adm, opr = cols.get("admin_status", _EMPTY), cols.get("oper_status", _EMPTY)
        ino, outo = cols.get("in_octets", _EMPTY), cols.get("out_octets", _EMPTY)
        ine, oute = cols.get("in_errors", _EMPTY), cols.get("out_errors", _EMPTY)
        ind, outd = cols.get("in_discards", _EMPTY), cols.get("out_discards", _EMPTY)
        mbps, bps = cols.get("speed_mbps", _EMPTY), cols.get("speed_bps", _EMPTY)
        out = []
        for key in sorted(keys):
            if len(key) != 1:
                continue  # interface tables are indexed by ifIndex alone
            speed = _int(mbps.get(key))
            if speed is None and (b := _int(bps.get(key))) is not None:
                speed = b // 1_000_000  # ifSpeed, in bit/s, when there is no ifHighSpeed
            out.append(InterfaceSample(
                key[0], names.get(key[0]), _int(adm.get(key)), _int(opr.get(key)), _int(ino.get(key)),
                _int(outo.get(key)), bits, _int(ine.get(key)), _int(oute.get(key)), _int(ind.get(key)),
                _int(outd.get(key)), speed))
        return tuple(out)

    async def poll_many(self, targets: Iterable[Target], concurrency: int = 500) -> list[DevicePoll]:
        """Poll every target once, at most ``concurrency`` at a time (as fast as possible)."""
        sem = asyncio.Semaphore(concurrency)

        async def one(t: Target) -> DevicePoll:
            async with sem:
                return await self.poll(t)

        return list(await asyncio.gather(*(one(t) for t in targets)))
