"""Maintenance windows declared in a TOML file that the monitor re-reads when it changes::

    [[window]]
    element = "LYO-C02"            # device, site, link, POP or datacentre code
    start = 2026-11-28T22:00:00+01:00
    end = 2026-11-29T02:00:00+01:00
    reason = "IOS upgrade, change CHG-1234"

Times are TOML datetimes with a UTC offset (or epoch seconds). A broken file is refused whole,
with every problem named; the monitor then keeps the windows it had.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

from vigie.errors import ConfigError
from vigie.state import MaintenanceWindow


class MaintenanceFileError(ConfigError):
    """A maintenance file that cannot be used."""


def _time(value: object, where: str, problems: list[str]) -> float | None:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            problems.append(f"{where} = {value.isoformat()}: give a UTC offset, e.g. {value.isoformat()}+01:00")
            return None
        return value.timestamp()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    problems.append(f"{where} = {value!r}: expected a date-time with offset (2026-11-28T22:00:00+01:00)")
    return None


def read_windows(path: Path) -> list[MaintenanceWindow]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MaintenanceFileError(f"maintenance file {path}: no such file; create it or unset "
                                   "monitor.maintenance_file") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise MaintenanceFileError(f"maintenance file {path}: cannot be read ({exc})") from None
    problems: list[str] = []
    windows = []
    raw = data.get("window", [])
    if not isinstance(raw, list):
        raise MaintenanceFileError(f"maintenance file {path}: 'window' must be an array of tables ([[window]])")
    for i, w in enumerate(raw):
        where = f"{path}: window[{i}]"
        if not isinstance(w, dict):
            problems.append(f"{where}: expected a table")
            continue
        unknown = set(w) - {"element", "start", "end", "reason"}
        if unknown:
            problems.append(f"{where}: unknown key(s) {sorted(unknown)}; keys are element, start, end, reason")
        element = w.get("element")
        if not isinstance(element, str) or not element:
            problems.append(f"{where}: 'element' is missing (a device, site, link, POP or datacentre code)")
            continue
        start = _time(w.get("start"), f"{where} start", problems)
        end = _time(w.get("end"), f"{where} end", problems)
        if start is not None and end is not None:
            windows.append(MaintenanceWindow(element, start, end, str(w.get("reason", ""))))
    if problems:
        raise MaintenanceFileError("; ".join(problems))
    return windows


__all__ = ["MaintenanceFileError", "read_windows"]
