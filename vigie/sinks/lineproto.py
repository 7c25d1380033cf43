"""InfluxDB line protocol, formatted by hand: pure functions, no I/O, no clock.

A line is ``measurement[,tag=value...] field=value[,field=value...] timestamp``. Escaping
follows the line protocol reference:

- measurement: ``,`` and space are escaped with a backslash;
- tag keys, tag values and field keys: ``,``, ``=`` and space;
- everywhere, a backslash is doubled (two contiguous backslashes read as one), so a value
  ending with a backslash stays unambiguous; newline, carriage return and tab, which line
  protocol does not allow in names, are written as the two characters ``\\n``, ``\\r``, ``\\t``;
- string field values are quoted; ``"`` and ``\\`` inside are escaped.

Field values: ``int`` is written with the ``i`` suffix (``42i``), ``bool`` as ``true`` /
``false``, ``float`` as Python's shortest round-trip text (``0.1``, ``1e+16``). ``None``,
NaN and infinities are skipped (line protocol has no "unknown"); a line whose fields are all
skipped is not emitted (the functions return ``None`` / leave it out). Empty tag values are
left out too (line protocol forbids them).

Timestamps are integer **milliseconds** since the epoch (:data:`PRECISION`): the sink writes
with ``precision=ms``. Polls are seconds apart, and VictoriaMetrics stores milliseconds anyway.

Measurements written by Vigie (see ``docs/metrics.md``): ``vigie_if`` (interface rates),
``vigie_poll`` (one device poll), ``vigie_cycle`` (one poll cycle), ``vigie_sites`` (site
counts per state).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from vigie.observations import DevicePoll

if TYPE_CHECKING:
    from collectors.counters import DeviceRates
    from collectors.scheduler import CycleReport

PRECISION = "ms"  # timestamps in every line are integer milliseconds

M_IF = "vigie_if"
M_POLL = "vigie_poll"
M_CYCLE = "vigie_cycle"
M_SITES = "vigie_sites"

FieldValue = int | float | bool | str | None

IF_FIELDS = ("in_bps", "out_bps", "in_util_pct", "out_util_pct", "in_errors_ps", "out_errors_ps",
             "in_discards_ps", "out_discards_ps")

_MEASUREMENT = str.maketrans({"\\": "\\\\", ",": "\\,", " ": "\\ ", "\n": "\\n", "\r": "\\r", "\t": "\\t"})
_KEY = str.maketrans({"\\": "\\\\", ",": "\\,", "=": "\\=", " ": "\\ ", "\n": "\\n", "\r": "\\r", "\t": "\\t"})
_STRING = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})

_CACHE_MAX = 100_000  # escaped names kept (devices and interface names repeat every cycle)
_key_cache: dict[str, str] = {}


def escape_measurement(name: str) -> str:
    """A measurement name as line protocol writes it."""
    return name.translate(_MEASUREMENT)


def escape_key(text: str) -> str:
    """A tag key, tag value or field key as line protocol writes it (cached: names repeat)."""
    done = _key_cache.get(text)
    if done is None:
        done = text.translate(_KEY)
        if len(_key_cache) >= _CACHE_MAX:
            _key_cache.clear()
        _key_cache[text] = done
    return done


def escape_string(text: str) -> str:
    """The inside of a quoted string field value."""
    return text.translate(_STRING)


def to_ms(t: float) -> int:
    """Wall-clock seconds → the integer milliseconds written in a line."""
    return round(t * 1000.0)


def format_value(value: FieldValue) -> str | None:
    """One field value in line protocol, or None when it must be skipped (None, NaN, ±inf)."""
    if value is None:
        return None
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return f"{value}i"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else None
    return f'"{escape_string(value)}"'


def _float(value: float | None) -> str | None:
    """A float-typed field (ints are written as floats so the field's type never changes)."""
    if value is None:
        return None
    v = float(value)
    return repr(v) if math.isfinite(v) else None


def tag_set(tags: Mapping[str, str] | None) -> str:
    """``,k=v,k2=v2`` (sorted by key, as InfluxDB prefers), empty values left out."""
    if not tags:
        return ""
    return "".join(f",{escape_key(k)}={escape_key(v)}" for k, v in sorted(tags.items()) if v != "")


def line(measurement: str, tags: Mapping[str, str] | None, fields: Mapping[str, FieldValue],
         ts_ms: int | None = None) -> str | None:
    """One line, or None when no field has a value."""
    parts = []
    for key, value in fields.items():
        text = format_value(value)
        if text is not None:
            parts.append(f"{escape_key(key)}={text}")
    if not parts:
        return None
    head = escape_measurement(measurement) + tag_set(tags)
    stamp = "" if ts_ms is None else f" {ts_ms}"
    return f"{head} {','.join(parts)}{stamp}"


def rate_lines(rates: DeviceRates, out: list[str] | None = None) -> list[str]:
    """``vigie_if`` lines of one device: tags ``device`` and ``ifname`` (``ifindex`` when the
    interface has no name), the eight rate fields (unknown rates skipped), at ``rates.at``.
    Appends to ``out`` when given (and returns it)."""
    lines: list[str] = [] if out is None else out
    head = f"{M_IF},device={escape_key(rates.device)}" if rates.device else M_IF
    stamp = to_ms(rates.at)
    for r in rates.interfaces:
        fields = []
        if (v := _float(r.in_bps)) is not None:
            fields.append(f"in_bps={v}")
        if (v := _float(r.out_bps)) is not None:
            fields.append(f"out_bps={v}")
        if (v := _float(r.in_util_pct)) is not None:
            fields.append(f"in_util_pct={v}")
        if (v := _float(r.out_util_pct)) is not None:
            fields.append(f"out_util_pct={v}")
        if (v := _float(r.in_errors_ps)) is not None:
            fields.append(f"in_errors_ps={v}")
        if (v := _float(r.out_errors_ps)) is not None:
            fields.append(f"out_errors_ps={v}")
        if (v := _float(r.in_discards_ps)) is not None:
            fields.append(f"in_discards_ps={v}")
        if (v := _float(r.out_discards_ps)) is not None:
            fields.append(f"out_discards_ps={v}")
        if not fields:
            continue
        tag = f"ifname={escape_key(r.name)}" if r.name else f"ifindex={r.if_index}"
        lines.append(f"{head},{tag} {','.join(fields)} {stamp}")
    return lines


def rates_lines(many: Iterable[DeviceRates]) -> list[str]:
    """``vigie_if`` lines of many devices, in order."""
    out: list[str] = []
    for rates in many:
        rate_lines(rates, out)
    return out


def poll_line(poll: DevicePoll) -> str | None:
    """``vigie_poll``: tags ``device`` and ``error`` (the :class:`~vigie.observations.PollError`
    value, absent when the poll succeeded); fields ``ok`` (1i/0i), ``duration_ms``,
    ``response_ms``, ``pdus``, ``retries``, ``interfaces``, ``partial`` (1i/0i); at ``poll.started``."""
    tags = {"device": poll.device}
    if poll.error is not None:
        tags["error"] = poll.error.value
    fields: dict[str, FieldValue] = {
        "ok": int(poll.ok),
        "duration_ms": poll.duration_s * 1000.0,
        "response_ms": None if poll.response_ms is None else float(poll.response_ms),
        "pdus": poll.pdus,
        "retries": poll.retries,
        "interfaces": len(poll.interfaces),
        "partial": int(poll.partial),
    }
    return line(M_POLL, tags, fields, to_ms(poll.started))


def cycle_line(report: CycleReport, tags: Mapping[str, str] | None = None) -> str | None:
    """``vigie_cycle``: one poll cycle (counts as integers, ratios and durations as floats;
    ``p50_ms`` / ``p95_ms`` skipped when no poll finished); at ``report.started``."""
    fields: dict[str, FieldValue] = {
        "cycle": report.cycle,
        "devices": report.devices,
        "completed": report.completed,
        "completion": float(report.completion),
        "ok": report.ok,
        "failed": report.failed,
        "timeouts": report.timeouts,
        "skipped": report.skipped,
        "late": report.late,
        "max_lateness_s": float(report.max_lateness_s),
        "wall_s": float(report.wall_s),
        "cpu_s": float(report.cpu_s),
        "p50_ms": _opt_float(report.percentile_ms(0.50)),
        "p95_ms": _opt_float(report.percentile_ms(0.95)),
    }
    return line(M_CYCLE, tags, fields, to_ms(report.started))


def site_states_line(counts: Mapping[str, int], at: float, tags: Mapping[str, str] | None = None) -> str | None:
    """``vigie_sites``: one integer field per site state (``up=13950i,down=12i,...``), at ``at``.
    Keys are written as given: the values of :class:`~vigie.state.events.SiteState`."""
    return line(M_SITES, tags, {str(k): int(v) for k, v in sorted(counts.items())}, to_ms(at))


def _opt_float(value: float | None) -> float | None:
    return None if value is None else float(value)
