"""Domain model of the network Vigie watches: frozen, slotted records and their indexes.

The model is what the inventory file describes (see ``docs/inventory.md``): access
classes, SNMP profiles (by reference: no secret is ever held here), regions, points of
presence and datacentres, sites, devices with their interfaces, and links between
interfaces. :class:`Inventory` holds them with the lookups every other part needs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    """What a device does in the network."""

    DATACENTRE = "datacentre"  # datacentre router, one per backbone plane per DC
    CORE = "core"  # POP core router, one per backbone plane per POP
    COLLECT = "collect"  # regional collect router, dual-homed to its POP's cores
    CE = "ce"  # site customer-edge router
    BACKUP_4G = "backup_4g"  # site 4G backup router


class Plane(StrEnum):
    """Backbone plane of a core or datacentre router."""

    A = "A"
    B = "B"


class Layer(StrEnum):
    """Which part of the network a link belongs to."""

    BACKBONE = "backbone"  # core-core, core-datacentre, datacentre-datacentre
    COLLECT = "collect"  # collect router to its POP's core routers
    ACCESS = "access"  # site router to collect router (fibre, copper, satellite)
    BACKUP_4G = "backup_4g"  # 4G backup router to the mobile aggregation
    LAN = "lan"  # inside a site (CE to CE, CE to 4G router)


class Medium(StrEnum):
    """Physical medium of a link."""

    FIBRE = "fibre"
    COPPER = "copper"
    SATELLITE = "satellite"
    CELLULAR_4G = "4g"
    ETHERNET = "ethernet"  # in-building


class LocationKind(StrEnum):
    POP = "pop"
    DATACENTRE = "datacentre"


@dataclass(frozen=True, slots=True)
class AccessClass:
    """A contract class of site access."""

    name: str
    availability_target_pct: float
    gtr_hours: float
    expected_redundancy: int  # independent accesses a site of this class should have
    description: str = ""


@dataclass(frozen=True, slots=True)
class SnmpProfile:
    """How to reach a device by SNMP. Secrets are references, resolved by ``vigie.secrets``.

    A reference is ``env:NAME`` (environment variable) or ``file:PATH#KEY`` (a TOML
    secrets file readable by its owner only).
    """

    name: str
    version: str  # "2c" or "3"
    port: int = 161
    timeout_ms: int = 2000
    retries: int = 2
    max_repetitions: int = 25
    community_ref: str | None = None  # v2c
    user: str | None = None  # v3
    auth_protocol: str | None = None  # v3: "SHA" (SHA-1) or "SHA-256"
    priv_protocol: str | None = None  # v3: "AES" (AES-128)
    auth_key_ref: str | None = None
    priv_key_ref: str | None = None


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    name: str
    overseas: bool = False


@dataclass(frozen=True, slots=True)
class Location:
    """A point of presence or a datacentre."""

    code: str
    name: str
    kind: LocationKind
    region: str


@dataclass(frozen=True, slots=True)
class Interface:
    index: int  # ifIndex
    name: str  # ifName / ifDescr
    speed_mbps: int
    admin_up: bool = True
    alias: str = ""  # ifAlias: what it connects to


@dataclass(frozen=True, slots=True)
class Device:
    name: str
    role: Role
    vendor: str
    model: str
    mgmt_address: str
    snmp_profile: str
    interfaces: tuple[Interface, ...]
    location: str | None = None  # POP or datacentre code (infrastructure devices)
    site: str | None = None  # site code (site devices)
    plane: Plane | None = None  # backbone plane (core and datacentre routers)

    def interface(self, name: str) -> Interface:
        for itf in self.interfaces:
            if itf.name == name:
                return itf
        raise KeyError(f"interface {name!r} not on device {self.name!r}")


@dataclass(frozen=True, slots=True)
class Endpoint:
    device: str
    interface: str

    def __str__(self) -> str:
        return f"{self.device}:{self.interface}"


@dataclass(frozen=True, slots=True)
class Link:
    id: str
    a: Endpoint
    b: Endpoint
    layer: Layer
    medium: Medium
    capacity_mbps: int

    def other(self, device: str) -> Endpoint:
        if self.a.device == device:
            return self.b
        if self.b.device == device:
            return self.a
        raise KeyError(f"device {device!r} is not an end of link {self.id!r}")


@dataclass(frozen=True, slots=True)
class Site:
    code: str
    name: str
    region: str
    pop: str  # home POP
    access_class: str
    lot: str  # operator contract lot
    devices: tuple[str, ...]


@dataclass(slots=True)
class Inventory:
    """A whole network, with lookups built once at load time."""

    name: str
    access_classes: dict[str, AccessClass]
    snmp_profiles: dict[str, SnmpProfile]
    regions: dict[str, Region]
    locations: dict[str, Location]
    sites: dict[str, Site]
    devices: dict[str, Device]
    links: dict[str, Link]
    metadata: dict[str, object] = field(default_factory=dict)
    _links_by_device: dict[str, list[Link]] = field(default_factory=dict, repr=False)
    _device_by_address: dict[str, Device] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.reindex()

    def reindex(self) -> None:
        by_dev: dict[str, list[Link]] = {}
        for link in self.links.values():
            by_dev.setdefault(link.a.device, []).append(link)
            by_dev.setdefault(link.b.device, []).append(link)
        self._links_by_device = by_dev
        self._device_by_address = {d.mgmt_address: d for d in self.devices.values()}

    def device(self, name: str) -> Device:
        try:
            return self.devices[name]
        except KeyError:
            raise KeyError(f"device {name!r} not in inventory") from None

    def site(self, code: str) -> Site:
        try:
            return self.sites[code]
        except KeyError:
            raise KeyError(f"site {code!r} not in inventory") from None

    def links_of(self, device: str) -> list[Link]:
        return self._links_by_device.get(device, [])

    def device_at(self, address: str) -> Device | None:
        return self._device_by_address.get(address)

    def pops(self) -> Iterator[Location]:
        return (loc for loc in self.locations.values() if loc.kind is LocationKind.POP)

    def datacentres(self) -> Iterator[Location]:
        return (loc for loc in self.locations.values() if loc.kind is LocationKind.DATACENTRE)
