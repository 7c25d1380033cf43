"""Where site state changes come from: the monitor's SQLite store (read-only), a JSONL file,
or events in memory. Each source answers two questions:

- :meth:`ChangeSource.history`: the state of each site at ``since`` (its last change before)
  and every change in ``[since, until)``, in order;
- :meth:`ChangeSource.changes_of`: the changes of a few sites in ``[lo, hi)`` (to find where
  an outage running across a period boundary really starts or ends).

The store is opened read-only (``mode=ro``) with its documented schema (docs/storage.md):
the SLA engine never writes to, locks or migrates the monitor's database. Only ``kind =
'site'`` changes are read.

A JSONL file has one state change per line, as :class:`vigie.state.events.StateChange`
serialises (``{"at": ..., "kind": "site", "element": "S00001", "old": "up", "new": "down",
"cause": "S00001-R1", "detail": "..."}``); ``old`` and ``detail`` are not needed.
"""

from __future__ import annotations

import bisect
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

import numpy as np
import numpy.typing as npt
import orjson

from sla.errors import SourceError
from vigie.state.events import StateChange

F64 = npt.NDArray[np.float64]
Row = tuple[float, str, str, str | None]  # at, site, state, cause


@dataclass(slots=True)
class History:
    """What the SLA engine reads for one period: the state at ``since`` and the changes after."""

    since: float
    until: float
    initial: dict[str, tuple[float, str, str | None]]  # site -> (at, state, cause) of its last change before since
    at: F64  # changes in [since, until), in order (ties: in the order recorded)
    site: list[str]
    state: list[str]
    cause: list[str | None]
    context: list[Row] = field(default_factory=list)  # changes read around the period (boundary outages)

    def __len__(self) -> int:
        return len(self.site)

    def canonical(self) -> bytes:
        """The data in one canonical form (what a report's data hash is computed on)."""
        doc = {
            "since": self.since, "until": self.until,
            "initial": [[s, *self.initial[s]] for s in sorted(self.initial)],
            "changes": {"at": self.at, "site": self.site, "state": self.state, "cause": self.cause},
            "context": sorted([list(r) for r in self.context], key=lambda r: (r[1], r[0])),
        }
        return orjson.dumps(doc, option=orjson.OPT_SERIALIZE_NUMPY)


class ChangeSource(Protocol):
    def describe(self) -> dict[str, Any]: ...

    def history(self, since: float, until: float, sites: Sequence[str]) -> History: ...

    def changes_of(self, sites: Sequence[str], lo: float, hi: float) -> list[Row]:
        """Changes of ``sites`` with ``lo <= at < hi``, by site then time."""
        ...


class SqliteSource:
    """The monitor's store, read-only."""

    def __init__(self, path: str | Path) -> None:
        p = Path(path)
        self.path = p
        if not p.is_file():
            raise SourceError(f"store {str(p)!r} does not exist; give the monitor's database with --store "
                              "(default vigie.db) or a JSONL file of state changes with --changes")
        try:
            self._conn = sqlite3.connect(f"file:{quote(str(p.resolve()))}?mode=ro", uri=True, timeout=30.0)
            found = self._conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'state_changes'").fetchone()
        except sqlite3.Error as exc:
            raise SourceError(f"cannot read store {str(p)!r}: {exc}; is it a Vigie database?") from exc
        if found is None:
            self._conn.close()
            raise SourceError(f"{str(p)!r} has no state_changes table: not a Vigie store; give the database "
                              "'vigie run' writes")

    def close(self) -> None:
        self._conn.close()

    def describe(self) -> dict[str, Any]:
        return {"kind": "sqlite", "name": self.path.name}

    def _rows(self, sql: str, args: Sequence[object]) -> list[Any]:
        try:
            return self._conn.execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            raise SourceError(f"store {str(self.path)!r}: query failed: {exc}") from exc

    def history(self, since: float, until: float, sites: Sequence[str]) -> History:
        wanted = set(sites)
        codes = orjson.dumps(sorted(wanted)).decode()
        initial = {}
        for code, at, new, cause in self._rows(
                "SELECT j.value, s.at, s.new, s.cause FROM json_each(?) j JOIN state_changes s ON s.id = ("
                " SELECT id FROM state_changes WHERE kind = 'site' AND element = j.value AND at < ?"
                " ORDER BY at DESC, id DESC LIMIT 1)", (codes, since)):
            initial[str(code)] = (float(at), str(new), cause)
        # "+kind": search the (at, ...) unique index by time range, not the (kind, element, at) one (which would
        # visit every site change ever recorded); then order by (at, id) here, cheaper than SQLite's temp B-tree
        rows = self._rows("SELECT id, at, element, new, cause FROM state_changes"
                          " WHERE at >= ? AND at < ? AND +kind = 'site'", (since, until))
        rows = [r for r in rows if r[2] in wanted]
        rows += self._unwatched(since, until, wanted, initial, rows)
        if not rows:
            return History(since, until, initial, np.empty(0), [], [], [])
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        at = np.fromiter((r[1] for r in rows), dtype=np.float64, count=len(rows))
        site, state, cause = [r[2] for r in rows], [r[3] for r in rows], [r[4] for r in rows]
        order = np.lexsort((ids, at))
        if (np.diff(order) != 1).any():  # (then there are at least two rows: itemgetter gives tuples)
            pick = itemgetter(*order.tolist())
            at = at[order]
            site, state, cause = list(pick(site)), list(pick(state)), list(pick(cause))
        return History(since, until, initial, at, site, state, cause)

    def observed_until(self) -> float | None:
        """Until when the monitor watched: its last poll plus the time a result stays valid (2.5
        intervals, the engine's default); None when the store holds no poll (not a monitor's)."""
        try:
            last = self._conn.execute("SELECT max(at) FROM device_polls").fetchone()
            interval = self._conn.execute("SELECT interval_s FROM poll_cycles ORDER BY id DESC LIMIT 1").fetchone()
        except sqlite3.Error:  # an older store, or one written by other means
            return None
        if not last or last[0] is None:
            return None
        return float(last[0]) + 2.5 * (float(interval[0]) if interval else 60.0)

    def _unwatched(self, since: float, until: float, wanted: set[str],
                   initial: dict[str, tuple[float, str, str | None]], rows: list[Any]) -> list[Any]:
        """After the monitor stopped watching (and before ``until``), every site is UNKNOWN: not
        seen is not "still down" (nor "still up"). Synthetic rows (id -1) at that moment."""
        obs = self.observed_until()
        if obs is None or obs >= until:
            return []
        cause = "monitor not running"
        if obs < since:
            for code in wanted:
                initial[code] = (obs, "unknown", cause)
            return []
        last = {code: st for code, (_, st, _) in initial.items()}
        for r in sorted(rows, key=lambda r: (r[1], r[0])):
            if r[1] <= obs:
                last[r[2]] = r[3]
        return [(-1, obs, code, "unknown", cause) for code in sorted(wanted) if last.get(code, "unknown") != "unknown"]

    def changes_of(self, sites: Sequence[str], lo: float, hi: float) -> list[Row]:
        if not sites:
            return []
        codes = orjson.dumps(sorted(set(sites))).decode()
        rows = self._rows("SELECT s.at, s.element, s.new, s.cause FROM json_each(?) j JOIN state_changes s"
                          " ON s.kind = 'site' AND s.element = j.value AND s.at >= ? AND s.at < ?"
                          " ORDER BY s.element, s.at, s.id", (codes, lo, hi))
        return [(float(a), str(e), str(n), c) for a, e, n, c in rows]


