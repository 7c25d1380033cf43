"""Vendor behaviour as data: how Vigie talks to each CLI platform.

One :class:`Platform` per vendor of :mod:`vigie.vendors`: netmiko's device type, the
ntc-templates platform name, the commands Vigie runs, what an error looks like in an
output, which lines of a configuration change without the configuration changing (dropped
from backups, like Oxidized does), and how the platform abbreviates interface names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from vigie.model import Device
from vigie.vendors import VENDORS


@dataclass(frozen=True, slots=True)
class Platform:
    name: str  # ntc-templates platform: "cisco_ios", "juniper_junos", "huawei_vrp"
    vendor: str
    netmiko_device_type: str
    enable: bool  # the session lands in a user mode: 'enable' before reading the configuration
    show_version: str
    show_interfaces: tuple[str, ...]  # outputs merged by interface name
    show_lldp: str
    show_config: str
    error_markers: tuple[str, ...]  # an output line starting with one of these: the command failed
    volatile: tuple[str, ...]  # regexes (full line) of configuration lines dropped from backups
    abbreviations: tuple[tuple[str, str], ...]  # (short prefix, full prefix) of interface names
    comment: str  # configuration comment leader
    logout: str  # ends the session
    config_end: str = ""  # last line of a complete configuration ("" = not checked)

    def volatile_re(self) -> re.Pattern[str]:
        return _volatile(self.name)


_IOS_ABBR = (("Hu", "HundredGigE"), ("Fo", "FortyGigabitEthernet"), ("Twe", "TwentyFiveGigE"),
             ("Tw", "TwoGigabitEthernet"), ("Te", "TenGigabitEthernet"), ("Gi", "GigabitEthernet"),
             ("Fa", "FastEthernet"), ("Et", "Ethernet"), ("Lo", "Loopback"), ("Po", "Port-channel"))
_VRP_ABBR = (("100GE", "100GE"), ("XGE", "XGigabitEthernet"), ("GE", "GigabitEthernet"), ("Eth", "Ethernet"))

PLATFORMS: dict[str, Platform] = {
    "cisco": Platform(
        name="cisco_ios", vendor="cisco", netmiko_device_type=VENDORS["cisco"].netmiko_device_type, enable=True,
        show_version="show version", show_interfaces=("show interfaces",),
        show_lldp="show lldp neighbors detail", show_config="show running-config",
        error_markers=("% Invalid input", "% Incomplete command", "% Ambiguous command", "% Unknown command"),
        volatile=(r"Building configuration\.\.\.", r"Current configuration\s*:.*", r"! Last configuration change .*",
                  r"! NVRAM config last updated .*", r"! No configuration change since last restart",
                  r"ntp clock-period \d+"),
        abbreviations=_IOS_ABBR, comment="!", logout="exit", config_end="end"),
    "juniper": Platform(
        name="juniper_junos", vendor="juniper", netmiko_device_type=VENDORS["juniper"].netmiko_device_type,
        enable=False, show_version="show version", show_interfaces=("show interfaces",),
        show_lldp="show lldp neighbors", show_config="show configuration",
        error_markers=("unknown command.", "syntax error", "error:"),
        volatile=(r"## Last commit: .*", r"## Last changed: .*"),
        abbreviations=(), comment="#", logout="exit"),
    "huawei": Platform(
        name="huawei_vrp", vendor="huawei", netmiko_device_type=VENDORS["huawei"].netmiko_device_type,
        enable=False, show_version="display version",
        show_interfaces=("display interface brief", "display interface description"),
        show_lldp="display lldp neighbor", show_config="display current-configuration",
        error_markers=("Error: Unrecognized command", "Error: Wrong parameter", "Error: Incomplete command",
                       "Error:"),
        volatile=(r"!Last configuration was (updated|saved) at .*", r"!Time: .*"),
        abbreviations=_VRP_ABBR, comment="#", logout="quit", config_end="return"),
}
_BY_NAME = {p.name: p for p in PLATFORMS.values()}
_VOLATILE: dict[str, re.Pattern[str]] = {
    p.name: re.compile("|".join(f"(?:{v})" for v in p.volatile)) for p in PLATFORMS.values()}


def _volatile(name: str) -> re.Pattern[str]:
    return _VOLATILE[name]


def platform_for(device: Device) -> Platform:
    """The platform of ``device`` (by vendor); a vendor Vigie cannot drive is a clear error."""
    try:
        return PLATFORMS[device.vendor]
    except KeyError:
        raise KeyError(f"device {device.name!r}: vendor {device.vendor!r} has no CLI platform; "
                       f"known: {', '.join(sorted(PLATFORMS))}") from None


def platform_named(name: str) -> Platform:
    """A platform by its ntc-templates name (``cisco_ios``) or by vendor (``cisco``)."""
    found = _BY_NAME.get(name) or PLATFORMS.get(name)
    if found is None:
        raise KeyError(f"CLI platform {name!r} is unknown; known: {', '.join(sorted(_BY_NAME))}")
    return found


def expand_interface(platform: Platform, name: str) -> str:
    """The full interface name of an abbreviation (``Gi0/0/1`` → ``GigabitEthernet0/0/1``)."""
    name = name.strip()
    for short, full in platform.abbreviations:
        if name.startswith(full):
            return name
        if name.startswith(short) and len(name) > len(short) and (name[len(short)].isdigit()):
            return full + name[len(short):]
    return name


def expand_any(name: str) -> str:
    """Expand ``name`` with the first platform whose abbreviations change it (far ends of any vendor)."""
    for platform in PLATFORMS.values():
        full = expand_interface(platform, name)
        if full != name:
            return full
    return name


__all__ = ["PLATFORMS", "Platform", "expand_any", "expand_interface", "platform_for", "platform_named"]
