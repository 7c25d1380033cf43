"""Cisco IOS XE as the simulated routers speak it: user EXEC ``host>``, ``enable`` to ``host#``.

Outputs follow real IOS XE closely enough for ntc-templates to parse them (the collector
tests hold them to that): ``show version`` starts with the device's sysDescr, ``show
interfaces`` carries the SNMP farm's states and octet counters, ``show lldp neighbors
detail`` the inventory's links as LLDP sees them now.
"""

from __future__ import annotations

from simulators.ifmib import mac_for
from simulators.ssh_cli import Command, RenderCtx, SimPlatform, lines, mac_text, stamp, uptime_text
from vigie.vendors import VENDORS, sys_descr

_HW = (("HundredGigE", "100GE"), ("TenGigabitEthernet", "10GE"), ("GigabitEthernet", "1GE"), ("Cellular", "LTE"))
_SHORT = (("HundredGigE", "Hu"), ("TenGigabitEthernet", "Te"), ("GigabitEthernet", "Gi"), ("Cellular", "Ce"))


def short_name(name: str) -> str:
    for full, short in _SHORT:
        if name.startswith(full):
            return short + name[len(full):]
    return name


def _hardware(ctx: RenderCtx, name: str) -> str:
    kind = next((hw for prefix, hw in _HW if name.startswith(prefix)), "Ethernet")
    return f"{ctx.sim.device.model}-{kind}"


def show_version(ctx: RenderCtx, _: list[str]) -> str:
    dev = ctx.sim.device
    version = VENDORS["cisco"].os_version
    physical = len(ctx.sim.ports)
    return lines(
        f"Cisco IOS XE Software, Version {version}",
        *sys_descr("cisco", dev.model).split("\r\n"),
        "Compiled Thu 14-Mar-24 02:17 by mcpre",
        "",
        "ROM: IOS-XE ROMMON",
        "",
        f"{dev.name} uptime is {uptime_text(ctx.uptime_s())}",
        f"Uptime for this control processor is {uptime_text(ctx.uptime_s())}",
        "System returned to ROM by Reload Command",
        f"System restarted at {stamp(ctx.sim.boot_time(ctx.now), '%H:%M:%S UTC %a %b %d %Y')}",
        'System image file is "bootflash:packages.conf"',
        "Last reload reason: Reload Command",
        "",
        f"cisco {dev.model} (1RU) processor with 1795999K/6147K bytes of memory.",
        f"Processor board ID {ctx.serial('FDO')}",
        f"{physical} Ethernet interfaces",
        "32768K bytes of non-volatile configuration memory.",
        "",
        "Configuration register is 0x2102",
    )


def _interface(ctx: RenderCtx, pos: int) -> list[str]:
    port = ctx.sim.ports[pos]
    up = ctx.oper_up(pos)
    state = "up" if up else ("administratively down" if not port.admin_up else "down")
    mac = mac_text(ctx.sim.port_mac(pos), "dot")
    speed = port.speed_mbps
    out = [f"{port.name} is {state}, line protocol is {'up' if up else 'down'} ",
           f"  Hardware is {_hardware(ctx, port.name)}, address is {mac} (bia {mac})"]
    if port.alias:
        out.append(f"  Description: {port.alias}")
    rx, tx = ctx.octets(pos, 0), ctx.octets(pos, 1)
    rx_p, tx_p = ctx.packets(pos, 0), ctx.packets(pos, 1)
    rx_r, tx_r = ctx.rate_bps(pos, 0), ctx.rate_bps(pos, 1)
    out += [
        f"  MTU 1500 bytes, BW {speed * 1000} Kbit/sec, DLY 10 usec, ",
        "     reliability 255/255, txload 1/255, rxload 1/255",
        "  Encapsulation ARPA, loopback not set",
        "  Keepalive not supported ",
        f"  Full Duplex, {speed}Mbps, link type is auto, media type is SX",
        "  output flow-control is off, input flow-control is off",
        "  ARP type: ARPA, ARP Timeout 04:00:00",
        "  Last input 00:00:00, output 00:00:00, output hang never",
        '  Last clearing of "show interface" counters never',
        "  Input queue: 0/375/0/0 (size/max/drops/flushes); Total output drops: 0",
        "  Queueing strategy: fifo",
        "  Output queue: 0/40 (size/max)",
        f"  5 minute input rate {rx_r} bits/sec, {rx_r // 8 // 620} packets/sec",
        f"  5 minute output rate {tx_r} bits/sec, {tx_r // 8 // 620} packets/sec",
        f"     {rx_p} packets input, {rx} bytes, 0 no buffer",
        "     Received 0 broadcasts (0 IP multicasts)",
        "     0 runts, 0 giants, 0 throttles",
        "     0 input errors, 0 CRC, 0 frame, 0 overrun, 0 ignored",
        "     0 watchdog, 0 multicast, 0 pause input",
        f"     {tx_p} packets output, {tx} bytes, 0 underruns",
        "     0 output errors, 0 collisions, 0 interface resets",
        "     0 unknown protocol drops",
        "     0 babbles, 0 late collision, 0 deferred",
        "     0 lost carrier, 0 no carrier, 0 pause output",
        "     0 output buffer failures, 0 output buffers swapped out",
    ]
    return out


