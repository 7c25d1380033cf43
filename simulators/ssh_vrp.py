"""Huawei VRP as the simulated routers speak it: user view ``<host>``.

``display interface description`` writes interface names abbreviated (``GE0/0/0``), as
real VRP does; ``display lldp neighbor`` writes the far end's multi-line system
description, as real VRP does.
"""

from __future__ import annotations

from simulators.ifmib import mac_for
from simulators.ssh_cli import Command, RenderCtx, SimPlatform, lines, mac_text, stamp, uptime_text
from vigie.vendors import VENDORS, sys_descr

_SHORT = (("XGigabitEthernet", "XGE"), ("GigabitEthernet", "GE"), ("Cellular", "Cellular"))
_LEGEND = ["PHY: Physical", "*down: administratively down", "^down: standby", "(l): loopback", "(s): spoofing",
           "(b): BFD down", "(e): ETHOAM down", "(d): Dampening Suppressed"]


def short_name(name: str) -> str:
    for full, short in _SHORT:
        if name.startswith(full):
            return short + name[len(full):]
    return name


def display_version(ctx: RenderCtx, _: list[str]) -> str:
    dev = ctx.sim.device
    descr = sys_descr("huawei", dev.model).split("\r\n")[:3]
    return lines(*descr, f"HUAWEI {dev.model} uptime is {uptime_text(ctx.uptime_s(), 'vrp')}", "",
                 f"{dev.model} version information:", "- " * 32,
                 "BKP  version information:", "  PCB         Version : CX68BKP02D REV A",
                 f"  Serial number       : {ctx.serial('21', 14)}")


def _states(ctx: RenderCtx, pos: int) -> tuple[str, str]:
    port = ctx.sim.ports[pos]
    if not port.admin_up:
        return "*down", "down"
    up = ctx.oper_up(pos)
    return ("up", "up") if up else ("down", "down")


def _util(ctx: RenderCtx, pos: int, out: int) -> str:
    speed = ctx.sim.ports[pos].speed_mbps * 1_000_000
    pct = 100.0 * ctx.rate_bps(pos, out) / speed if speed else 0.0
    return "0%" if pct < 0.005 else f"{pct:.2f}%"


def display_interface_brief(ctx: RenderCtx, _: list[str]) -> str:
    out = [*_LEGEND, "InUti/OutUti: input utility/output utility",
           "Interface                   PHY   Protocol  InUti OutUti   inErrors  outErrors"]
    for pos, port in ctx.ports():
        phy, proto = _states(ctx, pos)
        out.append(f"{port.name:<27} {phy:<5} {proto:<8} {_util(ctx, pos, 0):>6} {_util(ctx, pos, 1):>6} "
                   f"{0:>10} {0:>10}")
    out.append("LoopBack0                   up    up(s)        0%     0%          0          0")
    return lines(*out)


def display_interface_description(ctx: RenderCtx, _: list[str]) -> str:
    out = [*_LEGEND, "Interface                     PHY     Protocol Description"]
    for pos, port in ctx.ports():
        phy, proto = _states(ctx, pos)
        out.append(f"{short_name(port.name):<29} {phy:<7} {proto:<8} {port.alias}".rstrip())
    out.append(f"{'LoopBack0':<29} {'up':<7} {'up(s)':<8} MGMT")
    return lines(*out)


def _description(text: str) -> list[str]:
    first, *rest = text.split("\r\n")
    return [f"System description  :{first}", *rest]


def display_lldp_neighbor(ctx: RenderCtx, _: list[str]) -> str:
    seen = dict(ctx.neighbours())
    out: list[str] = []
    for pos, port in ctx.ports():
        if port.name.startswith("Cellular"):
            continue
        far = seen.get(pos)
        if far is None:
            out += [f"{port.name} has 0 neighbor(s)", ""]
            continue
        far_dev = ctx.inv.devices[far.device]
        out += [f"{port.name} has 1 neighbor(s):", "",
                "Neighbor index :1",
                "Chassis type   :MAC address",
                f"Chassis ID     :{mac_text(mac_for(far.device, 'chassis'), 'dash')}",
                "Port ID subtype  :Interface name",
                f"Port ID        :{far.interface}",
                f"Port description    :{ctx.sim.remote_alias(far)}",
                f"System name         :{far.device}",
                *_description(sys_descr(far_dev.vendor, far_dev.model)),
                "System capabilities supported   :bridge router",
                "System capabilities enabled     :bridge router",
                "Management address type  :ipv4",
                f"Management address value :{far_dev.mgmt_address}",
                "Expired time   :104s", "",
                "Port VLAN ID(PVID)  :1",
                "Auto-negotiation supported    :Yes",
                "Auto-negotiation enabled      :Yes",
                f"OperMau   :speed({min(port.speed_mbps, 100000)})/duplex(Full)", "",
                "Link aggregation supported:No",
                "Link aggregation enabled :No",
                "Aggregation port ID :0",
                "Maximum frame Size :9216", ""]
    return lines(*out)


def current_configuration(ctx: RenderCtx, _: list[str]) -> str:
    dev = ctx.sim.device
    cfg = ctx.config
    out = [f"!Software Version {VENDORS['huawei'].os_version}",
           f"!Last configuration was updated at {stamp(cfg.changed_at, '%Y-%m-%d %H:%M:%S+00:00')} by {cfg.changed_by}",
           "#", f"sysname {dev.name}", "#", "lldp enable", "#", "ntp-service unicast-server 127.0.0.1", "#"]
    for port in ctx.sim.ports:
        out.append(f"interface {port.name}")
        if port.alias:
            out.append(f" description {port.alias}")
        out.append(" shutdown" if not port.admin_up else " undo shutdown")
        out.append("#")
    out += ["interface LoopBack0", " description MGMT", f" ip address {dev.mgmt_address} 255.255.255.255", "#",
            f"snmp-agent sys-info location {ctx.sim.sys_location.decode()}",
            "snmp-agent sys-info contact NOC RIE <noc@rie.example>", "#", "stelnet server enable", "#"]
    if cfg.extra:
        out += [*cfg.extra, "#"]
    out.append("return")
    return lines(*out)


def _invalid(line: str) -> str:
    return lines(" " * min(len(line), 40) + "^", "Error: Unrecognized command found at '^' position.")


def _prompt(host: str, user: str, privileged: bool) -> str:
    return f"<{host}>"


def _greeting(ctx: RenderCtx) -> str:
    return lines("", "Info: The max number of VTY users is 10, and the number",
                 "      of current VTY users on line is 1.",
                 f"      The current login time is {stamp(ctx.now, '%Y-%m-%d %H:%M:%S+00:00')}.", "")


PLATFORM = SimPlatform(
    vendor="huawei", prompt=_prompt, greeting=_greeting, invalid=_invalid, exits=("quit",),
    commands=(
        Command(("screen-length", "<n>", "temporary"),
                lambda ctx, w: "Info: The configuration takes effect on the current user terminal interface only."),
        Command(("display", "version"), display_version),
        Command(("display", "interface", "brief"), display_interface_brief),
        Command(("display", "interface", "description"), display_interface_description),
        Command(("display", "lldp", "neighbor"), display_lldp_neighbor),
        Command(("display", "current-configuration"), current_configuration),
    ),
)
