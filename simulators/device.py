"""One simulated router: its MIB view (system group, IF-MIB, LLDP-MIB) computed at any time.

Built lazily by the farm the first time a device is asked something. Values are pure
functions of wall time, the device's boots and the fault timeline, so every worker
process answers the same thing for the same device at the same time.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from simulators.mib import Scalars, Table, View
from simulators.traffic import (
    AVG_PACKET,
    MASK32,
    Profile,
    error_from,
    octets,
    port_units,
    profile_from,
    stable_unit,
    wrap_offset,
)
from vigie.model import Device, Inventory, Layer, Link, Medium, Role
from vigie.snmp.types import Counter32, Counter64, Gauge32, ObjectIdentifier, TimeTicks, Value, parse_oid
from vigie.vendors import sys_descr, sys_object_id

SYSTEM = (1, 3, 6, 1, 2, 1, 1)
IF_NUMBER = (1, 3, 6, 1, 2, 1, 2, 1, 0)
IF_ENTRY = (1, 3, 6, 1, 2, 1, 2, 2, 1)
IFX_ENTRY = (1, 3, 6, 1, 2, 1, 31, 1, 1, 1)
LLDP_LOC = (1, 0, 8802, 1, 1, 2, 1, 3)
LLDP_LOC_PORT_ENTRY = (1, 0, 8802, 1, 1, 2, 1, 3, 7, 1)
LLDP_REM_ENTRY = (1, 0, 8802, 1, 1, 2, 1, 4, 1, 1)
IF_COLUMNS = tuple(range(1, 23))
IFX_COLUMNS = tuple(range(1, 20))
LLDP_REM_COLUMNS = (4, 5, 6, 7, 8, 9, 10, 11, 12)
DAY = 86_400.0
WRAP_497_DAYS = (1 << 32) / 100.0


def mac_for(*parts: object) -> bytes:
    """A locally administered, stable MAC address."""
    raw = bytearray(hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=6).digest())
    raw[0] = (raw[0] & 0xFC) | 0x02
    return bytes(raw)


def _port_mac(u: tuple[float, ...]) -> bytes:
    raw = bytearray(int(u[0] * 2**32).to_bytes(4, "big") + int(u[1] * 2**32).to_bytes(4, "big")[:2])
    raw[0] = (raw[0] & 0xFC) | 0x02
    return bytes(raw)


def initial_uptime(device: str) -> float:
    """Seconds the device has been up when the simulation starts: hours to months, and for
    one device in 200, more than 497 days (its sysUpTime has wrapped)."""
    if stable_unit(device, "old") < 0.005:
        return WRAP_497_DAYS + DAY * (1 + 60 * stable_unit(device, "extra"))
    return 3600.0 + 200 * DAY * stable_unit(device, "uptime")


@dataclass(slots=True)
class Port:
    """One interface and everything needed to compute its columns."""

    index: int
    name: str
    alias: str
    speed_mbps: int
    admin_up: bool
    active: bool  # carries traffic when up (linked, or a site LAN port)
    if_type: int
    mtu: int
    mac: bytes
    rx: Profile
    tx: Profile
    err_in: float
    err_out: float
    disc_in: float
    disc_out: float
    down: list[tuple[float, float]]  # absolute [start, end) oper-down intervals
    wrap: dict[tuple[int, str], int] = field(default_factory=dict)  # (boot no, "in"/"out") -> offset
    lldp: tuple[str, str, str, bytes] | None = None  # (remote device, remote port, remote desc, remote mac)


ColumnFn = Callable[["SimDevice", Port, float], Value]


class SimDevice:
    """The live state of one simulated device, answering through :attr:`view`."""

    def __init__(self, inv: Inventory, device: Device, start: float, boots_rel: Sequence[float],
                 down_rel: dict[str, list[tuple[float, float]]],
                 wraps_rel: Sequence[tuple[str, float, int]]) -> None:
        self.device = device
        self.name = device.name
        self.boots = [start - initial_uptime(device.name)] + [start + b for b in boots_rel]
        self.sys_descr = sys_descr(device.vendor, device.model).encode()
        self.sys_object_id = ObjectIdentifier(parse_oid(sys_object_id(device.model, device.vendor)))
        self.chassis = mac_for(device.name, "chassis")
        site_or_loc = device.site or device.location or ""
        self.sys_location = f"{site_or_loc} ({inv.sites[device.site].name})".encode() \
            if device.site in inv.sites else site_or_loc.encode()
        self.ports = self._ports(inv, device, start, down_rel)
        self._boot_cache = (-1.0, 0)
        self._apply_wraps(start, wraps_rel)
        self.view = self._view()

    # --- construction -------------------------------------------------------------
    def _ports(self, inv: Inventory, device: Device, start: float,
               down_rel: dict[str, list[tuple[float, float]]]) -> list[Port]:
        linked: dict[str, Link] = {}
        for lk in inv.links_of(device.name):
            mine = lk.a if lk.a.device == device.name else lk.b
            linked[mine.interface] = lk
        site_device = device.role in (Role.CE, Role.BACKUP_4G)
        ports = []
        for n, itf in enumerate(sorted(device.interfaces, key=lambda i: i.index)):
            link = linked.get(itf.name)
            u = port_units(device.name, itf.index)
            active_port = link is not None or (site_device and n >= len(device.interfaces) - 2)
            carries = active_port and itf.admin_up
            # Site routers: the last interfaces are LAN ports with users behind them.
            cellular = link is not None and link.medium is Medium.CELLULAR_4G
            port = Port(
                index=itf.index, name=itf.name, alias=itf.alias, speed_mbps=itf.speed_mbps,
                admin_up=itf.admin_up, active=carries,
                if_type=243 if cellular else 6, mtu=9192 if link is not None and link.layer in
                (Layer.BACKBONE, Layer.COLLECT) else 1500, mac=_port_mac(u),
                rx=profile_from(u[0], u[1], itf.speed_mbps, carries),
                tx=profile_from(u[2], u[3], itf.speed_mbps, carries),
                err_in=error_from(u[4]), err_out=error_from(u[5]), disc_in=error_from(u[6]), disc_out=error_from(u[7]),
                down=[(start + s, start + e) for s, e in down_rel.get(itf.name, [])],
            )
            if link is not None and link.medium not in (Medium.CELLULAR_4G, Medium.SATELLITE):
                far = link.other(device.name)
                far_dev = inv.devices.get(far.device)
                far_desc = next((i.alias for i in far_dev.interfaces if i.name == far.interface), "") \
                    if far_dev else ""
                port.lldp = (far.device, far.interface, far_desc, mac_for(far.device, "chassis"))
            ports.append(port)
        return ports

    def _apply_wraps(self, start: float, wraps_rel: Sequence[tuple[str, float, int]]) -> None:
        by_name = {p.name: p for p in self.ports}
        for ifname, t_rel, bits in wraps_rel:
            port = by_name.get(ifname)
            if port is None:
                continue
            t = start + t_rel
            k = self.boot_number(t)
            boot = self.boots[k]
            for direction, prof in (("in", port.rx), ("out", port.tx)):
                port.wrap[(k, direction)] = wrap_offset(octets(prof, boot, t, port.down) + 64.0, bits)

    # --- time ---------------------------------------------------------------------
    def boot_number(self, t: float) -> int:
        cached_t, k = self._boot_cache
        if cached_t == t:  # one request asks many values at the same time
            return k
        k = max(bisect_right(self.boots, t) - 1, 0)
        self._boot_cache = (t, k)
        return k

    def boot_time(self, t: float) -> float:
        return self.boots[self.boot_number(t)]

    def uptime_ticks(self, t: float) -> int:
        return int((t - self.boot_time(t)) * 100) & MASK32

    @staticmethod
    def _is_down(port: Port, t: float) -> bool:
        return bool(port.down) and any(s <= t < e for s, e in port.down)

    def oper_up(self, port: Port, t: float) -> bool:
        return port.admin_up and port.active and not self._is_down(port, t)

    def last_change(self, port: Port, t: float) -> int:
        boot = self.boot_time(t)
        last = boot
        for s, e in port.down:
            for edge in (s, e):
                if boot <= edge <= t and edge > last:
                    last = edge
        return int((last - boot) * 100) & MASK32

    def octet_count(self, port: Port, t: float, direction: str) -> int:
        k = self.boot_number(t)
        prof = port.rx if direction == "in" else port.tx
        return int(octets(prof, self.boots[k], t, port.down)) + port.wrap.get((k, direction), 0)

    def _events(self, port: Port, t: float, rate: float) -> int:
        return int(rate * (t - self.boot_time(t))) if rate else 0

    # --- the view -----------------------------------------------------------------
    def _view(self) -> View:
        system = Scalars(SYSTEM, {
            SYSTEM + (1, 0): lambda t: self.sys_descr,
            SYSTEM + (2, 0): lambda t: self.sys_object_id,
            SYSTEM + (3, 0): lambda t: TimeTicks(self.uptime_ticks(t)),
            SYSTEM + (4, 0): lambda t: b"NOC RIE <noc@rie.example>",
            SYSTEM + (5, 0): lambda t: self.name.encode(),
            SYSTEM + (6, 0): lambda t: self.sys_location,
            SYSTEM + (7, 0): lambda t: 6,
        })
        if_number = Scalars(IF_NUMBER[:-1], {IF_NUMBER: lambda t: len(self.ports)})
        rows = [(p.index,) for p in self.ports]
        lldp_loc = Scalars(LLDP_LOC, {
            LLDP_LOC + (1, 0): lambda t: 4,  # chassis id subtype: macAddress
            LLDP_LOC + (2, 0): lambda t: self.chassis,
            LLDP_LOC + (3, 0): lambda t: self.name.encode(),
            LLDP_LOC + (4, 0): lambda t: self.sys_descr,
        })
        lldp_ports = [p for p in self.ports]
        lldp_loc_ports = Table(LLDP_LOC_PORT_ENTRY, (2, 3, 4), rows, self._lldp_loc_cell(lldp_ports))
        return View([system, if_number, Table(IF_ENTRY, IF_COLUMNS, rows, self._if_cell),
                     Table(IFX_ENTRY, IFX_COLUMNS, rows, self._ifx_cell), lldp_loc, lldp_loc_ports,
                     Table(LLDP_REM_ENTRY, LLDP_REM_COLUMNS, self._lldp_rows, self._lldp_rem_cell)])

    def _lldp_loc_cell(self, ports: list[Port]) -> Callable[[int, int, float], Value]:
        def cell(col: int, pos: int, t: float) -> Value:
            p = ports[pos]
            if col == 2:
                return 5  # port id subtype: interfaceName
            return p.name.encode() if col == 3 else p.alias.encode()
        return cell

    def _lldp_neighbours(self, t: float) -> list[Port]:
        return [p for p in self.ports if p.lldp is not None and self.oper_up(p, t)]

    def _lldp_rows(self, t: float) -> list[tuple[int, ...]]:
        return [(0, p.index, 1) for p in self._lldp_neighbours(t)]

    def _lldp_rem_cell(self, col: int, pos: int, t: float) -> Value:
        port = self._lldp_neighbours(t)[pos]
        assert port.lldp is not None
        device, rport, rdesc, rmac = port.lldp
        values: dict[int, Value] = {4: 4, 5: rmac, 6: 5, 7: rport.encode(), 8: rdesc.encode(),
                                    9: device.encode(), 10: b"", 11: b"\x28\x00", 12: b"\x28\x00"}
        return values[col]

    @staticmethod
    def _columns() -> tuple[dict[int, ColumnFn], dict[int, ColumnFn]]:
        """Per-column value functions of ifTable and ifXTable (built once for all devices)."""

        def c32(direction: str, share: float = 1.0) -> ColumnFn:
            if share == 1.0:
                return lambda d, p, t: Counter32(d.octet_count(p, t, direction) & MASK32)
            return lambda d, p, t: Counter32(int(d.octet_count(p, t, direction) / AVG_PACKET * share) & MASK32)

        def c64(direction: str, share: float = 1.0) -> ColumnFn:
            if share == 1.0:
                return lambda d, p, t: Counter64(d.octet_count(p, t, direction))
            return lambda d, p, t: Counter64(int(d.octet_count(p, t, direction) / AVG_PACKET * share))

        def events(attr: str) -> ColumnFn:
            return lambda d, p, t: Counter32(d._events(p, t, getattr(p, attr)) & MASK32)

        if_cols: dict[int, ColumnFn] = {
            1: lambda d, p, t: p.index, 2: lambda d, p, t: p.name.encode(), 3: lambda d, p, t: p.if_type,
            4: lambda d, p, t: p.mtu, 5: lambda d, p, t: Gauge32(min(p.speed_mbps * 1_000_000, MASK32)),
            6: lambda d, p, t: p.mac, 7: lambda d, p, t: 1 if p.admin_up else 2,
            8: lambda d, p, t: 1 if d.oper_up(p, t) else 2,
            9: lambda d, p, t: TimeTicks(d.last_change(p, t)),
            10: c32("in"), 11: c32("in", 0.95), 12: c32("in", 0.05), 13: events("disc_in"),
            14: events("err_in"), 15: lambda d, p, t: Counter32(0), 16: c32("out"), 17: c32("out", 0.95),
            18: c32("out", 0.05), 19: events("disc_out"), 20: events("err_out"), 21: lambda d, p, t: Gauge32(0),
            22: lambda d, p, t: ObjectIdentifier((0, 0)),
        }
        ifx_cols: dict[int, ColumnFn] = {
            1: lambda d, p, t: p.name.encode(), 2: c32("in", 0.03), 3: c32("in", 0.02), 4: c32("out", 0.03),
            5: c32("out", 0.02), 6: c64("in"), 7: c64("in", 0.95), 8: c64("in", 0.03), 9: c64("in", 0.02),
            10: c64("out"), 11: c64("out", 0.95), 12: c64("out", 0.03), 13: c64("out", 0.02),
            14: lambda d, p, t: 1, 15: lambda d, p, t: Gauge32(p.speed_mbps), 16: lambda d, p, t: 2,
            17: lambda d, p, t: 1 if p.active else 2, 18: lambda d, p, t: p.alias.encode(),
            19: lambda d, p, t: TimeTicks(0),
        }
        return if_cols, ifx_cols

    def _if_cell(self, col: int, pos: int, t: float) -> Value:
        return IF_COLUMN_FNS[col](self, self.ports[pos], t)

    def _ifx_cell(self, col: int, pos: int, t: float) -> Value:
        return IFX_COLUMN_FNS[col](self, self.ports[pos], t)


IF_COLUMN_FNS, IFX_COLUMN_FNS = SimDevice._columns()
