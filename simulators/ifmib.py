"""The MIB of every simulated router, built once: system group, IF-MIB, LLDP-MIB.

:data:`VIEW` holds no device: its getters and columns read the device and the time from
the per-request context (:class:`Ctx`), so 20,000 devices share one structure. Columns
compute a run of rows per call from the device's flat per-port arrays
(:class:`simulators.device.SimDevice`); the traffic counters of a device without faults
need one multiplication per value (the daily-cycle cosine is taken once per request).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from simulators.ifcounters import ACTIVE, CELLULAR, JUMBO, Ctx, Events, Octets
from simulators.mib import Scalars, Table, View
from simulators.mibcol import (
    Assembler,
    Column,
    Const,
    RawColumn,
    RowSet,
    Unsigned,
    assemble_ints,
    assemble_octets,
    assemble_values,
)
from simulators.traffic import MASK32
from vigie.snmp.types import Counter32, Gauge32, ObjectIdentifier, TimeTicks, Value

if TYPE_CHECKING:
    from simulators.device import SimDevice
    from vigie.model import Endpoint

SYSTEM = (1, 3, 6, 1, 2, 1, 1)
IF_NUMBER = (1, 3, 6, 1, 2, 1, 2, 1, 0)
IF_ENTRY = (1, 3, 6, 1, 2, 1, 2, 2, 1)
IFX_ENTRY = (1, 3, 6, 1, 2, 1, 31, 1, 1, 1)
LLDP_LOC = (1, 0, 8802, 1, 1, 2, 1, 3)
LLDP_LOC_PORT_ENTRY = (1, 0, 8802, 1, 1, 2, 1, 3, 7, 1)
LLDP_REM_ENTRY = (1, 0, 8802, 1, 1, 2, 1, 4, 1, 1)
RawFn = Callable[["Ctx", int, int], list[Any]]


def mac_for(*parts: object) -> bytes:
    """A locally administered, stable MAC address."""
    raw = bytearray(hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=6).digest())
    raw[0] = (raw[0] & 0xFC) | 0x02
    return bytes(raw)


_g32_enc = Unsigned(0x42)
_tt_enc = Unsigned(0x43)


def c32(out: int, share: float = 1.0) -> Octets:
    return Octets(out, share, 32)


def c64(out: int, share: float = 1.0) -> Octets:
    return Octets(out, share, 64)


# --- other columns ----------------------------------------------------------------------


def per_port(fn: Callable[[Ctx, int], Any], kind: Callable[[Any], Value] | None, encode: Assembler,
             ) -> RawColumn:
    def raw(ctx: Ctx, start: int, stop: int) -> list[Any]:
        return [fn(ctx, r) for r in range(start, stop)]

    return RawColumn(raw, kind, encode)


def _oper(ctx: Ctx, start: int, stop: int) -> list[int]:
    dev = ctx.dev
    if dev.down is None:
        return [1 if f & ACTIVE else 2 for f in dev.flags[start:stop]]
    t = ctx.t
    return [1 if dev.oper_up(r, t) else 2 for r in range(start, stop)]


def _last_change(ctx: Ctx, start: int, stop: int) -> list[int]:
    dev = ctx.dev
    if dev.down is None:
        return [0] * (stop - start)  # up since boot
    return [dev.last_change(r, ctx.t) for r in range(start, stop)]


def _admin(ctx: Ctx, start: int, stop: int) -> list[int]:
    return [1 if p.admin_up else 2 for p in ctx.dev.ports[start:stop]]


def _names(ctx: Ctx, start: int, stop: int) -> list[bytes]:
    return [p.name.encode() for p in ctx.dev.ports[start:stop]]


def _aliases(ctx: Ctx, start: int, stop: int) -> list[bytes]:
    return [p.alias.encode() for p in ctx.dev.ports[start:stop]]


def _flag(bit: int, yes: int, no: int) -> RawFn:
    def raw(ctx: Ctx, start: int, stop: int) -> list[int]:
        return [yes if f & bit else no for f in ctx.dev.flags[start:stop]]
    return raw


NAMES = RawColumn(_names, None, assemble_octets)
ALIASES = RawColumn(_aliases, None, assemble_octets)
IF_COLUMNS: dict[int, Column] = {
    1: RawColumn(lambda ctx, a, b: [p.index for p in ctx.dev.ports[a:b]], None, assemble_ints),
    2: NAMES,
    3: RawColumn(_flag(CELLULAR, 243, 6), None, assemble_ints),
    4: RawColumn(_flag(JUMBO, 9192, 1500), None, assemble_ints),
    5: RawColumn(lambda ctx, a, b: [min(p.speed_mbps * 1_000_000, MASK32) for p in ctx.dev.ports[a:b]],
                 Gauge32, _g32_enc),
    6: per_port(lambda ctx, r: ctx.dev.port_mac(r), None, assemble_octets),
    7: RawColumn(_admin, None, assemble_ints),
    8: RawColumn(_oper, None, assemble_ints),
    9: RawColumn(_last_change, TimeTicks, _tt_enc),
    10: c32(0), 11: c32(0, 0.95), 12: c32(0, 0.05), 13: Events(6), 14: Events(4),
    15: Const(Counter32(0)),
    16: c32(1), 17: c32(1, 0.95), 18: c32(1, 0.05), 19: Events(7), 20: Events(5),
    21: Const(Gauge32(0)),
    22: Const(ObjectIdentifier((0, 0))),
}
IFX_COLUMNS: dict[int, Column] = {
    1: NAMES, 2: c32(0, 0.03), 3: c32(0, 0.02), 4: c32(1, 0.03), 5: c32(1, 0.02),
    6: c64(0), 7: c64(0, 0.95), 8: c64(0, 0.03), 9: c64(0, 0.02),
    10: c64(1), 11: c64(1, 0.95), 12: c64(1, 0.03), 13: c64(1, 0.02),
    14: Const(1),
    15: RawColumn(lambda ctx, a, b: [p.speed_mbps for p in ctx.dev.ports[a:b]], Gauge32, _g32_enc),
    16: Const(2),
    17: RawColumn(_flag(ACTIVE, 1, 2), None, assemble_ints),
    18: ALIASES,
    19: Const(TimeTicks(0)),
}
LLDP_LOC_PORT_COLUMNS: dict[int, Column] = {2: Const(5), 3: NAMES, 4: ALIASES}


def _remote(fn: Callable[[SimDevice, Endpoint], Value]) -> RawColumn:
    def raw(ctx: Ctx, start: int, stop: int) -> list[Value]:
        dev = ctx.dev
        return [fn(dev, far) for _, far in ctx.neighbours()[start:stop]]

    return RawColumn(raw, None, assemble_values)


def _lldp_rows(ctx: Ctx) -> list[tuple[int, ...]]:
    ports = ctx.dev.ports
    return [(0, ports[pos].index, 1) for pos, _ in ctx.neighbours()]


LLDP_REM_COLUMNS: dict[int, Column] = {
    4: Const(4),  # chassis id subtype: macAddress
    5: _remote(lambda dev, far: mac_for(far.device, "chassis")),
    6: Const(5),  # port id subtype: interfaceName
    7: _remote(lambda dev, far: far.interface.encode()),
    8: _remote(lambda dev, far: dev.remote_alias(far).encode()),
    9: _remote(lambda dev, far: far.device.encode()),
    10: Const(b""),
    11: Const(b"\x28\x00"),
    12: Const(b"\x28\x00"),
}


def _device_rows(ctx: Ctx) -> RowSet:
    return ctx.dev.rows


VIEW = View([
    Scalars(SYSTEM, {
        SYSTEM + (1, 0): lambda ctx: ctx.dev.sys_descr,
        SYSTEM + (2, 0): lambda ctx: ctx.dev.sys_object_id,
        SYSTEM + (3, 0): lambda ctx: TimeTicks(int(ctx.dt * 100) & MASK32),
        SYSTEM + (4, 0): lambda ctx: b"NOC RIE <noc@rie.example>",
        SYSTEM + (5, 0): lambda ctx: ctx.dev.name.encode(),
        SYSTEM + (6, 0): lambda ctx: ctx.dev.sys_location,
        SYSTEM + (7, 0): lambda ctx: 6,
    }),
    Scalars(IF_NUMBER[:-1], {IF_NUMBER: lambda ctx: len(ctx.dev.ports)}),
    Table(IF_ENTRY, IF_COLUMNS, _device_rows),
    Table(IFX_ENTRY, IFX_COLUMNS, _device_rows),
    Scalars(LLDP_LOC, {
        LLDP_LOC + (1, 0): lambda ctx: 4,  # chassis id subtype: macAddress
        LLDP_LOC + (2, 0): lambda ctx: ctx.dev.chassis,
        LLDP_LOC + (3, 0): lambda ctx: ctx.dev.name.encode(),
        LLDP_LOC + (4, 0): lambda ctx: ctx.dev.sys_descr,
    }),
    Table(LLDP_LOC_PORT_ENTRY, LLDP_LOC_PORT_COLUMNS, _device_rows),
    Table(LLDP_REM_ENTRY, LLDP_REM_COLUMNS, _lldp_rows),
], plan_key=_device_rows)
"""The view of every simulated router; the context is ``SimDevice.context(t)``."""
