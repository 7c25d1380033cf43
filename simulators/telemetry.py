"""The telemetry simulator: inventory devices publishing samples to an MQTT broker.

Every device publishes one message every ``period_s`` on ``<prefix>/<site or infra>/<device>``, at
its own fixed place in the period (a hash of its name: the load is flat), with the payload of
:mod:`simulators.telemetry_model` (the SNMP farm's counters). The fault timeline is the farm's:

- silent devices (down, rebooting, cut off from the datacentres) publish nothing;
- ``packet_loss`` drops that share of the messages (seeded) and shows in ``pop.loss_pct``;
- ``slow_agent`` publishes the sample ``delay_ms`` late (a late message, same ``ts``);
- ``malformed``: ``garbage`` / ``truncated`` payloads, ``bad_length`` wrong types, and
  ``wrong_request_id`` the previous sample again (a duplicate).

The ground truth is the timeline's (``FaultTimeline.ground_truth()``), written as it happens when
``ground_truth`` is given (``vigie simulate`` already writes it for the farm: pass None there).

The publishing loop is synchronous (:meth:`Publishers.run`, paho-mqtt driven by hand: see
:mod:`simulators.telemetry_link` for why not aiomqtt here). Three ways to run it: ``await
run_publishers(settings, stop)`` from asyncio (the loop in a worker thread); :class:`PublisherThread`
(for the synchronous ``vigie simulate``); ``python -m simulators.telemetry`` (a process of its own;
its last line is a JSON object of :class:`PublisherStats`). While the broker is unreachable the
publisher reconnects with backoff and the samples due meanwhile are not sent (counted ``unsent``),
as a real device at QoS 0 would lose them.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import os
import random
import ssl
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from simulators.device import SimDevice
from simulators.faults import FaultKind
from simulators.groundtruth import GroundTruthWriter
from simulators.scenario import FaultTimeline
from simulators.telemetry_link import Link, LinkError, broker_address, connect
from simulators.telemetry_model import TelemetryDevice, broken
from simulators.traffic import stable_unit
from vigie.errors import ConfigError
from vigie.model import Inventory

log = logging.getLogger("vigie.simulate.telemetry")
MAX_SLEEP_S = 0.2  # how often ``stop`` is looked at when nothing is due


@dataclass(frozen=True, slots=True)
class PublisherSettings:
    inventory: Inventory
    timeline: FaultTimeline
    start: float  # wall time of the scenario's t = 0
    broker: str  # mqtt://HOST[:PORT] or mqtts://HOST[:PORT]
    topic_prefix: str = "rie/telemetry"
    period_s: float = 7.0
    devices: Sequence[str] | None = None  # None: every inventory device
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    ca_file: str | None = None  # mqtts: the CA that signed the broker's certificate (None: the system's)
    qos: int = 0
    seed: int = 1
    ground_truth: str | Path | None = None
    reconnect_max_s: float = 5.0  # backoff ceiling between connection attempts


@dataclass(slots=True)
class PublisherStats:
    devices: int = 0
    published: int = 0
    silent: int = 0  # not published: the device is down or cut off
    lost: int = 0  # dropped by packet_loss
    delayed: int = 0  # published late by slow_agent
    malformed: int = 0
    duplicates: int = 0  # wrong_request_id: the previous sample sent again
    unsent: int = 0  # due while the broker was unreachable
    connects: int = 0
    max_lag_s: float = 0.0  # how far behind schedule the publisher fell at worst
    errors: list[str] = field(default_factory=list)


class Publishers:
    """The devices, their schedule and the fault effects; :meth:`run` publishes until ``stop``."""

    def __init__(self, s: PublisherSettings) -> None:
        self.s = s
        self.host, self.port, tls = broker_address(s.broker)
        try:
            self.tls = ssl.create_default_context(cafile=s.ca_file) if tls else None
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(f"telemetry simulator: cannot load CA file {s.ca_file!r}: {exc}") from exc
        inv = s.inventory
        names = list(inv.devices) if s.devices is None else list(s.devices)
        missing = [n for n in names if n not in inv.devices]
        if missing:
            raise ConfigError(f"telemetry simulator: device {missing[0]!r} not in inventory")
        bad = [n for n in names if any(c in n for c in "/+#")]
        if bad:
            raise ConfigError(f"telemetry simulator: device name {bad[0]!r} cannot be an MQTT topic level")
        self.names = sorted(names, key=_phase)
        self.phases = [_phase(n) * s.period_s for n in self.names]
        self.built: dict[str, TelemetryDevice] = {}
        self.last: dict[str, bytes] = {}  # the last good payload, kept only for devices that may resend it
        self._resend = {d for f in s.timeline.faults if f.kind is FaultKind.MALFORMED for d in f.devices}
        self.rng = random.Random(s.seed)
        self.stats = PublisherStats(devices=len(names))
        self.delayed: list[tuple[float, int, str, bytes]] = []
        self._seq = 0
        self._next: float | None = None  # start of the period being published
        self._i = 0  # next device of that period (len(names): the period's end)

    def device(self, name: str) -> TelemetryDevice:
        dev = self.built.get(name)
        if dev is None:
            s, tl = self.s, self.s.timeline
            sim = SimDevice(s.inventory, s.inventory.devices[name], s.start, tl.boot_offsets(name),
                            tl.oper_down_intervals(name), tl.counter_wraps(name))
            dev = self.built[name] = TelemetryDevice(sim, s.inventory, s.topic_prefix.rstrip("/"))
        return dev

    def message(self, name: str, due: float) -> tuple[str, bytes, float] | None:
        """(topic, payload, when to send) of ``name``'s sample at ``due``, or None (silent, lost)."""
        tl, rel, st = self.s.timeline, due - self.s.start, self.stats
        if tl.silent(name, rel):
            st.silent += 1
            return None
        loss = tl.loss(name, rel)
        if loss and self.rng.random() < loss:
            st.lost += 1
            return None
        dev = self.device(name)
        payload = dev.payload(due, loss)
        mode = tl.malformed(name, rel)
        if mode == "wrong_request_id" and name in self.last:
            st.duplicates += 1
            payload = self.last[name]
        elif mode is not None:
            st.malformed += 1
            payload = broken(payload, mode, self.rng)
        elif name in self._resend:
            self.last[name] = payload
        delay = tl.delay_s(name, rel)
        if delay:
            st.delayed += 1
        return dev.topic, payload, due + delay

    def run(self, stop: threading.Event) -> PublisherStats:
        """Publish until ``stop`` is set (blocking; reconnects with backoff); the run's statistics."""
        writer = None
        if self.s.ground_truth is not None:
            writer = GroundTruthWriter(self.s.ground_truth, self.s.timeline.ground_truth(), self.s.start)
        attempt = 0
        try:
            while not stop.is_set():
                link = None
                try:
                    link = connect(self.host, self.port, f"vigie-sim-{os.getpid()}-{id(self):x}-{self.stats.connects}",
                                   self.s.username, self.s.password, self.tls)
                    self.stats.connects += 1
                    attempt = 0
                    log.info("telemetry simulator: %d devices publishing every %g s to %s",
                             len(self.names), self.s.period_s, self.s.broker)
                    self._publish_loop(link, stop, writer)
                except LinkError as exc:
                    delay = min(self.s.reconnect_max_s, 0.25 * 2 ** min(attempt, 20)) * (0.5 + self.rng.random() / 2)
                    attempt += 1
                    msg = f"telemetry broker {self.s.broker}: {exc}"
                    if len(self.stats.errors) < 20:
                        self.stats.errors.append(msg)
                    log.warning("%s; reconnecting in %.1f s", msg, delay)
                    self._idle(stop, delay, writer)
                finally:
                    if link is not None:
                        link.close()
        finally:
            if writer is not None:
                writer.tick(time.time())
                writer.close()
        return self.stats

    def _idle(self, stop: threading.Event, seconds: float, writer: GroundTruthWriter | None) -> None:
        """Wait (stop honoured), counting the samples that fall due meanwhile as unsent."""
        end = time.time() + seconds
        while not stop.is_set() and time.time() < end:
            stop.wait(min(MAX_SLEEP_S, max(end - time.time(), 0.0)))
        now = time.time()
        self._catch_up(now, count_unsent=True)
        if writer is not None:
            writer.tick(now)

    def _catch_up(self, now: float, count_unsent: bool) -> None:
        """Move the schedule to ``now`` (at start, and after an outage: what fell due is unsent)."""
        n, period = len(self.names), self.s.period_s
        if self._next is None:
            self._next = now - (now - self.s.start) % period
            self._i = 0
            count_unsent = False
        if now >= self._next + period:
            periods = int((now - self._next) // period)
            if count_unsent:
                self.stats.unsent += (n - self._i) + (periods - 1) * n
            self._next += periods * period
            self._i = 0
        while self._i < n and self._next + self.phases[self._i] < now:
            if count_unsent:
                self.stats.unsent += 1
            self._i += 1

    def _due(self) -> float:
        assert self._next is not None
        i = self._i
        return self._next + (self.phases[i] if i < len(self.phases) else self.s.period_s)

    def _advance(self) -> None:
        self._i += 1
        if self._i > len(self.names):
            assert self._next is not None
            self._i = 0
            self._next += self.s.period_s

    def _publish_loop(self, link: Link, stop: threading.Event, writer: GroundTruthWriter | None) -> None:
        self._catch_up(time.time(), count_unsent=True)
        qos, st, names = self.s.qos, self.stats, self.names
        while not stop.is_set():
            now = time.time()
            sent = 0
            while (due := self._due()) <= now and sent < 1000:
                if self._i < len(names):
                    st.max_lag_s = max(st.max_lag_s, now - due)
                    msg = self.message(names[self._i], due)
                    if msg is not None:
                        if msg[2] > due:
                            self._seq += 1
                            heapq.heappush(self.delayed, (msg[2], self._seq, msg[0], msg[1]))
                        else:
                            link.publish(msg[0], msg[1], qos)
                            st.published += 1
                            sent += 1
                self._advance()
            while self.delayed and self.delayed[0][0] <= now:
                _, _, topic, payload = heapq.heappop(self.delayed)
                link.publish(topic, payload, qos)
                st.published += 1
            if writer is not None:
                writer.tick(now)
            wake = self._due()
            if self.delayed:
                wake = min(wake, self.delayed[0][0])
            link.serve(0.0 if sent >= 1000 else min(MAX_SLEEP_S, wake - time.time()))  # behind: no wait


def _phase(name: str) -> float:
    """Where in each period the device publishes, 0..1 (the model's own phase)."""
    return stable_unit(name, "telemetry")


async def run_publishers(settings: PublisherSettings, stop: asyncio.Event) -> PublisherStats:
    """Publish until ``stop`` is set (the loop runs in a worker thread); the statistics of the run.
    Raises ``ConfigError`` at once for a bad broker URL, an unknown device or an unreadable CA file;
    broker failures are retried."""
    publishers = Publishers(settings)
    halt = threading.Event()

    async def bridge() -> None:
        await stop.wait()
        halt.set()

    watcher = asyncio.create_task(bridge())
    try:
        return await asyncio.to_thread(publishers.run, halt)
    finally:
        halt.set()
        watcher.cancel()


class PublisherThread:
    """:meth:`Publishers.run` in a thread, for the synchronous ``vigie simulate``. Start it after the
    farm's workers are forked (from the first ``on_tick`` of :func:`simulators.farm.run_workers`): a
    process must not fork while other threads run."""

    def __init__(self, settings: PublisherSettings) -> None:
        self.publishers = Publishers(settings)  # configuration errors raise here, in the caller's thread
        self._halt = threading.Event()
        self._thread = threading.Thread(target=self._main, name="telemetry publishers", daemon=True)
        self.error: BaseException | None = None

    def _main(self) -> None:
        try:
            self.publishers.run(self._halt)
        except BaseException as exc:  # kept for stop(), never lost with the thread
            self.error = exc
            log.exception("telemetry simulator failed")

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> PublisherStats:
        """Stop publishing and wait (at most ``timeout``); the statistics of the run."""
        self._halt.set()
        self._thread.join(timeout)
        return self.publishers.stats


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m simulators.telemetry --inventory rie.json --broker mqtt://127.0.0.1:1883 ...``"""
    import argparse
    import fnmatch
    import json
    import signal

    from simulators.scenario import load_scenario
    from vigie.inventory import load_inventory
    from vigie.secrets import resolve

    p = argparse.ArgumentParser(prog="python -m simulators.telemetry", description=__doc__.split("\n")[0])
    p.add_argument("--inventory", required=True)
    p.add_argument("--broker", default="mqtt://127.0.0.1:1883")
    p.add_argument("--scenario")
    p.add_argument("--ground-truth")
    p.add_argument("--prefix", default="rie/telemetry")
    p.add_argument("--period", type=float, default=7.0)
    p.add_argument("--devices", default="*", help="glob over device names")
    p.add_argument("--limit", type=int, default=0, help="at most this many devices (0: all)")
    p.add_argument("--shard", default="0/1", help="K/N: publish every N-th device from the K-th (several processes)")
    p.add_argument("--username")
    p.add_argument("--password", help="a secret reference: env:NAME or file:PATH#KEY")
    p.add_argument("--ca-file")
    p.add_argument("--qos", type=int, choices=(0, 1), default=0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--start", type=float, help="wall time of the scenario's t=0 (default: now)")
    p.add_argument("--duration", type=float, help="seconds (default: until SIGINT or SIGTERM)")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        inv = load_inventory(args.inventory)
        timeline = FaultTimeline(load_scenario(args.scenario, inv) if args.scenario else None, inv)
        names = [n for n in inv.devices if fnmatch.fnmatchcase(n, args.devices)]
        if args.limit:
            names = names[: args.limit]
        k, _, n = args.shard.partition("/")
        if not (k.isdigit() and n.isdigit() and int(k) < int(n)):
            raise ConfigError(f"--shard {args.shard!r}: write K/N with 0 <= K < N, e.g. 0/2 and 1/2")
        names = names[int(k)::int(n)]
        settings = PublisherSettings(inv, timeline, args.start or time.time(), args.broker, args.prefix,
                                     args.period, names, args.username,
                                     resolve(args.password) if args.password else None, args.ca_file, args.qos,
                                     args.seed, args.ground_truth)
        publishers = Publishers(settings)
    except (ConfigError, OSError) as exc:
        print(f"telemetry simulator: {exc}", flush=True)
        return 2

    halt = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: halt.set())
    if args.duration is not None:
        timer = threading.Timer(args.duration, halt.set)
        timer.daemon = True
        timer.start()
    stats = publishers.run(halt)
    print(json.dumps(asdict(stats)), flush=True)
    return 0


__all__ = ["PublisherSettings", "PublisherStats", "PublisherThread", "Publishers", "broker_address", "main",
           "run_publishers"]

if __name__ == "__main__":
    raise SystemExit(main())
