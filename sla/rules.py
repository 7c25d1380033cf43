"""Contract rules as data: a TOML file (the shipped default is ``sla/default_rules.toml``).

Per access class: the availability target, the GTR (hours, on a calendar or a business-hour
clock), the monthly fee and the penalty grid; for every site state, how it counts
(``up``, ``down``, ``unknown``, ``excluded``); to whom an unreachable site's outage is
attributed; business hours and public holidays. See docs/sla.md for the format.

A class of the inventory that the rules do not list takes its target and GTR from the
inventory (:class:`vigie.model.AccessClass`) and everything else from ``[defaults]``.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from importlib import resources
from pathlib import Path
from typing import Any

from sla.calendar import BusinessCalendar, CalendarClock, zone
from sla.errors import PeriodInvalid, RulesInvalid
from vigie.model import AccessClass
from vigie.state.events import SiteState

COUNTS = ("up", "down", "unknown", "excluded")
DEFAULT_STATES: dict[str, str] = {
    "up": "up", "degraded": "up", "down": "down", "unreachable": "down", "unknown": "unknown",
    "maintenance": "excluded",
}
FIXED_STATES = {"up": "up", "down": "down"}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CLOCKS = ("calendar", "business")
_TERM_KEYS = {"availability_target_pct", "gtr_hours", "gtr_clock", "monthly_fee_eur", "availability_penalties",
              "gtr_penalty_pct_per_started_hour", "gtr_penalty_cap_pct", "penalty_cap_pct"}


@dataclass(frozen=True, slots=True)
class PenaltyStep:
    below_pct: float  # availability strictly below this ...
    penalty_pct: float  # ... costs this share of the monthly fee


@dataclass(frozen=True, slots=True)
class ClassTerms:
    """The contract of one access class, resolved (no value missing)."""

    name: str
    availability_target_pct: float
    gtr_hours: float
    gtr_clock: str  # "calendar" or "business"
    monthly_fee_eur: float
    availability_penalties: tuple[PenaltyStep, ...]
    gtr_penalty_pct_per_started_hour: float
    gtr_penalty_cap_pct: float
    penalty_cap_pct: float
    source: str  # "rules", or "inventory+defaults" when the rules do not list the class

    def availability_penalty_pct(self, availability_pct: float | None) -> float:
        if availability_pct is None:
            return 0.0
        hit = [s.penalty_pct for s in self.availability_penalties if availability_pct < s.below_pct - 1e-9]
        return max(hit, default=0.0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "availability_target_pct": self.availability_target_pct,
            "gtr_hours": self.gtr_hours, "gtr_clock": self.gtr_clock, "monthly_fee_eur": self.monthly_fee_eur,
            "availability_penalties": [{"below_pct": s.below_pct, "penalty_pct": s.penalty_pct}
                                       for s in self.availability_penalties],
            "gtr_penalty_pct_per_started_hour": self.gtr_penalty_pct_per_started_hour,
            "gtr_penalty_cap_pct": self.gtr_penalty_cap_pct, "penalty_cap_pct": self.penalty_cap_pct,
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class BusinessHours:
    weekdays: tuple[int, ...]
    opens: time
    closes: time
    public_holidays: bool
    extra_holidays: tuple[date, ...]


@dataclass(frozen=True, slots=True)
class Rules:
    name: str
    timezone: str
    states: Mapping[str, str]  # SiteState value -> one of COUNTS
    unreachable_attribution: str  # "cause" or "site"
    bridge_unknown: bool
    business: BusinessHours
    defaults: Mapping[str, Any]
    classes: Mapping[str, Mapping[str, Any]]
    source: str  # "default" or the file name
    digest: str  # sha256 of the file bytes
    text: str = field(repr=False, default="")

    def terms(self, cls: AccessClass | str) -> ClassTerms:
        """The resolved contract of one class (from the rules, else the inventory and ``[defaults]``)."""
        name = cls if isinstance(cls, str) else cls.name
        listed = self.classes.get(name)
        merged = {**self.defaults, **(listed or {})}
        if "availability_target_pct" not in merged or "gtr_hours" not in merged:
            if isinstance(cls, str):
                raise RulesInvalid(self.source, [f"class {name!r} is not in the rules and no inventory class given; "
                                                 f"add [classes.{name}] with availability_target_pct and gtr_hours"])
            merged.setdefault("availability_target_pct", cls.availability_target_pct)
            merged.setdefault("gtr_hours", cls.gtr_hours)
        return ClassTerms(
            name=name,
            availability_target_pct=float(merged["availability_target_pct"]),
            gtr_hours=float(merged["gtr_hours"]),
            gtr_clock=str(merged.get("gtr_clock", "calendar")),
            monthly_fee_eur=float(merged.get("monthly_fee_eur", 0.0)),
            availability_penalties=tuple(sorted(
                (PenaltyStep(float(s["below_pct"]), float(s["penalty_pct"]))
                 for s in merged.get("availability_penalties", [])), key=lambda s: -s.below_pct)),
            gtr_penalty_pct_per_started_hour=float(merged.get("gtr_penalty_pct_per_started_hour", 0.0)),
            gtr_penalty_cap_pct=float(merged.get("gtr_penalty_cap_pct", 0.0)),
            penalty_cap_pct=float(merged.get("penalty_cap_pct", 100.0)),
            source="rules" if listed is not None else "inventory+defaults",
        )

    def clock(self, terms: ClassTerms) -> BusinessCalendar | CalendarClock:
        if terms.gtr_clock == "calendar":
            return CalendarClock()
        return self.business_calendar()

    def business_calendar(self) -> BusinessCalendar:
        b = self.business
        return BusinessCalendar(b.weekdays, b.opens, b.closes, self.timezone, b.public_holidays, b.extra_holidays)

    def summary(self) -> dict[str, Any]:
        """What a report records about the rules besides their hash."""
        return {"name": self.name, "source": self.source, "sha256": self.digest, "timezone": self.timezone,
                "states": dict(sorted(self.states.items())), "unreachable_attribution": self.unreachable_attribution,
                "bridge_unknown": self.bridge_unknown}


def _num(where: str, value: Any, problems: list[str], lo: float = 0.0, hi: float | None = None) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        problems.append(f"{where} = {value!r}: must be a number")
    elif value < lo or (hi is not None and value > hi):
        problems.append(f"{where} = {value!r}: must be within {lo:g}..{hi:g}" if hi is not None
                        else f"{where} = {value!r}: must be >= {lo:g}")


def _check_terms(where: str, table: Any, problems: list[str]) -> None:
    if not isinstance(table, dict):
        problems.append(f"{where}: must be a table")
        return
    for key in sorted(set(table) - _TERM_KEYS):
        problems.append(f"{where}.{key}: unknown key; use one of {', '.join(sorted(_TERM_KEYS))}")
    if "availability_target_pct" in table:
        _num(f"{where}.availability_target_pct", table["availability_target_pct"], problems, 0.0, 100.0)
    if "gtr_hours" in table:
        _num(f"{where}.gtr_hours", table["gtr_hours"], problems, 0.0, 720.0)
    if "gtr_clock" in table and table["gtr_clock"] not in CLOCKS:
        problems.append(f"{where}.gtr_clock = {table['gtr_clock']!r}: use \"calendar\" or \"business\"")
    for key in ("monthly_fee_eur", "gtr_penalty_pct_per_started_hour", "gtr_penalty_cap_pct", "penalty_cap_pct"):
        if key in table:
            _num(f"{where}.{key}", table[key], problems)
    steps = table.get("availability_penalties", [])
    if not isinstance(steps, list):
        problems.append(f"{where}.availability_penalties: must be a list of {{ below_pct = X, penalty_pct = Y }}")
        return
    for i, step in enumerate(steps):
        if not isinstance(step, dict) or set(step) != {"below_pct", "penalty_pct"}:
            problems.append(f"{where}.availability_penalties[{i}] = {step!r}: "
                            "give { below_pct = X, penalty_pct = Y }")
            continue
        _num(f"{where}.availability_penalties[{i}].below_pct", step["below_pct"], problems, 0.0, 100.0)
        _num(f"{where}.availability_penalties[{i}].penalty_pct", step["penalty_pct"], problems)


def _clock_time(where: str, value: Any, problems: list[str]) -> time:
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        problems.append(f"{where} = {value!r}: give a local time \"HH:MM\"")
        return time(0)


def parse_rules(text: str, source: str, digest: str) -> Rules:
    """Parse and validate rules; :class:`RulesInvalid` lists every problem."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesInvalid(source, [f"not valid TOML: {exc}; fix the syntax there"]) from exc
    problems: list[str] = []
    if doc.get("format", 1) != 1:
        problems.append(f"format = {doc.get('format')!r}: this Vigie reads format 1")
    tz = str(doc.get("timezone", "Europe/Paris"))
    try:
        zone(tz)
    except PeriodInvalid as exc:
        problems.append(f"timezone: {exc}")
    states = dict(DEFAULT_STATES)
    raw_states = doc.get("states", {})
    known = {s.value for s in SiteState}
    for key, value in raw_states.items():
        if key not in known:
            problems.append(f"states.{key}: not a site state; use one of {', '.join(sorted(known))}")
        elif value not in COUNTS:
            problems.append(f"states.{key} = {value!r}: use one of {', '.join(COUNTS)}")
        elif key in FIXED_STATES and value != FIXED_STATES[key]:
            problems.append(f"states.{key} = {value!r}: a site {key} always counts as {FIXED_STATES[key]!r}")
        else:
            states[key] = value
    attribution = doc.get("attribution", {}).get("unreachable", "cause")
    if attribution not in ("cause", "site"):
        problems.append(f"attribution.unreachable = {attribution!r}: use \"cause\" or \"site\"")
    bridge = doc.get("incidents", {}).get("bridge_unknown", True)
    if not isinstance(bridge, bool):
        problems.append(f"incidents.bridge_unknown = {bridge!r}: use true or false")
    bh = doc.get("business_hours", {})
    days = bh.get("days", list(WEEKDAYS[:5]))
    weekdays = []
    for d in days:
        if d not in WEEKDAYS:
            problems.append(f"business_hours.days: {d!r} is not a day; use {', '.join(WEEKDAYS)}")
        else:
            weekdays.append(WEEKDAYS.index(d))
    opens = _clock_time("business_hours.start", bh.get("start", "08:00"), problems)
    closes = _clock_time("business_hours.end", bh.get("end", "18:00"), problems)
    if closes <= opens:
        problems.append(f"business_hours: end {closes} is not after start {opens}; business hours stay within a day")
    ph = bh.get("public_holidays", "france")
    if ph not in ("france", "none"):
        problems.append(f"business_hours.public_holidays = {ph!r}: use \"france\" or \"none\"")
    extra = []
    for d in bh.get("extra_holidays", []):
        try:
            extra.append(date.fromisoformat(str(d)))
        except ValueError:
            problems.append(f"business_hours.extra_holidays: {d!r} is not a date; give \"YYYY-MM-DD\"")
    defaults = doc.get("defaults", {})
    _check_terms("defaults", defaults, problems)
    classes = doc.get("classes", {})
    if not isinstance(classes, dict):
        problems.append("classes: must be a table of [classes.NAME] tables")
        classes = {}
    for name, table in sorted(classes.items()):
        _check_terms(f"classes.{name}", table, problems)
        if isinstance(table, dict):
            for key in ("availability_target_pct", "gtr_hours"):
                if key not in table and key not in defaults:
                    problems.append(f"classes.{name}: {key} is missing; add it (or remove the class to take the "
                                    "inventory's value)")
    unknown_top = set(doc) - {"format", "name", "timezone", "states", "attribution", "incidents", "business_hours",
                              "defaults", "classes"}
    for key in sorted(unknown_top):
        problems.append(f"{key}: unknown top-level key")
    if problems:
        raise RulesInvalid(source, problems)
    return Rules(name=str(doc.get("name", source)), timezone=tz, states=states, unreachable_attribution=attribution,
                 bridge_unknown=bool(bridge),
                 business=BusinessHours(tuple(sorted(set(weekdays))), opens, closes, ph == "france",
                                        tuple(sorted(extra))),
                 defaults=defaults, classes=classes, source=source, digest=digest, text=text)


def default_rules_bytes() -> bytes:
    return resources.files("sla").joinpath("default_rules.toml").read_bytes()


def load_rules(path: str | Path | None = None) -> Rules:
    """The rules of ``path``, or the shipped default when None."""
    if path is None:
        raw, source = default_rules_bytes(), "default"
    else:
        p = Path(path)
        try:
            raw = p.read_bytes()
        except OSError as exc:
            raise RulesInvalid(str(p), [f"cannot read the file ({exc.strerror}); give an existing rules file, "
                                        "or leave --rules out for the shipped default"]) from exc
        source = p.name
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RulesInvalid(source, ["not UTF-8 text"]) from exc
    return parse_rules(text, source, hashlib.sha256(raw).hexdigest())
