"""The simulated CLIs, parsed by Vigie's parsers, say what the inventory and the SNMP farm say.

Sans I/O: the shells are driven directly. Also the parsers' own fallbacks (Junos
``Administratively down``, LLDP outputs with lines the templates do not know).
"""

from __future__ import annotations

import time

import pytest

from collectors.cli.errors import CliParseError
from collectors.cli.lldp import cross_check
from collectors.cli.parse import lldp_fallback, parse_interfaces, parse_lldp, parse_version, textfsm
from collectors.cli.platforms import PLATFORMS
from simulators.ifmib import IF_ENTRY, IFX_ENTRY
from tests.unit.cli.clikit import farm, first_with_neighbours, logged_in, rie, run

VENDORS = ("cisco", "juniper", "huawei")


@pytest.mark.parametrize("vendor", VENDORS)
def test_version_interfaces_and_lldp_match_the_inventory(vendor: str) -> None:
    inv = rie()
    f = farm(inv)
    name = first_with_neighbours(inv, vendor)
    dev = inv.devices[name]
    shell = logged_in(f, name)
    p = PLATFORMS[vendor]
    version = parse_version(p, run(shell, p.show_version))
    assert version.model.lower() == dev.model.lower()
    if vendor != "huawei":
        assert version.hostname == name
    interfaces = {i.name: i for i in parse_interfaces(p, {c: run(shell, c) for c in p.show_interfaces})}
    for itf in dev.interfaces:
        got = interfaces[itf.name]
        assert got.description == itf.alias, itf.name
        assert got.admin_up == itf.admin_up, itf.name
    neighbours = parse_lldp(p, run(shell, p.show_lldp))
    assert neighbours, f"{name} shows no LLDP neighbour"
    report = cross_check(inv, name, neighbours, time.time(), interfaces.values())
    assert report.clean, report.to_dict()
    assert len(report.ok) == len(neighbours)


@pytest.mark.parametrize("vendor", VENDORS)
def test_interface_states_are_the_snmp_farms(vendor: str) -> None:
    inv = rie()
    f = farm(inv)
    name = first_with_neighbours(inv, vendor)
    shell = logged_in(f, name)
    p = PLATFORMS[vendor]
    now = time.time()
    parsed = {i.name: i for i in parse_interfaces(p, {c: run(shell, c) for c in p.show_interfaces})}
    view = f.sim(name).view
    for n, port in enumerate(f.sim(name).ports):
        idx = port.index
        assert view.get(IF_ENTRY + (2, idx), now) == port.name.encode()
        assert view.get(IFX_ENTRY + (18, idx), now) == port.alias.encode()
        oper = view.get(IF_ENTRY + (8, idx), now) == 1
        assert parsed[port.name].oper_up == oper, (port.name, n)


def test_a_device_down_takes_its_neighbours_lldp_links_with_it() -> None:
    inv = rie()
    victim = first_with_neighbours(inv, "cisco", "S")
    link = next(lk for lk in inv.links_of(victim) if lk.medium.value not in ("4g", "satellite"))
    far = link.other(victim)
    scenario = f'[[fault]]\nat = 0\nkind = "device_down"\ndevice = "{victim}"\n'
    f = farm(inv, scenario, start=time.time() - 10)
    assert f.silent(victim)
    dev = inv.devices[far.device]
    p = PLATFORMS[dev.vendor]
    shell = logged_in(f, far.device)
    interfaces = parse_interfaces(p, {c: run(shell, c) for c in p.show_interfaces})
    report = cross_check(inv, far.device, parse_lldp(p, run(shell, p.show_lldp)), time.time(), interfaces)
    missing = [m for m in report.missing if m.link == link.id]
    assert len(missing) == 1
    assert missing[0].reason == "local interface down"
    assert missing[0].expected == f"{victim}:{link.a.interface if link.a.device == victim else link.b.interface}"


def test_junos_administratively_down_needs_vigies_own_parser() -> None:
    inv = rie()
    f = farm(inv)
    name = next(d.name for d in inv.devices.values()
                if d.vendor == "juniper" and any(not i.admin_up for i in d.interfaces))
    shell = logged_in(f, name)
    text = run(shell, "show interfaces")
    assert "Administratively down" in text
    with pytest.raises(CliParseError):
        textfsm(PLATFORMS["juniper"], "show interfaces", text)
    parsed = {i.name: i for i in parse_interfaces(PLATFORMS["juniper"], {"show interfaces": text})}
    for itf in inv.devices[name].interfaces:
        assert parsed[itf.name].admin_up == itf.admin_up
        assert parsed[itf.name].description == itf.alias


@pytest.mark.parametrize("vendor", VENDORS)
def test_lldp_outputs_with_unknown_lines_fall_back_to_vigies_parser(vendor: str) -> None:
    inv = rie()
    f = farm(inv)
    name = first_with_neighbours(inv, vendor)
    p = PLATFORMS[vendor]
    text = run(logged_in(f, name), p.show_lldp)
    normal = parse_lldp(p, text)
    odd_line = {"cisco": "Neighbour firmware fingerprint: 0xdeadbeef",
                "juniper": "Neighbour information truncated",
                "huawei": "Unexpected vendor TLV blob : 0x1234"}[vendor]
    lines = text.splitlines()
    lines.insert(3 if vendor != "juniper" else 0, odd_line)
    broken = "\n".join(lines)
    with pytest.raises(CliParseError):
        textfsm(p, p.show_lldp, broken)
    fallback = parse_lldp(p, broken)
    assert [(n.local_interface, n.system, n.port) for n in fallback] == \
        [(n.local_interface, n.system, n.port) for n in normal]
    assert lldp_fallback(p, text) == fallback


def test_an_unparseable_output_is_a_parse_error_naming_the_device() -> None:
    with pytest.raises(CliParseError) as info:
        parse_lldp(PLATFORMS["juniper"], "garbage that is\nnot an LLDP table", "S00001-R1")
    assert "S00001-R1" in str(info.value)
    assert info.value.kind == "parse"


def test_running_configurations_are_coherent_with_the_inventory() -> None:
    inv = rie()
    f = farm(inv)
    for vendor in VENDORS:
        name = first_with_neighbours(inv, vendor)
        dev = inv.devices[name]
        shell = logged_in(f, name)
        cfg = run(shell, PLATFORMS[vendor].show_config)
        assert name in cfg and dev.mgmt_address in cfg
        for itf in dev.interfaces:
            if itf.alias:
                assert itf.alias in cfg
        assert cfg.splitlines()[-1].strip() == (PLATFORMS[vendor].config_end or cfg.splitlines()[-1].strip())
