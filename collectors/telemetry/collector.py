"""The telemetry collector: an MQTT subscriber (aiomqtt) feeding the monitor like the SNMP poller.

It implements :class:`vigie.monitor.runtime.ObservationSource`: ``await collector.run(emit, stop)``
until ``stop`` is set. Each accepted message becomes a :class:`~vigie.observations.DevicePoll`
(:mod:`collectors.telemetry.ingest`); a device that misses its period becomes a TIMEOUT poll, so the
state engine applies the same hysteresis as to SNMP.

The connection is watched, not assumed: every tick (``min(1 s, period / 4)``) the collector
publishes a heartbeat on ``<prefix>/_vigie/<client id>`` and reads its own echo back (any message
received counts as well, should an ACL forbid the heartbeat). Deadlines are judged only while the
echo is fresh: a broker that stalls, a half-open TCP connection or a lost
network path stop the echo too, and then the collector emits nothing (its devices go stale,
UNKNOWN, never DOWN); without an echo for ``dead_after_s`` it reconnects. After every
(re)connection the devices get a full grace period again.

Reconnection: exponential backoff with jitter (0.5 s doubling to 30 s), forever, until ``stop``;
each failure is one log line naming the broker and what to check (never the password). Malformed
or hostile messages are counted and dropped by the ingest; an exception in ``emit`` is logged and
the collector goes on.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field

import aiomqtt

from collectors.telemetry.broker import Broker, backoff_delay, describe
from collectors.telemetry.ingest import Ingest, IngestSettings
from vigie.model import Inventory
from vigie.observations import DevicePoll

log = logging.getLogger("vigie.telemetry")
mqtt_log = logging.getLogger("vigie.telemetry.mqtt")
HEARTBEAT = "_vigie"  # topic level of collectors' heartbeats, under the prefix


@dataclass(frozen=True, slots=True)
class CollectorOptions:
    backoff_initial_s: float = 0.5
    backoff_max_s: float = 30.0
    keepalive_s: int = 30
    timeout_s: float = 10.0  # connect, subscribe, publish
    tick_s: float | None = None  # deadline scan and heartbeat period (None: min(1 s, period / 4))
    dead_after_s: float | None = None  # no echo this long: reconnect (None: max(5 s, 2 periods))
    max_queued: int = 200_000  # incoming messages held by the client at most (memory bound under a flood)
    backlog_limit: int = 20_000  # more than this waiting: overloaded, deadlines not judged
    qos: int = 0
    seed: int | None = None  # backoff jitter and client id (None: random)


@dataclass(frozen=True, slots=True)
class TelemetryStats:
    connected: bool
    connects: int  # successful subscriptions
    connection_losses: int
    failed_attempts: int
    last_error: str | None
    suspect_ticks: int  # ticks without a fresh echo (deadlines not judged)
    counts: Mapping[str, int] = field(default_factory=dict)  # received, accepted, timeouts, dropped_*


class TelemetryCollector:
    """See the module's documentation."""

    name = "telemetry"

    def __init__(self, inventory: Inventory, broker: Broker, settings: IngestSettings | None = None,
                 expected: Collection[str] | None = None, options: CollectorOptions | None = None,
                 wall: Callable[[], float] = time.time, mono: Callable[[], float] = time.monotonic) -> None:
        self.broker = broker
        self.settings = settings or IngestSettings()
        self.options = o = options or CollectorOptions()
        self.ingest = Ingest(inventory, self.settings, expected)
        self.wall, self.mono = wall, mono
        self._tls = broker.context()  # a CA file that cannot be read fails now, not at each attempt
        self._rng = random.Random(o.seed)
        self.client_id = f"vigie-{os.getpid()}-{self._rng.getrandbits(32):08x}"
        prefix = self.settings.topic_prefix.rstrip("/")
        self.topic = f"{prefix}/+/+"
        self._hb_topic = f"{prefix}/{HEARTBEAT}/{self.client_id}"
        self._hb_prefix = f"{prefix}/{HEARTBEAT}/"
        period = self.settings.expected_period_s
        self.tick_s = o.tick_s if o.tick_s is not None else min(1.0, period / 4)
        self.dead_after_s = o.dead_after_s if o.dead_after_s is not None else max(5.0, 2 * period)
        self.echo_limit_s = max(3 * self.tick_s, 1.0)
        self.connected = False
        self.connects = self.losses = self.failures = self.suspect_ticks = 0
        self.last_error: str | None = None
        self._last_echo = 0.0
        self._suspect = False
        self._emit_failed = False

    def stats(self) -> TelemetryStats:
        return TelemetryStats(self.connected, self.connects, self.losses, self.failures, self.last_error,
                              self.suspect_ticks, self.ingest.counts())

    # ------------------------------------------------------------------- running

    async def run(self, emit: Callable[[DevicePoll], None], stop: asyncio.Event) -> None:
        """Subscribe, emit observations, reconnect with backoff; until ``stop`` is set."""
        attempt = 0
        while not stop.is_set():
            was_connected = False
            try:
                async with self._client() as client:
                    await client.subscribe(self.topic, qos=self.options.qos)
                    was_connected = self.connected = True
                    attempt = 0
                    self.connects += 1
                    self._last_echo = self.mono()
                    self._suspect = False
                    self.ingest.connected(self.mono())
                    log.info("telemetry: subscribed to %s on %s%s", self.topic, self.broker.url,
                             f" as user {self.broker.username!r}" if self.broker.username else "")
                    await self._session(client, emit, stop)
            except aiomqtt.MqttError as exc:
                self.last_error = describe(exc, self.broker, was_connected)
            except Exception as exc:  # a bug of ours must not end the collection: log it, reconnect
                log.exception("telemetry: unexpected error, reconnecting")
                self.last_error = f"telemetry broker {self.broker.url}: unexpected error: {exc!r}"
            finally:
                self.connected = False
            if stop.is_set():
                break
            if was_connected:
                self.losses += 1
            else:
                self.failures += 1
            delay = backoff_delay(attempt, self._rng, self.options.backoff_initial_s, self.options.backoff_max_s)
            attempt += 1
            log.error("%s; devices not judged until reconnected (they turn UNKNOWN, never DOWN); "
                      "reconnecting in %.1f s (attempt %d)", self.last_error, delay, attempt)
            try:
                await asyncio.wait_for(stop.wait(), delay)
            except TimeoutError:
                pass
        log.info("telemetry: stopped (%s)", ", ".join(f"{k} {v}" for k, v in self.ingest.counts().items() if v)
                 or "nothing received")

    def _client(self) -> aiomqtt.Client:
        b, o = self.broker, self.options
        return aiomqtt.Client(b.host, b.port, username=b.username,
                              password=str(b.password) if b.password is not None else None, logger=mqtt_log,
                              identifier=self.client_id, keepalive=o.keepalive_s, timeout=o.timeout_s,
                              tls_context=self._tls, max_queued_incoming_messages=o.max_queued, clean_session=True)

    async def _session(self, client: aiomqtt.Client, emit: Callable[[DevicePoll], None], stop: asyncio.Event) -> None:
        reader = asyncio.create_task(self._read(client, emit), name="telemetry reader")
        ticker = asyncio.create_task(self._tick(client, emit), name="telemetry deadlines")
        stopper = asyncio.create_task(stop.wait())
        try:
            done, _ = await asyncio.wait({reader, ticker, stopper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (reader, ticker, stopper):
                task.cancel()
            await asyncio.gather(reader, ticker, stopper, return_exceptions=True)
        for task in (reader, ticker):
            if task in done:
                task.result()  # raises what ended the session (MqttError: connection lost)

    async def _read(self, client: aiomqtt.Client, emit: Callable[[DevicePoll], None]) -> None:
        receive = self.ingest.receive
        wall, mono = self.wall, self.mono
        hb_prefix = self._hb_prefix
        async for message in client.messages:
            topic = message.topic.value
            now = self._last_echo = mono()  # any message proves the broker path works
            if topic.startswith(hb_prefix):
                continue  # heartbeats: ours (the echo), or another collector's
            payload = message.payload
            if not isinstance(payload, bytes):
                payload = payload.encode() if isinstance(payload, str) else b""
            poll = receive(topic, payload, wall(), now)
            if poll is not None:
                self._emit(emit, poll)

    async def _tick(self, client: aiomqtt.Client, emit: Callable[[DevicePoll], None]) -> None:
        while True:
            await asyncio.sleep(self.tick_s)
            now = self.mono()
            await client.publish(self._hb_topic, b"%.3f" % now, qos=0)
            silent = now - self._last_echo
            if silent > self.dead_after_s:
                raise aiomqtt.MqttError(f"no echo of our heartbeat for {silent:.1f} s (broker stalled or "
                                        "connection half-open)")
            if silent > self.echo_limit_s:
                self.suspect_ticks += 1
                if not self._suspect:
                    self._suspect = True
                    log.warning("telemetry: no echo from broker %s for %.1f s: devices not judged until it "
                                "answers again", self.broker.url, silent)
                continue
            if self._suspect:  # the broker answers again: what we missed meanwhile is not the devices' fault
                self._suspect = False
                self.ingest.connected(now)
                log.info("telemetry: broker %s answers again; deadlines restarted", self.broker.url)
            backlog = len(client.messages)
            if backlog > self.options.backlog_limit:
                self.suspect_ticks += 1
                log.warning("telemetry: %d messages waiting (overloaded): deadlines not judged this tick", backlog)
                continue
            for poll in self.ingest.due(self.wall(), now):
                self._emit(emit, poll)

    def _emit(self, emit: Callable[[DevicePoll], None], poll: DevicePoll) -> None:
        try:
            emit(poll)
        except Exception:
            if not self._emit_failed:  # once: the next ones would say the same
                log.exception("telemetry: the observation consumer failed on %s (later failures not logged)",
                              poll.device)
            self._emit_failed = True


__all__ = ["HEARTBEAT", "CollectorOptions", "TelemetryCollector", "TelemetryStats"]
