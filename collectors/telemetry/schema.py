"""The telemetry payload, version 1: one JSON object per device sample (``docs/telemetry.md``).

Pure: :func:`parse_payload` takes the bytes of one MQTT message and returns a :class:`Sample`,
or raises :class:`PayloadError` whose ``reason`` says why (one of :data:`DROP_REASONS`) and whose
message names the field, the bad value and what was expected. Nothing here reads a clock or
knows the inventory: lateness, duplicates and unknown devices are :mod:`collectors.telemetry.ingest`'s.

Errors (all :class:`vigie.errors.VigieError`)::

    TelemetryError
    ├── PayloadError        one message that cannot be used (``reason``: bad_json, bad_schema, ...)
    └── BrokerConfigError   a broker URL, TLS or credential setting that cannot be used (also ConfigError)

Rules: required ``v`` (= 1), ``device``, ``ts``, ``cpu_pct``, ``mem_pct``, ``interfaces`` (a list,
possibly empty); optional ``uptime_s`` and ``pop`` {``rtt_ms``, ``jitter_ms``, ``loss_pct``}. Numbers
must be JSON numbers (``true`` is not 1); counters are integers in 0..2**64-1; unknown keys are
ignored (a later minor addition does not break older collectors), a different ``v`` is refused.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import orjson

from vigie.errors import ConfigError, VigieError
from vigie.observations import InterfaceSample

VERSION = 1
MAX_COUNTER = (1 << 64) - 1
MAX_INTERFACES = 4096
MAX_NAME = 128
ADMIN = {"up": 1, "down": 2, "testing": 3}
OPER = {"up": 1, "down": 2, "testing": 3, "unknown": 4, "dormant": 5, "not_present": 6, "lower_layer_down": 7}
COUNTERS = ("in_octets", "out_octets", "in_errors", "out_errors", "in_discards", "out_discards")
POP_FIELDS = ("rtt_ms", "jitter_ms", "loss_pct")

# why a message was dropped (the collector counts each)
TOO_LARGE = "too_large"
BAD_JSON = "bad_json"
BAD_SCHEMA = "bad_schema"
BAD_TOPIC = "bad_topic"
UNKNOWN_DEVICE = "unknown_device"
TOPIC_MISMATCH = "topic_mismatch"
DUPLICATE = "duplicate"
OUT_OF_ORDER = "out_of_order"
LATE = "late"
FUTURE = "future"
DROP_REASONS = (TOO_LARGE, BAD_JSON, BAD_SCHEMA, BAD_TOPIC, UNKNOWN_DEVICE, TOPIC_MISMATCH, DUPLICATE,
                OUT_OF_ORDER, LATE, FUTURE)


class TelemetryError(VigieError):
    """Root of the telemetry collector's errors."""


class PayloadError(TelemetryError):
    """A message that cannot be used; ``reason`` is one of :data:`DROP_REASONS`."""

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        super().__init__(message)


class BrokerConfigError(TelemetryError, ConfigError):
    """A broker setting that cannot be used; the message names it and the fix."""


@dataclass(frozen=True, slots=True)
class Sample:
    """One validated device sample."""

    device: str
    ts: float  # Unix time (s) the device took the sample
    cpu_pct: float
    mem_pct: float
    interfaces: tuple[InterfaceSample, ...]
    uptime_s: float | None = None
    rtt_ms: float | None = None  # towards the site's POP
    jitter_ms: float | None = None
    loss_pct: float | None = None


def _bad(path: str, value: object, expected: str) -> PayloadError:
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return PayloadError(BAD_SCHEMA, f"{path} = {shown}: expected {expected}")


def _number(obj: dict[str, Any], key: str, path: str, lo: float, hi: float, required: bool) -> float | None:
    value = obj.get(key)
    if value is None:
        if required:
            raise PayloadError(BAD_SCHEMA, f"{path}{key} is missing: required ({docs_hint(key)})")
        return None
    if type(value) is int:
        value = float(value)
    elif type(value) is not float or not math.isfinite(value):
        raise _bad(path + key, value, f"a number in {lo:g}..{hi:g}")
    if not lo <= value <= hi:
        raise _bad(path + key, value, f"a number in {lo:g}..{hi:g}")
    return value


