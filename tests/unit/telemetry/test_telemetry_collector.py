"""The collector's bookkeeping without a broker: heartbeats and their echoes, when silence may be
blamed on the devices, messages to observations, a consumer that fails."""

from __future__ import annotations

import logging

import orjson
import pytest
from aiomqtt import Message

from collectors.telemetry import CollectorOptions, IngestSettings, TelemetryCollector, parse_broker
from simulators.rie import generate_rie
from vigie.model import Inventory
from vigie.observations import DevicePoll

T0 = 1_780_000_000.0


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def mono(self) -> float:
        return self.t

    def wall(self) -> float:
        return T0 + self.t


@pytest.fixture(scope="module")
def inv() -> Inventory:
    return generate_rie(sites=2, seed=3)


def make(inv: Inventory, clock: Clock) -> TelemetryCollector:
    col = TelemetryCollector(inv, parse_broker("mqtt://127.0.0.1:1"), IngestSettings(expected_period_s=4.0),
                             options=CollectorOptions(seed=1, backlog_limit=100), wall=clock.wall, mono=clock.mono)
    col._echo_at = col._arrived = clock.t  # as when subscribed
    return col


def beat(col: TelemetryCollector, clock: Clock) -> int:
    col._hb_seq += 1
    col._hb_pending[col._hb_seq] = clock.t
    return col._hb_seq


def echo(col: TelemetryCollector, seq: int, emit: list[DevicePoll]) -> None:
    col._handle(Message(col._hb_topic, b"%d 0.0" % seq, 0, False, 0, None), emit.append)


def test_echoes_prove_the_path_and_a_lost_one_stops_judging(inv: Inventory) -> None:
    clock, polls = Clock(), list[DevicePoll]()
    col = make(inv, clock)
    assert col.tick_s == 1.0 and col.echo_limit_s == 3.0 and col.dead_after_s == 8.0
    first = beat(col, clock)
    clock.t += 0.2
    echo(col, first, polls)
    assert col._echo_at == 100.0 and col._not_judging(clock.t, 0) is None
    lost = beat(col, clock)
    clock.t += 0.2
    kept = beat(col, clock)
    echo(col, kept, polls)  # a later heartbeat came back, not the earlier one: the broker dropped it
    why = col._not_judging(clock.t, 7)
    assert why is not None and "drops messages it should send us (1 heartbeat(s) lost; 7 waiting here)" in why
    assert col.echoes_lost == 1 and lost not in col._hb_pending
    clock.t += 5.9  # lossy for grace (1.5 periods = 6 s), and the echo is old by now as well
    assert col._not_judging(clock.t, 0) is not None
    again = beat(col, clock)
    echo(col, again, polls)
    clock.t += 0.2
    assert col._not_judging(clock.t, 0) is None
    assert col._not_judging(clock.t, 101) == "101 messages waiting (collector overloaded)"
    clock.t += 3.5  # no echo for 3.7 s: behind
    why = col._not_judging(clock.t, 0)
    assert why is not None and "is 3.7 s behind" in why and polls == []


def test_device_messages_become_polls_and_count_as_life_until_an_echo_is_seen(inv: Inventory) -> None:
    clock, polls = Clock(), list[DevicePoll]()
    col = make(inv, clock)
    name, dev = next((n, d) for n, d in inv.devices.items() if d.site)
    payload = orjson.dumps({"v": 1, "device": name, "ts": T0 + 100, "cpu_pct": 1, "mem_pct": 2, "interfaces": []})
    clock.t += 2.0
    col._handle(Message(f"rie/telemetry/{dev.site}/{name}", payload, 0, False, 0, None), polls.append)
    assert [p.device for p in polls] == [name] and col._echo_at == 102.0  # no echo yet: any message is life
    col._handle(Message("rie/telemetry/_vigie/vigie-other-collector", b"5 1.0", 0, False, 0, None), polls.append)
    assert col.ingest.received == 1  # another collector's heartbeat: ignored, not counted as a drop


def test_a_failing_consumer_is_logged_once_and_collection_goes_on(inv: Inventory,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    col = make(inv, clock)
    names = [n for n, d in inv.devices.items() if d.site][:3]

    def broken(poll: DevicePoll) -> None:
        raise RuntimeError("store is on fire")

    with caplog.at_level(logging.ERROR, "vigie.telemetry"):
        for k, name in enumerate(names):
            site = inv.devices[name].site
            payload = orjson.dumps({"v": 1, "device": name, "ts": T0 + 100 + k, "cpu_pct": 1, "mem_pct": 2,
                                    "interfaces": []})
            col._handle(Message(f"rie/telemetry/{site}/{name}", payload, 0, False, 0, None), broken)
    assert col.ingest.accepted == 3
    assert [r.getMessage() for r in caplog.records] == [
        f"telemetry: the observation consumer failed on {names[0]} (later failures not logged)"]
