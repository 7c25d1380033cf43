"""Per-request context of a simulated router, and its traffic counter columns.

The counters of a device without faults are one multiplication per value: the octets
since boot are ``mean * (dt - swing * dc)`` where ``dt`` is the time since boot and
``dc`` the difference of the daily-cycle cosine between now and the boot, both computed
once per request (:class:`Ctx`). Devices with down intervals or scripted wraps take the
exact path (:meth:`simulators.device.SimDevice.octets`), which computes the same float
when there is no down time.

Each column computes and encodes a run of rows in one comprehension (GETBULK's hot path).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simulators.mibcol import Unsigned
from simulators.traffic import AVG_PACKET, MASK32, MASK64, phase_cos
from vigie.snmp.types import Counter32, Counter64, Value

if TYPE_CHECKING:
    from simulators.device import SimDevice
    from vigie.model import Endpoint

STRIDE = 8  # SimDevice.traffic per port: mean in, swing in, mean out, swing out, err in, err out, disc in, disc out
ACTIVE, CELLULAR, JUMBO = 1, 2, 4  # SimDevice.flags bits: carries traffic when up, 4G, 9192-byte MTU


class Ctx:
    """One device at one instant: the boot in force and the request's traffic phase."""

    __slots__ = ("_lldp", "boot", "dc", "dev", "dt", "exact", "k", "t", "tr")

    def __init__(self, dev: SimDevice, t: float) -> None:
        self.dev = dev
        self.t = t
        k = self.k = dev.boot_number(t)
        self.boot = dev.boots[k]
        self.dt = t - self.boot  # SimDevice._octets computes these two exactly the same way
        self.dc = phase_cos(t) - dev.boot_cos[k]
        self.tr = dev.traffic
        self.exact = dev.down is not None or dev.wrap is not None
        self._lldp: list[tuple[int, Endpoint]] | None = None

    def neighbours(self) -> list[tuple[int, Endpoint]]:
        """(port position, far end) of the LLDP neighbours seen now (links up)."""
        if self._lldp is None:
            dev, t = self.dev, self.t
            self._lldp = [(pos, far) for pos, far in dev.lldp if dev.oper_up(pos, t)]
        return self._lldp


class Octets:
    """An octet counter (``share`` 1) or a packet counter (a share of octets / 620)
    in (``out`` 0) or out (1), as Counter32 or Counter64 (``bits``)."""

    __slots__ = ("_assemble", "kind", "mask", "off", "out", "share")

    def __init__(self, out: int, share: float, bits: int) -> None:
        self.out = out
        self.off = 2 * out
        self.share = share
        tag = 0x46 if bits == 64 else 0x41
        self.kind = Counter64 if bits == 64 else Counter32
        self.mask = MASK64 if bits == 64 else MASK32
        self._assemble = Unsigned(tag)

    def octets(self, ctx: Ctx, start: int, stop: int) -> list[int]:
        if ctx.exact:  # down intervals or scripted wraps: the exact (slower) computation
            dev, t, k, out = ctx.dev, ctx.t, ctx.k, self.out
            return [dev.octets(r, out, t, k) for r in range(start, stop)]
        dt = ctx.dt
        if dt <= 0.0:
            return [0] * (stop - start)
        tr, dc, off = ctx.tr, ctx.dc, self.off
        return [int(tr[i] * (dt - tr[i + 1] * dc)) for i in range(STRIDE * start + off, STRIDE * stop + off, STRIDE)]

    def raw(self, ctx: Ctx, start: int, stop: int) -> list[int]:
        mask, share = self.mask, self.share
        if share == 1.0:
            return [v & mask for v in self.octets(ctx, start, stop)]
        return [int(v / AVG_PACKET * share) & mask for v in self.octets(ctx, start, stop)]

    def values(self, ctx: Ctx, start: int, stop: int) -> list[Value]:
        kind = self.kind
        return [kind(v) for v in self.raw(ctx, start, stop)]

    def prepare(self, names: list[bytes]) -> list[Any]:
        return self._assemble.prepare(names)

    def varbinds(self, ctx: Ctx, start: int, stop: int, prepared: list[Any]) -> list[bytes]:
        dt = ctx.dt
        if ctx.exact or dt <= 0.0:
            return self._assemble(prepared, self.raw(ctx, start, stop))
        tr, dc, share, mask = ctx.tr, ctx.dc, self.share, self.mask
        rows = range(STRIDE * start + self.off, STRIDE * stop + self.off, STRIDE)
        if share != 1.0:
            return [p[n] + v.to_bytes(n, "big") for p, i in zip(prepared, rows)
                    for v in (int(int(tr[i] * (dt - tr[i + 1] * dc)) / AVG_PACKET * share) & mask,)
                    for n in ((v.bit_length() >> 3) + 1,)]
        if mask == MASK32:
            return [p[n] + v.to_bytes(n, "big") for p, i in zip(prepared, rows)
                    for v in (int(tr[i] * (dt - tr[i + 1] * dc)) & MASK32,) for n in ((v.bit_length() >> 3) + 1,)]
        return [p[n] + v.to_bytes(n, "big") for p, i in zip(prepared, rows)
                for v in (int(tr[i] * (dt - tr[i + 1] * dc)),) for n in ((v.bit_length() >> 3) + 1,)]


class Events:
    """Errors or discards since boot (Counter32): ``offset`` of the rate in the per-port
    traffic array."""

    __slots__ = ("_assemble", "offset")

    def __init__(self, offset: int) -> None:
        self.offset = offset
        self._assemble = Unsigned(0x41)

    def raw(self, ctx: Ctx, start: int, stop: int) -> list[int]:
        tr, dt, off = ctx.tr, ctx.dt, self.offset
        return [int(tr[i] * dt) & MASK32 if tr[i] else 0
                for i in range(STRIDE * start + off, STRIDE * stop + off, STRIDE)]

    def values(self, ctx: Ctx, start: int, stop: int) -> list[Value]:
        return [Counter32(v) for v in self.raw(ctx, start, stop)]

    def prepare(self, names: list[bytes]) -> list[Any]:
        return self._assemble.prepare(names)

    def varbinds(self, ctx: Ctx, start: int, stop: int, prepared: list[Any]) -> list[bytes]:
        return self._assemble(prepared, self.raw(ctx, start, stop))
