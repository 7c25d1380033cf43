"""Messages to observations: topics, order, lateness, silent devices to TIMEOUTs, and a state
engine fed by them (DOWN after its hysteresis; no judgement while not connected: UNKNOWN)."""

from __future__ import annotations

import logging
from typing import Any

import orjson
import pytest

from collectors.telemetry.ingest import DropLog, Ingest, IngestSettings, to_poll, topic_for
from collectors.telemetry.schema import Sample
from simulators.rie import generate_rie
from vigie.errors import ConfigError
from vigie.model import Inventory
from vigie.observations import PollError
from vigie.state import DeviceState, EngineSettings, StateEngine

T0 = 1_780_000_000.0
P = 7.0


@pytest.fixture(scope="module")
def inv() -> Inventory:
    return generate_rie(sites=4, seed=3)


def site_device(inv: Inventory) -> str:
    return next(n for n, d in inv.devices.items() if d.site is not None)


def infra_device(inv: Inventory) -> str:
    return next(n for n, d in inv.devices.items() if d.site is None)


def payload(device: str, ts: float, **extra: Any) -> bytes:
    obj = {"v": 1, "device": device, "ts": ts, "uptime_s": 100.0, "cpu_pct": 10, "mem_pct": 20,
           "interfaces": [{"index": 1, "oper": "up", "admin": "up", "in_octets": 1000, "out_octets": 2000}], **extra}
    return orjson.dumps(obj)


def topic(inv: Inventory, device: str) -> str:
    return topic_for("rie/telemetry", inv.devices[device].site, device)


def make(inv: Inventory, expected: list[str] | None = None, **kw: Any) -> Ingest:
    kw.setdefault("reconnect_grace_periods", 1.5)
    return Ingest(inv, IngestSettings(expected_period_s=P, **kw), expected)


def test_a_good_message_becomes_a_device_poll(inv: Inventory) -> None:
    ing, dev = make(inv), site_device(inv)
    poll = ing.receive(topic(inv, dev), payload(dev, T0, pop={"rtt_ms": 3.5}), T0 + 0.2, 10.0)
    assert poll is not None and poll.ok and poll.device == dev
    assert poll.address == inv.devices[dev].mgmt_address and poll.started == T0 and poll.uptime_at == T0
    assert poll.sys_uptime == 10_000  # 100 s in TimeTicks
    assert poll.interfaces[0].in_octets == 1000 and poll.interfaces[0].counter_bits == 64
    assert poll.extra == {"cpu_pct": {(): 10.0}, "mem_pct": {(): 20.0}, "rtt_ms": {(): 3.5}}
    infra = infra_device(inv)
    assert topic(inv, infra) == f"rie/telemetry/infra/{infra}"
    assert ing.receive(topic(inv, infra), payload(infra, T0), T0, 10.0) is not None
    assert ing.counts()["accepted"] == 2 and ing.counts()["dropped"] == 0


def test_uptime_wraps_like_sysuptime() -> None:
    s = Sample("X", T0, 1.0, 1.0, (), uptime_s=(2**32 + 500) / 100)
    assert to_poll(s, "127.0.0.1").sys_uptime == 500


def test_topics_are_checked_before_the_payload(inv: Inventory, caplog: pytest.LogCaptureFixture) -> None:
    ing, dev = make(inv), site_device(inv)
    site = inv.devices[dev].site
    cases = {
        "bad_topic": [f"other/{site}/{dev}", f"rie/telemetry/{dev}", f"rie/telemetry/{site}/{dev}/x"],
        "unknown_device": [f"rie/telemetry/{site}/S99999-R1"],
        "topic_mismatch": [f"rie/telemetry/infra/{dev}"],
    }
    for reason, topics in cases.items():
        for t in topics:
            with caplog.at_level(logging.WARNING, "vigie.telemetry"):
                assert ing.receive(t, payload(dev, T0), T0, 1.0) is None
            assert ing.drops.counts[reason] >= 1
    assert ing.receive(topic(inv, dev), payload("S00002-R1", T0), T0, 1.0) is None
    assert ing.drops.counts["topic_mismatch"] == 2
    assert "device 'S99999-R1' not in inventory" in caplog.text
    assert f"publish on rie/telemetry/{site}/{dev}" in caplog.text


def test_duplicates_out_of_order_late_and_future_samples_are_dropped(inv: Inventory) -> None:
    ing, dev = make(inv), site_device(inv)
    t = topic(inv, dev)
    assert ing.receive(t, payload(dev, T0), T0, 1.0) is not None
    assert ing.receive(t, payload(dev, T0), T0 + 1, 2.0) is None  # the same sample again
    assert ing.receive(t, payload(dev, T0 - 7), T0 + 1, 2.0) is None  # an older one after a newer
    assert ing.receive(t, payload(dev, T0 + 7), T0 + 7, 8.0) is not None
    assert ing.receive(t, payload(dev, T0 + 14), T0 + 75, 9.0) is None  # 61 s old
    assert ing.receive(t, payload(dev, T0 + 200), T0 + 76, 9.0) is None  # 124 s ahead
    assert ing.receive(t, payload(dev, T0 + 77), T0 + 77, 10.0) is not None
    c = ing.counts()
    assert (c["dropped_duplicate"], c["dropped_out_of_order"], c["dropped_late"], c["dropped_future"]) == (1, 1, 1, 1)
    assert (c["received"], c["accepted"], c["dropped"]) == (7, 3, 4)


