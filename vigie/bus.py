"""The bus: observations, state changes, alarms and the poller's health, published once and read
by whoever subscribes (the dashboard, the SLA engine, the console), in-process.

:class:`Bus` is the seam (a :class:`typing.Protocol`); :class:`LocalBus` the in-process
implementation, an MQTT one can take its place later (topics map to MQTT topics, items to JSON).

Publishing never blocks and never fails: the monitor's loop must not wait for a slow reader.
Each subscription has its own bounded queue; when a reader falls behind, the *oldest* items of
its queue are dropped and counted (``Subscription.dropped``), so a reader always knows it missed
something and can re-read the store (the dashboard reloads the states, the SLA engine the
changes) instead of silently showing a wrong picture.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Callable
from enum import StrEnum
from typing import Any, Protocol

from vigie.errors import ConfigError


class Topic(StrEnum):
    POLLS = "polls"  # vigie.observations.DevicePoll
    RATES = "rates"  # collectors.counters.DeviceRates
    CHANGES = "changes"  # vigie.state.StateChange
    ALARMS = "alarms"  # vigie.state.AlarmRaised / Updated / Cleared / Acked
    CYCLES = "cycles"  # collectors.scheduler.CycleReport
    STATUS = "status"  # vigie.monitor.status.MonitorStatus (national counts, every few seconds)


class Subscription:
    """A reader's queue on one or more topics: ``async for topic, item in sub`` or :meth:`drain`."""

    def __init__(self, topics: frozenset[Topic], maxsize: int, on_close: Callable[[Subscription], None]) -> None:
        self.topics = topics
        self.maxsize = maxsize
        self.dropped = 0  # items lost because this reader fell behind (oldest first)
        self.received = 0
        self._queue: deque[tuple[Topic, Any]] = deque()
        self._ready = asyncio.Event()
        self._closed = False
        self._on_close = on_close

    def _put(self, topic: Topic, item: Any) -> None:
        if len(self._queue) >= self.maxsize:
            self._queue.popleft()
            self.dropped += 1
        self._queue.append((topic, item))
        self.received += 1
        self._ready.set()

    def drain(self, limit: int | None = None) -> list[tuple[Topic, Any]]:
        """What is queued (at most ``limit``), without waiting."""
        n = len(self._queue) if limit is None else min(limit, len(self._queue))
        out = [self._queue.popleft() for _ in range(n)]
        if not self._queue:
            self._ready.clear()
        return out

    def pending(self) -> int:
        return len(self._queue)

    async def get(self) -> tuple[Topic, Any]:
        """The next item; waits for one (raises StopAsyncIteration once closed and empty)."""
        while not self._queue:
            if self._closed:
                raise StopAsyncIteration
            self._ready.clear()
            await self._ready.wait()
        item = self._queue.popleft()
        if not self._queue and not self._closed:
            self._ready.clear()
        return item

    def __aiter__(self) -> AsyncIterator[tuple[Topic, Any]]:
        return self

    async def __anext__(self) -> tuple[Topic, Any]:
        return await self.get()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._ready.set()
            self._on_close(self)


class Bus(Protocol):
    def publish(self, topic: Topic, item: Any) -> None: ...

    def subscribe(self, *topics: Topic, maxsize: int = 10_000) -> Subscription: ...

    def listen(self, topic: Topic, callback: Callable[[Any], None]) -> Callable[[], None]: ...


class LocalBus:
    """In-process bus. Not thread-safe: publish and read from the event loop's thread."""

    def __init__(self) -> None:
        self._subs: dict[Topic, list[Subscription]] = {t: [] for t in Topic}
        self._listeners: dict[Topic, list[Callable[[Any], None]]] = {t: [] for t in Topic}
        self.published = dict.fromkeys(Topic, 0)
        self.listener_errors = 0

    def publish(self, topic: Topic, item: Any) -> None:
        self.published[topic] += 1
        for sub in self._subs[topic]:
            sub._put(topic, item)
        for callback in self._listeners[topic]:
            try:
                callback(item)
            except Exception:  # a broken reader must not stop the monitor
                self.listener_errors += 1

    def subscribe(self, *topics: Topic, maxsize: int = 10_000) -> Subscription:
        if not topics:
            raise ConfigError("subscribe() needs at least one topic, e.g. subscribe(Topic.CHANGES)")
        if maxsize < 1:
            raise ConfigError(f"subscription maxsize={maxsize}: must be at least 1")
        sub = Subscription(frozenset(topics), maxsize, self._unsubscribe)
        for t in sub.topics:
            self._subs[t].append(sub)
        return sub

    def listen(self, topic: Topic, callback: Callable[[Any], None]) -> Callable[[], None]:
        """Call ``callback(item)`` synchronously on each publish (keep it short); returns the undo."""
        self._listeners[topic].append(callback)

        def undo() -> None:
            if callback in self._listeners[topic]:
                self._listeners[topic].remove(callback)

        return undo

    def subscribers(self, topic: Topic) -> int:
        return len(self._subs[topic]) + len(self._listeners[topic])

    def _unsubscribe(self, sub: Subscription) -> None:
        for t in sub.topics:
            if sub in self._subs[t]:
                self._subs[t].remove(sub)


__all__ = ["Bus", "LocalBus", "Subscription", "Topic"]
