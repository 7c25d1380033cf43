"""From MQTT messages to observations, and from silence to TIMEOUTs: the collector's sans-IO core.

:class:`Ingest` takes each message (topic, payload bytes, the caller's clocks) and returns the
:class:`~vigie.observations.DevicePoll` it stands for, or None when it is dropped: counted by
reason (:data:`~collectors.telemetry.schema.DROP_REASONS`) and logged (the first of each reason at
once, then at most one line per reason every ``log_every_s`` with how many more there were).

Order checks, per device, on the sample's own time ``ts``:

- ``ts`` equal to the last accepted one: **duplicate** (a retransmission), dropped;
- ``ts`` before the last accepted one: **out of order**, dropped (the newer state is already known);
- ``ts`` older than ``max_age_s`` by our clock: **late** (a backlog replayed), dropped;
- ``ts`` more than ``max_future_s`` ahead of our clock: **future** (the device's clock is wrong), dropped.

Deadlines, on the caller's monotonic clock (device clocks do not matter): a device expected to
publish (every inventory device, or the ``expected`` ones, and any device once heard) that has
not been accepted for ``grace_periods`` × ``expected_period_s`` gets a TIMEOUT poll from
:meth:`Ingest.due`, then one more every period while it stays silent: the state engine declares
it down after the same number of failures as an SNMP device. :meth:`Ingest.connected` restarts
every deadline from the (re)connection, with ``reconnect_grace_periods``: silence while the
collector could not hear is nobody's failure (the caller emits nothing meanwhile, so the devices
go stale, UNKNOWN), and after a broker outage the devices need time to reconnect as well.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass

from collectors.telemetry.schema import (
    BAD_TOPIC,
    DROP_REASONS,
    DUPLICATE,
    FUTURE,
    LATE,
    OUT_OF_ORDER,
    TOPIC_MISMATCH,
    UNKNOWN_DEVICE,
    PayloadError,
    Sample,
    parse_payload,
)
from vigie.errors import ConfigError
from vigie.model import Inventory
from vigie.observations import DevicePoll, PollError

log = logging.getLogger("vigie.telemetry")

INFRA = "infra"  # the topic level of devices that belong to no site
MASK32 = (1 << 32) - 1


@dataclass(frozen=True, slots=True)
class IngestSettings:
    topic_prefix: str = "rie/telemetry"
    expected_period_s: float = 7.0
    max_message_bytes: int = 65536
    grace_periods: float = 1.5  # first TIMEOUT after this many periods without a sample
    reconnect_grace_periods: float = 4.0  # after a (re)connection: devices reconnect to the broker too
    max_age_s: float = 60.0  # older samples are late (devices must keep their clocks within this)
    max_future_s: float = 60.0
    log_every_s: float = 10.0  # at most one line per drop reason this often


def topic_for(prefix: str, site: str | None, device: str) -> str:
    """``<prefix>/<site code or "infra">/<device>``: where a device publishes."""
    return f"{prefix}/{site or INFRA}/{device}"


class DropLog:
    """Counts drops by reason; logs the first of each reason, then one line per ``every_s``."""

    def __init__(self, every_s: float) -> None:
        self.every_s = every_s
        self.counts: Counter[str] = Counter()
        self._last: dict[str, float] = {}
        self._silenced: Counter[str] = Counter()

    def drop(self, reason: str, topic: str, why: str, mono: float) -> None:
        self.counts[reason] += 1
        last = self._last.get(reason)
        if last is not None and mono - last < self.every_s:
            self._silenced[reason] += 1
            return
        self._last[reason] = mono
        more = self._silenced.pop(reason, 0)
        shown = topic if len(topic) <= 120 else topic[:117] + "..."
        log.warning("telemetry message dropped (%s) on topic %r: %s%s", reason, shown, why,
                    f" [and {more} more {reason} since the last line]" if more else "")


class Ingest:
    """See the module's documentation."""

    def __init__(self, inventory: Inventory, settings: IngestSettings | None = None,
                 expected: Collection[str] | None = None) -> None:
        self.settings = s = settings or IngestSettings()
        self._prefix = s.topic_prefix.rstrip("/") + "/"
        self._where = {name: (dev.site or INFRA, dev.mgmt_address) for name, dev in inventory.devices.items()}
        if expected is None:
            expected = inventory.devices.keys()
        unknown = sorted(set(expected) - self._where.keys())
        if unknown:
            raise ConfigError(f"telemetry: expected device {unknown[0]!r} not in inventory "
                              f"({len(unknown)} unknown); give inventory device names")
        self._period = s.expected_period_s
        self._grace = s.grace_periods * s.expected_period_s
        self._due: dict[str, float] = dict.fromkeys(expected, float("inf"))  # monotonic deadline per device
        self._heard: dict[str, float] = {}  # monotonic time of the last accepted sample
        self._since: float | None = None  # monotonic time of the last (re)connection
        self._last_ts: dict[str, float] = {}
        self.drops = DropLog(s.log_every_s)
        self.received = 0
        self.accepted = 0
        self.timeouts = 0

    # ------------------------------------------------------------------ messages

    def receive(self, topic: str, payload: bytes, wall: float, mono: float) -> DevicePoll | None:
        """The observation ``payload`` brings, or None (dropped, counted, logged)."""
        self.received += 1
        try:
            sample, address = self._check(topic, payload, wall)
        except PayloadError as exc:
            self.drops.drop(exc.reason, topic, str(exc), mono)
            return None
        device = sample.device
        self._last_ts[device] = sample.ts
        self._heard[device] = mono
        self._due[device] = mono + self._grace
        self.accepted += 1
        return to_poll(sample, address)

    def _check(self, topic: str, payload: bytes, wall: float) -> tuple[Sample, str]:
        prefix = self._prefix
        if not topic.startswith(prefix):
            raise PayloadError(BAD_TOPIC, f"not under {prefix}; publish on {prefix}<site or {INFRA}>/<device>")
        site, sep, device = topic[len(prefix):].partition("/")
        if not sep or not device or "/" in device:
            raise PayloadError(BAD_TOPIC, f"expected {prefix}<site or {INFRA}>/<device>")
        where = self._where.get(device)
        if where is None:
            raise PayloadError(UNKNOWN_DEVICE, f"device {device!r} not in inventory")
        if site != where[0]:
            raise PayloadError(TOPIC_MISMATCH, f"device {device!r} belongs to {where[0]!r}; "
                                               f"publish on {prefix}{where[0]}/{device}")
        sample = parse_payload(payload, self.settings.max_message_bytes)
        if sample.device != device:
            raise PayloadError(TOPIC_MISMATCH, f"payload of device {sample.device!r} on the topic of {device!r}")
        ts = sample.ts
        last = self._last_ts.get(device)
        if last is not None and ts <= last:
            if ts == last:
                raise PayloadError(DUPLICATE, f"sample of {device} at ts={ts!r} already received")
            raise PayloadError(OUT_OF_ORDER, f"sample of {device} at ts={ts!r} is {last - ts:.3f} s older "
                                             "than the last one accepted")
        s = self.settings
        if ts < wall - s.max_age_s:
            raise PayloadError(LATE, f"sample of {device} is {wall - ts:.1f} s old (more than {s.max_age_s:g} s): "
                                     "a backlog, or the device's clock is behind (check its NTP)")
        if ts > wall + s.max_future_s:
            raise PayloadError(FUTURE, f"sample of {device} is {ts - wall:.1f} s in the future: "
                                       "the device's clock is ahead (check its NTP)")
        return sample, where[1]

    # ----------------------------------------------------------------- deadlines

    def connected(self, mono: float) -> None:
        """Subscribed (again): every device has ``reconnect_grace_periods`` from now before it is missed."""
        self._since = mono
        first = mono + max(self.settings.reconnect_grace_periods * self._period, self._grace)
        due = self._due
        for name, at in due.items():
            if at < first or at == float("inf"):
                due[name] = first

    def due(self, wall: float, mono: float) -> list[DevicePoll]:
        """TIMEOUT polls of the devices past their deadline (each gets its next deadline one period on)."""
        out: list[DevicePoll] = []
        due = self._due
        period = self._period
        for name, at in due.items():
            if at <= mono:
                due[name] = max(at + period, mono + period / 4)  # a late scan does not fire twice at once
                out.append(self._timeout(name, wall, mono))
        self.timeouts += len(out)
        return out

    def _timeout(self, name: str, wall: float, mono: float) -> DevicePoll:
        heard = self._heard.get(name)
        since = self._since if self._since is not None else mono
        if heard is not None and heard >= since:
            detail = f"no telemetry for {mono - heard:.1f} s"
        else:
            detail = f"no telemetry since the collector connected {mono - since:.1f} s ago"
        return DevicePoll(name, self._where[name][1], started=wall, duration_s=0.0, error=PollError.TIMEOUT,
                          detail=f"{detail} (expected every {self._period:g} s)")

    def devices_heard(self) -> int:
        """Devices with at least one accepted sample."""
        return len(self._last_ts)

    def next_deadline(self) -> float:
        return min(self._due.values(), default=float("inf"))

    # ---------------------------------------------------------------- statistics

    def counts(self) -> dict[str, int]:
        out = {"received": self.received, "accepted": self.accepted, "timeouts": self.timeouts,
               "dropped": sum(self.drops.counts.values())}
        out.update({f"dropped_{r}": self.drops.counts[r] for r in DROP_REASONS})
        return out


