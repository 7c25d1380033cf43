"""Schema and migrations: from empty, from an older version, a newer database refused, atomic migrations."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from vigie.state.events import StateChange
from vigie.store import LATEST, MIGRATIONS, SchemaTooNew, SqliteStore, StoreError
from vigie.store.schema import current_version, migrate


def _tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_from_empty(tmp_path: Path) -> None:
    db = tmp_path / "vigie.db"
    with SqliteStore(db) as store:
        assert store.schema_version == LATEST == 3
        conn = store._conn
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert {"schema_version", "state_changes", "alarms", "poll_cycles", "device_polls", "if_rollups"} <= _tables(db)
    with sqlite3.connect(db) as conn:
        assert [r[0] for r in conn.execute("SELECT version FROM schema_version ORDER BY version")] == [1, 2, 3]


def test_reopen_applies_nothing(tmp_path: Path) -> None:
    db = tmp_path / "vigie.db"
    SqliteStore(db).close()
    SqliteStore(db).close()
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM schema_version").fetchone()[0] == LATEST


def test_upgrade_v1_to_v2_keeps_data(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    with SqliteStore(db, migrations=MIGRATIONS[:1]) as old:  # what a v1 Vigie wrote
        assert old.schema_version == 1
        old.record([StateChange(100.0, "device", "R1", "up", "down", None, "no answer")])
    assert "if_rollups" not in _tables(db)
    with SqliteStore(db) as store:
        assert store.schema_version == 3
        assert store.state_changes(0, 1e9) == [StateChange(100.0, "device", "R1", "up", "down", None, "no answer")]
        store.flush_rollups(0)  # the v2 tables are usable
        assert store.device_polls() == {}
    assert "if_rollups" in _tables(db)


def test_newer_database_refused(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    SqliteStore(db).close()
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO schema_version VALUES (7, 0)")
    with pytest.raises(SchemaTooNew) as info:
        SqliteStore(db)
    message = str(info.value)
    assert "schema version 7" in message and "up to 3" in message and str(db) in message
    assert "run a Vigie at least as recent" in message
    assert isinstance(info.value, StoreError)
    with sqlite3.connect(db) as conn:  # untouched
        assert conn.execute("SELECT max(version) FROM schema_version").fetchone()[0] == 7


def test_failed_migration_rolls_back(tmp_path: Path) -> None:
    db = tmp_path / "v1.db"
    SqliteStore(db, migrations=MIGRATIONS[:1]).close()
    broken = (*MIGRATIONS[:1], "CREATE TABLE half_done (x INTEGER);\nTHIS IS NOT SQL;\n")
    with pytest.raises(StoreError, match="cannot open or migrate"):
        SqliteStore(db, migrations=broken)
    assert "half_done" not in _tables(db)
    conn = sqlite3.connect(db, isolation_level=None)
    assert current_version(conn) == 1
    assert migrate(conn, str(db)) == LATEST  # and the real migration still applies
    conn.close()


def test_unopenable_path(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="nowhere"):
        SqliteStore(tmp_path / "nowhere" / "vigie.db")
