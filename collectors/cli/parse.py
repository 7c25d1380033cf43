"""Show commands into data: ntc-templates (TextFSM) first, Vigie's own parser where they fall short.

The templates are held to the real outputs of ntc-templates' own test corpus (see
``tests/unit/cli``). Two gaps are covered by fallbacks here:

* Junos ``show interfaces`` with an interface that is ``Administratively down`` (what
  real Junos prints for a disabled port) sends the template to its Error state;
* LLDP outputs with lines a template does not know (another release, another option)
  also do: a small key/value block parser takes over for the three platforms.

Names are normalised to full interface names (``Gi0/0/1`` → ``GigabitEthernet0/0/1``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from collectors.cli.errors import CliParseError
from collectors.cli.platforms import Platform, expand_interface


@dataclass(frozen=True, slots=True)
class VersionInfo:
    hostname: str
    os_version: str
    model: str
    serial: str
    uptime: str


@dataclass(frozen=True, slots=True)
class InterfaceInfo:
    name: str
    admin_up: bool
    oper_up: bool
    description: str


@dataclass(frozen=True, slots=True)
class Neighbour:
    local_interface: str  # full name
    system: str  # remote system name as advertised
    port: str  # remote port id (an interface name when the peer advertises one)
    port_description: str
    chassis_id: str


def textfsm(platform: Platform, command: str, text: str, device: str = "") -> list[dict[str, Any]]:
    """The ntc-templates parse of ``text``; a template that cannot parse it is a :class:`CliParseError`."""
    from ntc_templates.parse import parse_output

    try:
        rows: list[dict[str, Any]] = parse_output(platform=platform.name, command=command, data=text)
    except Exception as exc:
        first = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        raise CliParseError(f"{command!r} on {platform.name}: {first[:200]}", device) from exc
    return rows


def _first(value: Any) -> str:
    if isinstance(value, list):
        return str(value[0]) if value else ""
    return str(value or "")


def _clean_name(platform: Platform, name: str) -> str:
    return expand_interface(platform, re.sub(r"\(\w+\)$", "", name.strip()))


# --- show version ---------------------------------------------------------------------

def parse_version(platform: Platform, text: str, device: str = "") -> VersionInfo:
    rows = textfsm(platform, platform.show_version, text, device)
    if not rows:
        raise CliParseError(f"{platform.show_version!r} gave nothing Vigie recognises", device)
    r = rows[0]
    if platform.name == "cisco_ios":
        return VersionInfo(r["hostname"], r["version"], _first(r["hardware"]), _first(r["serial"]), r["uptime"])
    if platform.name == "juniper_junos":
        return VersionInfo(r["hostname"], r["junos_version"], r["model"], r.get("serial_number", ""), "")
    product = str(r["product_version"]).split()
    return VersionInfo("", product[-1] if product else r["vrp_version"], r["model"], "", r["uptime"])


# --- interfaces -----------------------------------------------------------------------

_JUNOS_PHYS = re.compile(r"^Physical interface: (?P<name>[^,\s]+), (?P<admin>[^,]+), Physical link is (?P<link>\w+)")
_JUNOS_LOGICAL = re.compile(r"^\s+Logical interface (?P<name>\S+)")
_JUNOS_DESCR = re.compile(r"^\s+Description: (?P<descr>.*?)\s*$")
_JUNOS_FLAGS = re.compile(r"^\s+Flags: (?P<state>\w+)")


def junos_interfaces_fallback(text: str) -> list[InterfaceInfo]:
    """Junos ``show interfaces`` (physical and logical interfaces), whatever the admin state."""
    out: list[dict[str, Any]] = []
    for line in text.splitlines():
        m = _JUNOS_PHYS.match(line)
        if m:
            admin = m["admin"].strip().lower()
            out.append({"name": m["name"], "admin": admin in ("enabled", "up"), "oper": m["link"].lower() == "up",
                        "descr": "", "logical": False})
            continue
        m = _JUNOS_LOGICAL.match(line)
        if m and out:
            parent = out[-1] if not out[-1]["logical"] else next((o for o in reversed(out) if not o["logical"]), None)
            out.append({"name": m["name"], "admin": parent["admin"] if parent else True, "oper": False, "descr": "",
                        "logical": True})
            continue
        m = _JUNOS_DESCR.match(line)
        if m and out:
            out[-1]["descr"] = m["descr"]
            continue
        m = _JUNOS_FLAGS.match(line)
        if m and out and out[-1]["logical"]:
            out[-1]["oper"] = m["state"].lower() == "up"
    return [InterfaceInfo(o["name"], o["admin"], o["oper"], o["descr"]) for o in out]


def parse_interfaces(platform: Platform, outputs: Mapping[str, str], device: str = "") -> list[InterfaceInfo]:
    """Interfaces from the platform's ``show_interfaces`` outputs (command → text), by name."""
    if platform.name == "cisco_ios":
        rows = textfsm(platform, "show interfaces", outputs["show interfaces"], device)
        return [InterfaceInfo(_clean_name(platform, r["interface"]), "administratively" not in r["link_status"],
                              str(r["protocol_status"]).startswith("up"), r["description"]) for r in rows]
    if platform.name == "juniper_junos":
        text = outputs["show interfaces"]
        try:
            rows = textfsm(platform, "show interfaces", text, device)
        except CliParseError:
            return junos_interfaces_fallback(text)
        return [InterfaceInfo(r["interface"], r["admin_state"] != "Disabled", str(r["link_status"]).lower() == "up",
                              r["description"]) for r in rows]
    rows = textfsm(platform, "display interface brief", outputs["display interface brief"], device)
    descr: dict[str, str] = {}
    if "display interface description" in outputs:
        for r in textfsm(platform, "display interface description", outputs["display interface description"], device):
            descr[_clean_name(platform, r["interface"])] = r["description"]
    out = []
    for r in rows:
        name = _clean_name(platform, r["interface"])
        out.append(InterfaceInfo(name, r["phy"] != "*down", str(r["phy"]).startswith("up"), descr.get(name, "")))
    return out


