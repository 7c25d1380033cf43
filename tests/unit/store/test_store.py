"""Store behaviour: idempotent replays, alarms upserted by id, resume, poll statistics, rollups."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from collectors.counters import DeviceRates, InterfaceRate
from collectors.scheduler import CycleReport
from vigie.observations import DevicePoll, PollError
from vigie.state.events import (
    Alarm,
    AlarmAcked,
    AlarmCleared,
    AlarmKind,
    AlarmRaised,
    AlarmUpdated,
    Severity,
    StateChange,
)
from vigie.store import BUCKET_S, LastState, SqliteStore, bucket_start

T0 = 1_800_000_000.0  # a multiple of 300


@pytest.fixture
def store(tmp_path: Path) -> SqliteStore:
    return SqliteStore(tmp_path / "vigie.db")


def _changes() -> list[StateChange]:
    return [
        StateChange(T0 + 1, "device", "R1", "up", "down", None, "no answer after 3 retries"),
        StateChange(T0 + 1, "site", "S1", "up", "unreachable", "R1"),
        StateChange(T0 + 2, "interface", "R2:ge-0/0/1", None, "down"),
        StateChange(T0 + 60, "device", "R1", "down", "up"),
        StateChange(T0 + 60, "site", "S1", "unreachable", "up"),
    ]


def _alarm(**kw: object) -> Alarm:
    base = Alarm(1, T0 + 1, "R1", AlarmKind.DEVICE_DOWN, Severity.CRITICAL, None, "R1 down", sites=1)
    return replace(base, **kw)


def test_record_and_replay_is_idempotent(store: SqliteStore) -> None:
    events = [*_changes(), AlarmRaised(T0 + 1, _alarm())]
    assert store.record(events) == 5
    assert store.record(events) == 0  # the same events again: nothing new
    assert store.record(events[:2]) == 0
    assert store._conn.execute("SELECT count(*) FROM state_changes").fetchone()[0] == 5
    assert store._conn.execute("SELECT count(*) FROM alarms").fetchone()[0] == 1
    assert store.state_changes(0, 1e12) == _changes()


def test_state_changes_window_and_kind(store: SqliteStore) -> None:
    store.record(_changes())
    assert [c.element for c in store.state_changes(T0 + 1, T0 + 60)] == ["R1", "S1", "R2:ge-0/0/1"]
    assert [c.new for c in store.state_changes(T0, T0 + 100, kind="site")] == ["unreachable", "up"]
    assert store.state_changes(T0 + 61, T0 + 100) == []


def test_alarm_lifecycle_upserted_by_id(store: SqliteStore) -> None:
    raised = _alarm()
    updated = _alarm(text="R1 down, 2 sites behind", sites=2, updated_at=T0 + 5)
    acked = replace(updated, acked_by="alice", acked_at=T0 + 10)
    cleared = replace(acked, cleared_at=T0 + 60)
    other = Alarm(2, T0 + 3, "S9", AlarmKind.SITE_DOWN, Severity.MAJOR, "S9-R1", "site S9 down")
    store.record([AlarmRaised(T0 + 1, raised), AlarmRaised(T0 + 3, other)])
    assert store.active_alarms() == [raised, other]
    store.record([AlarmUpdated(T0 + 5, updated), AlarmAcked(T0 + 10, acked)])
    assert store.active_alarms() == [acked, other]
    store.record([AlarmCleared(T0 + 60, cleared)])
    assert store.active_alarms() == [other]
    assert store.alarm(1) == cleared
    # a replay of older events never resurrects or rewinds the alarm
    store.record([AlarmRaised(T0 + 1, raised), AlarmUpdated(T0 + 5, updated)])
    assert store.alarm(1) == cleared
    assert store.active_alarms() == [other]
    assert store.alarm(99) is None


def test_last_states_resume(tmp_path: Path) -> None:
    db = tmp_path / "vigie.db"
    with SqliteStore(db) as store:
        store.record(_changes())
        store.record([StateChange(T0 + 90, "link", "R1--R2", "up", "down", "R1:ge-0/0/0")])
    with SqliteStore(db) as store:  # a restart
        assert store.last_states() == {
            ("device", "R1"): LastState("up", T0 + 60, None),
            ("site", "S1"): LastState("up", T0 + 60, None),
            ("interface", "R2:ge-0/0/1"): LastState("down", T0 + 2, None),
            ("link", "R1--R2"): LastState("down", T0 + 90, "R1:ge-0/0/0"),
        }


def test_last_states_same_instant_takes_the_last_recorded(store: SqliteStore) -> None:
    store.record([StateChange(T0, "device", "R1", "up", "unknown"), StateChange(T0, "device", "R1", "unknown", "down")])
    assert store.last_states()[("device", "R1")] == LastState("down", T0, None)


def test_record_cycle(store: SqliteStore) -> None:
    report = CycleReport(cycle=3, started=T0, interval_s=60.0, devices=4)
    for i, err in enumerate([None, None, PollError.TIMEOUT, PollError.SKIPPED]):
        report.add(DevicePoll(f"R{i}", "127.0.0.1", T0, 0.01 * (i + 1), error=err))
    report.wall_s = 1.5
    store.record_cycle(report)
    store.record_cycle(report)  # rewritten, not duplicated
    [row] = store.poll_cycles(T0, T0 + 1)
    assert row["cycle"] == 3 and row["devices"] == 4 and row["ok"] == 2 and row["failed"] == 2
    assert row["timeouts"] == 1 and row["skipped"] == 1 and row["wall_s"] == 1.5
    assert row["max_ms"] == pytest.approx(40.0)
    assert row["errors"] == '{"skipped": 1, "timeout": 1}'


def test_record_polls_keeps_the_latest(store: SqliteStore) -> None:
    new = DevicePoll("R1", "10.0.0.1", T0 + 60, 0.2, pdus=5, retries=1)
    old = DevicePoll("R1", "10.0.0.1", T0, 3.0, error=PollError.TIMEOUT, detail="no answer", pdus=4)
    store.record_polls([new, DevicePoll("R2", "10.0.0.2", T0, 0.1, partial=True)])
    store.record_polls([old])  # late and older: ignored
    polls = store.device_polls()
    assert set(polls) == {"R1", "R2"}
    assert polls["R1"]["at"] == T0 + 60 and polls["R1"]["error"] is None and polls["R1"]["pdus"] == 5
    assert polls["R2"]["partial"] == 1
    store.record_polls([replace(old, started=T0 + 120)])
    assert store.device_polls()["R1"]["error"] == "timeout"


def _rate(
    if_index: int, in_bps: float | None, out_bps: float | None = None, util: float | None = None
) -> InterfaceRate:
    return InterfaceRate(
        if_index, f"ge-{if_index}", 60.0, in_bps, out_bps, util, util, 0.5 if in_bps is not None else None,
        0.0, 1.0, None, None if in_bps is not None else "first sample",
    )  # fmt: skip


def _dev(at: float, *rates: InterfaceRate) -> DeviceRates:
    return DeviceRates("R1", at, False, 1000.0, rates)


def test_bucket_start() -> None:
    assert bucket_start(T0) == T0
    assert bucket_start(T0 + 299.999) == T0
    assert bucket_start(T0 + 300) == T0 + 300


def test_rollups_across_a_boundary(store: SqliteStore) -> None:
    store.add_rates([_dev(T0 + 60, _rate(1, 100.0, 10.0, 1.0), _rate(2, None))])
    store.add_rates([_dev(T0 + 120, _rate(1, 300.0, 30.0, 3.0), _rate(2, 50.0, 5.0))])
    store.add_rates([_dev(T0 + 240, _rate(1, 200.0, 20.0, 2.0))])
    store.add_rates([_dev(T0 + 300, _rate(1, 1000.0, 100.0, 10.0))])  # the next bucket
    assert store.flush_rollups(T0 + 299) == 0  # first bucket not over yet
    assert store.flush_rollups(T0 + 301) == 2  # first bucket (two interfaces) written
    assert store.pending_rollups() == 1
    r1, r2 = store.rollups(T0, T0 + 1)
    assert (r1.device, r1.if_index, r1.bucket_start, r1.samples) == ("R1", 1, T0, 3)
    assert r1.in_bps_avg == pytest.approx(200.0) and r1.in_bps_max == 300.0
    assert r1.out_bps_avg == pytest.approx(20.0) and r1.out_bps_max == 30.0
    assert r1.in_util_max == 3.0 and r1.out_util_max == 3.0
    assert r1.in_errors_ps_avg == pytest.approx(0.5) and r1.in_discards_ps_avg == pytest.approx(1.0)
    assert r1.out_discards_ps_avg is None
    # interface 2: one unknown sample, one known: the average is over what is known
    assert (r2.if_index, r2.samples, r2.in_bps_avg, r2.in_bps_max, r2.in_util_max) == (2, 2, 50.0, 50.0, None)
    assert store.flush_rollups(T0 + 2 * BUCKET_S) == 1
    [r3] = store.rollups(T0 + 300, T0 + 600, device="R1")
    assert r3.samples == 1 and r3.in_bps_avg == 1000.0
    assert store.pending_rollups() == 0


def test_late_rates_for_a_flushed_bucket_are_dropped(store: SqliteStore) -> None:
    store.add_rates([_dev(T0 + 10, _rate(1, 100.0))])
    store.flush_rollups(T0 + 300)
    store.add_rates([_dev(T0 + 20, _rate(1, 9e9), _rate(2, 9e9))])
    assert store.late_rates == 2 and store.pending_rollups() == 0
    [row] = store.rollups(T0, T0 + 300)
    assert row.in_bps_max == 100.0


def test_a_written_bucket_is_never_overwritten_after_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "vigie.db"
    rates = [_dev(T0 + 60, _rate(1, 100.0)), _dev(T0 + 120, _rate(1, 300.0))]
    with SqliteStore(db) as store:
        store.add_rates(rates)
        assert store.flush_rollups(T0 + 300) == 1
    with SqliteStore(db) as store:  # restarted: the same bucket again is late, counted, not written over
        store.add_rates(rates[:1])
        assert store.flush_rollups(T0 + 300) == 0
        assert store.late_rates == 1
        [row] = store.rollups(0, 1e12)
        assert row.samples == 2 and row.in_bps_avg == pytest.approx(200.0)


def test_final_flush_writes_the_bucket_in_progress(tmp_path: Path) -> None:
    db = tmp_path / "vigie.db"
    with SqliteStore(db) as store:
        store.add_rates([_dev(T0 + 60, _rate(1, 100.0)), _dev(T0 + 360, _rate(1, 500.0))])
        assert store.flush_rollups(T0 + 370) == 1  # the bucket still in progress waits
        assert store.flush_rollups(T0 + 370, final=True) == 1  # at shutdown it is written, partial
        assert store.pending_rollups() == 0
    with SqliteStore(db) as store:
        rows = store.rollups(0, 1e12)
        assert [(r.bucket_start - T0, r.samples, r.in_bps_avg) for r in rows] == [(0, 1, 100.0), (300, 1, 500.0)]
        store.add_rates([_dev(T0 + 420, _rate(1, 900.0))])
        store.flush_rollups(T0 + 700)
        assert store.late_rates == 1 and store.rollups(0, 1e12) == rows


def test_consecutive_failures_and_slowest_devices(store: SqliteStore) -> None:
    def poll(dev: str, at: float, err: PollError | None, dur: float = 0.01) -> DevicePoll:
        return DevicePoll(dev, "127.1.0.1", at, dur, err)

    store.record_polls([poll("A", 1, PollError.TIMEOUT, 6.0), poll("B", 1, None, 0.5), poll("C", 1, None)])
    store.record_polls([poll("A", 61, PollError.TIMEOUT, 6.0), poll("B", 61, PollError.TIMEOUT, 6.0)])
    store.record_polls([poll("A", 61, PollError.TIMEOUT, 6.0)])  # the same poll again counts once
    store.record_polls([poll("A", 121, PollError.TIMEOUT, 6.0), poll("B", 121, None, 0.2)])
    assert {d: r["failures"] for d, r in store.device_polls().items()} == {"A": 3, "B": 0, "C": 0}
    assert [r["device"] for r in store.failing_devices()] == ["A"]
    assert [r["device"] for r in store.slowest_devices(2)] == ["A", "B"]


def test_idle_interfaces_take_no_row_and_old_rows_are_pruned(store: SqliteStore) -> None:
    idle = InterfaceRate(1, "ge-1", 60.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, None)
    unknown = InterfaceRate(2, "ge-2", 60.0, None, None, None, None, None, None, None, None, "first sample")
    store.add_rates([_dev(T0 + 60, idle, unknown, _rate(3, 5.0))])
    store.add_rates([_dev(T0 + 360, _rate(3, 7.0))])
    store.add_rates([_dev(T0 + 660, _rate(3, 9.0))])
    assert store.flush_rollups(T0 + 900) == 3
    assert store.idle_buckets == 2  # ifIndex 1 idle, ifIndex 2 unknown: no row
    assert {r.if_index for r in store.rollups(0, 1e12)} == {3}
    assert store.prune_rollups(T0 + 600) == 2
    assert [r.bucket_start - T0 for r in store.rollups(0, 1e12)] == [600]
