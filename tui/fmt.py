"""How the dashboard writes things: states (a label as well as a colour, so that they read in
monochrome too), durations, rates, times, sparklines. Pure functions, no clock of their own: every
duration is computed against the ``now`` the caller gives (the source's clock)."""

from __future__ import annotations

import time
from collections.abc import Sequence

from vigie.model import Inventory, Role

# Site states, worst first: the order of the overview, of the "state" sort and of the POP tiles.
SITE_STATES = ("down", "unreachable", "degraded", "unknown", "maintenance", "up")
STATE_RANK = {s: i for i, s in enumerate(SITE_STATES)}
LABEL = {"up": "UP", "degraded": "DEGRADED", "down": "DOWN", "unreachable": "UNREACHABLE", "unknown": "UNKNOWN",
         "maintenance": "MAINT"}
SHORT = {"up": "UP", "degraded": "DEGR", "down": "DOWN", "unreachable": "UNRCH", "unknown": "UNKN",
         "maintenance": "MAINT"}
GLYPH = {"up": "●", "degraded": "◐", "down": "▼", "unreachable": "◌", "unknown": "?", "maintenance": "≡"}
SEVERITY_RANK = {"critical": 0, "major": 1, "minor": 2, "warning": 3}

ROLE_LABEL = {Role.DATACENTRE: "datacentre router", Role.CORE: "POP core router", Role.COLLECT: "collect router",
              Role.CE: "site router", Role.BACKUP_4G: "4G backup router"}

_SPARKS = "▁▂▃▄▅▆▇█"

# Theme variables for Textual markup: they follow the theme (dark or light) at paint time.
STATE_STYLE = {"up": "$text-success", "degraded": "$text-warning", "down": "$text-error b",
               "unreachable": "$text-accent b", "unknown": "$text-muted", "maintenance": "$text-primary"}
SEVERITY_STYLE = {"critical": "$text-error b", "major": "$text-error", "minor": "$text-warning",
                  "warning": "$text-muted"}


def markup(style: str, text: str) -> str:
    """``text`` (escaped) in ``style`` as Textual markup."""
    from textual.markup import escape

    return f"[{style}]{escape(text)}[/]" if style else escape(text)


def state_markup(state: str, text: str | None = None, short: bool = False) -> str:
    return markup(STATE_STYLE.get(state, "$text-muted"), state_label(state, short) if text is None else text)


def state_class(state: str) -> str:
    """The component/CSS class that colours a state (``st-down``...)."""
    return f"st-{state}" if state in LABEL else "st-unknown"


def severity_class(severity: str) -> str:
    return f"sev-{severity}" if severity in SEVERITY_RANK else "sev-warning"


def state_label(state: str, short: bool = False) -> str:
    table = SHORT if short else LABEL
    return f"{GLYPH.get(state, '?')} {table.get(state, state.upper())}"


def duration(seconds: float | None) -> str:
    """``45s``, ``12m05s``, ``3h07m``, ``2d04h``; ``-`` when unknown."""
    if seconds is None:
        return "-"
    s = max(0, int(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    if s < 86400:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    return f"{s // 86400}d{s % 86400 // 3600:02d}h"


def since(at: float | None, now: float) -> str:
    """How long ago ``at`` was (``-`` when never)."""
    return "-" if at is None else duration(now - at)


def clock(at: float | None, with_date: bool = False) -> str:
    """Local wall-clock time of an instant."""
    if at is None:
        return "-"
    return time.strftime("%Y-%m-%d %H:%M:%S" if with_date else "%H:%M:%S", time.localtime(at))


def stamp(at: float | None, now: float) -> str:
    """An instant: the time when it is today (relative to ``now``), else the date and time."""
    if at is None:
        return "-"
    same_day = time.localtime(at)[:3] == time.localtime(now)[:3]
    return time.strftime("%H:%M:%S" if same_day else "%m-%d %H:%M", time.localtime(at))


def bps(value: float | None) -> str:
    """A bit rate with its unit: ``950 b/s``, ``12.4 Mb/s``."""
    if value is None:
        return "-"
    for unit, scale in (("Gb/s", 1e9), ("Mb/s", 1e6), ("kb/s", 1e3)):
        if value >= scale:
            return f"{value / scale:.1f} {unit}"
    return f"{value:.0f} b/s"


def pct(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}%"


def availability(value: float | None) -> str:
    """An availability in percent with enough digits to tell 99.99 from 99.9."""
    return "-" if value is None else f"{value:.3f}%"


def sparkline(values: Sequence[float | None], width: int) -> str:
    """The last ``width`` values as block characters (scaled to their maximum; unknown: space)."""
    vals = list(values)[-width:]
    known = [v for v in vals if v is not None]
    top = max(known) if known else 0.0
    out = []
    for v in vals:
        if v is None:
            out.append(" ")
        elif top <= 0:
            out.append(_SPARKS[0])
        else:
            out.append(_SPARKS[min(len(_SPARKS) - 1, int(v / top * (len(_SPARKS) - 1) + 0.5))])
    return "".join(out).rjust(width)


def element_label(inventory: Inventory, element: str | None) -> str:
    """An element with what it is: ``collect router LYO-C02``, ``link COL-LYO-C02-A``, ``S00042``."""
    if element is None:
        return "-"
    dev = inventory.devices.get(element)
    if dev is not None:
        return f"{ROLE_LABEL.get(dev.role, 'device')} {element}"
    if element in inventory.links:
        return f"link {element}"
    if element in inventory.locations:
        return f"{inventory.locations[element].kind.value} {element}"
    return element


def reason(inventory: Inventory, state: str, cause: str | None, detail: str = "") -> str:
    """Why an element is in its state, without the state: ``behind collect router LYO-C02``,
    ``S00042-R1 down (timeout)``; the detail of an UP site (``redundancy not measured: ...``)."""
    if state == "unreachable" and cause:
        return f"behind {element_label(inventory, cause)}"
    if detail:
        return detail
    if state == "up":
        return ""
    return cause or ""


def explain(inventory: Inventory, state: str, cause: str | None, detail: str = "") -> str:
    """The state and why, in the operator's words: ``UNREACHABLE behind collect router LYO-C02``."""
    why = reason(inventory, state, cause, detail)
    label = LABEL.get(state, state.upper())
    if not why:
        return label
    return f"{label} {why}" if state == "unreachable" else f"{label}: {why}"


__all__ = ["GLYPH", "LABEL", "ROLE_LABEL", "SEVERITY_RANK", "SEVERITY_STYLE", "SITE_STATES", "STATE_RANK",
           "STATE_STYLE", "availability", "bps", "clock", "duration", "element_label", "explain", "markup", "pct",
           "reason", "severity_class", "since", "sparkline", "stamp", "state_class", "state_label", "state_markup"]
