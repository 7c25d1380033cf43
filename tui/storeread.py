"""Read-only access to the monitor's SQLite store (schema in docs/storage.md), for the dashboard.

Opened with ``mode=ro``: the dashboard never writes to, locks, or migrates the monitor's database
(WAL lets it read while the monitor writes). Every query is small and indexed: the latest state
of every element once at attach, then only the rows added since (by row id).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from tui.source import Sample, SourceError
from vigie.state.events import Alarm, AlarmKind, ElementStatus, Severity, StateChange

_ALARM_COLUMNS = ("id, raised_at, element, kind, severity, cause, text, sites, devices, updated_at, cleared_at, "
                  "acked_by, acked_at")
Row = tuple[int, float, str, str, str | None, str, str | None, str]  # id, at, kind, element, old, new, cause, detail


def detail_text(raw: str | None) -> str:
    if not raw:
        return ""
    try:
        value = json.loads(raw)
    except ValueError:
        return ""
    return str(value.get("text", "")) if isinstance(value, dict) else ""


def _alarm(r: Sequence[Any]) -> Alarm:
    return Alarm(r[0], r[1], r[2], AlarmKind(r[3]), Severity(r[4]), *r[5:])


class StoreReader:
    """One read-only connection to a store file. Not shared between threads: open one per thread."""

    def __init__(self, path: str | Path) -> None:
        p = Path(path)
        self.path = p
        if not p.is_file():
            raise SourceError(f"store {str(p)!r} does not exist; give the database of the running monitor "
                              "(vigie run --store FILE, default vigie.db)")
        try:
            self._conn = sqlite3.connect(f"file:{quote(str(p.resolve()))}?mode=ro", uri=True, timeout=10.0,
                                         check_same_thread=False)
            tables = {r[0] for r in self._conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.Error as exc:
            raise SourceError(f"cannot read store {str(p)!r}: {exc}; is it a Vigie database?") from exc
        missing = {"state_changes", "alarms"} - tables
        if missing:
            self._conn.close()
            raise SourceError(f"{str(p)!r} has no {', '.join(sorted(missing))} table: not a Vigie store; give the "
                              "database 'vigie run' writes")
        self.has_polls = {"poll_cycles", "device_polls", "if_rollups"} <= tables

    def close(self) -> None:
        self._conn.close()

    def _rows(self, sql: str, args: Sequence[object] = ()) -> list[Any]:
        try:
            return self._conn.execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            raise SourceError(f"store {str(self.path)!r}: query failed: {exc}") from exc

    # -- states ------------------------------------------------------------------------------

    def latest_states(self) -> tuple[dict[tuple[str, str], ElementStatus], int]:
        """The latest recorded state of every site, device and link; and the last row id read."""
        last = self.max_change_id()
        rows = self._rows(
            "SELECT kind, element, new, cause, at, detail FROM ("
            " SELECT kind, element, new, cause, at, detail,"
            "  row_number() OVER (PARTITION BY kind, element ORDER BY at DESC, id DESC) AS rn"
            " FROM state_changes WHERE kind IN ('site', 'device', 'link') AND id <= ?) WHERE rn = 1", (last,))
        states = {(k, e): ElementStatus(new, cause, at, detail_text(detail)) for k, e, new, cause, at, detail in rows}
        return states, last

    def max_change_id(self) -> int:
        return int(self._rows("SELECT coalesce(max(id), 0) FROM state_changes")[0][0])

    def changes_after(self, last_id: int, limit: int = 50_000) -> list[Row]:
        """Rows added after ``last_id``, in insertion order."""
        return self._rows("SELECT id, at, kind, element, old, new, cause, detail FROM state_changes WHERE id > ? "
                          "ORDER BY id LIMIT ?", (last_id, limit))

    def element_changes(self, elements: Sequence[str], devices: Sequence[str], limit: int) -> list[StateChange]:
        """Changes of ``elements`` (any kind) and of the interfaces of ``devices``, newest first."""
        out: list[tuple[float, int, StateChange]] = []
        marks = ",".join("?" * len(elements))
        rows = self._rows(f"SELECT id, at, kind, element, old, new, cause, detail FROM state_changes "
                          f"WHERE kind IN ('site', 'device', 'link') AND element IN ({marks}) "
                          "ORDER BY at DESC, id DESC LIMIT ?", (*elements, limit)) if elements else []
        for dev in devices:
            rows += self._rows("SELECT id, at, kind, element, old, new, cause, detail FROM state_changes "
                               "WHERE kind = 'interface' AND element >= ? AND element < ? "
                               "ORDER BY at DESC, id DESC LIMIT ?", (f"{dev}:", f"{dev};", limit))
        for rid, at, kind, element, old, new, cause, detail in rows:
            out.append((at, rid, StateChange(at, kind, element, old, new, cause, detail_text(detail))))
        out.sort(key=lambda t: (t[0], t[1]), reverse=True)
        return [c for _, _, c in out[:limit]]

    # -- alarms ------------------------------------------------------------------------------

    def active_alarms(self) -> list[Alarm]:
        return [_alarm(r) for r in self._rows(f"SELECT {_ALARM_COLUMNS} FROM alarms WHERE cleared_at IS NULL "
                                              "ORDER BY id")]

    def alarm_history(self, limit: int) -> list[Alarm]:
        """Cleared alarms, most recently cleared first."""
        return [_alarm(r) for r in self._rows(f"SELECT {_ALARM_COLUMNS} FROM alarms WHERE cleared_at IS NOT NULL "
                                              "ORDER BY cleared_at DESC, id DESC LIMIT ?", (limit,))]

    # -- poller and rates --------------------------------------------------------------------

    def last_cycle(self) -> dict[str, Any] | None:
        if not self.has_polls:
            return None
        cur = self._conn.execute("SELECT * FROM poll_cycles ORDER BY started DESC, id DESC LIMIT 1")
        names = [d[0] for d in cur.description]
        row = cur.fetchone()
        return dict(zip(names, row)) if row is not None else None

    def cycle_count(self) -> int:
        return int(self._rows("SELECT count(*) FROM poll_cycles")[0][0]) if self.has_polls else 0

    def rollups(self, device: str, since: float) -> dict[int, list[Sample]]:
        """5-minute averages of a device's interfaces since ``since``: ifIndex → samples (bucket end)."""
        out: dict[int, list[Sample]] = {}
        if not self.has_polls:
            return out
        for idx, start, i, o in self._rows("SELECT if_index, bucket_start, in_bps_avg, out_bps_avg FROM if_rollups "
                                           "WHERE device = ? AND bucket_start >= ? ORDER BY bucket_start",
                                           (device, int(since))):
            out.setdefault(int(idx), []).append((float(start) + 300.0, i, o))
        return out


__all__ = ["Row", "StoreReader", "detail_text"]
