"""The ground truth of a simulation: what the farm really did, written as it happens.

One JSON object per line: ``ts`` (UTC, ISO 8601, milliseconds), ``t`` (seconds since
the simulation's start), then the timeline's record (element, kind, change, cause,
detail). A record is written when its time has come, so a test or an operator reading the
file sees the past only; lines are flushed one by one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import orjson


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class GroundTruthWriter:
    def __init__(self, path: str | Path, records: list[dict[str, Any]], start: float) -> None:
        self._records = sorted(records, key=lambda r: float(r["t"]))
        self._next = 0
        self._start = start
        self._file: IO[bytes] = Path(path).open("ab")  # noqa: SIM115 - held open for the whole run
        self.written = 0

    def tick(self, now: float) -> None:
        """Write every record whose time is not after ``now``."""
        while self._next < len(self._records) and self._start + float(self._records[self._next]["t"]) <= now:
            rec = self._records[self._next]
            line = {"ts": iso(self._start + float(rec["t"])), **rec}
            self._file.write(orjson.dumps(line) + b"\n")
            self._file.flush()
            self._next += 1
            self.written += 1

    def close(self) -> None:
        self._file.close()
