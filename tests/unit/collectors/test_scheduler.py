"""The scheduler: stable, evenly spread offsets, bounded concurrency, SKIPPED polls, cycle
reports. Poll functions are fakes (no sockets); intervals are fractions of a second."""

from __future__ import annotations

import asyncio
import hashlib
import random
import time

import pytest

from collectors.scheduler import CycleReport, Scheduler, offset_fraction
from collectors.snmp.targets import Credentials, Target
from vigie.observations import DevicePoll, PollError

pytestmark = pytest.mark.timeout(30)


def tgt(name: str) -> Target:
    return Target(name, "", "127.0.0.1", 161, Credentials("2c", community=b"public"), 1.0, 1, 25)


def ok_poll(t: Target, duration_s: float = 0.001) -> DevicePoll:
    return DevicePoll(t.device, t.address, time.time(), duration_s)


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


# --- offsets -------------------------------------------------------------------------------------


def test_offset_is_stable_and_in_the_unit_interval() -> None:
    names = [f"S{n:05d}-R1" for n in range(500)]
    first = [offset_fraction(n) for n in names]
    assert first == [offset_fraction(n) for n in names]
    assert all(0.0 <= f < 1.0 for f in first)
    # a hash of the name only (not Python's salted hash()): the same second in every process
    digest = hashlib.blake2b(b"PAR-C03", digest_size=8).digest()
    assert offset_fraction("PAR-C03") == int.from_bytes(digest, "big") / 2.0**64
    assert len(set(first)) == len(first)


def test_offsets_are_spread_evenly_no_burst() -> None:
    names = [f"S{n:05d}-R{r}" for n in range(10_000) for r in (1, 2)]
    bins = [0] * 60  # one per second of a 60 s interval
    for n in names:
        bins[int(offset_fraction(n) * 60)] += 1
    expected = len(names) / 60  # 333
    assert max(bins) < expected * 1.25 and min(bins) > expected * 0.75, bins
    assert bins[0] < expected * 1.25  # no burst at :00
    fractions = sorted(offset_fraction(n) for n in names)
    worst_gap = max(b - a for a, b in zip(fractions, fractions[1:]))
    assert worst_gap < 0.002  # never a silent stretch of more than ~0.1 s in 60 s


def test_scheduler_offsets_do_not_depend_on_inventory_order() -> None:
    targets = [tgt(f"D{n:03d}") for n in range(200)]
    shuffled = targets[:]
    random.Random(7).shuffle(shuffled)
    a, b = Scheduler(targets, _never, interval_s=60), Scheduler(shuffled, _never, interval_s=60)
    slots_a = {t.device: o for t, o in zip(a.targets, a.offsets)}
    slots_b = {t.device: o for t, o in zip(b.targets, b.offsets)}
    assert slots_a == slots_b
    assert a.offsets == sorted(a.offsets) and all(0 <= o < 60 for o in a.offsets)
    # adding devices does not move the others
    c = Scheduler(targets + [tgt("NEW-1"), tgt("NEW-2")], _never, interval_s=60)
    slots_c = {t.device: o for t, o in zip(c.targets, c.offsets)}
    assert all(slots_c[d] == o for d, o in slots_a.items())


async def _never(t: Target) -> DevicePoll:
    raise AssertionError("not polled in this test")


async def test_cycle_polls_each_device_at_its_slot() -> None:
    interval = 0.5
    targets = [tgt(f"D{n:02d}") for n in range(12)]
    started: dict[str, float] = {}

    async def poll(t: Target) -> DevicePoll:
        started[t.device] = time.monotonic()
        return ok_poll(t)

    sched = Scheduler(targets, poll, interval_s=interval, concurrency=100)
    t0 = time.monotonic()
    report = await sched.run_cycle()
    assert report.completed == report.ok == 12 and report.late == 0
    for t, offset in zip(sched.targets, sched.offsets):
        at = started[t.device] - t0
        assert offset - 0.02 <= at <= offset + 0.15, (t.device, offset, at)
    assert report.wall_s < interval + 0.2


async def test_unspread_cycle_starts_everything_at_once() -> None:
    targets = [tgt(f"D{n:02d}") for n in range(12)]
    started: list[float] = []

    async def poll(t: Target) -> DevicePoll:
        started.append(time.monotonic())
        return ok_poll(t)

    report = await Scheduler(targets, poll, interval_s=30.0).run_cycle(spread=False)
    assert report.completed == 12
    assert max(started) - min(started) < 0.1