class MemorySource:
    """State changes in memory (events from the engine, a JSONL file), kept in time order."""

    def __init__(self, rows: Iterable[Row], name: str = "memory") -> None:
        self._rows = sorted(rows, key=lambda r: r[0])  # stable: ties keep their recorded order
        self._at = [r[0] for r in self._rows]
        self._by_site: dict[str, list[Row]] | None = None
        self.name = name

    @classmethod
    def from_events(cls, changes: Iterable[StateChange], name: str = "memory") -> MemorySource:
        return cls(((c.at, c.element, c.new, c.cause) for c in changes if c.kind == "site"), name)

    def describe(self) -> dict[str, Any]:
        return {"kind": "memory", "name": self.name}

    def history(self, since: float, until: float, sites: Sequence[str]) -> History:
        wanted = set(sites)
        lo = bisect.bisect_left(self._at, since)
        hi = bisect.bisect_left(self._at, until)
        initial: dict[str, tuple[float, str, str | None]] = {}
        for at, site, state, cause in self._rows[:lo]:
            if site in wanted:
                initial[site] = (at, state, cause)
        rows = [r for r in self._rows[lo:hi] if r[1] in wanted]
        at_arr = np.fromiter((r[0] for r in rows), dtype=np.float64, count=len(rows))
        return History(since, until, initial, at_arr, [r[1] for r in rows], [r[2] for r in rows],
                       [r[3] for r in rows])

    def changes_of(self, sites: Sequence[str], lo: float, hi: float) -> list[Row]:
        if self._by_site is None:
            self._by_site = {}
            for r in self._rows:
                self._by_site.setdefault(r[1], []).append(r)
        out = []
        for s in sorted(set(sites)):
            out += [r for r in self._by_site.get(s, []) if lo <= r[0] < hi]
        return out


class JsonlSource(MemorySource):
    """A JSONL file of state changes (only ``kind = "site"`` lines are used)."""

    def __init__(self, path: str | Path) -> None:
        p = Path(path)
        try:
            raw = p.read_bytes()
        except OSError as exc:
            raise SourceError(f"cannot read state changes file {str(p)!r} ({exc.strerror}); give an existing "
                              "JSONL file with --changes") from exc
        rows: list[Row] = []
        for n, line in enumerate(raw.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                doc = orjson.loads(line)
                if doc.get("kind", "site") != "site":
                    continue
                cause = doc.get("cause")
                rows.append((float(doc["at"]), str(doc["element"]), str(doc["new"]),
                             None if cause is None else str(cause)))
            except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
                raise SourceError(f"{p.name} line {n}: not a state change ({exc}); each line must be a JSON object "
                                  "with at, kind, element, new (and cause)") from exc
        super().__init__(rows, p.name)
        self.path = p

    def describe(self) -> dict[str, Any]:
        return {"kind": "jsonl", "name": self.path.name}
