"""The payload schema: what is accepted, what is refused and why; never another exception."""

from __future__ import annotations

import copy
import random
from typing import Any

import orjson
import pytest

from collectors.telemetry.schema import (
    BAD_JSON,
    BAD_SCHEMA,
    DROP_REASONS,
    MAX_COUNTER,
    TOO_LARGE,
    PayloadError,
    Sample,
    encode_sample,
    parse_payload,
)
from vigie.observations import InterfaceSample

MAX = 65536


def good() -> dict[str, Any]:
    return {"v": 1, "device": "S00001-R1", "ts": 1_780_000_000.25, "uptime_s": 3600.5, "cpu_pct": 12.5,
            "mem_pct": 40, "interfaces": [
                {"index": 1, "name": "Gi0/0/0", "admin": "up", "oper": "up", "speed_mbps": 1000,
                 "in_octets": 12345, "out_octets": MAX_COUNTER, "in_errors": 0, "out_errors": 1, "in_discards": 2,
                 "out_discards": 3},
                {"index": 2, "admin": "down", "oper": "lower_layer_down"}],
            "pop": {"rtt_ms": 4.2, "jitter_ms": 0.3, "loss_pct": 0}}


def parse(obj: Any) -> Sample:
    return parse_payload(orjson.dumps(obj), MAX)


def refused(obj: Any, reason: str = BAD_SCHEMA) -> str:
    with pytest.raises(PayloadError) as info:
        parse(obj)
    assert info.value.reason == reason, str(info.value)
    return str(info.value)


def test_a_full_sample_is_read_exactly() -> None:
    s = parse(good())
    assert (s.device, s.ts, s.uptime_s, s.cpu_pct, s.mem_pct) == ("S00001-R1", 1_780_000_000.25, 3600.5, 12.5, 40.0)
    assert (s.rtt_ms, s.jitter_ms, s.loss_pct) == (4.2, 0.3, 0.0)
    assert s.interfaces[0] == InterfaceSample(1, "Gi0/0/0", 1, 1, 12345, MAX_COUNTER, 64, 0, 1, 2, 3, 1000)
    assert s.interfaces[1] == InterfaceSample(2, None, 2, 7)
    assert parse_payload(encode_sample(s), MAX) == s


def test_optional_parts_may_be_left_out_and_unknown_keys_are_ignored() -> None:
    obj = {"v": 1, "device": "PAR-C01", "ts": 1_780_000_000, "cpu_pct": 0, "mem_pct": 100, "interfaces": [],
           "firmware": "17.3", "pop": {}}
    s = parse(obj)
    assert s.interfaces == () and s.uptime_s is None and s.rtt_ms is None


@pytest.mark.parametrize("key", ["v", "device", "ts", "cpu_pct", "mem_pct", "interfaces"])
def test_each_required_field_is_named_when_missing(key: str) -> None:
    obj = good()
    del obj[key]
    assert refused(obj).startswith(f"{key} is missing: required")


@pytest.mark.parametrize(("path", "value", "expected"), [
    ("v", 2, "expected 1"), ("v", True, "expected 1"), ("device", "", "a string"), ("device", 7, "a string"),
    ("ts", "now", "a number"), ("ts", True, "a number"), ("ts", -5, "a number"), ("cpu_pct", 101, "0..100"),
    ("cpu_pct", False, "a number"), ("mem_pct", [1], "a number"), ("uptime_s", -1, "a number"),
    ("interfaces", {}, "a list"), ("interfaces", [1], "an object"), ("pop", [], "an object"),
])
def test_wrong_types_and_ranges_name_the_field_and_the_value(path: str, value: Any, expected: str) -> None:
    obj = good()
    obj[path] = value
    text = refused(obj)
    assert text.startswith(f"{path} = ") or text.startswith(f"{path}[0] = ") or text.startswith("interfaces[0]")
    assert expected in text


@pytest.mark.parametrize(("key", "value"), [
    ("in_octets", -1), ("in_octets", 1.5), ("in_octets", "12"), ("in_octets", True), ("out_errors", None),
    ("index", 0), ("index", "1"), ("admin", "sideways"), ("oper", 1), ("name", ""), ("name", "x" * 200),
    ("speed_mbps", -10),
])
def test_interface_fields_are_checked(key: str, value: Any) -> None:
    obj = good()
    obj["interfaces"][0][key] = value
    if value is None:
        parse(obj)  # null is "not sent"
        return
    assert refused(obj).startswith(f"interfaces[0].{key} = ")


