"""Helpers for the SLA tests: a small RIE, Paris local times, state-change rows."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

from simulators.rie import generate_rie
from sla.reader import Row
from vigie.model import Inventory

PARIS = ZoneInfo("Europe/Paris")
H = 3600.0


@cache
def inventory() -> Inventory:
    """40 sites, all four classes; the same object for every test (never mutated)."""
    return generate_rie(sites=40, seed=5)


def paris(text: str) -> float:
    """Epoch seconds of a Paris local time, ``2026-10-25 02:30`` (fold 0 on the repeated hour)."""
    return datetime.fromisoformat(text).replace(tzinfo=PARIS).timestamp()


def site_of(cls: str, n: int = 0) -> str:
    """The n-th site (by code) of a class."""
    return sorted(s.code for s in inventory().sites.values() if s.access_class == cls)[n]


def up_before(t: float, sites: list[str] | None = None) -> list[Row]:
    """Every site (or the given ones) up since ``t``."""
    codes = sorted(inventory().sites) if sites is None else sites
    return [(t, c, "up", None) for c in codes]
