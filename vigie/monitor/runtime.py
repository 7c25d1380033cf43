"""The monitor: every device polled at its slot of each interval, each result through the state
engine at once, state changes and alarms stored as they happen, everything published on the bus.

One asyncio loop, one process:

- the scheduler polls (``collectors.scheduler``); each result goes to :meth:`Monitor._on_poll`:
  the state engine (events recorded in the store *immediately*, so a ``kill -9`` loses at most
  the poll in hand), interface rates (5-minute rollups in SQLite, full resolution to the metrics
  sink), the bus;
- a housekeeping task every second: the devices' last polls to the store, finished rollup
  buckets, the engine's clock (stale results become UNKNOWN even if no poll completes), the
  maintenance file when it changed, the status line;
- each finished cycle: the poller's own statistics stored, its completion given to the engine.

Nothing here blocks on a reader: the metrics sink buffers and spools, the bus drops for slow
readers (counted). If the store fails (disk full, locked), events wait in memory and are retried
every second; the status line says so.

Stopping (``stop`` set, on SIGINT or SIGTERM): polls in flight are abandoned, then everything
is flushed: pending events and polls, every rollup bucket (the one in progress as a partial
row), the metrics sink (what it cannot send within its timeout goes to its disk spool). A
restart resumes from the store (:meth:`vigie.state.StateEngine.resume`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from collectors.counters import RateTracker
from collectors.scheduler import CycleReport, Scheduler
from collectors.snmp.poller import Poller
from collectors.snmp.targets import targets_for
from collectors.snmp.transport import SnmpTransport
from sla.errors import SlaError
from sla.maintenance import load_window_file, read_db_windows
from vigie.bus import Bus, LocalBus, Topic
from vigie.model import Inventory
from vigie.monitor.status import MonitorStatus
from vigie.observations import DevicePoll
from vigie.settings import Settings
from vigie.state import (
    EngineSettings,
    Event,
    MaintenanceWindow,
    PollerHealth,
    SettingsInvalid,
    StateChange,
    StateEngine,
)
from vigie.store import SqliteStore, StoreError

log = logging.getLogger("vigie.monitor")


class MetricsWriter(Protocol):
    """The full-resolution metrics sink (``vigie.sinks.InfluxSink``): never blocks ``write``."""

    def write(self, lines: Sequence[str]) -> None: ...

    async def start(self) -> None: ...

    async def close(self, timeout: float) -> None: ...

    def stats(self) -> Any: ...


class ObservationSource(Protocol):
    """Another way to observe devices (streaming telemetry, ...): it calls ``emit`` with each
    observation (a :class:`DevicePoll`, SNMP or not) until ``stop`` is set. Failures to hear from a
    device that should have spoken are emitted as TIMEOUT polls (the same hysteresis as SNMP);
    when the source itself cannot work (broker down), it emits nothing, or SKIPPED polls, and its
    devices go stale (UNKNOWN), never DOWN."""

    name: str

    async def run(self, emit: Callable[[DevicePoll], None], stop: asyncio.Event) -> None: ...


class OnlyDevices:
    """A source restricted to some devices: what it says of the others is ignored (counted), so each
    device has one source (a device's dead telemetry must not be contradicted by its SNMP answers)."""

    def __init__(self, source: ObservationSource, devices: frozenset[str]) -> None:
        self.source = source
        self.devices = devices
        self.name = source.name
        self.ignored = 0

    async def run(self, emit: Callable[[DevicePoll], None], stop: asyncio.Event) -> None:
        devices = self.devices

        def keep(poll: DevicePoll) -> None:
            if poll.device in devices:
                emit(poll)
            else:
                self.ignored += 1

        await self.source.run(keep, stop)


LineMaker = Callable[..., Any]


@dataclass(frozen=True, slots=True)
class MonitorSummary:
    cycles: int
    polls: int
    changes: int
    resumed_changes: int  # state changes the resume emitted (0 after a short, clean restart)
    store_pending: int  # events not stored at exit (the store kept failing)
    metrics: Mapping[str, Any]


class Monitor:
    def __init__(self, settings: Settings, inventory: Inventory, store: SqliteStore, bus: Bus | None = None,
                 metrics: MetricsWriter | None = None, wall: Callable[[], float] = time.time,
                 on_status: Callable[[MonitorStatus], None] | None = None,
                 sources: Sequence[ObservationSource] = (), snmp: bool = True,
                 snmp_exclude: frozenset[str] = frozenset()) -> None:
        self.settings = settings
        self.inventory = inventory
        self.store = store
        self.bus = bus if bus is not None else LocalBus()
        self.metrics = metrics
        self.wall = wall
        self.on_status = on_status
        self.sources = tuple(sources)
        self.snmp = snmp  # poll by SNMP (False: only the other sources observe)
        self.snmp_exclude = snmp_exclude  # devices another source observes: one source per device, never two
        e = settings.engine
        self.engine = StateEngine(inventory, EngineSettings(
            failures_to_down=e.failures_to_down, successes_to_up=e.successes_to_up,
            poll_interval_s=settings.poll.interval_s, stale_after_intervals=e.stale_after_intervals,
            min_cycle_completion=e.min_cycle_completion))
        self.tracker = RateTracker()
        self._pending_events: list[Event] = []
        self._pending_polls: list[DevicePoll] = []
        self._last_report: CycleReport | None = None
        m = settings.monitor
        self._maint_paths = [Path(p) for p in (m.maintenance_file, m.maintenance_db) if p]
        self._maint_mtimes: list[float | None] | None = None
        self.cycles = self.polls = self.changes = self.resumed_changes = 0
        self._store_failing = False
        self._lines: Mapping[str, LineMaker] = {}
        if metrics is not None:
            from vigie.sinks.lineproto import cycle_line, rates_lines, site_states_line

            self._lines = {"rates": rates_lines, "cycle": cycle_line, "sites": site_states_line}

    # ------------------------------------------------------------------ lifecycle

    def resume(self) -> list[Event]:
        """Take back the stored past (first thing, before any poll)."""
        self._load_maintenance(first=True)
        events = self.engine.resume(self.store.prior(), self.wall())
        self.resumed_changes = sum(isinstance(e, StateChange) for e in events)
        self._emit(events)
        return events

    async def run(self, stop: asyncio.Event) -> MonitorSummary:
        """Until ``stop`` is set; then flush everything and return what was done."""
        s = self.settings
        targets = [t for t in targets_for(self.inventory, port=s.poll.port or None)
                   if t.device not in self.snmp_exclude]
        transport = await SnmpTransport.open()
        poller = Poller(transport)
        sched = Scheduler(targets, poller.poll, interval_s=s.poll.interval_s, concurrency=s.poll.concurrency)
        self.resume()
        if self.metrics is not None:
            await self.metrics.start()
        tasks = [asyncio.create_task(self._housekeeping(stop), name="housekeeping")]
        if self.snmp:
            tasks.append(asyncio.create_task(sched.run_forever(self._on_poll, self._on_cycle, stop), name="poller"))
        for source in self.sources:
            tasks.append(asyncio.create_task(source.run(self._on_poll, stop), name=f"source {source.name}"))
        try:
            await stop.wait()
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                try:
                    await task
                except asyncio.CancelledError:
                    pass
                except Exception:
                    log.exception("monitor task %s failed", task.get_name())
            transport.close()
            await self._shutdown()
        stats = self._metrics_stats()
        return MonitorSummary(self.cycles, self.polls, self.changes, self.resumed_changes,
                              len(self._pending_events), stats)

    async def _shutdown(self) -> None:
        now = self.wall()
        self._emit(self.engine.tick(now))
        self._flush_store(now, final=True)
        if self.metrics is not None:
            self._write_lines("sites", {str(k): v for k, v in self.engine.counts().items()}, now)
            await self.metrics.close(self.settings.influx.timeout_s)

    # --------------------------------------------------------------------- inputs

    def _on_poll(self, poll: DevicePoll) -> None:
        now = self.wall()
        self.polls += 1
        self._emit(self.engine.observe(poll, now))
        self._pending_polls.append(poll)
        rates = self.tracker.update(poll)
        if rates is not None:
            self.store.add_rates((rates,))
            self.bus.publish(Topic.RATES, rates)
            if self.metrics is not None:
                self.metrics.write(self._lines["rates"]((rates,)))
        self.bus.publish(Topic.POLLS, poll)

    def _on_cycle(self, report: CycleReport) -> None:
        self.cycles += 1
        self._last_report = report
        now = self.wall()
        self._emit(self.engine.tick(now, PollerHealth(collector_alive=True, cycle_completion=report.completion)))
        try:
            self.store.record_cycle(report)
        except StoreError as exc:
            log.error("cannot store cycle %d statistics: %s", report.cycle, exc)
        if self.metrics is not None:
            line = self._lines["cycle"](report)
            if line:
                self.metrics.write([line])
        self.bus.publish(Topic.CYCLES, report)

    def _emit(self, events: list[Event]) -> None:
        """Store at once (retried if the store fails), then publish."""
        if not events:
            return
        self._pending_events += events
        self._persist_events()
        for e in events:
            if isinstance(e, StateChange):
                self.changes += 1
                self.bus.publish(Topic.CHANGES, e)
            else:
                self.bus.publish(Topic.ALARMS, e)

    def _persist_events(self) -> None:
        if not self._pending_events:
            return
        try:
            self.store.record(self._pending_events)
        except StoreError as exc:
            if not self._store_failing:
                log.error("store failing, %d events kept in memory and retried: %s", len(self._pending_events), exc)
            self._store_failing = True
            return
        if self._store_failing:
            log.warning("store back: %d waiting events written", len(self._pending_events))
        self._store_failing = False
        self._pending_events = []

    # ---------------------------------------------------------------- housekeeping

    async def _housekeeping(self, stop: asyncio.Event) -> None:
        s = self.settings
        tick_every = min(5.0, s.poll.interval_s / 4)
        status_every = s.monitor.status_every_s
        last_tick = last_status = self.wall()
        last_prune = 0.0
        while not stop.is_set():
            await asyncio.sleep(1.0)
            now = self.wall()
            self._persist_events()
            self._flush_store(now)
            if now - last_tick >= tick_every:
                last_tick = now
                self._load_maintenance()
                self._emit(self.engine.tick(now))
            if now - last_prune >= 3600.0:
                last_prune = now
                self._prune(now)
            if now - last_status >= status_every:
                last_status = now
                self.publish_status(now)

    def _flush_store(self, now: float, final: bool = False) -> None:
        self._persist_events()
        try:
            if self._pending_polls:
                self.store.record_polls(self._pending_polls)
                self._pending_polls = []
            self.store.flush_rollups(now, final=final)
        except StoreError as exc:
            log.error("cannot store polls or rollups (kept, retried): %s", exc)

    def _prune(self, now: float) -> None:
        try:
            gone = self.store.prune_rollups(now - self.settings.monitor.rollup_retention_h * 3600.0)
        except StoreError as exc:
            log.error("cannot prune old interface rollups: %s", exc)
            return
        if gone:
            log.info("%d interface rollup rows older than %g h pruned", gone, self.settings.monitor.rollup_retention_h)

    def _load_maintenance(self, first: bool = False) -> None:
        """Windows from the maintenance file and ``sla.db`` (``vigie sla maintenance add``), read
        again when either changes. A broken source is refused whole: at start that stops the monitor
        (exit 2), later the previous windows are kept and the error logged."""
        if not self._maint_paths:
            return
        mtimes: list[float | None] = []
        for path in self._maint_paths:
            try:
                mtimes.append(path.stat().st_mtime)
            except OSError:
                mtimes.append(None)
        if mtimes == self._maint_mtimes and not first:
            return
        self._maint_mtimes = mtimes
        now = self.wall()
        m = self.settings.monitor
        try:
            declared = load_window_file(m.maintenance_file) if m.maintenance_file else []
            if m.maintenance_db:
                declared += read_db_windows(m.maintenance_db, now - 86400.0, now + 366 * 86400.0)
            windows = [MaintenanceWindow(w.element, w.start, w.end, w.reason) for w in declared]
            self.engine.set_maintenance(windows)
        except (SlaError, SettingsInvalid) as exc:
            if first:
                raise
            log.error("maintenance windows not applied, previous ones kept: %s", exc)
            return
        log.info("maintenance: %d window(s) applied from %s", len(windows), ", ".join(map(str, self._maint_paths)))

    # --------------------------------------------------------------------- status

    def status(self, now: float | None = None) -> MonitorStatus:
        r = self._last_report
        return MonitorStatus(
            at=self.wall() if now is None else now,
            sites={str(k): v for k, v in self.engine.counts().items()},
            alarms=len(self.engine.active_alarms()), cycles=self.cycles,
            last_cycle_completion=r.completion if r else None, last_cycle_wall_s=r.wall_s if r else None,
            last_cycle_cpu_s=r.cpu_s if r else None, polls=self.polls, changes=self.changes,
            store_pending=len(self._pending_events), metrics=self._metrics_stats())

    def publish_status(self, now: float) -> MonitorStatus:
        st = self.status(now)
        self.bus.publish(Topic.STATUS, st)
        if self.metrics is not None:
            self._write_lines("sites", st.sites, now)
        if self.on_status is not None:
            self.on_status(st)
        return st

    def _write_lines(self, kind: str, *args: Any) -> None:
        assert self.metrics is not None
        line = self._lines[kind](*args)
        if line:
            self.metrics.write([line])

    def _metrics_stats(self) -> dict[str, Any]:
        if self.metrics is None:
            return {}
        stats = self.metrics.stats()
        fields = getattr(stats, "__dataclass_fields__", None)
        if fields is None:
            return dict(stats) if isinstance(stats, Mapping) else {}
        return {name: getattr(stats, name) for name in fields}


__all__ = ["MetricsWriter", "Monitor", "MonitorSummary", "ObservationSource", "OnlyDevices"]
