"""One simulated router: its MIB view (system group, IF-MIB, LLDP-MIB) computed at any time.

Built by the farm (in the background, or on first use). Values are pure functions of
wall time, the device's boots and the fault timeline, so every worker process answers
the same thing for the same device at the same time.

A built device is small (≈1 KB): the MIB structure (:data:`simulators.ifmib.VIEW`),
the column functions and the encoded OIDs of its rows are shared by all devices; what is
its own is a few numbers per interface in flat arrays (traffic profile, error rates,
flags), its boots, and its faults when it has any. Names, aliases and links are read from
the inventory when asked for.
"""

from __future__ import annotations

import functools
from array import array
from bisect import bisect_right
from collections.abc import Sequence

from simulators.ifcounters import ACTIVE, CELLULAR, JUMBO, STRIDE, Ctx
from simulators.ifmib import IF_ENTRY, IFX_ENTRY, LLDP_REM_ENTRY, SYSTEM, VIEW, mac_for
from simulators.mibcol import row_set
from simulators.traffic import (
    DAY,
    MASK32,
    MASK64,
    TWO_PI,
    error_from,
    phase_cos,
    port_units,
    profile_params,
    stable_unit,
    wrap_offset,
)
from vigie.model import Device, Endpoint, Interface, Inventory, Layer, Medium, Role
from vigie.snmp.types import OID, ObjectIdentifier, Value, parse_oid
from vigie.vendors import sys_descr, sys_object_id

WRAP_497_DAYS = (1 << 32) / 100.0
_AMP = DAY / TWO_PI

__all__ = [
    "IFX_ENTRY",
    "IF_ENTRY",
    "LLDP_REM_ENTRY",
    "SYSTEM",
    "Ctx",
    "DeviceView",
    "SimDevice",
    "initial_uptime",
    "mac_for",
]


def port_mac(device: str, if_index: int) -> bytes:
    u = port_units(device, if_index)
    raw = bytearray(int(u[0] * 2**32).to_bytes(4, "big") + int(u[1] * 2**32).to_bytes(4, "big")[:2])
    raw[0] = (raw[0] & 0xFC) | 0x02
    return bytes(raw)


def initial_uptime(device: str) -> float:
    """Seconds the device has been up when the simulation starts: hours to months, and for
    one device in 200, more than 497 days (its sysUpTime has wrapped)."""
    if stable_unit(device, "old") < 0.005:
        return WRAP_497_DAYS + DAY * (1 + 60 * stable_unit(device, "extra"))
    return 3600.0 + 200 * DAY * stable_unit(device, "uptime")


@functools.lru_cache(maxsize=1024)
def _descr(vendor: str, model: str) -> bytes:
    return sys_descr(vendor, model).encode()


@functools.lru_cache(maxsize=1024)
def _object_id(model: str, vendor: str) -> ObjectIdentifier:
    return ObjectIdentifier(parse_oid(sys_object_id(model, vendor)))


