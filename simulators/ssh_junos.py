"""Juniper Junos as the simulated routers speak it: operational mode ``user@host>``.

Like real Junos, an interface that is administratively down shows ``Administratively
down`` in ``show interfaces`` (which ntc-templates' template does not accept: the
collector falls back to its own parser for it).
"""

from __future__ import annotations

from simulators.ifmib import mac_for
from simulators.ssh_cli import Command, RenderCtx, SimPlatform, lines, mac_text, stamp
from vigie.vendors import VENDORS

_SPEED = ((100_000, "100Gbps"), (10_000, "10Gbps"), (1_000, "1000mbps"), (0, "100mbps"))


def _speed(mbps: int) -> str:
    return next(text for threshold, text in _SPEED if mbps >= threshold)


def show_version(ctx: RenderCtx, _: list[str]) -> str:
    version = VENDORS["juniper"].os_version
    dev = ctx.sim.device
    return lines(
        f"Hostname: {dev.name}",
        f"Model: {dev.model.lower()}",
        f"Junos: {version}",
        f"JUNOS Base OS boot [{version}]",
        f"JUNOS Base OS Software Suite [{version}]",
        f"JUNOS Kernel Software Suite [{version}]",
        f"JUNOS Crypto Software Suite [{version}]",
        f"JUNOS Packet Forwarding Engine Support (MX Common) [{version}]",
        f"JUNOS Online Documentation [{version}]",
        f"JUNOS Routing Software Suite [{version}]",
    )


def show_interfaces(ctx: RenderCtx, _: list[str]) -> str:
    out: list[str] = []
    for pos, port in ctx.ports():
        up = ctx.oper_up(pos)
        admin = "Enabled" if port.admin_up else "Administratively down"
        mac = mac_text(ctx.sim.port_mac(pos), "colon")
        mtu = 9192 if port.speed_mbps >= 10_000 else 1514
        out += [f"Physical interface: {port.name}, {admin}, Physical link is {'Up' if up else 'Down'}",
                f"  Interface index: {100 + pos}, SNMP ifIndex: {port.index}"]
        if port.alias:
            out.append(f"  Description: {port.alias}")
        out += [
            f"  Link-level type: Ethernet, MTU: {mtu}, MRU: {mtu + 8}, Speed: {_speed(port.speed_mbps)}, "
            "BPDU Error: None, Loop Detect PDU Error: None,",
            "  MAC-REWRITE Error: None, Loopback: Disabled, Source filtering: Disabled, Flow control: Enabled",
            "  Device flags   : Present Running" if up else "  Device flags   : Present Running Down",
            "  Interface flags: SNMP-Traps Internal: 0x4000",
            "  Link flags     : None",
            "  CoS queues     : 8 supported, 8 maximum usable queues",
            f"  Current address: {mac}, Hardware address: {mac}",
            "  Last flapped   : Never",
            f"  Input rate     : {ctx.rate_bps(pos, 0)} bps ({ctx.rate_bps(pos, 0) // 8 // 620} pps)",
            f"  Output rate    : {ctx.rate_bps(pos, 1)} bps ({ctx.rate_bps(pos, 1) // 8 // 620} pps)",
            "  Active alarms  : None" if up or not port.admin_up else "  Active alarms  : LINK",
            "  Active defects : None" if up or not port.admin_up else "  Active defects : LINK",
            "",
        ]
    return lines(*out)


def show_lldp(ctx: RenderCtx, _: list[str]) -> str:
    out = ["Local Interface    Parent Interface    Chassis Id          Port info          System Name"]
    for pos, far in ctx.neighbours():
        local = ctx.sim.ports[pos].name
        chassis = mac_text(mac_for(far.device, "chassis"), "colon")
        out.append(f"{local:<18} {'-':<19} {chassis:<19} {far.interface:<18} {far.device}")
    return lines(*out)


def show_configuration(ctx: RenderCtx, _: list[str]) -> str:
    dev = ctx.sim.device
    cfg = ctx.config
    out = [f"## Last commit: {stamp(cfg.changed_at, '%Y-%m-%d %H:%M:%S UTC')} by {cfg.changed_by}",
           f"version {VENDORS['juniper'].os_version};",
           "system {", f"    host-name {dev.name};", "    domain-name rie.gouv.fr;",
           "    services {", "        ssh;", "    }", "    ntp {", "        server 127.0.0.1;", "    }", "}",
           "interfaces {"]
    for port in ctx.sim.ports:
        if port.alias or not port.admin_up:
            out.append(f"    {port.name} {{")
            if port.alias:
                out.append(f'        description "{port.alias}";')
            if not port.admin_up:
                out.append("        disable;")
            out.append("    }")
    out += ["    lo0 {", "        unit 0 {", "            family inet {",
            f"                address {dev.mgmt_address}/32;", "            }", "        }", "    }", "}",
            "snmp {", f'    location "{ctx.sim.sys_location.decode()}";', '    contact "NOC RIE <noc@rie.example>";',
            "}", "protocols {", "    lldp {", "        interface all;", "    }", "}", *cfg.extra]
    return lines(*out)


def _invalid(line: str) -> str:
    return lines(" " * min(len(line), 40) + "^", "unknown command.")


def _prompt(host: str, user: str, privileged: bool) -> str:
    return f"{user}@{host}> "


def _greeting(ctx: RenderCtx) -> str:
    return lines(f"Last login: {stamp(ctx.now - 3600, '%a %b %d %H:%M:%S %Y')} from 127.0.0.1", "",
                 f"--- JUNOS {VENDORS['juniper'].os_version} Kernel 64-bit  JNPR-12.1-20231013.108e0bd_buil", "")


PLATFORM = SimPlatform(
    vendor="juniper", prompt=_prompt, greeting=_greeting, invalid=_invalid, trailer="\r\n",
    exits=("exit", "quit"),
    commands=(
        Command(("set", "cli", "screen-width", "<n>"), lambda ctx, w: f"Screen width set to {w[3]}"),
        Command(("set", "cli", "screen-length", "<n>"), lambda ctx, w: f"Screen length set to {w[3]}"),
        Command(("set", "cli", "complete-on-space", "off"), lambda ctx, w: "Disabling complete-on-space"),
        Command(("show", "version"), show_version),
        Command(("show", "interfaces"), show_interfaces),
        Command(("show", "lldp", "neighbors"), show_lldp),
        Command(("show", "configuration"), show_configuration),
    ),
)
