"""Formatting for people (md and html): fixed precision, never the platform's locale."""

from __future__ import annotations

from typing import Any

DASH = "-"


def pct(x: Any, digits: int = 4) -> str:
    return DASH if x is None else f"{float(x):.{digits}f} %"


def duration(seconds: Any) -> str:
    """``2 d 3 h``, ``3 h 12 min``, ``12 min 5 s``, ``45 s`` (two units at most, to the second)."""
    if seconds is None:
        return DASH
    s = round(float(seconds))
    if s < 0:
        return "-" + duration(-s)
    d, rest = divmod(s, 86400)
    h, rest = divmod(rest, 3600)
    m, sec = divmod(rest, 60)
    if d:
        return f"{d} d {h} h"
    if h:
        return f"{h} h {m:02d} min"
    if m:
        return f"{m} min {sec:02d} s"
    return f"{sec} s"


def eur(x: Any) -> str:
    return DASH if x is None else f"{float(x):,.2f} EUR".replace(",", " ")


def num(x: Any) -> str:
    return DASH if x is None else f"{x:,}".replace(",", " ")


def yes(x: Any) -> str:
    return "yes" if x else "no"
