"""Telemetry through a real mosquitto: mosquitto_pub → Vigie's collector, Vigie's simulator →
mosquitto_sub, hostile messages, a silent device DOWN after its hysteresis, a broker outage
UNKNOWN (never DOWN) then reconnection, passwords, TLS. Everything on 127.0.0.1, seeds fixed,
every wait bounded."""

from __future__ import annotations

import asyncio
import logging
import signal
import subprocess
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import orjson
import pytest

from collectors.telemetry import CollectorOptions, IngestSettings, TelemetryCollector, parse_broker, parse_payload
from simulators.device import IFX_ENTRY, SimDevice
from simulators.faults import parse_scenario
from simulators.rie import generate_rie
from simulators.scenario import FaultTimeline
from simulators.telemetry import PublisherSettings, run_publishers
from tests.integration.mosquitto import MOSQUITTO_SUB, Mosquitto, available, mosquitto_fixture, start_mosquitto
from vigie.model import Inventory
from vigie.observations import DevicePoll, PollError
from vigie.state import DeviceState, EngineSettings, StateChange, StateEngine

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(not available(), reason="mosquitto and mosquitto-clients are not installed")]
__all__ = ["mosquitto_fixture"]  # the fixture, imported to be found

FAST = CollectorOptions(backoff_initial_s=0.2, backoff_max_s=1.0, tick_s=0.25, dead_after_s=3.0, seed=5)
PASSWORD = "right-Pa55word"
WRONG = "wrong-Pa55word"


@pytest.fixture(scope="module")
def inv() -> Inventory:
    return generate_rie(sites=4, seed=3)


async def until(cond: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:g} s: {what}")
        await asyncio.sleep(0.05)


@asynccontextmanager
async def running(col: TelemetryCollector, emit: Callable[[DevicePoll], None]) -> AsyncIterator[asyncio.Event]:
    stop = asyncio.Event()
    task = asyncio.create_task(col.run(emit, stop))
    try:
        yield stop
    finally:
        stop.set()
        await asyncio.wait_for(task, 15.0)


def human_payload(device: str, ts: float) -> bytes:
    """Written as an operator would with mosquitto_pub: pretty, with spaces and newlines."""
    return f"""{{
  "v": 1, "device": "{device}", "ts": {ts:.3f}, "uptime_s": 86400,
  "cpu_pct": 23.5, "mem_pct": 61,
  "interfaces": [{{"index": 1, "name": "Gi0/0/0", "admin": "up", "oper": "down",
                   "in_octets": 1000, "out_octets": 2000}}],
  "pop": {{"rtt_ms": 4.8, "jitter_ms": 0.4, "loss_pct": 0}}
}}""".encode()


def site_device(inv: Inventory) -> tuple[str, str]:
    name, dev = next((n, d) for n, d in inv.devices.items() if d.site is not None)
    assert dev.site is not None
    return name, dev.site