# --- concurrency and overruns -------------------------------------------------------------------


async def test_concurrency_is_bounded() -> None:
    in_flight = peak = 0

    async def poll(t: Target) -> DevicePoll:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.01)
        in_flight -= 1
        return ok_poll(t)

    sink: list[DevicePoll] = []
    report = await Scheduler([tgt(f"D{n:02d}") for n in range(40)], poll, concurrency=4).run_cycle(
        sink.append, spread=False)
    assert peak == 4
    assert report.completed == report.ok == 40
    assert sorted(p.device for p in sink) == [f"D{n:02d}" for n in range(40)]


async def test_a_device_still_polling_is_skipped() -> None:
    release = asyncio.Event()
    calls: dict[str, int] = {}

    async def poll(t: Target) -> DevicePoll:
        calls[t.device] = calls.get(t.device, 0) + 1
        if t.device == "STUCK":
            await asyncio.wait_for(release.wait(), 5.0)
        return ok_poll(t)

    sched = Scheduler([tgt("STUCK"), tgt("A"), tgt("B")], poll, interval_s=0.1, concurrency=10)
    first = asyncio.create_task(sched.run_cycle(spread=False))
    for _ in range(200):
        if calls.get("STUCK"):
            break
        await asyncio.sleep(0.005)
    polls: list[DevicePoll] = []
    second = await asyncio.wait_for(sched.run_cycle(polls.append, spread=False), 2.0)
    assert second.skipped == 1 and second.failed == 1 and second.ok == 2
    assert second.errors == {"skipped": 1}
    skipped = next(p for p in polls if p.device == "STUCK")
    assert skipped.error is PollError.SKIPPED and "still running" in skipped.detail
    assert not skipped.reachable  # "we could not measure" is not "the device is down" either
    assert calls == {"STUCK": 1, "A": 2, "B": 2}
    release.set()
    first_report = await asyncio.wait_for(first, 2.0)
    assert first_report.ok == 3
    third = await sched.run_cycle(spread=False)  # no longer running: polled again
    assert third.ok == 3 and calls["STUCK"] == 2


async def test_a_slow_device_does_not_delay_the_others() -> None:
    done: dict[str, float] = {}

    async def poll(t: Target) -> DevicePoll:
        if t.device == "SLOW":
            await asyncio.sleep(0.5)
        done[t.device] = time.monotonic()
        return ok_poll(t)

    t0 = time.monotonic()
    report = await Scheduler([tgt("SLOW")] + [tgt(f"D{n}") for n in range(10)], poll,
                             concurrency=5).run_cycle(spread=False)
    assert report.ok == 11
    assert all(done[f"D{n}"] - t0 < 0.2 for n in range(10))
    assert report.wall_s >= 0.5


async def test_late_polls_are_counted() -> None:
    clock = FakeClock()

    async def poll(t: Target) -> DevicePoll:
        clock.t += 2.0  # each poll takes 2 s of (fake) time, one at a time
        return ok_poll(t, 2.0)

    targets = [tgt(f"D{n}") for n in range(4)]
    # slots spread over 4 ms: the 2nd, 3rd and 4th start about 2, 4 and 6 s after theirs
    report = await Scheduler(targets, poll, interval_s=0.004, concurrency=1, clock=clock).run_cycle(spread=True)
    assert report.late == 3
    assert report.max_lateness_s == pytest.approx(6.0, abs=0.01)
    assert report.wall_s == pytest.approx(8.0)
    # unspread (vigie poll --once), waiting for a free slot is the plan, not lateness
    unspread = await Scheduler(targets, poll, concurrency=1, clock=clock).run_cycle(spread=False)
    assert unspread.late == 0 and unspread.wall_s == pytest.approx(8.0)


async def test_run_forever_cycles_until_stopped() -> None:
    stop = asyncio.Event()
    reports: list[CycleReport] = []
    seen: list[str] = []

    async def poll(t: Target) -> DevicePoll:
        return ok_poll(t)

    def on_cycle(r: CycleReport) -> None:
        reports.append(r)
        if len(reports) == 3:
            stop.set()

    sched = Scheduler([tgt("A"), tgt("B")], poll, interval_s=0.1)
    t0 = time.monotonic()
    await asyncio.wait_for(sched.run_forever(lambda p: seen.append(p.device), on_cycle, stop), 5.0)
    assert [r.cycle for r in reports] == [0, 1, 2]
    assert sorted(seen) == ["A"] * 3 + ["B"] * 3
    assert 0.2 <= time.monotonic() - t0 < 1.0  # one cycle per interval, the last one cut short


