"""Declared maintenance windows: in ``sla.db`` (owned by the SLA engine, never the monitor's
store) or in a TOML file, with who declared what and when.

A window names a site, a device, a link, or a POP / datacentre code, and covers
``[start, end)``. It may be declared after the fact: ``declared_at`` later than ``start``
makes it *retroactive*, and reports say so. Windows are never deleted: ``withdraw`` marks
one withdrawn. Every declaration and withdrawal is also appended to an ``audit`` table
(at, by, action, window, details) that nothing updates or deletes.

A window file (``--maintenance-file``)::

    [[window]]
    element = "S00042"
    start = 2026-10-03T22:00:00+02:00   # TOML date-times (or strings) with an offset
    end = 2026-10-04T02:00:00+02:00
    reason = "fibre move"
    declared_by = "noc.lyon"
    declared_at = 2026-10-01T09:12:00+02:00   # optional
"""

from __future__ import annotations

import sqlite3
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import orjson

from sla.errors import MaintenanceError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sla_schema (version INTEGER PRIMARY KEY);
CREATE TABLE IF NOT EXISTS windows (
    id          INTEGER PRIMARY KEY,
    element     TEXT NOT NULL,
    start       REAL NOT NULL,
    end         REAL NOT NULL CHECK (end > start),
    reason      TEXT NOT NULL DEFAULT '',
    declared_by TEXT NOT NULL,
    declared_at REAL NOT NULL,
    withdrawn_by TEXT,
    withdrawn_at REAL
);
CREATE INDEX IF NOT EXISTS windows_span ON windows (start, end);
CREATE TABLE IF NOT EXISTS audit (
    id        INTEGER PRIMARY KEY,
    at        REAL NOT NULL,
    by        TEXT NOT NULL,
    action    TEXT NOT NULL CHECK (action IN ('declare', 'withdraw')),
    window_id INTEGER NOT NULL REFERENCES windows (id),
    detail    TEXT NOT NULL CHECK (json_valid(detail))
);
"""


def parse_instant(text: str, what: str = "time") -> float:
    """An ISO-8601 date-time with an offset (``2026-10-03T22:00+02:00``, ``...Z``) as epoch seconds."""
    try:
        dt = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise MaintenanceError(f"{what} {text!r} is not an ISO-8601 date-time; give e.g. "
                               "2026-10-03T22:00+02:00") from exc
    if dt.tzinfo is None:
        raise MaintenanceError(f"{what} {text!r} has no time zone offset; give one, e.g. {text}+02:00 "
                               f"(Paris summer time) or {text}Z (UTC)")
    return dt.timestamp()


@dataclass(frozen=True, slots=True)
class DeclaredWindow:
    id: str  # "db:3", or "FILE#2" (2nd window of FILE)
    element: str
    start: float
    end: float
    reason: str
    declared_by: str
    declared_at: float | None  # None: not given (a file may leave it out)

    @property
    def retroactive(self) -> bool:
        """Declared after it started (after the fact)."""
        return self.declared_at is not None and self.declared_at > self.start

    def canonical(self) -> list[Any]:
        return [self.id, self.element, self.start, self.end, self.reason, self.declared_by, self.declared_at]


def check_window(element: str, start: float, end: float) -> None:
    if not element.strip():
        raise MaintenanceError("a maintenance window needs an element: a site code, device, link, POP or datacentre")
    if not end > start:
        raise MaintenanceError(f"window on {element!r}: end is not after start; give an end later than the start")


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: float
    by: str
    action: str
    window: int
    detail: dict[str, Any]


class MaintenanceDb:
    """``sla.db``: declared windows and their audit trail (one transaction per declaration)."""

    def __init__(self, path: str | Path, *, readonly: bool = False) -> None:
        self.path = Path(path)
        try:
            if readonly:
                self._conn = sqlite3.connect(f"file:{quote(str(self.path.resolve()))}?mode=ro", uri=True,
                                             isolation_level=None)
            else:
                self._conn = sqlite3.connect(self.path, isolation_level=None, timeout=30.0)
                with self._tx():
                    for stmt in _SCHEMA.strip().split(";"):
                        if stmt.strip():
                            self._conn.execute(stmt)
                    self._conn.execute("INSERT OR IGNORE INTO sla_schema (version) VALUES (1)")
        except sqlite3.Error as exc:
            raise MaintenanceError(f"cannot open maintenance database {str(self.path)!r}: {exc}; give a writable "
                                   "path with --maintenance-db") from exc

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> MaintenanceDb:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield self._conn
            self._conn.execute("COMMIT")
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise

    def add(self, element: str, start: float, end: float, reason: str, by: str, now: float) -> DeclaredWindow:
        """Declare a window (``now``: the declaration time, from the caller's clock)."""
        check_window(element, start, end)
        if not by.strip():
            raise MaintenanceError("who declares the window is required; give --by NAME (or set $USER)")
        try:
            with self._tx() as conn:
                cur = conn.execute("INSERT INTO windows (element, start, end, reason, declared_by, declared_at)"
                                   " VALUES (?, ?, ?, ?, ?, ?)", (element, start, end, reason, by, now))
                wid = int(cur.lastrowid or 0)
                detail = {"element": element, "start": start, "end": end, "reason": reason}
                conn.execute("INSERT INTO audit (at, by, action, window_id, detail) VALUES (?, ?, 'declare', ?, ?)",
                             (now, by, wid, orjson.dumps(detail, option=orjson.OPT_SORT_KEYS).decode()))
        except sqlite3.Error as exc:
            raise MaintenanceError(f"maintenance database {str(self.path)!r}: cannot declare: {exc}") from exc
        return DeclaredWindow(f"db:{wid}", element, start, end, reason, by, now)

    def withdraw(self, window: int, by: str, now: float, reason: str = "") -> None:
        """Withdraw a window (it stays in the database, marked, and the audit trail says who and when)."""
        row = self._conn.execute("SELECT withdrawn_at FROM windows WHERE id = ?", (window,)).fetchone()
        if row is None:
            raise MaintenanceError(f"no maintenance window {window}; see 'vigie sla maintenance list'")
        if row[0] is not None:
            raise MaintenanceError(f"maintenance window {window} is already withdrawn")
        with self._tx() as conn:
            conn.execute("UPDATE windows SET withdrawn_by = ?, withdrawn_at = ? WHERE id = ?", (by, now, window))
            conn.execute("INSERT INTO audit (at, by, action, window_id, detail) VALUES (?, ?, 'withdraw', ?, ?)",
                         (now, by, window, orjson.dumps({"reason": reason}).decode()))

    def windows(self, lo: float | None = None, hi: float | None = None,
                include_withdrawn: bool = False) -> list[DeclaredWindow]:
        """Windows overlapping ``[lo, hi)`` (all when not given), by start then id."""
        sql = "SELECT id, element, start, end, reason, declared_by, declared_at FROM windows WHERE 1"
        args: list[object] = []
        if not include_withdrawn:
            sql += " AND withdrawn_at IS NULL"
        if lo is not None:
            sql += " AND end > ?"
            args.append(lo)
        if hi is not None:
            sql += " AND start < ?"
            args.append(hi)
        try:
            rows = self._conn.execute(sql + " ORDER BY start, id", args).fetchall()
        except sqlite3.Error as exc:
            raise MaintenanceError(f"cannot read maintenance database {str(self.path)!r}: {exc}") from exc
        return [DeclaredWindow(f"db:{r[0]}", r[1], r[2], r[3], r[4], r[5], r[6]) for r in rows]

    def audit(self) -> list[AuditEntry]:
        rows = self._conn.execute("SELECT at, by, action, window_id, detail FROM audit ORDER BY id").fetchall()
        return [AuditEntry(r[0], r[1], r[2], r[3], orjson.loads(r[4])) for r in rows]


def read_db_windows(path: str | Path, lo: float, hi: float) -> list[DeclaredWindow]:
    """Active windows of ``sla.db`` overlapping ``[lo, hi)``; none when the file does not exist."""
    p = Path(path)
    if not p.exists():
        return []
    db = MaintenanceDb(p, readonly=True)
    try:
        return db.windows(lo, hi)
    finally:
        db.close()


def _instant(value: Any, where: str) -> float:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise MaintenanceError(f"{where} = {value.isoformat()}: give a time zone offset (e.g. +02:00)")
        return value.timestamp()
    if isinstance(value, str):
        return parse_instant(value, where)
    raise MaintenanceError(f"{where} = {value!r}: give an ISO-8601 date-time with an offset")


def load_window_file(path: str | Path) -> list[DeclaredWindow]:
    """The windows of a TOML file (see the module docstring)."""
    p = Path(path)
    try:
        doc = tomllib.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MaintenanceError(f"cannot read maintenance file {str(p)!r} ({exc.strerror})") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise MaintenanceError(f"maintenance file {str(p)!r} is not valid TOML: {exc}") from exc
    out = []
    for i, w in enumerate(doc.get("window", []), start=1):
        where = f"{p.name} window {i}"
        if not isinstance(w, dict):
            raise MaintenanceError(f"{where}: must be a [[window]] table")
        missing = [k for k in ("element", "start", "end", "declared_by") if k not in w]
        if missing:
            raise MaintenanceError(f"{where}: {', '.join(missing)} missing; each [[window]] needs element, start, "
                                   "end and declared_by")
        start, end = _instant(w["start"], f"{where} start"), _instant(w["end"], f"{where} end")
        check_window(str(w["element"]), start, end)
        declared = _instant(w["declared_at"], f"{where} declared_at") if "declared_at" in w else None
        out.append(DeclaredWindow(f"{p.name}#{i}", str(w["element"]), start, end, str(w.get("reason", "")),
                                  str(w["declared_by"]), declared))
    return out


def windows_digest_doc(windows: list[DeclaredWindow]) -> bytes:
    """Canonical JSON of windows (sorted), the form a report hashes."""
    rows = sorted((w.canonical() for w in windows), key=lambda r: (r[2], r[3], r[1], r[0]))
    return orjson.dumps(rows)
