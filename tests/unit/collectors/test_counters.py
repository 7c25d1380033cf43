"""Counter/rate logic: wraps, restarts, sysUpTime wraps, discontinuities -> unknown, never a spike."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from collectors.counters import (
    AGENT_RESTARTED,
    AMBIGUOUS32,
    BACKWARDS,
    DISCONTINUITY,
    FIRST_SAMPLE,
    IMPLAUSIBLE,
    MISSING,
    REPLACED,
    TOO_SHORT,
    WIDTH_CHANGED,
    WRAP32,
    DeviceRates,
    InterfaceRate,
    RateTracker,
)
from vigie.errors import ConfigError
from vigie.observations import DevicePoll, InterfaceSample, PollError

T0 = 1_700_000_000.0
UP0 = 360_000  # one hour of TimeTicks


def iface(
    in_octets: int | None = 0,
    out_octets: int | None = 0,
    *,
    idx: int = 1,
    bits: int = 64,
    speed: int | None = 1000,
    name: str | None = "Gi0/1",
    errors: int | None = 0,
) -> InterfaceSample:
    return InterfaceSample(
        if_index=idx, name=name, in_octets=in_octets, out_octets=out_octets, counter_bits=bits,
        in_errors=errors, out_errors=errors, in_discards=errors, out_discards=errors, speed_mbps=speed,
    )  # fmt: skip


def poll(
    t: float, uptime: int | None, *ifs: InterfaceSample, error: PollError | None = None, partial: bool = False
) -> DevicePoll:
    return DevicePoll(
        device="R1", address="127.0.0.1", started=t - 0.05, duration_s=0.1, error=error, sys_uptime=uptime,
        uptime_at=t, interfaces=ifs, partial=partial,
    )  # fmt: skip


def rates(tracker: RateTracker, p: DevicePoll) -> DeviceRates:
    out = tracker.update(p)
    assert out is not None
    return out


def one(tracker: RateTracker, p: DevicePoll) -> InterfaceRate:
    out = rates(tracker, p)
    assert len(out.interfaces) == 1
    return out.interfaces[0]


def all_unknown(r: InterfaceRate) -> bool:
    values = (r.in_bps, r.out_bps, r.in_util_pct, r.out_util_pct, r.in_errors_ps, r.out_errors_ps,
              r.in_discards_ps, r.out_discards_ps)  # fmt: skip
    return all(v is None for v in values) and r.unknown_reason is not None


def test_first_sample_is_unknown() -> None:
    out = rates(RateTracker(), poll(T0, UP0, iface(10, 10)))
    assert out.device == "R1" and out.at == T0 and not out.restarted and out.uptime_s == 3600.0
    assert all_unknown(out.interfaces[0]) and out.interfaces[0].unknown_reason == FIRST_SAMPLE


def test_steady_traffic_gives_exact_bps_and_utilisation() -> None:
    tr = RateTracker()
    rates(tr, poll(T0, UP0, iface(1_000, 2_000, errors=5)))
    # 750 MB in, 75 MB out in 60 s on 1 Gb/s; wall clock says 60.4 s, the agent 60.00 s: trust the agent
    r = one(tr, poll(T0 + 60.4, UP0 + 6000, iface(1_000 + 750_000_000, 2_000 + 75_000_000, errors=65)))
    assert r.interval_s == 60.0 and r.unknown_reason is None
    assert r.in_bps == 100_000_000.0 and r.out_bps == 10_000_000.0
    assert r.in_util_pct == pytest.approx(10.0) and r.out_util_pct == pytest.approx(1.0)
    assert r.in_errors_ps == 1.0 and r.out_discards_ps == 1.0


def test_counter32_wrap_gives_the_right_rate() -> None:
    tr = RateTracker()
    rates(tr, poll(T0, UP0, iface(WRAP32 - 100_000, WRAP32 - 10, bits=32, speed=100)))
    r = one(tr, poll(T0 + 60, UP0 + 6000, iface(374_900_000, 90, bits=32, speed=100)))
    assert r.in_bps == 375_000_000 * 8 / 60 and r.out_bps == 100 * 8 / 60
    assert r.in_util_pct == pytest.approx(50.0)


def test_agent_restart_is_unknown_then_the_next_interval_is_good() -> None:
    tr = RateTracker()
    rates(tr, poll(T0, UP0, iface(5_000_000, 5_000_000)))
    out = rates(tr, poll(T0 + 60, 2_000, iface(100, 100)))  # up 20 s: rebooted 40 s after our poll
    assert out.restarted and all_unknown(out.interfaces[0])
    assert out.interfaces[0].unknown_reason == AGENT_RESTARTED
    out = rates(tr, poll(T0 + 120, 8_000, iface(100 + 7_500, 100)))
    assert not out.restarted and out.interfaces[0].in_bps == 1000.0 and out.interfaces[0].out_bps == 0.0


def test_restart_of_a_32bit_agent_is_not_taken_for_a_wrap() -> None:
    tr = RateTracker()
    rates(tr, poll(T0, UP0, iface(4_000_000, 4_000_000, bits=32, speed=100_000)))  # a wrap would be plausible
    r = one(tr, poll(T0 + 60, 1_000, iface(10, 10, bits=32, speed=100_000)))
    assert r.unknown_reason == AGENT_RESTARTED and r.in_bps is None


def test_sysuptime_497_day_wrap_is_not_a_restart() -> None:
    tr = RateTracker()
    before = WRAP32 - 1_000  # 10 s before the TimeTicks wrap
    rates(tr, poll(T0, before, iface(0, 0)))
    out = rates(tr, poll(T0 + 60.3, 5_000, iface(7_500_000, 0)))  # 60.00 s later by the agent
    assert not out.restarted
    r = out.interfaces[0]
    assert r.interval_s == 60.0 and r.in_bps == 1_000_000.0 and r.unknown_reason is None
    assert out.uptime_s == 50.0


def test_small_uptime_near_the_wrap_but_not_where_the_wrap_would_land_is_a_restart() -> None:
    tr = RateTracker()
    rates(tr, poll(T0, WRAP32 - 1_000, iface(0, 0)))
    out = rates(tr, poll(T0 + 60, 1_000, iface(10, 10)))  # a wrap would give ~5000 ticks
    assert out.restarted and out.interfaces[0].unknown_reason == AGENT_RESTARTED


def test_uptime_jumping_forward_is_a_discontinuity() -> None:
    tr = RateTracker()
    rates(tr, poll(T0, UP0, iface(0, 0)))
    out = rates(tr, poll(T0 + 60, UP0 + 600_000, iface(1_000, 1_000)))
    assert not out.restarted and out.interfaces[0].unknown_reason == DISCONTINUITY
    assert all_unknown(out.interfaces[0])


def test_64bit_counter_going_backwards_is_unknown_never_a_spike() -> None:
    tr = RateTracker()
    rates(tr, poll(T0, UP0, iface(10**12, 10**12)))
    r = one(tr, poll(T0 + 60, UP0 + 6000, iface(5, 10**12 + 60)))
    assert r.in_bps is None and r.in_util_pct is None and r.unknown_reason == BACKWARDS
    assert r.out_bps == 8.0  # the other direction is still fine


def test_implausible_rates_are_unknown() -> None:
    tr = RateTracker()
    # a 32-bit "wrap" that would mean 4.3 GB in 60 s on a 10 Mb/s link: a counter reset, not traffic
    rates(tr, poll(T0, UP0, iface(3_000_000_000, 0, bits=32, speed=10)))
    r = one(tr, poll(T0 + 60, UP0 + 6000, iface(1_000, 0, bits=32, speed=10)))
    assert r.in_bps is None and r.unknown_reason == IMPLAUSIBLE and r.out_bps == 0.0
    # also on 64-bit: 1 Gb/s through a 100 Mb/s port
    rates(tr, poll(T0 + 120, UP0 + 12_000, iface(0, 0, idx=2, speed=100)))
    r = one(tr, poll(T0 + 180, UP0 + 18_000, iface(7_500_000_000, 0, idx=2, speed=100)))
    assert r.in_bps is None and r.unknown_reason == IMPLAUSIBLE


def test_slight_burst_over_speed_is_allowed_up_to_the_factor() -> None:
    tr = RateTracker(max_rate_factor=1.1)
    rates(tr, poll(T0, UP0, iface(0, 0, speed=100)))
    r = one(tr, poll(T0 + 10, UP0 + 1000, iface(131_250_000, 0, speed=100)))  # 105 Mb/s
    assert r.in_util_pct == pytest.approx(105.0)
    r = one(tr, poll(T0 + 20, UP0 + 2000, iface(131_250_000 + 150_000_000, 0, speed=100)))  # 120 Mb/s
    assert r.in_bps is None and r.unknown_reason == IMPLAUSIBLE


def test_counter32_that_could_wrap_twice_is_ambiguous() -> None:
    tr = RateTracker()
    rates(tr, poll(T0, UP0, iface(0, 0, bits=32, speed=1000)))  # 1 Gb/s * 60 s = 7.5 GB > 2**32
    r = one(tr, poll(T0 + 60, UP0 + 6000, iface(1_000, 1_000, bits=32, speed=1000, errors=3)))
    assert r.in_bps is None and r.out_bps is None and r.unknown_reason == AMBIGUOUS32
    assert r.in_errors_ps == pytest.approx(0.05)  # errors are still measured
    # the same link polled every 30 s (3.75 GB < 2**32) is fine
    r = one(tr, poll(T0 + 90, UP0 + 9000, iface(1_000 + 3_000_000_000, 1_000, bits=32, speed=1000)))
    assert r.in_bps == 800_000_000.0


def test_failed_poll_keeps_the_previous_sample() -> None:
    tr = RateTracker()
    rates(tr, poll(T0, UP0, iface(0, 0)))
    assert tr.update(poll(T0 + 60, None, error=PollError.TIMEOUT)) is None
    r = one(tr, poll(T0 + 120, UP0 + 12_000, iface(1_200_000, 0)))
    assert r.interval_s == 120.0 and r.in_bps == 80_000.0


def test_interfaces_appearing_and_disappearing() -> None:
    tr = RateTracker()
    rates(tr, poll(T0, UP0, iface(0, 0, idx=1), iface(0, 0, idx=2)))
    out = rates(tr, poll(T0 + 60, UP0 + 6000, iface(60, 60, idx=2), iface(0, 0, idx=3)))
    by_idx = {r.if_index: r for r in out.interfaces}
    assert set(by_idx) == {2, 3}  # 1 vanished: no rate
    assert by_idx[2].in_bps == 8.0 and by_idx[3].unknown_reason == FIRST_SAMPLE
    out = rates(tr, poll(T0 + 120, UP0 + 12_000, iface(0, 0, idx=1), iface(120, 120, idx=3)))
    by_idx = {r.if_index: r for r in out.interfaces}
    assert by_idx[1].unknown_reason == FIRST_SAMPLE and by_idx[3].in_bps == 16.0


def test_partial_poll_keeps_older_samples_of_missed_interfaces() -> None:
    tr = RateTracker()
    rates(tr, poll(T0, UP0, iface(0, 0, idx=1), iface(0, 0, idx=2)))
    rates(tr, poll(T0 + 60, UP0 + 6000, iface(60, 60, idx=1), partial=True))  # the walk missed idx 2
    out = rates(tr, poll(T0 + 120, UP0 + 12_000, iface(120, 120, idx=1), iface(240, 240, idx=2)))
    by_idx = {r.if_index: r for r in out.interfaces}
    assert by_idx[1].interval_s == 60.0 and by_idx[1].in_bps == 8.0
    assert by_idx[2].interval_s == 120.0 and by_idx[2].in_bps == 16.0


def test_counter_width_change_and_replaced_interface_are_unknown() -> None:
    tr = RateTracker()
    rates(tr, poll(T0, UP0, iface(0, 0, bits=32, speed=100)))
    r = one(tr, poll(T0 + 60, UP0 + 6000, iface(100, 100, bits=64, speed=100)))  # ifXTable appeared
    assert all_unknown(r) and r.unknown_reason == WIDTH_CHANGED
    r = one(tr, poll(T0 + 120, UP0 + 12_000, iface(200, 200, speed=100, name="Tunnel7")))
    assert all_unknown(r) and r.unknown_reason == REPLACED
    r = one(tr, poll(T0 + 180, UP0 + 18_000, iface(260, 200, speed=100, name=None)))
    assert r.in_bps == 8.0  # an unnamed sample does not count as a replacement


def test_utilisation_needs_a_speed() -> None:
    tr = RateTracker()
    rates(tr, poll(T0, UP0, iface(0, 0, idx=1, speed=None), iface(0, 0, idx=2, speed=0), iface(0, 0, idx=3, speed=10)))
    later = (iface(1_250_000, 0, idx=i, speed=s) for i, s in ((1, None), (2, 0), (3, 10)))
    out = rates(tr, poll(T0 + 10, UP0 + 1000, *later))
    for r in out.interfaces:
        assert r.in_bps == 1_000_000.0 and r.out_util_pct == (0.0 if r.if_index == 3 else None)
    assert [r.in_util_pct for r in out.interfaces] == [None, None, pytest.approx(10.0)]


def test_error_counters_wrap_but_a_clear_is_unknown() -> None:
    tr = RateTracker()
    rates(tr, poll(T0, UP0, iface(0, 0, errors=WRAP32 - 10)))
    r = one(tr, poll(T0 + 10, UP0 + 1000, iface(0, 0, errors=10)))
    assert r.in_errors_ps == 2.0 and r.out_discards_ps == 2.0
    r = one(tr, poll(T0 + 20, UP0 + 2000, iface(0, 0, errors=3)))  # "clear counters"
    assert r.in_errors_ps is None and r.unknown_reason == DISCONTINUITY and r.in_bps == 0.0


def test_interval_too_short() -> None:
    tr = RateTracker(min_interval_s=5.0)
    rates(tr, poll(T0, UP0, iface(0, 0)))
    r = one(tr, poll(T0 + 2, UP0 + 200, iface(100, 100)))
    assert all_unknown(r) and r.unknown_reason == TOO_SHORT


def test_without_sysuptime_the_wall_clock_is_used_and_wraps_cannot_be_trusted() -> None:
    tr = RateTracker()
    rates(tr, poll(T0, None, iface(WRAP32 - 10, 0, bits=32, speed=100)))
    r = one(tr, poll(T0 + 60.5, None, iface(10, 605, bits=32, speed=100)))
    assert r.interval_s == 60.5 and r.out_bps == 80.0
    assert r.in_bps is None and r.unknown_reason == DISCONTINUITY  # a wrap or a silent restart


def test_missing_counter_is_unknown() -> None:
    tr = RateTracker()
    rates(tr, poll(T0, UP0, iface(0, 0)))
    r = one(tr, poll(T0 + 10, UP0 + 1000, iface(None, 10, errors=None)))
    assert r.in_bps is None and r.in_errors_ps is None and r.out_bps == 8.0 and r.unknown_reason == MISSING


def test_forget_and_devices_are_independent() -> None:
    tr = RateTracker()
    rates(tr, poll(T0, UP0, iface(0, 0)))
    other = DevicePoll("R2", "127.0.0.2", T0, 0.1, sys_uptime=5, uptime_at=T0, interfaces=(iface(0, 0),))
    rates(tr, other)
    assert "R1" in tr and "R2" in tr
    tr.forget("R1")
    tr.forget("nope")
    assert "R1" not in tr
    assert one(tr, poll(T0 + 60, UP0 + 6000, iface(60, 60))).unknown_reason == FIRST_SAMPLE


@pytest.mark.parametrize("kwargs", [{"max_rate_factor": 0.9}, {"min_interval_s": -1.0}, {"max_rate_factor": math.nan}])
def test_bad_settings_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ConfigError, match="must be"):
        RateTracker(**kwargs)


# --- property: random traffic with a known true rate; every rate is None or within 1 % ---------------------------


@dataclass
class Agent:
    """A simulated agent: exact true octets, its own (drifting) TimeTicks, reboots."""

    bits: int
    speed: int
    ticks: float  # unwrapped TimeTicks as the agent's clock counts them
    drift: float
    octets: list[int]  # in, out: true totals since boot (the agent reports them modulo 2**bits)
    errors: int
    booted_ticks_history: list[float] = field(default_factory=list)

    def sample(self) -> InterfaceSample:
        m = 2**self.bits
        e = self.errors % WRAP32
        return InterfaceSample(1, "ge-0/0/0", 1, 1, self.octets[0] % m, self.octets[1] % m, self.bits,
                               e, e, e, e, self.speed)  # fmt: skip

    def run(self, seconds: float, bps: tuple[float, float], eps: float) -> tuple[int, int, int]:
        done = (int(bps[0] * seconds / 8), int(bps[1] * seconds / 8), int(eps * seconds))
        self.octets = [self.octets[0] + done[0], self.octets[1] + done[1]]
        self.errors += done[2]
        self.ticks += seconds * 100 * (1 + self.drift)
        return done

    def reboot(self) -> None:
        self.octets, self.errors, self.ticks = [0, 0], 0, 0.0


step_st = st.tuples(
    st.floats(30, 600),  # seconds to the next poll
    st.floats(0, 1), st.floats(0, 1),  # utilisation in / out
    st.floats(0, 50),  # errors per second
    st.sampled_from(["ok"] * 6 + ["fail", "reboot"]),
    st.floats(0, 1),  # where the reboot falls in the step
    st.floats(0, 0.5),  # our reply latency
)  # fmt: skip


@settings(derandomize=True, max_examples=400, deadline=None)
@given(
    bits=st.sampled_from([32, 64]),
    speed=st.sampled_from([1, 10, 100, 1000, 10_000]),
    start_ticks=st.one_of(st.integers(0, WRAP32 - 1), st.integers(WRAP32 - 200_000, WRAP32 - 1)),
    start_octets=st.tuples(*[st.one_of(st.integers(0, 2**62), st.integers(WRAP32 - 10**9, WRAP32 - 1))] * 2),
    start_errors=st.integers(WRAP32 - 5_000, WRAP32 - 1),
    drift=st.floats(-0.005, 0.005),
    steps=st.lists(step_st, min_size=1, max_size=25),
)
def test_rates_are_right_or_unknown_never_a_spike(
    bits: int, speed: int, start_ticks: int, start_octets: tuple[int, int], start_errors: int, drift: float,
    steps: list[tuple[float, float, float, float, str, float, float]],
) -> None:  # fmt: skip
    agent = Agent(bits, speed, float(start_ticks), drift, list(start_octets), start_errors)
    tracker = RateTracker()
    t = T0
    first = rates(tracker, DevicePoll("R1", "a", t, 0.1, sys_uptime=start_ticks, uptime_at=t,
                                      interfaces=(agent.sample(),)))  # fmt: skip
    assert first.interfaces[0].unknown_reason == FIRST_SAMPLE
    span, moved, rebooted, last_ticks = 0.0, [0, 0, 0], False, float(start_ticks)
    for dt, u_in, u_out, eps, what, where, latency in steps:
        bps = (u_in * speed * 1e6, u_out * speed * 1e6)
        if what == "reboot":
            before = agent.run(dt * where, bps, eps)
            agent.reboot()
            after = agent.run(dt * (1 - where), bps, eps)
            done = tuple(a + b for a, b in zip(before, after))
            # a reboot is only visible if sysUpTime fell by more than the tolerance; and a reboot
            # landing exactly where the 497-day wrap would have put sysUpTime looks like that wrap
            fell_s = (last_ticks / 100 + span + dt * where) - agent.ticks / 100
            expected = last_ticks + (span + dt) * 100
            like_wrap = abs(agent.ticks + WRAP32 - expected) < (6 + 0.02 * (span + dt)) * 100
            if fell_s < 6 + 0.02 * (span + dt) or like_wrap:
                return  # inherent blind spots of sysUpTime, beyond this property
            rebooted = True
        else:
            done = agent.run(dt, bps, eps)
        t += dt
        span += dt
        moved = [m + d for m, d in zip(moved, done)]
        if what == "fail":
            assert tracker.update(DevicePoll("R1", "a", t, 2.0, error=PollError.TIMEOUT)) is None
            continue
        out = rates(tracker, DevicePoll("R1", "a", t, 0.1, sys_uptime=int(agent.ticks) % WRAP32,
                                        uptime_at=t + latency, interfaces=(agent.sample(),)))  # fmt: skip
        r = out.interfaces[0]
        assert out.restarted == rebooted
        true = (moved[0] * 8 / span, moved[1] * 8 / span, moved[2] / span)
        for got, want in ((r.in_bps, true[0]), (r.out_bps, true[1]), (r.in_errors_ps, true[2])):
            assert got is None or math.isclose(got, want, rel_tol=0.01, abs_tol=1e-9), (got, want, r)
        if r.in_bps is not None:
            util = r.in_util_pct
            assert util is not None and util == pytest.approx(r.in_bps / (speed * 1e6) * 100) and util <= 110.0
        clean = not rebooted and (bits == 64 or speed * 1e6 * span / 8 < 0.98 * WRAP32)
        if clean:  # nothing ambiguous happened: the rates must be known
            assert r.in_bps is not None and r.out_bps is not None and r.in_errors_ps is not None, r
        span, moved, rebooted, last_ticks = 0.0, [0, 0, 0], False, agent.ticks % WRAP32
