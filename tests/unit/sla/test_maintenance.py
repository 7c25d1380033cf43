"""Maintenance windows: sla.db with its audit trail, window files, time parsing."""

from __future__ import annotations

from pathlib import Path

import pytest

from sla.errors import MaintenanceError
from sla.maintenance import MaintenanceDb, load_window_file, parse_instant, read_db_windows, windows_digest_doc
from tests.unit.sla.slakit import paris


def test_declare_list_withdraw_with_audit_trail(tmp_path: Path) -> None:
    path = tmp_path / "sla.db"
    with MaintenanceDb(path) as db:
        a = db.add("S00001", paris("2026-10-03 22:00"), paris("2026-10-04 02:00"), "fibre move", "alice",
                   now=paris("2026-10-01 09:00"))
        b = db.add("PAR", paris("2026-10-05 01:00"), paris("2026-10-05 03:00"), "core upgrade", "bob",
                   now=paris("2026-10-06 10:00"))  # after the fact
        assert not a.retroactive and b.retroactive
        db.withdraw(1, "carol", now=paris("2026-10-02 08:00"), reason="cancelled")
        assert [w.id for w in db.windows()] == ["db:2"]
        assert [w.id for w in db.windows(include_withdrawn=True)] == ["db:1", "db:2"]
        trail = db.audit()
        assert [(e.action, e.by, e.window) for e in trail] == [("declare", "alice", 1), ("declare", "bob", 2),
                                                               ("withdraw", "carol", 1)]
        assert trail[0].detail["reason"] == "fibre move" and trail[0].at == paris("2026-10-01 09:00")
        with pytest.raises(MaintenanceError, match="already withdrawn"):
            db.withdraw(1, "carol", now=0)
        with pytest.raises(MaintenanceError, match="no maintenance window 9"):
            db.withdraw(9, "carol", now=0)
    # read-only view of a given span; a missing file has no windows (and is not created)
    assert [w.element for w in read_db_windows(path, paris("2026-10-05 00:00"), paris("2026-10-06 00:00"))] == ["PAR"]
    assert read_db_windows(path, paris("2026-10-06 00:00"), paris("2026-10-07 00:00")) == []
    assert read_db_windows(tmp_path / "none.db", 0, 1e10) == [] and not (tmp_path / "none.db").exists()


def test_bad_windows_are_refused(tmp_path: Path) -> None:
    with MaintenanceDb(tmp_path / "sla.db") as db:
        with pytest.raises(MaintenanceError, match="end is not after start"):
            db.add("S1", 10.0, 10.0, "", "alice", now=0)
        with pytest.raises(MaintenanceError, match="--by"):
            db.add("S1", 10.0, 20.0, "", " ", now=0)
        assert db.windows() == [] and db.audit() == []


def test_instants_need_an_offset() -> None:
    assert parse_instant("2026-10-03T22:00+02:00") == paris("2026-10-03 22:00")
    assert parse_instant("2026-10-03T20:00Z") == paris("2026-10-03 22:00")
    with pytest.raises(MaintenanceError, match=r"no time zone offset; give one, e.g. 2026-10-03T22:00\+02:00"):
        parse_instant("2026-10-03T22:00")
    with pytest.raises(MaintenanceError, match="not an ISO-8601"):
        parse_instant("tomorrow")


def test_window_file(tmp_path: Path) -> None:
    f = tmp_path / "planned.toml"
    f.write_text("""
[[window]]
element = "S00002"
start = 2026-10-10T22:00:00+02:00
end = "2026-10-11T01:00+02:00"
reason = "router swap"
declared_by = "change-42"
declared_at = 2026-10-01T12:00:00+02:00

[[window]]
element = "LYO"
start = 2026-10-12T01:00:00+02:00
end = 2026-10-12T02:00:00+02:00
declared_by = "change-43"
""")
    ws = load_window_file(f)
    assert [(w.id, w.element, w.declared_by) for w in ws] == [("planned.toml#1", "S00002", "change-42"),
                                                              ("planned.toml#2", "LYO", "change-43")]
    assert ws[0].end == paris("2026-10-11 01:00") and ws[1].declared_at is None and not ws[1].retroactive
    assert windows_digest_doc(ws) == windows_digest_doc(list(reversed(ws)))
    f.write_text('[[window]]\nelement = "S1"\nstart = 2026-10-10T22:00:00\nend = 2026-10-10T23:00:00+02:00\n'
                 'declared_by = "x"\n')
    with pytest.raises(MaintenanceError, match=r"planned\.toml window 1 start.*offset"):
        load_window_file(f)
    f.write_text('[[window]]\nelement = "S1"\n')
    with pytest.raises(MaintenanceError, match="start, end, declared_by missing"):
        load_window_file(f)