def test_drop_log_says_the_first_at_once_then_one_line_per_period(caplog: pytest.LogCaptureFixture) -> None:
    log = DropLog(every_s=10.0)
    with caplog.at_level(logging.WARNING, "vigie.telemetry"):
        log.drop("bad_json", "rie/telemetry/S1/D", "not JSON: unexpected character", 0.0)
        for m in range(5):
            log.drop("bad_json", "rie/telemetry/S1/D", "not JSON", 1.0 + m)
        log.drop("late", "rie/telemetry/S1/D", "old", 2.0)
        log.drop("bad_json", "rie/telemetry/S1/D", "not JSON", 11.0)
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 3, lines
    assert lines[0].startswith("telemetry message dropped (bad_json) on topic 'rie/telemetry/S1/D': not JSON")
    assert lines[2].endswith("[and 5 more bad_json since the last line]")
    assert log.counts["bad_json"] == 7


def test_silence_becomes_timeouts_once_connected_then_every_period(inv: Inventory) -> None:
    dev = site_device(inv)
    ing = make(inv, expected=[dev])
    assert ing.due(T0 + 100, 100.0) == []  # never connected: nothing judged
    ing.connected(0.0)
    assert ing.due(T0 + 10, 10.0) == []  # 1.5 periods = 10.5 s of grace
    first = ing.due(T0 + 11, 11.0)
    assert [p.device for p in first] == [dev] and first[0].error is PollError.TIMEOUT
    assert first[0].detail == "no telemetry since the collector connected 11.0 s ago (expected every 7 s)"
    assert ing.due(T0 + 12, 12.0) == []
    assert len(ing.due(T0 + 17.5, 17.5)) == 1 and len(ing.due(T0 + 24.5, 24.5)) == 1
    assert ing.receive(topic(inv, dev), payload(dev, T0 + 25), T0 + 25, 25.0) is not None
    assert ing.due(T0 + 35, 35.0) == []
    late = ing.due(T0 + 36, 36.0)
    assert late[0].detail == "no telemetry for 11.0 s (expected every 7 s)"
    ing.connected(100.0)  # a reconnection: nothing is overdue, whatever happened meanwhile
    assert ing.due(T0 + 110, 110.0) == []
    assert len(ing.due(T0 + 111, 111.0)) == 1
    assert ing.timeouts == 5


def test_after_a_reconnection_devices_have_four_periods_to_come_back(inv: Inventory) -> None:
    dev = site_device(inv)
    ing = Ingest(inv, IngestSettings(expected_period_s=P), [dev])
    assert ing.receive(topic(inv, dev), payload(dev, T0), T0, 0.0) is not None
    ing.connected(5.0)
    assert ing.due(T0 + 32.9, 32.9) == []
    assert len(ing.due(T0 + 33, 33.0)) == 1 and len(ing.due(T0 + 40, 40.0)) == 1


def test_a_late_scan_does_not_fire_a_burst(inv: Inventory) -> None:
    dev = site_device(inv)
    ing = make(inv, expected=[dev])
    ing.connected(0.0)
    assert len(ing.due(T0 + 100, 100.0)) == 1  # ten periods overdue: one TIMEOUT, not ten
    assert ing.due(T0 + 101, 101.0) == []


def test_devices_heard_are_watched_even_when_not_expected(inv: Inventory) -> None:
    a, b = site_device(inv), infra_device(inv)
    ing = make(inv, expected=[a])
    ing.connected(0.0)
    assert ing.receive(topic(inv, b), payload(b, T0), T0, 1.0) is not None
    assert sorted(p.device for p in ing.due(T0 + 12, 12.0)) == sorted([a, b])
    with pytest.raises(ConfigError, match="'NOPE' not in inventory"):
        make(inv, expected=["NOPE"])


def test_state_engine_fed_by_the_ingest_declares_down_after_its_hysteresis_and_unknown_when_unheard(
        inv: Inventory) -> None:
    """3 TIMEOUTs → DOWN; a collector that cannot hear (no due() calls) leaves devices stale → UNKNOWN."""
    infra = infra_device(inv)
    others = [n for n in inv.devices if n != infra]
    ing = make(inv)
    engine = StateEngine(inv, EngineSettings(failures_to_down=3, poll_interval_s=P, stale_after_intervals=2.5))
    ing.connected(0.0)

    def run(start: float, end: float, silent: set[str]) -> None:
        t = start
        while t < end:
            for name in inv.devices:
                if name not in silent and int((t - start) * 10) % int(P * 10) == 0:
                    poll = ing.receive(topic(inv, name), payload(name, T0 + t), T0 + t, t)
                    assert poll is not None
                    engine.observe(poll, T0 + t)
            for poll in ing.due(T0 + t, t):
                engine.observe(poll, T0 + t)
            engine.tick(T0 + t)
            t = round(t + 0.5, 6)

    run(0.0, 8.0, set())
    assert {engine.device_state(n) for n in inv.devices} == {DeviceState.UP}
    # last sample at t=7: TIMEOUTs at 7 + 10.5 = 17.5, 24.5, 31.5
    run(8.0, 31.5, {infra})
    assert engine.device_state(infra) is DeviceState.UP  # two failures only: hysteresis
    assert ing.timeouts == 2
    run(31.5, 32.0, {infra})
    assert engine.device_state(infra) is DeviceState.DOWN
    assert engine.device_status(infra).detail.startswith("no answer to 3 polls in a row (no telemetry for 24.5 s")
    assert all(engine.device_state(n) is not DeviceState.DOWN for n in others)
    # the broker is gone: the collector emits nothing; time passes on the engine's clock only
    now = 40.0
    for _ in range(60):
        now += 0.5
        engine.tick(T0 + now)
    states = {engine.device_state(n) for n in others}
    assert states == {DeviceState.UNKNOWN}, states