async def test_mosquitto_pub_reaches_the_collector_and_hostile_messages_are_dropped(
        mosquitto: Mosquitto, inv: Inventory, caplog: pytest.LogCaptureFixture) -> None:
    polls: list[DevicePoll] = []
    col = TelemetryCollector(inv, parse_broker(mosquitto.url), IngestSettings(expected_period_s=60.0), expected=(),
                             options=FAST)
    dev, site = site_device(inv)
    topic = f"rie/telemetry/{site}/{dev}"
    now = time.time()
    caplog.set_level(logging.INFO, "vigie.telemetry")
    async with running(col, polls.append):
        await until(lambda: col.connected, 10, "collector subscribed")
        await asyncio.to_thread(mosquitto.pub, topic, human_payload(dev, now))
        await until(lambda: len(polls) == 1, 10, "the mosquitto_pub sample emitted")
        p = polls[0]
        assert p.ok and p.device == dev and p.started == round(now, 3) and p.sys_uptime == 8_640_000
        assert p.interfaces[0].oper_status == 2 and p.interfaces[0].out_octets == 2000
        assert p.extra["cpu_pct"] == {(): 23.5} and p.extra["rtt_ms"] == {(): 4.8}
        hostile = [
            (topic, b"{not json", "bad_json"),
            (topic, b"\x00\xff" * 100, "bad_json"),
            (topic, b"", "bad_json"),
            (topic, orjson.dumps({"v": 1, "device": dev, "ts": now + 1, "cpu_pct": "high", "mem_pct": 1,
                                  "interfaces": []}), "bad_schema"),
            (topic, b'{"v": 1, "device": "' + dev.encode() + b'", "ts": 1e3, "cpu_pct": 1, "mem_pct": 1, '
                    b'"interfaces": [' + b'{"index": 1},' * 20_000 + b'{"index": 2}]}', "too_large"),
            (f"rie/telemetry/{site}/S99999-R9", human_payload("S99999-R9", now), "unknown_device"),
            (f"rie/telemetry/infra/{dev}", human_payload(dev, now + 2), "topic_mismatch"),
            (f"rie/telemetry/{site}/", human_payload(dev, now + 3), "bad_topic"),  # an empty device level
            (topic, human_payload(dev, now), "duplicate"),
            (topic, human_payload(dev, now - 5), "out_of_order"),
            (topic, human_payload(dev, now - 3600), "out_of_order"),
        ]
        for t, payload, _ in hostile:
            await asyncio.to_thread(mosquitto.pub, t, payload)
        await until(lambda: col.ingest.counts()["dropped"] == len(hostile), 10, "every hostile message counted")
        counts = col.ingest.counts()
        for reason in {r for _, _, r in hostile}:
            assert counts[f"dropped_{reason}"] == sum(r == reason for _, _, r in hostile), (reason, counts)
        assert col.connected and len(polls) == 1
        await asyncio.to_thread(mosquitto.pub, topic, human_payload(dev, now + 10))  # still collecting
        await until(lambda: len(polls) == 2, 10, "a good message after the hostile ones")
    logged = caplog.text
    assert "telemetry message dropped (too_large)" in logged and "more than the 65536 allowed" in logged
    assert "telemetry message dropped (unknown_device) on topic 'rie/telemetry/" in logged
    assert "device 'S99999-R9' not in inventory" in logged
    assert "cpu_pct = 'high': expected a number in 0..100" in logged


