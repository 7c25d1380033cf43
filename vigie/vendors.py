"""Vendor behaviour as data: models, sysObjectIDs, sysDescr templates, interface names.

Used by the RIE generator (names of interfaces), the device simulators (what the system
group says) and, later, the collectors (OID sets and CLI platforms per vendor).
"""

from __future__ import annotations

from dataclasses import dataclass

from vigie.model import Role


@dataclass(frozen=True, slots=True)
class Model:
    vendor: str
    name: str
    sys_object_id: str
    roles: tuple[Role, ...]


@dataclass(frozen=True, slots=True)
class Vendor:
    name: str
    enterprise: int
    os_name: str
    os_version: str
    # sysDescr, formatted with model=, version=, name=
    sys_descr: str
    # interface name prefix by speed in Mbit/s (largest not above the speed wins)
    itf_prefix: tuple[tuple[int, str], ...]
    itf_slot: str  # how the slot/port suffix is written: "0/0/{port}" etc.
    cellular: str  # name of the 4G interface
    netmiko_device_type: str


VENDORS: dict[str, Vendor] = {
    "cisco": Vendor(
        name="cisco", enterprise=9, os_name="IOS XE", os_version="17.9.4a",
        sys_descr=("Cisco IOS Software [Cupertino], {model} Software (X86_64_LINUX_IOSD-UNIVERSALK9-M), "
                   "Version {version}, RELEASE SOFTWARE (fc3)\r\nTechnical Support: http://www.cisco.com/techsupport"
                   "\r\nCopyright (c) 1986-2024 by Cisco Systems, Inc."),
        itf_prefix=((0, "GigabitEthernet"), (10_000, "TenGigabitEthernet"), (100_000, "HundredGigE")),
        itf_slot="0/{slot}/{port}", cellular="Cellular0/2/0", netmiko_device_type="cisco_ios"),
    "juniper": Vendor(
        name="juniper", enterprise=2636, os_name="Junos", os_version="22.4R3-S2.11",
        sys_descr="Juniper Networks, Inc. {model} internet router, kernel JUNOS {version}, Build date: "
                  "2024-03-12 07:41:17 UTC Copyright (c) 1996-2024 Juniper Networks, Inc.",
        itf_prefix=((0, "ge-"), (10_000, "xe-"), (100_000, "et-")),
        itf_slot="0/{slot}/{port}", cellular="cl-1/0/0", netmiko_device_type="juniper_junos"),
    "huawei": Vendor(
        name="huawei", enterprise=2011, os_name="VRP", os_version="V800R021C10SPC600",
        sys_descr="Huawei Versatile Routing Platform Software\r\nVRP (R) software, Version 8.210 ({model} "
                  "{version})\r\nCopyright (C) 2012-2024 Huawei Technologies Co., Ltd.\r\nHUAWEI {model}",
        itf_prefix=((0, "GigabitEthernet"), (10_000, "XGigabitEthernet"), (100_000, "100GE")),
        itf_slot="0/{slot}/{port}", cellular="Cellular0/0/0", netmiko_device_type="huawei"),
}

MODELS: dict[str, Model] = {m.name: m for m in (
    Model("cisco", "ASR-9906", "1.3.6.1.4.1.9.1.2658", (Role.DATACENTRE, Role.CORE)),
    Model("cisco", "ASR-920-24SZ-M", "1.3.6.1.4.1.9.1.1936", (Role.COLLECT,)),
    Model("cisco", "ISR4331", "1.3.6.1.4.1.9.1.2068", (Role.CE,)),
    Model("cisco", "ISR1100-4GLTE", "1.3.6.1.4.1.9.1.2593", (Role.BACKUP_4G,)),
    Model("juniper", "MX960", "1.3.6.1.4.1.2636.1.1.1.2.21", (Role.DATACENTRE, Role.CORE)),
    Model("juniper", "MX204", "1.3.6.1.4.1.2636.1.1.1.2.164", (Role.COLLECT,)),
    Model("juniper", "SRX340", "1.3.6.1.4.1.2636.1.1.1.2.135", (Role.CE,)),
    Model("juniper", "SRX300-LTE", "1.3.6.1.4.1.2636.1.1.1.2.133", (Role.BACKUP_4G,)),
    Model("huawei", "NE40E-X8A", "1.3.6.1.4.1.2011.2.62.2.9", (Role.DATACENTRE, Role.CORE)),
    Model("huawei", "NE8000-M8", "1.3.6.1.4.1.2011.2.224.1", (Role.COLLECT,)),
    Model("huawei", "AR6140-16G4XG", "1.3.6.1.4.1.2011.2.224.88", (Role.CE,)),
    Model("huawei", "AR611W-LTE4EA", "1.3.6.1.4.1.2011.2.224.90", (Role.BACKUP_4G,)),
)}


def models_for(vendor: str, role: Role) -> list[Model]:
    return [m for m in MODELS.values() if m.vendor == vendor and role in m.roles]


def interface_name(vendor: str, speed_mbps: int, slot: int, port: int) -> str:
    v = VENDORS[vendor]
    prefix = v.itf_prefix[0][1]
    for threshold, name in v.itf_prefix:
        if speed_mbps >= threshold:
            prefix = name
    return prefix + v.itf_slot.format(slot=slot, port=port)


def sys_descr(vendor: str, model: str) -> str:
    v = VENDORS[vendor]
    return v.sys_descr.format(model=model, version=v.os_version)


def sys_object_id(model: str, vendor: str) -> str:
    m = MODELS.get(model)
    if m is not None:
        return m.sys_object_id
    return f"1.3.6.1.4.1.{VENDORS[vendor].enterprise}"