def show_interfaces(ctx: RenderCtx, _: list[str]) -> str:
    out: list[str] = []
    for pos, _port in ctx.ports():
        out += _interface(ctx, pos)
    return lines(*out)


def _port_description(alias: str) -> str:
    return f"Port Description: {alias}" if alias else "Port Description - not advertised"


def show_lldp_detail(ctx: RenderCtx, _: list[str]) -> str:
    out: list[str] = []
    neighbours = ctx.neighbours()
    for pos, far in neighbours:
        far_dev = ctx.inv.devices[far.device]
        out += [
            "------------------------------------------------",
            f"Local Intf: {short_name(ctx.sim.ports[pos].name)}",
            f"Chassis id: {mac_text(mac_for(far.device, 'chassis'), 'dot')}",
            f"Port id: {far.interface}",
            _port_description(ctx.sim.remote_alias(far)),
            f"System Name: {far.device}",
            "",
            "System Description: ",
            *sys_descr(far_dev.vendor, far_dev.model).split("\r\n"),
            "",
            "Time remaining: 104 seconds",
            "System Capabilities: B,R",
            "Enabled Capabilities: R",
            "Management Addresses:",
            f"    IP: {far_dev.mgmt_address}",
            "Auto Negotiation - not supported",
            "Physical media capabilities - not advertised",
            "Media Attachment Unit type - not advertised",
            "Vlan ID: - not advertised",
            "",
        ]
    out += ["", f"Total entries displayed: {len(neighbours)}"]
    return lines(*out)


def show_lldp(ctx: RenderCtx, _: list[str]) -> str:
    out = ["Capability codes:",
           "    (R) Router, (B) Bridge, (T) Telephone, (C) DOCSIS Cable Device",
           "    (W) WLAN Access Point, (P) Repeater, (S) Station, (O) Other",
           "",
           "Device ID           Local Intf     Hold-time  Capability      Port ID"]
    neighbours = ctx.neighbours()
    for pos, far in neighbours:
        out.append(f"{far.device[:20]:<20}{short_name(ctx.sim.ports[pos].name):<15}{120:<11}{'R':<16}{far.interface}")
    out += ["", f"Total entries displayed: {len(neighbours)}"]
    return lines(*out)


def running_config(ctx: RenderCtx, _: list[str]) -> str:
    dev = ctx.sim.device
    cfg = ctx.config
    body = ["!", f"! Last configuration change at {stamp(cfg.changed_at, '%H:%M:%S UTC %a %b %d %Y')} by "
                 f"{cfg.changed_by}", "!",
            "version 17.9", "service timestamps debug datetime msec", "service timestamps log datetime msec",
            "service password-encryption", "!", f"hostname {dev.name}", "!", "boot-start-marker", "boot-end-marker",
            "!", "no aaa new-model", "clock timezone UTC 0 0", "!", "ip domain name rie.gouv.fr", "!", "lldp run",
            "!", "interface Loopback0", " description MGMT", f" ip address {dev.mgmt_address} 255.255.255.255", "!"]
    for port in ctx.sim.ports:
        body.append(f"interface {port.name}")
        if port.alias:
            body.append(f" description {port.alias}")
        body.append(" no ip address")
        if not port.name.startswith("Cellular"):
            body.append(" negotiation auto")
        if not port.admin_up:
            body.append(" shutdown")
        body.append("!")
    body += ["ip ssh version 2", "!", f"snmp-server location {ctx.sim.sys_location.decode()}",
             "snmp-server contact NOC RIE <noc@rie.example>", "!",
             # like a real IOS clock-period: changes without anyone changing the configuration
             f"ntp clock-period {17179869 + int(ctx.now * 7) % 9973}", "ntp server 127.0.0.1", "!"]
    if cfg.extra:
        body += [*cfg.extra, "!"]
    body += ["line con 0", " stopbits 1", "line vty 0 4", " login local", " transport input ssh", "!", "end"]
    text = lines(*body)
    return lines("Building configuration...", "", f"Current configuration : {len(text) + 2} bytes", text)


def _invalid(line: str) -> str:
    return lines("                ^", "% Invalid input detected at '^' marker.", "")


def _prompt(host: str, user: str, privileged: bool) -> str:
    return f"{host}{'#' if privileged else '>'}"


def _greeting(ctx: RenderCtx) -> str:
    return lines("", "RIE - acces reserve au personnel autorise", "", "")


def _nothing(ctx: RenderCtx, _: list[str]) -> str:
    return ""


PLATFORM = SimPlatform(
    vendor="cisco", prompt=_prompt, greeting=_greeting, invalid=_invalid, starts_privileged=False, enable="enable",
    exits=("exit", "logout", "quit"),
    commands=(
        Command(("terminal", "length", "<n>"), _nothing),
        Command(("terminal", "width", "<n>"), _nothing),
        Command(("terminal", "no", "monitor"), _nothing),
        Command(("show", "version"), show_version),
        Command(("show", "interfaces"), show_interfaces),
        Command(("show", "lldp", "neighbors"), show_lldp),
        Command(("show", "lldp", "neighbors", "detail"), show_lldp_detail),
        Command(("show", "running-config"), running_config, privileged=True),
    ),
)
