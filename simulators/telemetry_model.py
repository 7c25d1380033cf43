"""What a simulated router publishes as telemetry at time t: the payload of ``docs/telemetry.md``.

Counters and interface states are those of the SNMP farm, from the same
:class:`~simulators.device.SimDevice` and the same columns (``ifHCInOctets`` / ``ifHCOutOctets``,
``ifIn/OutErrors``, ``ifIn/OutDiscards``, ``ifOperStatus``): a device read over SNMP and over
telemetry at the same instant gives the same numbers, reboots, counter wraps and link faults
included. On top, device metrics of our own, pure functions of (device, t):

- ``cpu_pct``: a per-device base (5–40 %) plus a daily swing, a little noise, and 85–95 % during
  the two minutes after a boot;
- ``mem_pct``: a per-device base (30–70 %) that creeps up with uptime (reset by a reboot);
- ``pop`` (site devices only): RTT to the home POP by access medium (fibre 1–6 ms, copper
  6–16 ms, 4G 30–70 ms, satellite 550–650 ms), jitter, and the loss the scenario's
  ``packet_loss`` inflicts (which also drops that share of the messages).

This module does not import the collector: the simulator writes the format independently, so a
bug in one side cannot hide in the other (the tests parse these payloads with the collector).
"""

from __future__ import annotations

import math
import random
from typing import Any

import orjson

from simulators.device import SimDevice
from simulators.ifcounters import Ctx, Events, Octets
from simulators.traffic import DAY, TWO_PI, stable_unit
from vigie.model import Inventory, Medium

VERSION = 1
INFRA = "infra"
_IN, _OUT = Octets(0, 1.0, 64), Octets(1, 1.0, 64)  # ifHCInOctets, ifHCOutOctets
_IN_ERR, _OUT_ERR, _IN_DISC, _OUT_DISC = Events(4), Events(5), Events(6), Events(7)
_RTT = {Medium.FIBRE: (1.0, 5.0), Medium.ETHERNET: (1.0, 5.0), Medium.COPPER: (6.0, 10.0),
        Medium.CELLULAR_4G: (30.0, 40.0), Medium.SATELLITE: (550.0, 100.0)}
ADMIN = {True: "up", False: "down"}


def topic_for(prefix: str, site: str | None, device: str) -> str:
    return f"{prefix}/{site or INFRA}/{device}"


def uplink_medium(inv: Inventory, name: str) -> Medium | None:
    """The medium of a site device's link towards the infrastructure (None: infrastructure device or none)."""
    dev = inv.devices[name]
    if dev.site is None:
        return None
    for link in inv.links_of(name):
        far = inv.devices.get(link.other(name).device)
        if far is not None and far.site is None:
            return link.medium
    return None


class TelemetryDevice:
    """One publishing device: its SNMP-farm twin and its own metric parameters."""

    __slots__ = ("cpu_base", "mem_base", "name", "phase", "rtt", "sim", "topic")

    def __init__(self, sim: SimDevice, inv: Inventory, prefix: str) -> None:
        name = sim.name
        self.sim = sim
        self.name = name
        self.topic = topic_for(prefix, sim.device.site, name)
        self.phase = stable_unit(name, "telemetry")  # where in each period it publishes, 0..1
        self.cpu_base = 5.0 + 35.0 * stable_unit(name, "cpu")
        self.mem_base = 30.0 + 40.0 * stable_unit(name, "mem")
        medium = uplink_medium(inv, name)
        if medium is None:
            self.rtt: tuple[float, float] | None = None if sim.device.site is None else (1.0, 2.0)
        else:
            lo, span = _RTT.get(medium, (1.0, 5.0))
            self.rtt = (lo + span * stable_unit(name, "rtt"), span)

    def sample(self, t: float, loss: float = 0.0) -> dict[str, Any]:
        """The payload object at wall time ``t`` (to the millisecond: ``ts`` is exactly the instant the
        counters were read); ``loss`` (0..1) is the path's loss now."""
        t = round(t, 3)
        sim = self.sim
        ctx = Ctx(sim, t)
        n = len(sim.ports)
        ins, outs = _IN.raw(ctx, 0, n), _OUT.raw(ctx, 0, n)
        ie, oe = _IN_ERR.raw(ctx, 0, n), _OUT_ERR.raw(ctx, 0, n)
        idisc, odisc = _IN_DISC.raw(ctx, 0, n), _OUT_DISC.raw(ctx, 0, n)
        items = []
        for pos, port in enumerate(sim.ports):
            items.append({"index": port.index, "name": port.name, "admin": ADMIN[port.admin_up],
                          "oper": "up" if sim.oper_up(pos, t) else "down", "speed_mbps": port.speed_mbps,
                          "in_octets": ins[pos], "out_octets": outs[pos], "in_errors": ie[pos], "out_errors": oe[pos],
                          "in_discards": idisc[pos], "out_discards": odisc[pos]})
        uptime = max(ctx.dt, 0.0)
        k = int(t // 1.0)
        noise = stable_unit(self.name, "noise", k)
        day = 0.5 + 0.5 * math.sin(TWO_PI * (t - 9 * 3600.0) / DAY)  # busiest mid-afternoon UTC
        cpu = 85.0 + 10.0 * noise if uptime < 120.0 else self.cpu_base * (0.7 + 0.6 * day) + 4.0 * noise
        mem = self.mem_base + 20.0 * (1.0 - math.exp(-uptime / (30 * DAY)))
        obj: dict[str, Any] = {"v": VERSION, "device": self.name, "ts": t, "uptime_s": round(uptime, 2),
                               "cpu_pct": round(min(cpu, 100.0), 2), "mem_pct": round(min(mem, 99.0), 2),
                               "interfaces": items}
        if self.rtt is not None:
            base, span = self.rtt
            wobble = stable_unit(self.name, "rtt", k)
            obj["pop"] = {"rtt_ms": round(base + 0.1 * span * wobble, 3),
                          "jitter_ms": round(0.05 * base + 0.05 * span * wobble, 3),
                          "loss_pct": round(100.0 * loss, 3)}
        return obj

    def payload(self, t: float, loss: float = 0.0) -> bytes:
        return orjson.dumps(self.sample(t, loss))


def broken(payload: bytes, mode: str, rng: random.Random) -> bytes:
    """``payload`` damaged as a scenario's ``malformed`` fault says (``wrong_request_id`` is handled
    by the publisher: it sends the previous sample again, a duplicate)."""
    if mode == "garbage":
        return rng.randbytes(max(len(payload) // 4, 8))
    if mode == "truncated":
        return payload[: max(len(payload) // 2, 2)]
    if mode == "bad_length":  # wrong types: counters as strings, as a badly written agent might
        obj = orjson.loads(payload)
        for item in obj.get("interfaces", []):
            item["in_octets"] = str(item.get("in_octets"))
        obj["cpu_pct"] = "high"
        return orjson.dumps(obj)
    return payload


__all__ = ["INFRA", "VERSION", "TelemetryDevice", "broken", "topic_for", "uplink_medium"]
