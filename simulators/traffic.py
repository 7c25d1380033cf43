"""Traffic model of a simulated interface: counters that behave like a real router's.

Each interface carries a seeded traffic profile: a mean rate and a daily cycle
(peak in the early afternoon, Paris time), in and out. Octet counters are the exact
integral of that rate since the device booted, minus the time the interface was down,
plus a constant offset (used to place a counter wrap at a chosen moment). So counters
are monotonic within a boot, Counter32 wraps exactly like a real one (it is the low 32
bits of the 64-bit counter), and everything restarts from zero when the device reboots.

Pure functions of (profile, boot time, down intervals, wall time): no state to keep
between requests, so any number of worker processes agree on every value.
"""

from __future__ import annotations

import hashlib
import math
import struct
from dataclasses import dataclass

DAY = 86_400.0
TWO_PI = 2.0 * math.pi
# Peak at 14:00 Paris time ≈ 13:00 UTC: sin peaks at phase + DAY/4.
PEAK_UTC_S = 13 * 3600.0
MASK32 = (1 << 32) - 1
MASK64 = (1 << 64) - 1
_UNPACK8 = struct.Struct(">8I").unpack
AVG_PACKET = 620.0  # bytes per packet, for packet counters


def stable_unit(*parts: object) -> float:
    """A number in [0, 1) derived from ``parts``, identical in every process and run."""
    digest = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2.0**64


@dataclass(frozen=True, slots=True)
class Profile:
    """Daily-cycle traffic of one direction of one interface, in bytes per second."""

    mean: float  # bytes/s averaged over a day
    amplitude: float  # 0..1: how deep the daily cycle is

    def integral(self, t: float) -> float:
        """Bytes sent from epoch 0 to wall time ``t`` (an antiderivative of the rate)."""
        # rate(t) = mean * (1 + a*sin(2π(t - t0)/DAY)), t0 = PEAK - DAY/4
        phase = TWO_PI * (t - PEAK_UTC_S + DAY / 4.0) / DAY
        return self.mean * (t - self.amplitude * DAY / TWO_PI * math.cos(phase))

    def rate(self, t: float) -> float:
        phase = TWO_PI * (t - PEAK_UTC_S + DAY / 4.0) / DAY
        return self.mean * (1.0 + self.amplitude * math.sin(phase))


def phase_cos(t: float) -> float:
    """cos of the daily phase at wall time ``t``: ``Profile.integral(t)`` is
    ``mean * (t - amplitude * DAY / TWO_PI * phase_cos(t))``. A device's counters need it
    once per request (and once per boot), whatever the number of interfaces."""
    return math.cos(TWO_PI * (t - PEAK_UTC_S + DAY / 4.0) / DAY)


def port_units(device: str, if_index: int) -> tuple[float, ...]:
    """Eight numbers in [0, 1) for one interface from a single hash (building 20,000
    devices must stay cheap): utilisation and swing in, the same out, then error and
    discard draws in and out."""
    digest = hashlib.blake2b(f"{device}|{if_index}".encode(), digest_size=32).digest()
    return tuple([x / 4294967296.0 for x in _UNPACK8(digest)])


def profile_from(u_util: float, u_amp: float, speed_mbps: int, active: bool) -> Profile:
    """Mean utilisation 2–45 % of the interface speed (most lightly loaded, a few busy),
    daily swing 30–80 %."""
    return Profile(*profile_params(u_util, u_amp, speed_mbps, active))


def profile_params(u_util: float, u_amp: float, speed_mbps: int, active: bool) -> tuple[float, float]:
    """(mean, amplitude) of :func:`profile_from`, without the object."""
    if not active or speed_mbps <= 0:
        return 0.0, 0.0
    return speed_mbps * 1e6 / 8.0 * (0.02 + 0.43 * u_util * u_util), 0.3 + 0.5 * u_amp


def error_from(u: float) -> float:
    """Errors or discards per second: zero on most interfaces, a trickle (< 0.3/s) on 15 %."""
    return 0.0 if u < 0.85 else (u - 0.85) * 2.0


def profile_for(device: str, if_index: int, speed_mbps: int, direction: str, active: bool) -> Profile:
    """The profile :class:`simulators.device.SimDevice` gives one direction of an interface."""
    u = port_units(device, if_index)
    k = 0 if direction == "in" else 2
    return profile_from(u[k], u[k + 1], speed_mbps, active)


def octets(profile: Profile, boot: float, t: float, down: list[tuple[float, float]]) -> float:
    """Bytes counted from ``boot`` to ``t``, not counting the ``down`` intervals."""
    if t <= boot or profile.mean == 0.0:
        return 0.0
    total = profile.integral(t) - profile.integral(boot)
    for start, end in down:
        if end <= boot or start >= t:
            continue
        s = max(start, boot)
        e = min(end, t)
        total -= profile.integral(e) - profile.integral(s)
    return max(total, 0.0)


def counter32(value: float) -> int:
    return int(value) & MASK32


def wrap_offset(value_at_wrap: float, bits: int) -> int:
    """The constant to add to a counter so that its ``bits``-bit form wraps when the raw
    counter reaches ``value_at_wrap`` (a few bytes past zero, like a real wrap)."""
    modulus = 1 << bits
    return (modulus - int(value_at_wrap) % modulus) % modulus
