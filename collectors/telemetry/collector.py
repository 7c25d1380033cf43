"""The telemetry collector: an MQTT subscriber (aiomqtt) feeding the monitor like the SNMP poller.

It implements :class:`vigie.monitor.runtime.ObservationSource`: ``await collector.run(emit, stop)``
until ``stop`` is set. Each accepted message becomes a :class:`~vigie.observations.DevicePoll`
(:mod:`collectors.telemetry.ingest`); a device that misses its period becomes a TIMEOUT poll, so the
state engine applies the same hysteresis as to SNMP.

The connection is watched, not assumed: five times a second the collector publishes a numbered
heartbeat on ``<prefix>/_vigie/<client id>`` and reads its own echo back; deadlines are scanned
every tick (``min(1 s, period / 4)``).
Deadlines are judged only when silence can be blamed on the devices, that is not while:

- the newest echo processed is older than ``echo_limit_s`` (the broker is slow, or messages wait
  in our queue: the collector is behind);
- an echo was lost (a later one came back): the broker drops messages it should send us, as
  mosquitto does when a subscriber's queue is full; judging resumes ``grace_periods`` later;
- more than ``backlog_limit`` messages wait here.

Meanwhile it emits nothing for the silent devices (they go stale, UNKNOWN, never DOWN), and when
it can judge again every device gets a full grace period. Even then a device is late only if its
deadline passed before the newest echo was sent: the silence must lie where the broker is proven
to have delivered. Nothing at all received for
``dead_after_s``, not even the echo (a stalled broker, a half-open TCP connection): it reconnects.
If an ACL forbids the heartbeat, any message received counts as a sign of life instead.

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
BATCH = 500  # messages handled per wake-up at most (the loop's other tasks run between batches)


@dataclass(frozen=True, slots=True)
class CollectorOptions:
    backoff_initial_s: float = 0.5
    backoff_max_s: float = 30.0
    keepalive_s: int = 30
    timeout_s: float = 10.0  # connect, subscribe, publish
    tick_s: float | None = None  # deadline scan period (None: min(1 s, period / 4))
    heartbeat_s: float = 0.2  # heartbeats this often: a broker dropping messages is seen within a second or so
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
    suspect_ticks: int  # ticks when silence could not be blamed on the devices (deadlines not judged)
    echoes_lost: int  # heartbeats the broker never sent back (it drops what it should send us)
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
        self._echo_at = 0.0  # when the newest echo we have processed was sent (our monotonic clock)
        self._echoes = 0  # echoes processed this session (0: an ACL may forbid them; any message counts)
        self._hb_seq = 0
        self._echo_seq = 0  # newest heartbeat echoed
        self._hb_pending: dict[int, float] = {}  # heartbeats sent, not echoed yet: seq → when
        self._lossy_until = 0.0  # an echo was lost (the broker drops what it sends us): not judged until then
        self.echoes_lost = 0
        self._arrived = 0.0  # when the client last received anything from the broker
        self._inbox: asyncio.Queue[aiomqtt.Message] | None = None
        self._suspect = False
        self._emit_failed = False

    def stats(self) -> TelemetryStats:
        return TelemetryStats(self.connected, self.connects, self.losses, self.failures, self.last_error,
                              self.suspect_ticks, self.echoes_lost, self.ingest.counts())

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
                    self._echo_at = self._arrived = self.mono()
                    self._echoes = 0
                    self._hb_pending.clear()
                    self._echo_seq = self._hb_seq
                    self._lossy_until = 0.0
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
                              tls_context=self._tls, max_queued_incoming_messages=o.max_queued, clean_session=True,
                              queue_type=self._inbox_type())

    def _inbox_type(self) -> type[asyncio.Queue[aiomqtt.Message]]:
        """aiomqtt's incoming queue (its ``queue_type``), known to the collector: it notes when anything
        arrives, and :meth:`_read` drains it in batches (one wake-up per batch, not a task per message)."""
        collector = self

        class Inbox(asyncio.Queue[aiomqtt.Message]):
            def __init__(self, maxsize: int = 0) -> None:
                super().__init__(maxsize)
                collector._inbox = self

            def put_nowait(self, item: aiomqtt.Message) -> None:
                collector._arrived = collector.mono()
                super().put_nowait(item)

        return Inbox

    async def _session(self, client: aiomqtt.Client, emit: Callable[[DevicePoll], None], stop: asyncio.Event) -> None:
        tasks = [asyncio.create_task(self._read(client, emit), name="telemetry reader"),
                 asyncio.create_task(self._tick(client, emit), name="telemetry deadlines"),
                 asyncio.create_task(self._beat(client), name="telemetry heartbeat")]
        stopper = asyncio.create_task(stop.wait())
        try:
            done, _ = await asyncio.wait({*tasks, stopper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (*tasks, stopper):
                task.cancel()
            await asyncio.gather(*tasks, stopper, return_exceptions=True)
        for task in tasks:
            if task in done:
                task.result()  # raises what ended the session (MqttError: connection lost)

    async def _read(self, client: aiomqtt.Client, emit: Callable[[DevicePoll], None]) -> None:
        inbox = self._inbox
        assert inbox is not None
        handle = self._handle
        async for message in client.messages:  # ends with MqttError when the connection is lost
            handle(message, emit)
            for _ in range(min(inbox.qsize(), BATCH)):  # then what is already waiting, without a wake-up each
                handle(inbox.get_nowait(), emit)

    def _handle(self, message: aiomqtt.Message, emit: Callable[[DevicePoll], None]) -> None:
        topic = message.topic.value
        now = self.mono()
        payload = message.payload
        if not isinstance(payload, bytes):
            payload = payload.encode() if isinstance(payload, str) else b""
        if topic.startswith(self._hb_prefix):  # a heartbeat: ours (the echo), or another collector's
            if topic == self._hb_topic:
                sent = self._hb_pending.pop(self._hb_seq_of(payload), None)
                if sent is not None:
                    self._echo_at = max(self._echo_at, sent)
                    self._echo_seq = max(self._echo_seq, self._hb_seq_of(payload))
                    self._echoes += 1
            return
        if not self._echoes:  # no echo yet (an ACL may forbid our heartbeat): any message is a sign of life
            self._echo_at = now
        poll = self.ingest.receive(topic, payload, self.wall(), now)
        if poll is not None:
            self._emit(emit, poll)

    @staticmethod
    def _hb_seq_of(payload: bytes) -> int:
        head = payload.split(b" ", 1)[0]
        return int(head) if head.isdigit() else -1

    async def _beat(self, client: aiomqtt.Client) -> None:
        """Numbered heartbeats, read back by :meth:`_handle` (see the module's documentation)."""
        while True:
            now = self.mono()
            self._hb_seq += 1
            self._hb_pending[self._hb_seq] = now
            await client.publish(self._hb_topic, b"%d %.3f" % (self._hb_seq, now), qos=0)
            await asyncio.sleep(self.options.heartbeat_s)

    async def _tick(self, client: aiomqtt.Client, emit: Callable[[DevicePoll], None]) -> None:
        while True:
            await asyncio.sleep(self.tick_s)
            now = self.mono()
            quiet = now - self._arrived
            if quiet > self.dead_after_s:
                raise aiomqtt.MqttError(f"nothing received for {quiet:.1f} s, not even our heartbeat (broker "
                                        "stalled or connection half-open)")
            why = self._not_judging(now, len(client.messages))
            if why is not None:
                self.suspect_ticks += 1
                if not self._suspect:
                    self._suspect = True
                    log.warning("telemetry: %s: devices not judged until it recovers (they turn UNKNOWN, never DOWN)",
                                why)
                continue
            if self._suspect:  # recovered: what could not be heard meanwhile is not the devices' fault
                self._suspect = False
                self.ingest.connected(now)
                log.info("telemetry: broker %s and collector keep up again; deadlines restarted", self.broker.url)
            # a device is late only if its deadline passed while the broker was proven to deliver
            # (up to when the newest echo processed was sent): a stall that began a moment ago blames no one
            for poll in self.ingest.due(self.wall(), min(now, self._echo_at)):
                self._emit(emit, poll)

    def _not_judging(self, now: float, backlog: int) -> str | None:
        """Why silence cannot be blamed on the devices now (None: it can)."""
        pending, newest = self._hb_pending, self._echo_seq
        lost = [seq for seq in pending if seq < newest]  # a later one came back, not this one: dropped
        lost += [seq for seq, sent in pending.items() if seq > newest and sent < now - self.dead_after_s]
        for seq in lost:
            del pending[seq]
        if lost and self._echoes:
            self.echoes_lost += len(lost)
            self._lossy_until = now + max(self.settings.grace_periods * self.settings.expected_period_s, 3.0)
        if now < self._lossy_until:
            return (f"broker {self.broker.url} drops messages it should send us ({self.echoes_lost} heartbeat(s) "
                    f"lost; {backlog} waiting here)")
        behind = now - self._echo_at  # how old the newest echo processed is: broker and queue delay
        if behind > self.echo_limit_s:
            return (f"our heartbeat through broker {self.broker.url} is {behind:.1f} s behind (broker slow or "
                    f"collector overloaded, {backlog} messages waiting)")
        if backlog > self.options.backlog_limit:
            return f"{backlog} messages waiting (collector overloaded)"
        return None

    def _emit(self, emit: Callable[[DevicePoll], None], poll: DevicePoll) -> None:
        try:
            emit(poll)
        except Exception:
            if not self._emit_failed:  # once: the next ones would say the same
                log.exception("telemetry: the observation consumer failed on %s (later failures not logged)",
                              poll.device)
            self._emit_failed = True


__all__ = ["HEARTBEAT", "CollectorOptions", "TelemetryCollector", "TelemetryStats"]