def to_poll(sample: Sample, address: str) -> DevicePoll:
    """A sample as the observation the state engine and the rate tracker take: interfaces as they
    came (64-bit counters), ``uptime_s`` as sysUpTime (TimeTicks, wrapping like SNMP's), the device
    metrics in ``extra`` as ``{name: {(): value}}`` (cpu_pct, mem_pct, and rtt_ms, jitter_ms,
    loss_pct when sent)."""
    extra: dict[str, dict[tuple[int, ...], object]] = {"cpu_pct": {(): sample.cpu_pct},
                                                       "mem_pct": {(): sample.mem_pct}}
    if sample.rtt_ms is not None:
        extra["rtt_ms"] = {(): sample.rtt_ms}
    if sample.jitter_ms is not None:
        extra["jitter_ms"] = {(): sample.jitter_ms}
    if sample.loss_pct is not None:
        extra["loss_pct"] = {(): sample.loss_pct}
    uptime = sample.uptime_s
    return DevicePoll(sample.device, address, started=sample.ts, duration_s=0.0,
                      sys_uptime=None if uptime is None else int(uptime * 100) & MASK32,
                      uptime_at=sample.ts, interfaces=sample.interfaces, extra=extra)


__all__ = ["INFRA", "DropLog", "Ingest", "IngestSettings", "to_poll", "topic_for"]