def _int(obj: dict[str, Any], key: str, path: str, lo: int, hi: int) -> int | None:
    value = obj.get(key)
    if value is None:
        return None
    if type(value) is not int or not lo <= value <= hi:
        raise _bad(path + key, value, f"an integer in {lo}..{hi}")
    return value


def _enum(obj: dict[str, Any], key: str, path: str, table: dict[str, int]) -> int | None:
    value = obj.get(key)
    if value is None:
        return None
    code = table.get(value) if type(value) is str else None
    if code is None:
        raise _bad(path + key, value, "one of " + ", ".join(table))
    return code


def docs_hint(key: str) -> str:
    return {"v": f'"v": {VERSION}', "device": "the device name, as in the inventory",
            "ts": "Unix time of the sample, in seconds", "cpu_pct": "CPU load, 0..100",
            "mem_pct": "memory used, 0..100", "interfaces": "a list of interface objects, possibly empty",
            "index": "the ifIndex, an integer >= 1"}.get(key, "see docs/telemetry.md")


_ADMIN_KEYS = frozenset(ADMIN)
_OPER_KEYS = frozenset(OPER)


def _interface_fast(item: object) -> InterfaceSample | None:
    """The interface when every field is right (the common case, checked inline); None otherwise,
    and :func:`_interface` says what is wrong."""
    if type(item) is not dict:
        return None
    get = item.get
    index, name, admin, oper, speed = get("index"), get("name"), get("admin"), get("oper"), get("speed_mbps")
    if type(index) is not int or not 0 < index < 2**31:
        return None
    if name is not None and (type(name) is not str or not 0 < len(name) <= MAX_NAME):
        return None
    if admin is not None and (type(admin) is not str or admin not in _ADMIN_KEYS):
        return None
    if oper is not None and (type(oper) is not str or oper not in _OPER_KEYS):
        return None
    if speed is not None and (type(speed) is not int or not 0 <= speed <= 10**9):
        return None
    c = [get("in_octets"), get("out_octets"), get("in_errors"), get("out_errors"), get("in_discards"),
         get("out_discards")]
    for v in c:
        if v is not None and (type(v) is not int or not 0 <= v <= MAX_COUNTER):
            return None
    return InterfaceSample(index, name, None if admin is None else ADMIN[admin], None if oper is None else OPER[oper],
                           c[0], c[1], 64, c[2], c[3], c[4], c[5], speed)


def _interface(item: object, path: str) -> InterfaceSample:
    fast = _interface_fast(item)
    return fast if fast is not None else _interface_checked(item, path)


def _interface_checked(item: object, path: str) -> InterfaceSample:
    """The interface, or the :class:`PayloadError` naming its first wrong field."""
    if type(item) is not dict:
        raise _bad(path, item, "an object")
    index = _int(item, "index", path + ".", 1, 2**31 - 1)
    if index is None:
        raise PayloadError(BAD_SCHEMA, f"{path}.index is missing: required ({docs_hint('index')})")
    name = item.get("name")
    if name is not None and (type(name) is not str or not 0 < len(name) <= MAX_NAME):
        raise _bad(path + ".name", name, f"a string of 1..{MAX_NAME} characters")
    counters = [_int(item, key, path + ".", 0, MAX_COUNTER) for key in COUNTERS]
    return InterfaceSample(
        if_index=index, name=name, admin_status=_enum(item, "admin", path + ".", ADMIN),
        oper_status=_enum(item, "oper", path + ".", OPER),
        in_octets=counters[0], out_octets=counters[1], counter_bits=64,
        in_errors=counters[2], out_errors=counters[3], in_discards=counters[4], out_discards=counters[5],
        speed_mbps=_int(item, "speed_mbps", path + ".", 0, 10**9))