class SimDevice:
    """The live state of one simulated device, answering through :attr:`view`."""

    __slots__ = ("boot_cos", "boots", "device", "down", "flags", "inv", "lldp", "ports", "rows", "traffic", "wrap")

    def __init__(self, inv: Inventory, device: Device, start: float, boots_rel: Sequence[float],
                 down_rel: dict[str, list[tuple[float, float]]],
                 wraps_rel: Sequence[tuple[str, float, int]]) -> None:
        self.device = device
        self.inv = inv
        boots = (start - initial_uptime(device.name), *(start + b for b in boots_rel))
        self.boots = boots
        self.boot_cos = tuple(phase_cos(b) for b in boots)
        ports = device.interfaces
        if any(a.index >= b.index for a, b in zip(ports, ports[1:])):
            ports = tuple(sorted(ports, key=lambda i: i.index))
        self.ports: tuple[Interface, ...] = ports
        self.rows = row_set((i.index,) for i in ports)
        self.down: dict[int, tuple[tuple[float, float], ...]] | None = None
        self.wrap: dict[tuple[int, int, int], int] | None = None  # (boot, port, out) -> offset
        self.lldp: tuple[tuple[int, Endpoint], ...] = ()
        self._build(inv, device, start, down_rel)
        if wraps_rel:
            self._apply_wraps(start, wraps_rel)

    # --- construction -------------------------------------------------------------
    def _build(self, inv: Inventory, device: Device, start: float,
               down_rel: dict[str, list[tuple[float, float]]]) -> None:
        name = device.name
        linked = {}
        for lk in inv.links_of(name):
            linked[(lk.a if lk.a.device == name else lk.b).interface] = lk
        site_device = device.role in (Role.CE, Role.BACKUP_4G)
        count = len(self.ports)
        flags = bytearray(count)
        traffic = array("d")
        lldp = []
        for n, itf in enumerate(self.ports):
            link = linked.get(itf.name)
            u = port_units(name, itf.index)
            # Site routers: the last interfaces are LAN ports with users behind them.
            carries = (link is not None or (site_device and n >= count - 2)) and itf.admin_up
            if carries:
                flags[n] = ACTIVE
            rx_mean, rx_amp = profile_params(u[0], u[1], itf.speed_mbps, carries)
            tx_mean, tx_amp = profile_params(u[2], u[3], itf.speed_mbps, carries)
            # only a port that carries traffic sees errors and discards
            errs = (error_from(u[4]), error_from(u[5]), error_from(u[6]), error_from(u[7])) if carries \
                else (0.0, 0.0, 0.0, 0.0)
            traffic.extend((rx_mean, rx_amp * _AMP, tx_mean, tx_amp * _AMP, *errs))
            if link is not None:
                if link.medium is Medium.CELLULAR_4G:
                    flags[n] |= CELLULAR
                if link.layer in (Layer.BACKBONE, Layer.COLLECT):
                    flags[n] |= JUMBO
                if link.medium not in (Medium.CELLULAR_4G, Medium.SATELLITE):
                    lldp.append((n, link.other(name)))
            intervals = down_rel.get(itf.name)
            if intervals:
                if self.down is None:
                    self.down = {}
                self.down[n] = tuple((start + s, start + e) for s, e in intervals)
        self.flags = bytes(flags)
        self.traffic = traffic
        self.lldp = tuple(lldp)

    def _apply_wraps(self, start: float, wraps_rel: Sequence[tuple[str, float, int]]) -> None:
        by_name = {p.name: n for n, p in enumerate(self.ports)}
        wrap: dict[tuple[int, int, int], int] = {}
        for ifname, t_rel, bits in wraps_rel:
            pos = by_name.get(ifname)
            if pos is None:
                continue
            t = start + t_rel
            k = self.boot_number(t)
            for out in (0, 1):
                wrap[(k, pos, out)] = wrap_offset(self._octets(pos, out, t, k) + 64.0, bits)
        self.wrap = wrap or None

    # --- identity -----------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.device.name

    @property
    def sys_descr(self) -> bytes:
        return _descr(self.device.vendor, self.device.model)

    @property
    def sys_object_id(self) -> ObjectIdentifier:
        return _object_id(self.device.model, self.device.vendor)

    @property
    def sys_location(self) -> bytes:
        device = self.device
        site = self.inv.sites.get(device.site) if device.site else None
        where = device.site or device.location or ""
        return f"{where} ({site.name})".encode() if site is not None else where.encode()

    @property
    def chassis(self) -> bytes:
        return mac_for(self.device.name, "chassis")

    def port_mac(self, pos: int) -> bytes:
        return port_mac(self.device.name, self.ports[pos].index)

    def remote_alias(self, far: Endpoint) -> str:
        far_dev = self.inv.devices.get(far.device)
        return next((i.alias for i in far_dev.interfaces if i.name == far.interface), "") if far_dev else ""

    @property
    def view(self) -> DeviceView:
        return DeviceView(self)

    def context(self, t: float) -> Ctx:
        """What the shared :data:`~simulators.ifmib.VIEW` needs to answer for this device at ``t``."""
        return Ctx(self, t)

    # --- time ---------------------------------------------------------------------
    def boot_number(self, t: float) -> int:
        boots = self.boots
        if len(boots) == 1:
            return 0
        return max(bisect_right(boots, t) - 1, 0)

    def boot_time(self, t: float) -> float:
        return self.boots[self.boot_number(t)]

    def uptime_ticks(self, t: float) -> int:
        return int((t - self.boot_time(t)) * 100) & MASK32

    def is_down(self, pos: int, t: float) -> bool:
        intervals = self.down.get(pos) if self.down is not None else None
        return intervals is not None and any(s <= t < e for s, e in intervals)

    def oper_up(self, pos: int, t: float) -> bool:
        return bool(self.flags[pos] & ACTIVE) and not self.is_down(pos, t)

    def last_change(self, pos: int, t: float) -> int:
        boot = self.boot_time(t)
        last = boot
        for s, e in self.down.get(pos, ()) if self.down is not None else ():
            for edge in (s, e):
                if boot <= edge <= t and edge > last:
                    last = edge
        return int((last - boot) * 100) & MASK32

    def _octets(self, pos: int, out: int, t: float, k: int) -> float:
        """Bytes counted in (``out`` 0) or out (1) since boot ``k``, down time excluded.
        The fast path of :mod:`simulators.ifmib` computes the same float when there is no
        down interval: keep the two expressions identical."""
        boot = self.boots[k]
        i = pos * STRIDE + 2 * out
        mean, swing = self.traffic[i], self.traffic[i + 1]
        if t <= boot or mean == 0.0:
            return 0.0
        total = mean * ((t - boot) - swing * (phase_cos(t) - self.boot_cos[k]))
        for s, e in self.down.get(pos, ()) if self.down is not None else ():
            if e <= boot or s >= t:
                continue
            s, e = max(s, boot), min(e, t)
            total -= mean * ((e - s) - swing * (phase_cos(e) - phase_cos(s)))
        return max(total, 0.0)

    def octets(self, pos: int, out: int, t: float, k: int | None = None) -> int:
        """The octet counter (64-bit, wrap offsets included) of port ``pos`` at ``t``."""
        if k is None:
            k = self.boot_number(t)
        value = int(self._octets(pos, out, t, k))
        if self.wrap is not None:
            value += self.wrap.get((k, pos, out), 0)
        return value & MASK64


class DeviceView:
    """The shared view bound to one device, taking the time as context (tests, tools)."""

    __slots__ = ("dev",)

    def __init__(self, dev: SimDevice) -> None:
        self.dev = dev

    def get(self, oid: OID, t: float) -> Value:
        return VIEW.get(oid, Ctx(self.dev, t))

    def next(self, oid: OID, t: float) -> tuple[OID, Value] | None:
        return VIEW.next(oid, Ctx(self.dev, t))

    def walk(self, oid: OID, t: float, limit: int) -> list[tuple[OID, Value]]:
        return VIEW.walk(oid, Ctx(self.dev, t), limit)

    def walk_encoded(self, oid: OID, t: float, limit: int) -> tuple[list[bytes], OID | None]:
        return VIEW.walk_encoded(oid, Ctx(self.dev, t), limit)
