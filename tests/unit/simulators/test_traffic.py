"""Counter model: exact integrals, monotonic counters, wraps and down time."""

from __future__ import annotations

import math

from simulators.traffic import (
    DAY,
    MASK32,
    Profile,
    counter32,
    octets,
    profile_for,
    stable_unit,
    wrap_offset,
)


def test_integral_matches_numerical_integration_of_rate() -> None:
    p = Profile(mean=1_000_000.0, amplitude=0.6)
    t0, t1 = 1_700_000_000.0, 1_700_000_000.0 + 7200
    steps = 7200
    numeric = sum(p.rate(t0 + (i + 0.5)) for i in range(steps))
    assert math.isclose(p.integral(t1) - p.integral(t0), numeric, rel_tol=1e-6)


def test_daily_mean_is_the_mean() -> None:
    p = Profile(mean=500.0, amplitude=0.8)
    assert math.isclose(p.integral(DAY * 3) - p.integral(DAY * 2), 500.0 * DAY, rel_tol=1e-9)


def test_octets_monotonic_and_frozen_while_down() -> None:
    p = profile_for("S00001-R1", 3, 1000, "in", True)
    boot = 1_000.0
    down = [(5_000.0, 6_000.0)]
    values = [octets(p, boot, boot + s, down) for s in range(0, 10_000, 250)]
    assert all(b >= a for a, b in zip(values, values[1:]))
    assert octets(p, boot, 5_000.0, down) == octets(p, boot, 5_999.0, down)
    assert octets(p, boot, 6_100.0, down) > octets(p, boot, 5_999.0, down)
    assert octets(p, boot, boot - 1, down) == 0.0


def test_inactive_profile_counts_nothing() -> None:
    assert octets(profile_for("X", 1, 1000, "in", False), 0.0, 10_000.0, []) == 0.0


def test_wrap_offset_places_the_wrap() -> None:
    value = 123_456_789_012.0
    off = wrap_offset(value, 32)
    assert counter32(value + off) == 0
    assert counter32(value - 1 + off) == MASK32
    off64 = wrap_offset(value, 64)
    assert (int(value) + off64) % (1 << 64) == 0


def test_stable_unit_is_stable_and_spread() -> None:
    assert stable_unit("a", 1) == stable_unit("a", 1)
    xs = [stable_unit("dev", i) for i in range(2000)]
    assert 0.45 < sum(xs) / len(xs) < 0.55 and min(xs) >= 0.0 and max(xs) < 1.0