def parse_payload(payload: bytes, max_bytes: int) -> Sample:
    """The sample in ``payload``; :class:`PayloadError` if it is too large, not JSON, or off-schema."""
    if len(payload) > max_bytes:
        raise PayloadError(TOO_LARGE, f"{len(payload)} bytes, more than the {max_bytes} allowed "
                                      "(telemetry.max_message_bytes)")
    try:
        obj = orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        raise PayloadError(BAD_JSON, f"not JSON: {exc}") from None
    if type(obj) is not dict:
        raise _bad("payload", obj, "a JSON object")
    version = obj.get("v")
    if version != VERSION or type(version) is not int:
        if version is None:
            raise PayloadError(BAD_SCHEMA, f"v is missing: required ({docs_hint('v')})")
        raise _bad("v", version, f"{VERSION} (the only payload version this collector reads)")
    device = obj.get("device")
    if type(device) is not str or not 0 < len(device) <= MAX_NAME:
        if device is None:
            raise PayloadError(BAD_SCHEMA, f"device is missing: required ({docs_hint('device')})")
        raise _bad("device", device, f"a string of 1..{MAX_NAME} characters")
    ts = _number(obj, "ts", "", 1.0, 1e11, True)
    cpu = _number(obj, "cpu_pct", "", 0.0, 100.0, True)
    mem = _number(obj, "mem_pct", "", 0.0, 100.0, True)
    uptime = _number(obj, "uptime_s", "", 0.0, 1e10, False)
    items = obj.get("interfaces")
    if type(items) is not list or len(items) > MAX_INTERFACES:
        if items is None:
            raise PayloadError(BAD_SCHEMA, f"interfaces is missing: required ({docs_hint('interfaces')})")
        raise _bad("interfaces", items, f"a list of at most {MAX_INTERFACES} interface objects")
    interfaces = tuple(_interface(item, f"interfaces[{n}]") for n, item in enumerate(items))
    if len({i.if_index for i in interfaces}) != len(interfaces):
        seen: set[int] = set()
        for i in interfaces:
            if i.if_index in seen:
                raise PayloadError(BAD_SCHEMA, f"interfaces: index {i.if_index} appears twice; "
                                               "each interface once per sample")
            seen.add(i.if_index)
    pop = obj.get("pop")
    rtt = jitter = loss = None
    if pop is not None:
        if type(pop) is not dict:
            raise _bad("pop", pop, "an object with rtt_ms, jitter_ms, loss_pct")
        rtt = _number(pop, "rtt_ms", "pop.", 0.0, 600_000.0, False)
        jitter = _number(pop, "jitter_ms", "pop.", 0.0, 600_000.0, False)
        loss = _number(pop, "loss_pct", "pop.", 0.0, 100.0, False)
    assert ts is not None and cpu is not None and mem is not None
    return Sample(device, ts, cpu, mem, interfaces, uptime, rtt, jitter, loss)


def encode_sample(sample: Sample) -> bytes:
    """The payload of ``sample`` (the inverse of :func:`parse_payload`, for tests and tools)."""
    admin = {v: k for k, v in ADMIN.items()}
    oper = {v: k for k, v in OPER.items()}
    items = []
    for i in sample.interfaces:
        item: dict[str, Any] = {"index": i.if_index}
        if i.name is not None:
            item["name"] = i.name
        if i.admin_status in admin:
            item["admin"] = admin[i.admin_status]
        if i.oper_status in oper:
            item["oper"] = oper[i.oper_status]
        if i.speed_mbps is not None:
            item["speed_mbps"] = i.speed_mbps
        for key in COUNTERS:
            value = getattr(i, key)
            if value is not None:
                item[key] = value
        items.append(item)
    obj: dict[str, Any] = {"v": VERSION, "device": sample.device, "ts": sample.ts, "cpu_pct": sample.cpu_pct,
                           "mem_pct": sample.mem_pct, "interfaces": items}
    if sample.uptime_s is not None:
        obj["uptime_s"] = sample.uptime_s
    pop = {k: getattr(sample, k) for k in POP_FIELDS if getattr(sample, k) is not None}
    if pop:
        obj["pop"] = pop
    return orjson.dumps(obj)


__all__ = [
    "ADMIN", "BAD_JSON", "BAD_SCHEMA", "BAD_TOPIC", "COUNTERS", "DROP_REASONS", "DUPLICATE", "FUTURE", "LATE",
    "OPER", "OUT_OF_ORDER", "TOO_LARGE", "TOPIC_MISMATCH", "UNKNOWN_DEVICE", "VERSION", "BrokerConfigError",
    "PayloadError", "Sample", "TelemetryError", "encode_sample", "parse_payload",
]
