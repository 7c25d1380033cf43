"""Vigie's embedded store: SQLite in WAL mode, no server.

:class:`SqliteStore` keeps what must survive a restart: state changes and alarms (the
state engine's events), poll cycle statistics, the last poll of each device, and
5-minute rollups of interface rates. Every write call is one transaction with batched
statements (``executemany``): a process killed at any instant leaves each call either
wholly in the database or not at all. Replays are idempotent: a state change is unique on
``(at, kind, element, new)``, an alarm is upserted by id (an older event never overwrites
a newer one), a device poll is upserted by device, a rollup by (device, ifIndex, bucket).

Durability: ``synchronous=NORMAL`` in WAL mode survives a killed process (kill -9); only a
power loss or OS crash may lose the last transactions (never corrupt the database).

Threads: the store is thread-compatible, not thread-safe. It owns one connection
(opened with ``check_same_thread=False``); any thread may call it, but calls must not
overlap (serialise them, e.g. a single writer task or thread). Other processes may read
the same file concurrently (WAL).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vigie.observations import DevicePoll
from vigie.state.events import (
    Alarm,
    AlarmAcked,
    AlarmCleared,
    AlarmKind,
    AlarmRaised,
    AlarmUpdated,
    ElementKind,
    Event,
    Severity,
    StateChange,
)
from vigie.state.resume import Prior
from vigie.store.schema import MIGRATIONS, StoreError, migrate

if TYPE_CHECKING:
    from collectors.counters import DeviceRates
    from collectors.scheduler import CycleReport

BUCKET_S = 300  # rollup bucket: 5 minutes, aligned on the epoch (so on wall-clock :00, :05, ...)

_INSERT_CHANGE = (
    "INSERT OR IGNORE INTO state_changes (at, kind, element, old, new, cause, detail) VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_ALARM_COLUMNS = (
    "id, raised_at, element, kind, severity, cause, text, sites, devices, updated_at, cleared_at, acked_by, acked_at"
)
_UPSERT_ALARM = f"""
INSERT INTO alarms ({_ALARM_COLUMNS}, event_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET
    raised_at = excluded.raised_at, element = excluded.element, kind = excluded.kind,
    severity = excluded.severity, cause = excluded.cause, text = excluded.text, sites = excluded.sites,
    devices = excluded.devices, updated_at = excluded.updated_at, cleared_at = excluded.cleared_at,
    acked_by = excluded.acked_by, acked_at = excluded.acked_at, event_at = excluded.event_at
WHERE excluded.event_at >= alarms.event_at
"""
_UPSERT_CYCLE = """
INSERT INTO poll_cycles (cycle, started, interval_s, devices, completed, ok, failed, timeouts, skipped, late,
                         max_lateness_s, wall_s, cpu_s, p50_ms, p95_ms, max_ms, errors)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (started, cycle) DO UPDATE SET
    interval_s = excluded.interval_s, devices = excluded.devices, completed = excluded.completed,
    ok = excluded.ok, failed = excluded.failed, timeouts = excluded.timeouts, skipped = excluded.skipped,
    late = excluded.late, max_lateness_s = excluded.max_lateness_s, wall_s = excluded.wall_s,
    cpu_s = excluded.cpu_s, p50_ms = excluded.p50_ms, p95_ms = excluded.p95_ms, max_ms = excluded.max_ms,
    errors = excluded.errors
"""
_UPSERT_POLL = """
INSERT INTO device_polls (device, at, duration_s, error, detail, pdus, retries, response_ms, partial, failures)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (device) DO UPDATE SET
    at = excluded.at, duration_s = excluded.duration_s, error = excluded.error, detail = excluded.detail,
    pdus = excluded.pdus, retries = excluded.retries, response_ms = excluded.response_ms,
    partial = excluded.partial,
    failures = CASE WHEN excluded.error IS NULL THEN 0
                    WHEN excluded.at = device_polls.at THEN device_polls.failures
                    ELSE device_polls.failures + 1 END
WHERE excluded.at >= device_polls.at
"""
_UPSERT_ROLLUP = """
INSERT INTO if_rollups (device, if_index, bucket_start, samples, in_bps_avg, in_bps_max, out_bps_avg, out_bps_max,
                        in_util_max, out_util_max, in_errors_ps_avg, out_errors_ps_avg, in_discards_ps_avg,
                        out_discards_ps_avg)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (device, if_index, bucket_start) DO UPDATE SET
    samples = excluded.samples, in_bps_avg = excluded.in_bps_avg, in_bps_max = excluded.in_bps_max,
    out_bps_avg = excluded.out_bps_avg, out_bps_max = excluded.out_bps_max, in_util_max = excluded.in_util_max,
    out_util_max = excluded.out_util_max, in_errors_ps_avg = excluded.in_errors_ps_avg,
    out_errors_ps_avg = excluded.out_errors_ps_avg, in_discards_ps_avg = excluded.in_discards_ps_avg,
    out_discards_ps_avg = excluded.out_discards_ps_avg
"""


@dataclass(frozen=True, slots=True)
class LastState:
    """The latest recorded state of one element: what the engine resumes from."""

    state: str
    since: float
    cause: str | None


@dataclass(frozen=True, slots=True)
class Rollup:
    """One 5-minute rollup row of one interface (averages over known values; None: none known)."""

    device: str
    if_index: int
    bucket_start: int
    samples: int
    in_bps_avg: float | None
    in_bps_max: float | None
    out_bps_avg: float | None
    out_bps_max: float | None
    in_util_max: float | None
    out_util_max: float | None
    in_errors_ps_avg: float | None
    out_errors_ps_avg: float | None
    in_discards_ps_avg: float | None
    out_discards_ps_avg: float | None


class _Mean:
    __slots__ = ("n", "total")

    def __init__(self) -> None:
        self.total = 0.0
        self.n = 0

    def add(self, value: float | None) -> None:
        if value is not None:
            self.total += value
            self.n += 1

    @property
    def value(self) -> float | None:
        return self.total / self.n if self.n else None


def _max(current: float | None, value: float | None) -> float | None:
    if value is None:
        return current
    return value if current is None or value > current else current


class _Bucket:
    __slots__ = (
        "in_bps",
        "in_bps_max",
        "in_disc",
        "in_err",
        "in_util_max",
        "out_bps",
        "out_bps_max",
        "out_disc",
        "out_err",
        "out_util_max",
        "samples",
    )

    def __init__(self) -> None:
        self.samples = 0
        self.in_bps, self.out_bps = _Mean(), _Mean()
        self.in_err, self.out_err = _Mean(), _Mean()
        self.in_disc, self.out_disc = _Mean(), _Mean()
        self.in_bps_max: float | None = None
        self.out_bps_max: float | None = None
        self.in_util_max: float | None = None
        self.out_util_max: float | None = None


def bucket_start(at: float) -> int:
    """The start of the 5-minute bucket holding ``at`` (epoch seconds, aligned on 300 s)."""
    return int(at // BUCKET_S) * BUCKET_S


class SqliteStore:
    """The embedded store (see the module docstring for durability and threading)."""

    def __init__(self, path: str | Path, *, migrations: Sequence[str] = MIGRATIONS) -> None:
        self.path = str(path)
        self._rollups: dict[tuple[str, int, int], _Bucket] = {}
        self._flushed_until = 0  # buckets ending at or before this were written: late rates are dropped
        self.late_rates = 0  # interface rates dropped because their bucket had already been flushed
        self.idle_buckets = 0  # interface buckets not written: idle all along, or nothing known
        try:
            self._conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30.0)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open database '{self.path}': {exc}") from exc
        try:
            self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute("PRAGMA synchronous = NORMAL")
            self._conn.execute("PRAGMA foreign_keys = ON")
            self.schema_version = migrate(self._conn, self.path, migrations)
            if self.schema_version >= 2:  # rates for a bucket written before a restart are late: never overwrite it
                row = self._conn.execute("SELECT max(bucket_start) FROM if_rollups").fetchone()
                self._flushed_until = int(row[0]) + BUCKET_S if row and row[0] is not None else 0
        except StoreError:
            self._conn.close()
            raise
        except sqlite3.Error as exc:
            self._conn.close()
            raise StoreError(f"cannot open or migrate database '{self.path}': {exc}") from exc

    # -- plumbing ---------------------------------------------------------------------------

    @contextmanager
    def _tx(self, what: str) -> Iterator[sqlite3.Connection]:
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise StoreError(f"database '{self.path}': cannot {what}: {exc}") from exc

    def _query(self, sql: str, args: Sequence[object] = ()) -> list[Any]:
        try:
            return list(self._conn.execute(sql, args))
        except sqlite3.Error as exc:
            raise StoreError(f"database '{self.path}': query failed: {exc}") from exc

    def close(self) -> None:
        """Close the connection (buckets not yet flushed are dropped: call :meth:`flush_rollups` first)."""
        self._conn.close()

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- state engine -----------------------------------------------------------------------

    def record(self, events: Iterable[Event]) -> int:
        """Write state changes and alarm events in one transaction; return the new state change rows.

        Idempotent: recording the same events again adds nothing and changes nothing.
        """
        changes: list[tuple[object, ...]] = []
        alarms: list[tuple[object, ...]] = []
        for event in events:
            if isinstance(event, StateChange):
                detail = json.dumps({"text": event.detail}) if event.detail else "{}"
                changes.append((event.at, event.kind, event.element, event.old, event.new, event.cause, detail))
            elif isinstance(event, AlarmRaised | AlarmUpdated | AlarmCleared | AlarmAcked):
                a = event.alarm
                alarms.append(
                    (
                        a.id,
                        a.raised_at,
                        a.element,
                        a.kind.value,
                        a.severity.value,
                        a.cause,
                        a.text,
                        a.sites,
                        a.devices,
                        a.updated_at,
                        a.cleared_at,
                        a.acked_by,
                        a.acked_at,
                        event.at,
                    )
                )
            else:  # pragma: no cover - guarded by the type
                raise StoreError(f"cannot record {type(event).__name__}: not a state change or an alarm event")
        with self._tx("record events") as conn:
            before = conn.total_changes
            if changes:
                conn.executemany(_INSERT_CHANGE, changes)
            inserted = conn.total_changes - before
            if alarms:
                conn.executemany(_UPSERT_ALARM, alarms)
        return inserted

    def last_states(self) -> dict[tuple[str, str], LastState]:
        """The latest recorded state of every element, keyed by (kind, element)."""
        rows = self._query(
            "SELECT kind, element, new, at, cause FROM ("
            " SELECT kind, element, new, at, cause,"
            "  row_number() OVER (PARTITION BY kind, element ORDER BY at DESC, id DESC) AS rn"
            " FROM state_changes) WHERE rn = 1"
        )
        return {(kind, element): LastState(new, at, cause) for kind, element, new, at, cause in rows}

    def state_changes(self, since: float, until: float, kind: ElementKind | None = None) -> list[StateChange]:
        """State changes with ``since <= at < until`` (of one kind if given), in order."""
        sql = "SELECT at, kind, element, old, new, cause, detail FROM state_changes WHERE at >= ? AND at < ?"
        args: list[object] = [since, until]
        if kind is not None:
            sql += " AND kind = ?"
            args.append(kind)
        out = []
        for at, k, element, old, new, cause, detail in self._query(sql + " ORDER BY at, id", args):
            out.append(StateChange(at, k, element, old, new, cause, json.loads(detail).get("text", "")))
        return out

    def active_alarms(self) -> list[Alarm]:
        """Alarms not cleared, by id."""
        return self._alarms("WHERE cleared_at IS NULL")

    def alarm(self, alarm_id: int) -> Alarm | None:
        """One alarm by id, cleared or not (None: never recorded)."""
        found = self._alarms("WHERE id = ?", (alarm_id,))
        return found[0] if found else None

    def next_alarm_id(self) -> int:
        """Above every alarm id ever recorded, cleared or not (ids are never reused)."""
        row = self._query("SELECT max(id) FROM alarms")
        return int(row[0][0] or 0) + 1

    def prior(self) -> Prior:
        """Everything the state engine resumes from after a restart (:meth:`StateEngine.resume`)."""
        polls = self._query("SELECT device, at FROM device_polls")
        return Prior(self.last_states(), self.active_alarms(), self.next_alarm_id(),
                     {str(d): float(at) for d, at in polls})

    def _alarms(self, where: str, args: Sequence[object] = ()) -> list[Alarm]:
        rows = self._query(f"SELECT {_ALARM_COLUMNS} FROM alarms {where} ORDER BY id", args)
        return [Alarm(r[0], r[1], r[2], AlarmKind(r[3]), Severity(r[4]), *r[5:]) for r in rows]

    # -- poller -----------------------------------------------------------------------------

    def record_cycle(self, report: CycleReport) -> None:
        """Write (or rewrite) the statistics of one poll cycle."""
        durations = report.durations_ms
        row = (
            report.cycle,
            report.started,
            report.interval_s,
            report.devices,
            report.completed,
            report.ok,
            report.failed,
            report.timeouts,
            report.skipped,
            report.late,
            report.max_lateness_s,
            report.wall_s,
            report.cpu_s,
            report.percentile_ms(0.5),
            report.percentile_ms(0.95),
            max(durations) if durations else None,
            json.dumps(report.errors, sort_keys=True),
        )
        with self._tx("record a poll cycle") as conn:
            conn.execute(_UPSERT_CYCLE, row)

    def record_polls(self, polls: Iterable[DevicePoll]) -> None:
        """Keep the last poll of each device (an older poll never replaces a newer one)."""
        rows = [
            (
                p.device,
                p.started,
                p.duration_s,
                p.error.value if p.error else None,
                p.detail,
                p.pdus,
                p.retries,
                p.response_ms,
                int(p.partial),
                0 if p.error is None else 1,
            )
            for p in polls
        ]
        if rows:
            with self._tx("record device polls") as conn:
                conn.executemany(_UPSERT_POLL, rows)

    def poll_cycles(self, since: float, until: float) -> list[dict[str, object]]:
        """Cycle statistics started in ``[since, until)``, as dicts (column name -> value)."""
        cur = self._conn.execute(
            "SELECT * FROM poll_cycles WHERE started >= ? AND started < ? ORDER BY started, id", (since, until)
        )
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur]

    def slowest_devices(self, n: int = 20) -> list[dict[str, object]]:
        """The ``n`` devices whose last poll took longest (the poller watching itself)."""
        cur = self._conn.execute("SELECT * FROM device_polls ORDER BY duration_s DESC, device LIMIT ?", (n,))
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur]

    def failing_devices(self, min_failures: int = 1) -> list[dict[str, object]]:
        """Devices whose last ``min_failures`` polls or more all failed, most failures first."""
        cur = self._conn.execute("SELECT * FROM device_polls WHERE failures >= ? ORDER BY failures DESC, device",
                                 (min_failures,))
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur]

    def device_polls(self) -> dict[str, dict[str, object]]:
        """The last poll of every device, as dicts (column name -> value)."""
        cur = self._conn.execute("SELECT * FROM device_polls")
        names = [d[0] for d in cur.description]
        return {str(row[0]): dict(zip(names, row)) for row in cur}

    # -- interface rollups ------------------------------------------------------------------

    def add_rates(self, rates: Iterable[DeviceRates]) -> None:
        """Accumulate interface rates in memory, in the 5-minute bucket of each ``rates.at``."""
        buckets = self._rollups
        for dev in rates:
            start = bucket_start(dev.at)
            if start + BUCKET_S <= self._flushed_until:
                self.late_rates += len(dev.interfaces)
                continue
            for r in dev.interfaces:
                key = (dev.device, r.if_index, start)
                b = buckets.get(key)
                if b is None:
                    b = buckets[key] = _Bucket()
                b.samples += 1
                b.in_bps.add(r.in_bps)
                b.out_bps.add(r.out_bps)
                b.in_err.add(r.in_errors_ps)
                b.out_err.add(r.out_errors_ps)
                b.in_disc.add(r.in_discards_ps)
                b.out_disc.add(r.out_discards_ps)
                b.in_bps_max = _max(b.in_bps_max, r.in_bps)
                b.out_bps_max = _max(b.out_bps_max, r.out_bps)
                b.in_util_max = _max(b.in_util_max, r.in_util_pct)
                b.out_util_max = _max(b.out_util_max, r.out_util_pct)

    def flush_rollups(self, now: float, final: bool = False) -> int:
        """Write every bucket that ended at or before ``now``, in one transaction; return the rows written.
        ``final`` (at shutdown): also the bucket in progress, as a partial row (its ``samples`` says how
        many); rates for it after a restart are then late (counted, never overwriting it).

        Upserts: flushing the same bucket again (after a crash before the in-memory state was
        dropped) rewrites the same row. Rates arriving later for a flushed bucket are dropped
        and counted in ``late_rates``.
        """
        limit = bucket_start(now) + (BUCKET_S if final else 0)  # buckets starting before this one have ended
        done = [key for key in self._rollups if key[2] + BUCKET_S <= limit]
        rows = []
        for key in done:
            b = self._rollups[key]
            values = (b.in_bps.value, b.in_bps_max, b.out_bps.value, b.out_bps_max, b.in_util_max, b.out_util_max,
                      b.in_err.value, b.out_err.value, b.in_disc.value, b.out_disc.value)
            if not any(values):  # idle (nothing carried, no error, no discard) or nothing known: no row
                self.idle_buckets += 1
                continue
            rows.append((*key, b.samples, *values))
        if rows:
            with self._tx("write interface rollups") as conn:
                conn.executemany(_UPSERT_ROLLUP, rows)
        for key in done:  # only once committed: a failed write is retried on the next flush
            del self._rollups[key]
        self._flushed_until = max(self._flushed_until, limit)
        return len(rows)

    def prune_rollups(self, before: float) -> int:
        """Delete the rollup rows of buckets that started before ``before`` (retention); the count."""
        with self._tx("prune interface rollups") as conn:
            cur = conn.execute("DELETE FROM if_rollups WHERE bucket_start < ?", (bucket_start(before),))
            return int(cur.rowcount)

    def pending_rollups(self) -> int:
        """Interface buckets held in memory, not written yet."""
        return len(self._rollups)

    def rollups(self, since: float, until: float, device: str | None = None) -> list[Rollup]:
        """Rollup rows with ``since <= bucket_start < until`` (of one device if given)."""
        sql = "SELECT * FROM if_rollups WHERE bucket_start >= ? AND bucket_start < ?"
        args: list[object] = [since, until]
        if device is not None:
            sql += " AND device = ?"
            args.append(device)
        rows = self._query(sql + " ORDER BY bucket_start, device, if_index", args)
        return [Rollup(*row) for row in rows]
