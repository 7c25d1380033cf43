"""Sources of state changes: the monitor's store (read-only), JSONL files, events in memory."""

from __future__ import annotations

import sqlite3
from dataclasses import asdict
from pathlib import Path

import orjson
import pytest

from sla.errors import SourceError
from sla.reader import JsonlSource, MemorySource, SqliteSource
from vigie.state.events import StateChange
from vigie.store import SqliteStore

T0 = 1_790_000_000.0


def _events() -> list[StateChange]:
    return [
        StateChange(T0 - 500, "site", "S1", "unknown", "up"),
        StateChange(T0 - 400, "site", "S2", "unknown", "up"),
        StateChange(T0 - 300, "site", "S1", "up", "down", "S1-R1", "S1-R1 down (timeout)"),
        StateChange(T0 - 300, "device", "S1-R1", "up", "down", None),
        StateChange(T0 + 10, "site", "S1", "down", "unreachable", "COL1"),
        StateChange(T0 + 10, "site", "S3", "up", "down", "S3-R1"),  # S3 is not asked for
        StateChange(T0 + 20, "site", "S2", "up", "unknown", "not measured"),
        StateChange(T0 + 20, "site", "S2", "unknown", "degraded", "L7"),  # same instant: recorded order kept
        StateChange(T0 + 100, "site", "S1", "unreachable", "up"),
        StateChange(T0 + 200, "site", "S1", "up", "down", "S1-R1"),
    ]


@pytest.fixture
def sources(tmp_path: Path) -> list[SqliteSource | MemorySource]:
    db = tmp_path / "vigie.db"
    with SqliteStore(db) as store:
        store.record(_events())
    jsonl = tmp_path / "changes.jsonl"
    jsonl.write_bytes(b"".join(orjson.dumps(asdict(e)) + b"\n" for e in _events()))
    return [SqliteSource(db), JsonlSource(jsonl), MemorySource.from_events(_events())]


def test_every_source_gives_the_same_history(sources: list[SqliteSource | MemorySource]) -> None:
    canon = set()
    for src in sources:
        h = src.history(T0, T0 + 150, ["S1", "S2"])
        assert h.initial == {"S1": (T0 - 300, "down", "S1-R1"), "S2": (T0 - 400, "up", None)}
        assert h.site == ["S1", "S2", "S2", "S1"]
        assert h.state == ["unreachable", "unknown", "degraded", "up"]
        assert h.cause == ["COL1", "not measured", "L7", None]
        assert h.at.tolist() == [T0 + 10, T0 + 20, T0 + 20, T0 + 100]
        assert src.changes_of(["S1"], T0 - 1000, T0) == [(T0 - 500, "S1", "up", None),
                                                         (T0 - 300, "S1", "down", "S1-R1")]
        canon.add(h.canonical())
    assert len(canon) == 1  # the data hash does not depend on where the data came from


def test_store_is_opened_read_only(tmp_path: Path) -> None:
    db = tmp_path / "vigie.db"
    with SqliteStore(db) as store:
        store.record(_events())
    before = db.stat().st_mtime_ns
    src = SqliteSource(db)
    src.history(T0, T0 + 1000, ["S1"])
    with pytest.raises(Exception, match="readonly"):
        src._conn.execute("DELETE FROM state_changes")
    src.close()
    assert db.stat().st_mtime_ns == before


def test_source_errors_name_the_file_and_the_fix(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"does not exist.*--store"):
        SqliteSource(tmp_path / "nope.db")
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(SourceError, match="not a Vigie store"):
        SqliteSource(other)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"at": 1, "kind": "site", "element": "S1", "new": "up"}\n{"at": 2, "kind": "site"}\n')
    with pytest.raises(SourceError, match=r"bad\.jsonl line 2"):
        JsonlSource(bad)
    with pytest.raises(SourceError, match="--changes"):
        JsonlSource(tmp_path / "missing.jsonl")


def test_after_the_monitor_stopped_sites_are_unknown_not_still_down(tmp_path: Path) -> None:
    from collectors.scheduler import CycleReport
    from vigie.observations import DevicePoll

    db = tmp_path / "vigie.db"
    with SqliteStore(db) as store:
        store.record([StateChange(1000.0, "site", "A", "unknown", "up"),
                      StateChange(1000.0, "site", "B", "unknown", "up"),
                      StateChange(1100.0, "site", "A", "up", "down", "A-R1")])
        store.record_polls([DevicePoll("A-R1", "127.0.0.1", 1190.0, 6.0)])
        store.record_cycle(CycleReport(0, 1140.0, 60.0, 1))
    source = SqliteSource(db)
    h = source.history(900.0, 5000.0, ["A", "B"])
    stopped = 1190.0 + 2.5 * 60.0
    assert [(a, s, st) for a, s, st in zip(h.at.tolist(), h.site, h.state) if st == "unknown"] == \
        [(stopped, "A", "unknown"), (stopped, "B", "unknown")]
    # a period entirely after the monitor stopped: unknown from the start
    late = source.history(9000.0, 9999.0, ["A", "B"])
    assert {s: v[1] for s, v in late.initial.items()} == {"A": "unknown", "B": "unknown"}
    # while it still watches (its last poll is recent), nothing is added
    assert "unknown" not in source.history(900.0, 1200.0, ["A", "B"]).state
    source.close()