async def test_a_slow_device_does_not_shift_the_others_cadence() -> None:
    """Cycles start on a fixed grid: a device slower than the interval is skipped (reported) in
    the cycles it overlaps, and every other device is still polled once per interval."""
    stop = asyncio.Event()
    reports: list[CycleReport] = []
    seen: dict[str, list[float]] = {}

    async def poll(t: Target) -> DevicePoll:
        if t.device == "SLOW":
            await asyncio.sleep(0.45)
        return ok_poll(t)

    def sink(p: DevicePoll) -> None:
        seen.setdefault(p.device, []).append(time.monotonic())

    def on_cycle(r: CycleReport) -> None:
        reports.append(r)

    sched = Scheduler([tgt("A"), tgt("B"), tgt("SLOW")], poll, interval_s=0.2)
    t0 = time.monotonic()
    task = asyncio.create_task(sched.run_forever(sink, on_cycle, stop))
    await asyncio.sleep(1.1)
    stop.set()
    await asyncio.wait_for(task, 2.0)
    assert 5 <= len(seen["A"]) <= 7 and 5 <= len(seen["B"]) <= 7  # one per 0.2 s over 1.1 s
    gaps = [b - a for a, b in zip(seen["A"], seen["A"][1:])]
    assert max(gaps) < 0.3  # never held back by SLOW
    assert sum(r.skipped for r in reports) >= 2  # SLOW's overlapping cycles said so
    assert time.monotonic() - t0 < 2.0


# --- reports --------------------------------------------------------------------------------------


def _poll(error: PollError | None, ms: float, name: str = "X") -> DevicePoll:
    return DevicePoll(name, "127.0.0.1", 0.0, ms / 1000.0, error)


def test_cycle_report_counts_and_percentiles() -> None:
    r = CycleReport(cycle=0, started=0.0, interval_s=60.0, devices=110)
    assert r.percentile_ms(0.5) is None
    order = list(range(1, 101))
    random.Random(3).shuffle(order)
    for ms in order:
        r.add(_poll(None, ms))
    for err in [PollError.TIMEOUT] * 4 + [PollError.DECODE_ERROR] * 2 + [PollError.SKIPPED, PollError.AUTH_FAILURE]:
        r.add(_poll(err, 0.0))
    assert (r.completed, r.ok, r.failed, r.timeouts, r.skipped) == (108, 100, 8, 4, 1)
    assert r.errors == {"timeout": 4, "decode_error": 2, "skipped": 1, "auth_failure": 1}
    assert r.completion == pytest.approx(108 / 110)
    p50, p95, p100 = r.percentile_ms(0.5), r.percentile_ms(0.95), r.percentile_ms(1.0)
    # 108 durations: 8 zeros, then 1..100 ms
    assert p50 is not None and 45 <= p50 <= 47
    assert p95 is not None and 94 <= p95 <= 96
    assert p100 == pytest.approx(100.0)


def test_cycle_report_percentiles_small_samples() -> None:
    r = CycleReport(cycle=0, started=0.0, interval_s=60.0, devices=0)
    assert r.completion == 1.0
    r.add(_poll(None, 12.0))
    assert r.percentile_ms(0.5) == pytest.approx(12.0) == r.percentile_ms(0.95)
    r.add(_poll(None, 30.0))
    p50, p95 = r.percentile_ms(0.5), r.percentile_ms(0.95)
    assert p50 is not None and p95 is not None and 12.0 <= p50 <= p95 <= 30.0


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_percentiles_are_order_independent_and_monotonic(seed: int) -> None:
    rng = random.Random(seed)
    values = [rng.expovariate(1 / 20) for _ in range(rng.randrange(1, 300))]
    a = CycleReport(0, 0.0, 60.0, len(values))
    b = CycleReport(0, 0.0, 60.0, len(values))
    for v in values:
        a.add(_poll(None, v))
    for v in sorted(values, reverse=True):
        b.add(_poll(None, v))
    qs = [0.0, 0.1, 0.5, 0.9, 0.95, 0.99, 1.0]
    got = [a.percentile_ms(q) for q in qs]
    assert got == [b.percentile_ms(q) for q in qs]
    assert all(x is not None for x in got)
    assert got == sorted(got)  # type: ignore[type-var]
    assert got[0] == pytest.approx(min(values)) and got[-1] == pytest.approx(max(values))