# --- LLDP neighbours ------------------------------------------------------------------

_CISCO_FIELDS = {"local": r"Local Intf:\s*(\S+)", "chassis": r"Chassis id:\s*(\S+)", "port": r"Port id:\s*(\S+)",
                 "descr": r"Port Description:\s*(.*?)\s*$", "system": r"System Name:\s*(\S+)"}
_VRP_FIELDS = {"chassis": r"Chassis ID\s*:\s*(\S+)", "port": r"Port ID\s*:\s*(\S+)",
               "descr": r"Port description\s*:\s*(.*?)\s*$", "system": r"System name\s*:\s*(\S+)"}
_VRP_HEAD = re.compile(r"^\s*(\S+)\s+has\s+(\d+)\s+neighbor")


def _blocks(text: str, start: re.Pattern[str]) -> list[tuple[str, list[str]]]:
    blocks: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        m = start.match(line)
        if m:
            blocks.append((m.group(1), [line]))
        elif blocks:
            blocks[-1][1].append(line)
    return blocks


def _fields(block: list[str], fields: Mapping[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in block:
        for key, pattern in fields.items():
            if key not in out:
                m = re.match(r"^\s*" + pattern, line)
                if m:
                    out[key] = m.group(1)
    return out


def lldp_fallback(platform: Platform, text: str) -> list[Neighbour]:
    """LLDP neighbours read line by line, for outputs the templates reject."""
    out: list[Neighbour] = []
    if platform.name == "juniper_junos":
        for line in text.splitlines():
            parts = line.split()
            if len(parts) >= 5 and not line.startswith("Local Interface"):
                out.append(Neighbour(parts[0], " ".join(parts[4:]), parts[3], "", parts[2]))
        return out
    if platform.name == "cisco_ios":
        for local, block in _blocks(text, re.compile(r"^Local Intf:\s*(\S+)")):
            f = _fields(block, _CISCO_FIELDS)
            out.append(Neighbour(expand_interface(platform, local), f.get("system", ""), f.get("port", ""),
                                 f.get("descr", ""), f.get("chassis", "")))
        return out
    for local, block in _blocks(text, _VRP_HEAD):
        f = _fields(block, _VRP_FIELDS)
        if f.get("system") or f.get("port"):
            out.append(Neighbour(_clean_name(platform, local), f.get("system", ""), f.get("port", ""),
                                 f.get("descr", ""), f.get("chassis", "")))
    return out


def parse_lldp(platform: Platform, text: str, device: str = "") -> list[Neighbour]:
    """LLDP neighbours from the platform's ``show_lldp`` output (template first, then the fallback)."""
    try:
        rows = textfsm(platform, platform.show_lldp, text, device)
    except CliParseError:
        found = lldp_fallback(platform, text)
        if not found:
            raise
        return found
    out = []
    for r in rows:
        local = _clean_name(platform, r["local_interface"])
        port = r.get("neighbor_port_id") or r.get("neighbor_interface", "")
        descr = r.get("neighbor_interface", "") if "neighbor_port_id" in r else ""
        out.append(Neighbour(local, r.get("neighbor_name", ""), port, descr, r.get("chassis_id", "")))
    return out


__all__ = [
    "InterfaceInfo",
    "Neighbour",
    "VersionInfo",
    "junos_interfaces_fallback",
    "lldp_fallback",
    "parse_interfaces",
    "parse_lldp",
    "parse_version",
    "textfsm",
]