async def test_the_simulator_publishes_what_mosquitto_sub_reads(mosquitto: Mosquitto, inv: Inventory) -> None:
    names = sorted(inv.devices)[:10]
    count = 20
    sub = subprocess.Popen([MOSQUITTO_SUB, *mosquitto.client_args(), "-t", "rie/telemetry/#", "-v",
                            "-C", str(count), "-W", "20"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        await asyncio.sleep(0.3)  # let mosquitto_sub subscribe (more samples follow anyway)
        start = time.time()
        tl = FaultTimeline(None, inv)
        settings = PublisherSettings(inv, tl, start, mosquitto.url, period_s=0.5, devices=names, seed=2)
        stop = asyncio.Event()
        task = asyncio.create_task(run_publishers(settings, stop))
        out, err = await asyncio.to_thread(sub.communicate, timeout=25)
        stop.set()
        stats = await asyncio.wait_for(task, 10)
    finally:
        if sub.poll() is None:
            sub.kill()
            sub.wait(5)
    assert sub.returncode == 0, err.decode()
    lines = out.decode().splitlines()
    assert len(lines) == count and stats.published >= count and stats.connects == 1
    for line in lines:
        topic, _, payload = line.partition(" ")
        sample = parse_payload(payload.encode(), 1 << 20)
        dev = inv.devices[sample.device]
        assert topic == f"rie/telemetry/{dev.site or 'infra'}/{sample.device}"
        twin = SimDevice(inv, dev, start, (), {}, ())
        for itf in sample.interfaces:  # the SNMP farm's ifHCInOctets at the same instant
            assert itf.in_octets == twin.view.get(IFX_ENTRY + (6, itf.if_index), sample.ts)


async def test_a_silent_device_goes_down_and_a_broker_outage_gives_unknown_never_down(
        tmp_path: Path, inv: Inventory) -> None:
    target, _ = site_device(inv)
    others = sorted(n for n in inv.devices if n != target)
    broker = start_mosquitto(tmp_path / "mosquitto")
    start = time.time()
    scenario = parse_scenario(f'[[fault]]\nat = 2\nkind = "device_down"\ndevice = "{target}"\n', inv)
    engine = StateEngine(inv, EngineSettings(failures_to_down=3, poll_interval_s=1.0, stale_after_intervals=2.5))
    changes: list[tuple[float, str, str]] = []  # (time, device, new state)
    timeouts: list[DevicePoll] = []

    def record(events: Sequence[object]) -> None:
        changes.extend((time.time(), e.element, str(e.new)) for e in events
                       if isinstance(e, StateChange) and e.kind == "device")

    def emit(poll: DevicePoll) -> None:
        if poll.error is PollError.TIMEOUT:
            timeouts.append(poll)
        record(engine.observe(poll, time.time()))

    def state(name: str) -> DeviceState:
        return engine.device_state(name)

    col = TelemetryCollector(inv, parse_broker(broker.url), IngestSettings(expected_period_s=1.0), options=FAST)
    pub = PublisherSettings(inv, FaultTimeline(scenario, inv), start, broker.url, period_s=1.0, seed=4,
                            reconnect_max_s=0.5)
    stop_pub = asyncio.Event()
    publishing = asyncio.create_task(run_publishers(pub, stop_pub))

    async def ticking(stop: asyncio.Event) -> None:
        while not stop.is_set():
            record(engine.tick(time.time()))
            await asyncio.sleep(0.1)

    try:
        async with running(col, emit) as stop:
            ticker = asyncio.create_task(ticking(stop))
            await until(lambda: all(state(n) is DeviceState.UP for n in others), 15, "every other device UP")
            await until(lambda: state(target) is DeviceState.DOWN, 15, f"{target} DOWN")
            assert sum(p.device == target for p in timeouts) == 3  # the hysteresis: three missed periods
            assert not any(d != target and s == "down" for _, d, s in changes)
            # the broker goes away: nothing is judged, everything turns UNKNOWN, nothing DOWN
            outage = time.time()
            assert broker.stop() in (0, -15)
            await until(lambda: not col.connected, 5, "collector notices the outage")
            await until(lambda: all(state(n) is DeviceState.UNKNOWN for n in inv.devices), 6, "all UNKNOWN")
            await asyncio.sleep(1.0)
            assert not any(t >= outage and s == "down" for t, _, s in changes), changes
            assert not any(p.started >= outage for p in timeouts)
            assert col.failures >= 1 and col.last_error is not None
            assert col.last_error.startswith(f"telemetry broker {broker.url} unreachable")
            # back: the collector and the devices reconnect; the silent one is DOWN again after its hysteresis
            back = time.time()
            broker.start()
            await until(lambda: col.connected, 10, "collector reconnected")
            await until(lambda: all(state(n) is DeviceState.UP for n in others), 15, "every other device UP again")
            await until(lambda: state(target) is DeviceState.DOWN, 15, f"{target} DOWN again")
            assert not any(d != target and t >= back and s == "down" for t, d, s in changes)
            assert col.connects == 2 and col.losses == 1
            ticker.cancel()
    finally:
        stop_pub.set()
        stats = await asyncio.wait_for(publishing, 10)
        broker.stop()
    assert stats.connects == 2 and stats.silent > 0 and stats.unsent > 0


async def test_a_stalled_broker_is_noticed_by_the_heartbeat_unknown_never_down(tmp_path: Path, inv: Inventory) -> None:
    """SIGSTOP: the TCP connections stay up but nothing flows (a hung broker, a half-open path)."""
    broker = start_mosquitto(tmp_path / "mosquitto")
    engine = StateEngine(inv, EngineSettings(failures_to_down=3, poll_interval_s=1.0, stale_after_intervals=2.5))
    downs: list[str] = []
    timeouts: list[DevicePoll] = []

    def emit(poll: DevicePoll) -> None:
        if poll.error is PollError.TIMEOUT:
            timeouts.append(poll)
        events = engine.observe(poll, time.time())
        downs.extend(e.element for e in events if isinstance(e, StateChange) and str(e.new) == "down")

    options = CollectorOptions(backoff_initial_s=0.2, backoff_max_s=1.0, tick_s=0.25, dead_after_s=3.0, seed=5,
                               timeout_s=2.0)
    col = TelemetryCollector(inv, parse_broker(broker.url), IngestSettings(expected_period_s=1.0), options=options)
    pub = PublisherSettings(inv, FaultTimeline(None, inv), time.time(), broker.url, period_s=1.0, seed=6,
                            reconnect_max_s=0.5)
    stop_pub = asyncio.Event()
    publishing = asyncio.create_task(run_publishers(pub, stop_pub))
    try:
        async with running(col, emit) as stop:
            async def ticking() -> None:
                while not stop.is_set():
                    engine.tick(time.time())
                    await asyncio.sleep(0.1)

            ticker = asyncio.create_task(ticking())
            await until(lambda: all(engine.device_state(n) is DeviceState.UP for n in inv.devices), 15, "all UP")
            assert broker.proc is not None
            broker.proc.send_signal(signal.SIGSTOP)
            try:
                await until(lambda: col.suspect_ticks > 0, 5, "the collector stops judging")
                await until(lambda: all(engine.device_state(n) is DeviceState.UNKNOWN for n in inv.devices), 8,
                            "all UNKNOWN while the broker hangs")
                await until(lambda: col.losses >= 1, 8, "the collector gives up the dead connection")
            finally:
                broker.proc.send_signal(signal.SIGCONT)
                resumed = time.time()
            await until(lambda: col.connected, 15, "collector reconnected")
            await until(lambda: all(engine.device_state(n) is DeviceState.UP for n in inv.devices), 15, "all UP again")
            ticker.cancel()
        assert downs == [] and timeouts == [], [(round(p.started - resumed, 2), p.device, p.detail) for p in timeouts]
        assert col.last_error is not None and "nothing received for" in col.last_error
    finally:
        stop_pub.set()
        await asyncio.wait_for(publishing, 10)
        broker.stop()


async def test_username_and_password(tmp_path: Path, inv: Inventory, caplog: pytest.LogCaptureFixture) -> None:
    broker = start_mosquitto(tmp_path / "auth", users={"vigie": PASSWORD})
    dev, site = site_device(inv)
    caplog.set_level(logging.DEBUG)
    try:
        polls: list[DevicePoll] = []
        good = TelemetryCollector(inv, parse_broker(broker.url, "vigie", PASSWORD), expected=(), options=FAST)
        async with running(good, polls.append):
            await until(lambda: good.connected, 10, "collector with the right password subscribed")
            await asyncio.to_thread(broker.pub, f"rie/telemetry/{site}/{dev}", human_payload(dev, time.time()))
            await until(lambda: len(polls) == 1, 10, "the sample received")
        bad = TelemetryCollector(inv, parse_broker(broker.url, "vigie", WRONG), expected=(), options=FAST)
        async with running(bad, polls.append):
            await until(lambda: bad.failures >= 2, 10, "two refused attempts")
            assert not bad.connected
        assert bad.last_error == (f"telemetry broker {broker.url} refused the connection: Not authorized "
                                  "(user 'vigie'); check telemetry.username and the secret telemetry.password "
                                  "refers to")  # mosquitto 2 answers "not authorised" (5) to a bad password
        assert f"telemetry broker {broker.url} refused the connection" in caplog.text
        assert PASSWORD not in caplog.text and WRONG not in caplog.text
    finally:
        broker.stop()


async def test_tls_with_the_brokers_ca_and_a_clear_error_without(tmp_path: Path, inv: Inventory) -> None:
    broker = start_mosquitto(tmp_path / "tls", tls=True)
    assert broker.tls is not None and broker.url.startswith("mqtts://127.0.0.1:")
    try:
        polls: list[DevicePoll] = []
        col = TelemetryCollector(inv, parse_broker(broker.url, ca_file=str(broker.tls.ca)),
                                 IngestSettings(expected_period_s=0.5), expected=(), options=FAST)
        names = sorted(n for n, d in inv.devices.items() if d.site)[:3]
        pub = PublisherSettings(inv, FaultTimeline(None, inv), time.time(), broker.url, period_s=0.5, devices=names,
                                ca_file=str(broker.tls.ca))
        stop_pub = asyncio.Event()
        async with running(col, polls.append):
            publishing = asyncio.create_task(run_publishers(pub, stop_pub))
            await until(lambda: {p.device for p in polls if p.ok} == set(names), 10, "simulator → collector over TLS")
            dev, site = site_device(inv)
            await asyncio.to_thread(broker.pub, f"rie/telemetry/{site}/{dev}", human_payload(dev, time.time() + 30))
            await until(lambda: any(p.started > time.time() + 20 for p in polls), 10, "mosquitto_pub over TLS")
            stop_pub.set()
            await asyncio.wait_for(publishing, 10)
        untrusted = TelemetryCollector(inv, parse_broker(broker.url), expected=(), options=FAST)  # the system's CAs
        async with running(untrusted, polls.append):
            await until(lambda: untrusted.failures >= 1, 10, "TLS refused")
        assert untrusted.last_error is not None and f"telemetry broker {broker.url}: TLS failed" in untrusted.last_error
        assert "telemetry.ca_file" in untrusted.last_error
    finally:
        broker.stop()
