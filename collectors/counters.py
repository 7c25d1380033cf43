"""Interface rates from successive SNMP polls: pure logic, no clock, no I/O.

A :class:`RateTracker` (owned by the caller) keeps the last good sample of each device and
turns each new :class:`~vigie.observations.DevicePoll` into :class:`DeviceRates`. Every rate
is either right or ``None`` ("unknown", with ``unknown_reason``): a discontinuity never
becomes a spike.

Rules
-----
Agent continuity (sysUpTime, TimeTicks = 1/100 s, wraps at 2**32 ≈ 497.1 days). With
``elapsed`` the wall-clock time between the two ``uptime_at`` and a tolerance of
``2 s + 1 % of elapsed``, expected = previous uptime + elapsed:

- new ≈ expected: continuous; the interval is the uptime delta (the agent's clock).
- new far below expected: a 497-day wrap if expected (± tolerance) reaches 2**32 and
  new ≈ expected - 2**32 (the interval is then the uptime delta modulo 2**32); otherwise
  the agent restarted: every rate of the device is unknown ("agent restarted") for this
  interval and ``restarted`` is True. The next interval is good again.
- new far above expected: the agent's clock jumped; unknown ("counter discontinuity").
- no usable sysUpTime on either side: wall-clock interval, and since continuity cannot
  be proven, any decrease of any counter is unknown.
- an interval below ``min_interval_s`` is unknown ("interval too short").

Octet counters (64-bit ifHC* preferred; 32-bit when ``counter_bits == 32``):

- 64-bit decrease: unknown ("counter went backwards"); 64-bit counters do not wrap.
- 32-bit decrease: one wrap, delta = new + 2**32 - old.
- 32-bit on an interface that could wrap more than once in the interval
  (speed × interval / 8 ≥ 2**32): unknown ("counter32 too small for this interval/speed").
- any octet rate above ``max_rate_factor`` × speed: unknown ("implausible rate").
- counter width changed between samples: unknown ("counter width changed"); an ifIndex
  now carrying another ifName: unknown ("interface replaced"); a new ifIndex: "first
  sample"; a vanished ifIndex: no rate at all.

Errors and discards are Counter32: a decrease is accepted as a wrap only when the
wrapped delta is below 2**31 (so a "clear counters" is unknown, not 4 billion errors).
Utilisation is bps / (ifHighSpeed × 1e6) × 100, None when the speed is unknown or 0; it
may slightly exceed 100 but never ``max_rate_factor`` × 100.

A failed poll returns None and keeps the previous sample, so the next good poll measures
over the longer interval. In a *partial* poll, interfaces the walk missed keep their
older sample (with its own timing); in a complete poll, missing interfaces are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

from vigie.errors import ConfigError
from vigie.observations import DevicePoll, InterfaceSample

WRAP32 = 2**32  # Counter32 and TimeTicks modulus
_HALF32 = 2**31

FIRST_SAMPLE = "first sample"
AGENT_RESTARTED = "agent restarted"
DISCONTINUITY = "counter discontinuity"
BACKWARDS = "counter went backwards"
IMPLAUSIBLE = "implausible rate"
TOO_SHORT = "interval too short"
AMBIGUOUS32 = "counter32 too small for this interval/speed"
WIDTH_CHANGED = "counter width changed"
REPLACED = "interface replaced"
MISSING = "counter not returned"


@dataclass(frozen=True, slots=True)
class InterfaceRate:
    """Rates of one interface over one interval; None = unknown (see ``unknown_reason``)."""

    if_index: int
    name: str | None
    interval_s: float  # by the agent's sysUpTime when usable, else by our clock
    in_bps: float | None
    out_bps: float | None
    in_util_pct: float | None
    out_util_pct: float | None
    in_errors_ps: float | None
    out_errors_ps: float | None
    in_discards_ps: float | None
    out_discards_ps: float | None
    unknown_reason: str | None  # why (the first) value is None


@dataclass(frozen=True, slots=True)
class DeviceRates:
    """Rates of one device between its previous good poll and this one."""

    device: str
    at: float  # wall time of the newer sample
    restarted: bool  # the agent restarted between the two polls
    uptime_s: float | None
    interfaces: tuple[InterfaceRate, ...]


@dataclass(frozen=True, slots=True)
class _Timing:
    interval_s: float
    restarted: bool
    reason: str | None  # every rate over this interval is unknown, because...
    continuous: bool  # sysUpTime proves the agent kept running (counter wraps are real)


@dataclass(frozen=True, slots=True)
class _Held:
    sample: InterfaceSample
    at: float
    uptime: int | None


def _ticks(poll: DevicePoll) -> int | None:
    up = poll.sys_uptime
    return up if up is not None and 0 <= up < WRAP32 else None


def _timing(old_up: int | None, old_at: float, new_up: int | None, new_at: float, min_s: float) -> _Timing:
    """Classify the interval between two samples of one agent (see the module rules)."""
    wall = new_at - old_at
    if old_up is None or new_up is None:
        timing = _Timing(wall, False, None, False)
    else:
        tol = (2.0 + 0.01 * abs(wall)) * 100.0
        expected = old_up + wall * 100.0
        if new_up > expected + tol:
            return _Timing(wall, False, DISCONTINUITY, False)
        if new_up >= expected - tol:
            timing = _Timing((new_up - old_up) / 100.0, False, None, True)
        elif expected + tol >= WRAP32 and abs(new_up + WRAP32 - expected) <= tol:
            timing = _Timing((new_up + WRAP32 - old_up) / 100.0, False, None, True)
        else:
            return _Timing(wall, True, AGENT_RESTARTED, False)
    if timing.interval_s < min_s or timing.interval_s <= 0:
        return _Timing(timing.interval_s, False, TOO_SHORT, False)
    return timing


def _delta(old: int | None, new: int | None, bits: int, continuous: bool) -> tuple[int | None, str | None]:
    """Counter increase over the interval, or (None, reason)."""
    if old is None or new is None:
        return None, MISSING
    if new >= old:
        return new - old, None
    if bits == 64:
        return None, BACKWARDS
    if not continuous:
        return None, DISCONTINUITY
    return new + WRAP32 - old, None


def _octet_rate(
    old: int | None, new: int | None, bits: int, t: _Timing, limit_bps: float | None
) -> tuple[float | None, str | None]:
    delta, why = _delta(old, new, bits, t.continuous)
    if delta is None:
        return None, why
    bps = delta * 8.0 / t.interval_s
    if limit_bps is not None and bps > limit_bps:
        return None, IMPLAUSIBLE
    return bps, None


def _event_rate(old: int | None, new: int | None, t: _Timing) -> tuple[float | None, str | None]:
    """Errors and discards: Counter32, a wrap accepted only when its delta is below 2**31."""
    delta, why = _delta(old, new, 32, t.continuous)
    if delta is None:
        return None, why
    if new is not None and old is not None and new < old and delta >= _HALF32:
        return None, DISCONTINUITY
    return delta / t.interval_s, None


def _unknown(new: InterfaceSample, interval_s: float, reason: str) -> InterfaceRate:
    n = None
    return InterfaceRate(new.if_index, new.name, interval_s, n, n, n, n, n, n, n, n, unknown_reason=reason)


def _interface_rate(old: InterfaceSample, new: InterfaceSample, t: _Timing, factor: float) -> InterfaceRate:
    if t.reason is not None:
        return _unknown(new, t.interval_s, t.reason)
    if old.counter_bits != new.counter_bits:
        return _unknown(new, t.interval_s, WIDTH_CHANGED)
    if old.name is not None and new.name is not None and old.name != new.name:
        return _unknown(new, t.interval_s, REPLACED)
    speeds = [s for s in (old.speed_mbps, new.speed_mbps) if s]
    max_bps = max(speeds) * 1e6 if speeds else None  # a renegotiation: be lenient
    reasons: list[str] = []
    if new.counter_bits == 32 and max_bps is not None and max_bps * t.interval_s / 8 >= WRAP32:
        reasons.append(AMBIGUOUS32)
        in_bps: float | None = None
        out_bps: float | None = None
    else:
        limit = factor * max_bps if max_bps is not None else None
        in_bps, why_in = _octet_rate(old.in_octets, new.in_octets, new.counter_bits, t, limit)
        out_bps, why_out = _octet_rate(old.out_octets, new.out_octets, new.counter_bits, t, limit)
        reasons += [w for w in (why_in, why_out) if w]
    events = []
    for a, b in (
        (old.in_errors, new.in_errors),
        (old.out_errors, new.out_errors),
        (old.in_discards, new.in_discards),
        (old.out_discards, new.out_discards),
    ):
        value, why = _event_rate(a, b, t)
        events.append(value)
        if why:
            reasons.append(why)
    speed = new.speed_mbps * 1e6 if new.speed_mbps else None

    def util(bps: float | None) -> float | None:
        return None if bps is None or speed is None else bps / speed * 100.0

    return InterfaceRate(
        if_index=new.if_index,
        name=new.name,
        interval_s=t.interval_s,
        in_bps=in_bps,
        out_bps=out_bps,
        in_util_pct=util(in_bps),
        out_util_pct=util(out_bps),
        in_errors_ps=events[0],
        out_errors_ps=events[1],
        in_discards_ps=events[2],
        out_discards_ps=events[3],
        unknown_reason=reasons[0] if reasons else None,
    )


class RateTracker:
    """Per-device memory of the last good sample; :meth:`update` yields rates against it."""

    def __init__(self, max_rate_factor: float = 1.1, min_interval_s: float = 1.0) -> None:
        if not max_rate_factor >= 1.0:
            raise ConfigError(f"max_rate_factor {max_rate_factor!r} must be >= 1.0 (1.1 allows 10 % over ifSpeed)")
        if not min_interval_s >= 0.0:
            raise ConfigError(f"min_interval_s {min_interval_s!r} must be >= 0 seconds")
        self.max_rate_factor = max_rate_factor
        self.min_interval_s = min_interval_s
        self._last: dict[str, tuple[float, int | None]] = {}
        self._held: dict[str, dict[int, _Held]] = {}

    def __contains__(self, device: object) -> bool:
        return device in self._last

    def update(self, poll: DevicePoll) -> DeviceRates | None:
        """Rates since the previous good poll of ``poll.device``; None if the poll failed."""
        if not poll.ok:
            return None
        at = poll.uptime_at if poll.uptime_at is not None else poll.started
        up = _ticks(poll)
        last = self._last.get(poll.device)
        held = self._held.get(poll.device, {})
        cache: dict[tuple[float, int | None], _Timing] = {}

        def timing(old_at: float, old_up: int | None) -> _Timing:
            key = (old_at, old_up)
            if key not in cache:
                cache[key] = _timing(old_up, old_at, up, at, self.min_interval_s)
            return cache[key]

        restarted = last is not None and timing(*last).restarted
        current = {s.if_index: s for s in poll.interfaces}
        rates: list[InterfaceRate] = []
        for sample in current.values():
            prev = held.get(sample.if_index)
            if prev is None:
                rates.append(_unknown(sample, at - last[0] if last else 0.0, FIRST_SAMPLE))
            else:
                t = timing(prev.at, prev.uptime)
                rates.append(_interface_rate(prev.sample, sample, t, self.max_rate_factor))
        kept = {i: h for i, h in held.items() if i not in current} if poll.partial else {}
        kept.update({i: _Held(s, at, up) for i, s in current.items()})
        self._held[poll.device] = kept
        self._last[poll.device] = (at, up)
        uptime_s = up / 100.0 if up is not None else None
        return DeviceRates(poll.device, at, restarted, uptime_s, tuple(rates))

    def forget(self, device: str) -> None:
        """Drop what is known of ``device`` (removed from the inventory, re-addressed...)."""
        self._last.pop(device, None)
        self._held.pop(device, None)
