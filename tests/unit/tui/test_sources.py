"""The seam: LiveSource over a real engine, bus and store; StoreSource attached read-only to the same
store; both must tell the same story, and their change feeds must say what changed."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from tests.unit.tui.tuikit import NOW, T0, inventory, live_source
from tui.source import AckRefused, NotAvailable
from tui.storesource import StoreSource
from vigie.bus import Topic
from vigie.state import StateChange


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_live_source_reads_the_engine_and_the_feed(tmp_path: Path) -> None:
    src, _engine, store, bus = live_source(tmp_path)
    assert src.counts()["unreachable"] == 10 and src.counts()["down"] == 1
    st = src.site_status("S00057")
    assert (st.state, st.cause) == ("unreachable", "LYO-C02")
    assert src.failed_elements() == ["ACC-S00010-R2", "LYO-C02", "S00042-R1"]
    assert src.poller().not_measured == 1  # S00064-R1, kept from the feed
    assert not src.drain()  # drained by the kit
    change = StateChange(NOW, "site", "S00001", "up", "down", "S00001-R1", "S00001-R1 down")
    bus.publish(Topic.CHANGES, change)
    bus.publish(Topic.CHANGES, StateChange(NOW, "interface", "S00002-R1:ge-0/0/0", "up", "down"))
    delta = src.drain()
    assert delta.sites == {"S00001"} and delta.devices == {"S00002-R1"} and not delta.alarms
    assert not src.drain()
    src.close()
    bus.publish(Topic.CHANGES, change)
    assert not src.drain()  # closed: no longer listening
    store.close()


def test_live_ack_goes_to_engine_store_and_bus(tmp_path: Path) -> None:
    src, engine, store, _bus = live_source(tmp_path)
    alarm = next(a for a in src.active_alarms() if a.element == "LYO-C02")
    acked = src.ack(alarm.id, "alice")
    assert (acked.acked_by, acked.acked_at) == ("alice", NOW)
    assert next(a for a in engine.active_alarms() if a.id == alarm.id).acked_by == "alice"
    stored = store.alarm(alarm.id)
    assert stored is not None and stored.acked_by == "alice"  # survives a restart
    assert src.drain().alarms
    with pytest.raises(AckRefused, match="not active"):
        src.ack(9999, "alice")
    src.close()
    store.close()


def test_live_history_and_site_changes(tmp_path: Path) -> None:
    src, _engine, store, _bus = live_source(tmp_path)
    cleared = src.alarm_history()
    assert [a.element for a in cleared] == ["S00042"]  # degraded, then down: the degraded alarm cleared
    changes = src.recent_changes("S00042")
    assert changes[0].at >= changes[-1].at
    assert {c.element for c in changes} == {"S00042", "S00042-R1", "ACC-S00042-R1"}
    assert changes[-1].at >= T0
    src.close()
    store.close()


def test_store_source_tells_the_same_story_read_only(tmp_path: Path) -> None:
    live, _engine, store, _bus = live_source(tmp_path)
    db = tmp_path / "vigie.db"
    store.close()
    now = [NOW]
    src = StoreSource(inventory(), db, clock=lambda: now[0], poll_every_s=1.0)
    assert src.counts() == live.counts()
    for code in ("S00057", "S00042", "S00010", "S00013", "S00064", "S00001"):
        a, b = src.site_status(code), live.site_status(code)
        assert (a.state, a.cause, a.since) == (b.state, b.cause, b.since), code
    assert [a.id for a in src.active_alarms()] == [a.id for a in live.active_alarms()]
    assert src.failed_elements() == live.failed_elements()
    assert not src.can_ack
    with pytest.raises(AckRefused, match="read-only"):
        src.ack(src.active_alarms()[0].id, "alice")
    # the monitor records more: the source sees it at its next refresh (at most every second)
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO state_changes (at, kind, element, old, new, cause, detail) VALUES "
                     "(?, 'site', 'S00001', 'up', 'down', 'S00001-R1', '{\"text\": \"S00001-R1 down\"}')", (NOW,))
    assert not src.drain()  # not a second yet
    now[0] += 1.0
    delta = src.drain()
    assert delta.sites == {"S00001"}
    assert src.site_status("S00001").state == "down" and src.counts()["down"] == 2
    assert src.site_status("S00001").detail == "S00001-R1 down"
    src.close()
    live.close()


def test_store_source_never_writes(tmp_path: Path) -> None:
    live, _engine, store, _bus = live_source(tmp_path)
    store.close()
    live.close()
    db = tmp_path / "vigie.db"
    with sqlite3.connect(db) as conn:  # checkpoint, so that the file alone holds everything
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = digest(db)
    src = StoreSource(inventory(), db)
    src.refresh()
    src.alarm_history()
    src.recent_changes("S00042")
    with pytest.raises(AckRefused):
        src.ack(1, "alice")
    src.close()
    assert digest(db) == before


def test_store_source_errors_say_what_to_do(tmp_path: Path) -> None:
    from tui.source import SourceError

    with pytest.raises(SourceError, match="does not exist"):
        StoreSource(inventory(), tmp_path / "nope.db")
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE x (a)").connection.close()
    with pytest.raises(SourceError, match="not a Vigie store"):
        StoreSource(inventory(), other)


def test_budgets_and_topology_degrade_to_not_available(tmp_path: Path) -> None:
    from tui.live import LiveSource
    from vigie.bus import LocalBus
    from vigie.state import StateEngine

    inv = inventory()
    src = LiveSource(inv, StateEngine(inv), LocalBus(), None)
    with pytest.raises(NotAvailable, match="store"):
        src.error_budget()
    with pytest.raises(NotAvailable):
        src.alarm_history()
    src.close()
