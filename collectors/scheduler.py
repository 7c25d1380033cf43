"""When each device is polled: every interval, spread evenly over it, never two at once.

Each device gets a fixed offset in the interval from a hash of its name, so the load is
flat (no burst at :00) and a device is polled at the same second of every cycle. At most
``concurrency`` polls run at once; a device whose previous poll is still running is
skipped for this cycle and reported (SKIPPED) rather than queued twice. Cycle reports say
how many polls finished, how many were late and by how much: the poller watches itself.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from collectors.snmp.targets import Target
from vigie.observations import DevicePoll, PollError

PollFn = Callable[[Target], Awaitable[DevicePoll]]
Sink = Callable[[DevicePoll], None]


def offset_fraction(device: str) -> float:
    """A stable place in [0, 1) for ``device`` within every cycle."""
    return int.from_bytes(hashlib.blake2b(device.encode(), digest_size=8).digest(), "big") / 2.0**64


@dataclass(slots=True)
class CycleReport:
    cycle: int
    started: float  # wall clock
    interval_s: float
    devices: int
    completed: int = 0
    ok: int = 0
    failed: int = 0
    timeouts: int = 0
    skipped: int = 0
    late: int = 0  # started more than 1 s after their slot
    max_lateness_s: float = 0.0
    wall_s: float = 0.0
    cpu_s: float = 0.0
    durations_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)

    def add(self, poll: DevicePoll) -> None:
        self.completed += 1
        if poll.ok:
            self.ok += 1
        else:
            self.failed += 1
            assert poll.error is not None
            self.errors[poll.error.value] = self.errors.get(poll.error.value, 0) + 1
            if poll.error is PollError.TIMEOUT:
                self.timeouts += 1
            if poll.error is PollError.SKIPPED:
                self.skipped += 1
        self.durations_ms.append(poll.duration_s * 1000.0)

    @property
    def completion(self) -> float:
        return self.completed / self.devices if self.devices else 1.0

    def percentile_ms(self, q: float) -> float | None:
        if not self.durations_ms:
            return None
        data = sorted(self.durations_ms)
        return data[min(len(data) - 1, int(q * len(data)))]


class Scheduler:
    def __init__(self, targets: Sequence[Target], poll: PollFn, interval_s: float = 60.0, concurrency: int = 1000,
                 wall: Callable[[], float] = time.time, clock: Callable[[], float] = time.monotonic) -> None:
        self.targets = sorted(targets, key=lambda t: offset_fraction(t.device))
        self.offsets = [offset_fraction(t.device) * interval_s for t in self.targets]
        self.poll_fn = poll
        self.interval_s = interval_s
        self.concurrency = concurrency
        self._wall = wall
        self._clock = clock
        self._running: set[str] = set()
        self._sem = asyncio.Semaphore(concurrency)  # shared by overlapping cycles
        self.cycle = 0

    async def run_cycle(self, sink: Sink | None = None, spread: bool = True) -> CycleReport:
        """One cycle: each device at its slot (or all at once when ``spread`` is false);
        returns when every poll of the cycle has finished."""
        sem = self._sem
        report = CycleReport(self.cycle, self._wall(), self.interval_s, len(self.targets))
        start, cpu0 = self._clock(), time.process_time()
        self.cycle += 1

        async def one(target: Target, slot: float) -> None:
            if target.device in self._running:
                poll = DevicePoll(target.device, target.address, self._wall(), 0.0, PollError.SKIPPED,
                                  "the previous poll of this device is still running")
            else:
                self._running.add(target.device)
                try:
                    async with sem:
                        lateness = self._clock() - slot
                        if spread and lateness > 1.0:  # unspread, waiting for a slot is the plan
                            report.late += 1
                            report.max_lateness_s = max(report.max_lateness_s, lateness)
                        poll = await self.poll_fn(target)
                finally:
                    self._running.discard(target.device)
            report.add(poll)
            if sink is not None:
                sink(poll)

        tasks = []
        for target, offset in zip(self.targets, self.offsets):
            slot = start + (offset if spread else 0.0)
            delay = slot - self._clock()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(target, slot)))
        await asyncio.gather(*tasks)
        report.wall_s = self._clock() - start
        report.cpu_s = time.process_time() - cpu0
        return report

    async def run_forever(self, sink: Sink, on_cycle: Callable[[CycleReport], None] | None = None,
                          stop: asyncio.Event | None = None) -> None:
        """A cycle every interval on a fixed grid (cycle ``n`` starts at ``start + n * interval``),
        whatever the previous one's stragglers: a device still being polled from the last cycle is
        skipped and reported (SKIPPED), never polled twice, and the others keep their slot. A
        cycle is reported to ``on_cycle`` when its last poll ends."""
        start = self._clock()
        running: set[asyncio.Task[CycleReport]] = set()

        def done(task: asyncio.Task[CycleReport]) -> None:
            running.discard(task)
            if on_cycle is not None and not task.cancelled() and task.exception() is None:
                on_cycle(task.result())

        n = 0
        try:
            while stop is None or not stop.is_set():
                task = asyncio.create_task(self.run_cycle(sink), name=f"poll-cycle-{self.cycle}")
                running.add(task)
                task.add_done_callback(done)
                n += 1
                rest = start + n * self.interval_s - self._clock()
                if rest < 0:  # this process fell behind by whole cycles: skip them, start on the grid
                    missed = int(-rest // self.interval_s) + 1
                    n += missed
                    rest += missed * self.interval_s
                if stop is None:
                    await asyncio.sleep(rest)
                else:
                    try:
                        await asyncio.wait_for(stop.wait(), rest)
                    except TimeoutError:
                        pass
        finally:
            for task in list(running):
                task.cancel()
            if running:
                await asyncio.gather(*running, return_exceptions=True)
