"""The in-process bus: fan-out per topic, bounded queues that drop the oldest and say so, readers
that cannot stall or break the publisher."""

from __future__ import annotations

import asyncio

import pytest

from vigie.bus import LocalBus, Topic
from vigie.errors import ConfigError


def test_each_subscriber_gets_its_topics_in_order() -> None:
    bus = LocalBus()
    changes = bus.subscribe(Topic.CHANGES)
    both = bus.subscribe(Topic.CHANGES, Topic.ALARMS)
    for i in range(3):
        bus.publish(Topic.CHANGES, i)
    bus.publish(Topic.ALARMS, "a")
    bus.publish(Topic.POLLS, "nobody")
    assert changes.drain() == [(Topic.CHANGES, 0), (Topic.CHANGES, 1), (Topic.CHANGES, 2)]
    assert both.drain() == [(Topic.CHANGES, 0), (Topic.CHANGES, 1), (Topic.CHANGES, 2), (Topic.ALARMS, "a")]
    assert bus.published[Topic.POLLS] == 1 and changes.dropped == 0


def test_a_slow_reader_loses_the_oldest_and_counts_them() -> None:
    bus = LocalBus()
    sub = bus.subscribe(Topic.POLLS, maxsize=5)
    for i in range(12):
        bus.publish(Topic.POLLS, i)
    assert sub.dropped == 7
    assert [item for _, item in sub.drain()] == [7, 8, 9, 10, 11]


async def test_async_iteration_wakes_on_publish_and_ends_on_close() -> None:
    bus = LocalBus()
    sub = bus.subscribe(Topic.ALARMS)
    got: list[object] = []

    async def reader() -> None:
        async for _, item in sub:
            got.append(item)

    task = asyncio.create_task(reader())
    await asyncio.sleep(0)
    bus.publish(Topic.ALARMS, 1)
    await asyncio.sleep(0)
    bus.publish(Topic.ALARMS, 2)
    await asyncio.sleep(0)
    sub.close()
    await asyncio.wait_for(task, 1.0)
    assert got == [1, 2]
    bus.publish(Topic.ALARMS, 3)  # closed: unsubscribed
    assert bus.subscribers(Topic.ALARMS) == 0


def test_a_listener_that_raises_does_not_stop_the_others() -> None:
    bus = LocalBus()
    seen: list[object] = []

    def broken(item: object) -> None:
        raise RuntimeError("reader bug")

    bus.listen(Topic.STATUS, broken)
    undo = bus.listen(Topic.STATUS, seen.append)
    bus.publish(Topic.STATUS, "x")
    undo()
    bus.publish(Topic.STATUS, "y")
    assert seen == ["x"] and bus.listener_errors == 2


def test_bad_subscriptions_are_refused_with_the_fix() -> None:
    bus = LocalBus()
    with pytest.raises(ConfigError, match="at least one topic"):
        bus.subscribe()
    with pytest.raises(ConfigError, match="maxsize=0"):
        bus.subscribe(Topic.POLLS, maxsize=0)