def test_pop_values_and_duplicate_interfaces() -> None:
    obj = good()
    obj["pop"]["loss_pct"] = 150
    assert "pop.loss_pct" in refused(obj)
    obj = good()
    obj["interfaces"][1]["index"] = 1
    assert "index 1 appears twice" in refused(obj)


def test_size_and_json_errors() -> None:
    payload = orjson.dumps(good())
    with pytest.raises(PayloadError) as info:
        parse_payload(payload, len(payload) - 1)
    assert info.value.reason == TOO_LARGE and f"{len(payload)} bytes" in str(info.value)
    for junk in (b"", b"{", b"\xff\xfe", b"NaN", b'{"v": 1,}', b"1" * 30):
        with pytest.raises(PayloadError) as info:
            parse_payload(junk, MAX)
        assert info.value.reason in (BAD_JSON, BAD_SCHEMA)
    assert refused([good()]).startswith("payload = ")


# ----------------------------------------------------------------- property-style: random damage

JUNK: list[Any] = [None, True, False, 0, -1, 1.5, -1e308, 1e308, "", "x", "é" * 300, [], {}, [None], {"a": 1},
                   2**63, MAX_COUNTER]


def _paths(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out += _paths(v, prefix + (i,))
    return out


def _mutate(rng: random.Random) -> bytes:
    obj = good()
    for _ in range(rng.randint(1, 3)):
        paths = _paths(obj)
        if not paths:
            break
        path = rng.choice(paths)
        parent = obj
        for step in path[:-1]:
            parent = parent[step]
        action = rng.random()
        if action < 0.3 and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = copy.deepcopy(rng.choice(JUNK))
    data = orjson.dumps(obj)
    roll = rng.random()
    if roll < 0.15:
        data = data[: rng.randrange(len(data))]
    elif roll < 0.3:
        raw = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            raw[rng.randrange(len(raw))] = rng.randrange(256)
        data = bytes(raw)
    elif roll < 0.35:
        data = rng.randbytes(rng.randrange(1, 200))
    return data


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_damage_is_refused_with_a_reason_or_read_and_never_raises_anything_else(seed: int) -> None:
    rng = random.Random(seed)
    reasons: dict[str, int] = {}
    accepted = 0
    for _ in range(1500):
        data = _mutate(rng)
        try:
            s = parse_payload(data, MAX)
        except PayloadError as exc:
            assert exc.reason in DROP_REASONS and str(exc)
            reasons[exc.reason] = reasons.get(exc.reason, 0) + 1
            continue
        accepted += 1
        # what is accepted is well-formed: every number where it belongs
        assert isinstance(s.ts, float) and 0 <= s.cpu_pct <= 100 and 0 <= s.mem_pct <= 100
        for itf in s.interfaces:
            for value in (itf.in_octets, itf.out_octets, itf.in_errors, itf.out_discards):
                assert value is None or (type(value) is int and 0 <= value <= MAX_COUNTER)
    assert reasons.get(BAD_SCHEMA, 0) > 500 and reasons.get(BAD_JSON, 0) > 100, reasons
    assert 0 < accepted < 700  # dropping optional fields or setting them to null is fine


def test_the_fast_path_agrees_with_the_checked_one() -> None:
    from collectors.telemetry.schema import _interface_checked, _interface_fast

    rng = random.Random(11)
    base = good()["interfaces"][0]
    agreed = fast = 0
    for _ in range(3000):
        item = dict(base)
        for _ in range(rng.randint(0, 2)):
            key = rng.choice([*base, "index"])
            if rng.random() < 0.2:
                item.pop(key, None)
            else:
                item[key] = copy.deepcopy(rng.choice(JUNK))
        quick = _interface_fast(item)
        try:
            checked = _interface_checked(item, "interfaces[0]")
        except PayloadError:
            assert quick is None
            continue
        assert quick is None or quick == checked
        agreed += 1
        fast += quick is not None
    assert agreed > 500 and fast == agreed  # whatever the checked path accepts, the fast one does too
